//! Every hyperparameter of every training loop and Burn model config, set out of range, is
//! refused with `Error::Config` naming exactly that parameter.

use mlnotes_models::{
    Architecture, CnnConfig, Init, MlpConfig, SelfAttentionConfig, SequenceModelConfig,
    TransformerConfig,
};

use crate::Error;
use crate::checkpoint::Checkpointing;
use crate::deep::{Optimizer, Trainer};
use crate::estimator::Params;
use crate::gan::Gan;
use crate::rl::{Dqn, Estimator, PolicyGradient, QLearning};
use crate::sequence::SequenceTrainer;

/// `check` fails with `Error::Config { param, .. }` for exactly `param`.
#[track_caller]
fn refuses(params: &impl Params, param: &str) {
    match params.check() {
        Err(Error::Config { param: got, .. }) => assert_eq!(got, param),
        Err(e) => panic!("expected a config error for `{param}`, got {e}"),
        Ok(()) => panic!("expected a config error for `{param}`, got Ok"),
    }
}

/// A model config's `check` names `param`, and converts to `Error::Config` naming it too.
#[track_caller]
fn model_refuses(result: Result<(), mlnotes_models::InvalidConfig>, param: &str) {
    let e = result.expect_err(param);
    assert_eq!(e.param, param, "{e}");
    assert!(matches!(Error::from(e), Error::Config { param: p, .. } if p == param));
}

#[test]
fn trainer() {
    let t = Trainer::new(3);
    assert!(t.check().is_ok());
    refuses(
        &Trainer {
            epochs: 0,
            ..t.clone()
        },
        "epochs",
    );
    refuses(
        &Trainer {
            batch_size: 0,
            ..t.clone()
        },
        "batch_size",
    );
    refuses(
        &Trainer {
            learning_rate: 0.0,
            ..t.clone()
        },
        "learning_rate",
    );
    refuses(
        &Trainer {
            weight_decay: -1.0,
            ..t.clone()
        },
        "weight_decay",
    );
    refuses(
        &Trainer {
            patience: Some(0),
            ..t.clone()
        },
        "patience",
    );
    refuses(
        &Trainer {
            optimizer: Optimizer::Sgd { momentum: 1.0 },
            ..t
        },
        "momentum",
    );
}

#[test]
fn sequence_trainer() {
    let s = SequenceTrainer::new(20);
    assert!(s.check().is_ok());
    refuses(
        &SequenceTrainer {
            steps: 0,
            ..s.clone()
        },
        "steps",
    );
    refuses(
        &SequenceTrainer {
            batch_size: 0,
            ..s.clone()
        },
        "batch_size",
    );
    refuses(
        &SequenceTrainer {
            eval_every: 0,
            ..s.clone()
        },
        "eval_every",
    );
    refuses(
        &SequenceTrainer {
            learning_rate: f64::NAN,
            ..s.clone()
        },
        "learning_rate",
    );
    refuses(
        &SequenceTrainer {
            clip_norm: Some(0.0),
            ..s
        },
        "clip_norm",
    );
}

#[test]
fn gan() {
    let g = Gan::new(10);
    assert!(g.check().is_ok());
    refuses(
        &Gan {
            noise_dim: 0,
            ..g.clone()
        },
        "noise_dim",
    );
    refuses(
        &Gan {
            steps: 0,
            ..g.clone()
        },
        "steps",
    );
    refuses(
        &Gan {
            batch_size: 0,
            ..g.clone()
        },
        "batch_size",
    );
    refuses(
        &Gan {
            learning_rate: -1.0,
            ..g.clone()
        },
        "learning_rate",
    );
    refuses(
        &Gan {
            hidden: vec![8, 0],
            ..g
        },
        "hidden",
    );
}

#[test]
fn reinforcement_learning() {
    let d = Dqn::new(1000);
    assert!(d.check().is_ok());
    refuses(
        &Dqn {
            learning_rate: 0.0,
            ..d.clone()
        },
        "learning_rate",
    );
    refuses(
        &Dqn {
            gamma: 1.5,
            ..d.clone()
        },
        "gamma",
    );
    refuses(
        &Dqn {
            epsilon_fraction: 0.0,
            ..d.clone()
        },
        "epsilon_fraction",
    );
    refuses(
        &Dqn {
            epsilon: (1.0, -0.1),
            ..d.clone()
        },
        "epsilon",
    );
    refuses(
        &Dqn {
            total_steps: 0,
            ..d.clone()
        },
        "total_steps",
    );
    refuses(
        &Dqn {
            batch_size: 0,
            ..d.clone()
        },
        "batch_size",
    );
    refuses(
        &Dqn {
            train_every: 0,
            ..d.clone()
        },
        "train_every",
    );
    refuses(
        &Dqn {
            eval_every: 0,
            ..d.clone()
        },
        "eval_every",
    );
    refuses(
        &Dqn {
            buffer_size: 10,
            batch_size: 64,
            ..d.clone()
        },
        "buffer_size",
    );
    refuses(
        &Dqn {
            target_update: Some(0),
            ..d.clone()
        },
        "target_update",
    );
    refuses(
        &Dqn {
            hidden: vec![0],
            ..d
        },
        "hidden",
    );

    let p = PolicyGradient::new(Estimator::Baseline, 5);
    assert!(p.check().is_ok());
    refuses(
        &PolicyGradient {
            learning_rate: 0.0,
            ..p.clone()
        },
        "learning_rate",
    );
    refuses(
        &PolicyGradient {
            value_learning_rate: -1.0,
            ..p.clone()
        },
        "value_learning_rate",
    );
    refuses(
        &PolicyGradient {
            gamma: 2.0,
            ..p.clone()
        },
        "gamma",
    );
    refuses(
        &PolicyGradient {
            batch_steps: 0,
            ..p.clone()
        },
        "batch_steps",
    );
    refuses(
        &PolicyGradient {
            n_envs: 0,
            ..p.clone()
        },
        "n_envs",
    );
    refuses(
        &PolicyGradient {
            iterations: 0,
            ..p.clone()
        },
        "iterations",
    );
    refuses(
        &PolicyGradient {
            hidden: vec![0],
            ..p
        },
        "hidden",
    );

    let q = QLearning::new(100);
    assert!(q.check().is_ok());
    refuses(
        &QLearning {
            episodes: 0,
            ..q.clone()
        },
        "episodes",
    );
    refuses(
        &QLearning {
            max_steps: 0,
            ..q.clone()
        },
        "max_steps",
    );
    refuses(
        &QLearning {
            alpha: 0.0,
            ..q.clone()
        },
        "alpha",
    );
    refuses(
        &QLearning {
            alpha_decay: -1.0,
            ..q.clone()
        },
        "alpha_decay",
    );
    refuses(
        &QLearning {
            epsilon: (1.5, 0.1),
            ..q.clone()
        },
        "epsilon",
    );
    refuses(
        &QLearning {
            epsilon_fraction: 2.0,
            ..q
        },
        "epsilon_fraction",
    );
}

/// A checkpoint interval of 0 is refused by every loop that takes one.
#[test]
fn checkpoint_intervals() {
    let every_0 = || Some(Checkpointing::new("ckpt", 0));
    let param = "checkpoint.every";
    refuses(
        &Trainer {
            checkpoint: every_0(),
            ..Trainer::new(3)
        },
        param,
    );
    refuses(
        &SequenceTrainer {
            checkpoint: every_0(),
            ..SequenceTrainer::new(3)
        },
        param,
    );
    refuses(
        &Gan {
            checkpoint: every_0(),
            ..Gan::new(3)
        },
        param,
    );
    refuses(
        &Dqn {
            checkpoint: every_0(),
            ..Dqn::new(3)
        },
        param,
    );
    refuses(
        &PolicyGradient {
            checkpoint: every_0(),
            ..PolicyGradient::new(Estimator::Baseline, 3)
        },
        param,
    );
}

#[test]
fn model_configs() {
    model_refuses(MlpConfig::new(0, vec![4], 2).check(), "input");
    model_refuses(MlpConfig::new(3, vec![4, 0], 2).check(), "hidden");
    model_refuses(MlpConfig::new(3, vec![4], 0).check(), "output");
    model_refuses(
        MlpConfig::new(3, vec![4], 2).with_dropout(1.0).check(),
        "dropout",
    );
    let gaussian = MlpConfig::new(3, vec![4], 2).with_init(Init::Gaussian { std: 0.0 });
    model_refuses(gaussian.check(), "init");
    let cnn = CnnConfig::digits();
    assert!(cnn.check().is_ok());
    model_refuses(
        CnnConfig {
            in_channels: 0,
            ..cnn.clone()
        }
        .check(),
        "in_channels",
    );
    model_refuses(
        CnnConfig {
            channels: vec![8, 0],
            ..cnn.clone()
        }
        .check(),
        "channels",
    );
    model_refuses(
        CnnConfig {
            kernel: 2,
            ..cnn.clone()
        }
        .check(),
        "kernel",
    );
    model_refuses(
        CnnConfig {
            channels: vec![4; 5],
            ..cnn
        }
        .check(),
        "channels",
    );
    model_refuses(SelfAttentionConfig::new(6, 4).check(), "d_model");
    model_refuses(SelfAttentionConfig::new(8, 0).check(), "n_heads");
    model_refuses(TransformerConfig::new(0).check(), "d_input");
    let odd = TransformerConfig {
        d_model: 7,
        n_heads: 7,
        ..TransformerConfig::new(2)
    };
    model_refuses(odd.check(), "d_model");
    model_refuses(
        SequenceModelConfig::new(0, 4, 1, Architecture::Lstm).check(),
        "d_input",
    );
    model_refuses(
        SequenceModelConfig::new(2, 0, 1, Architecture::Rnn).check(),
        "d_hidden",
    );
    model_refuses(
        SequenceModelConfig::new(2, 4, 0, Architecture::Lstm).check(),
        "outputs",
    );
    let mismatch = Architecture::Transformer(TransformerConfig::new(2));
    model_refuses(
        SequenceModelConfig::new(3, 4, 1, mismatch).check(),
        "architecture",
    );
}
