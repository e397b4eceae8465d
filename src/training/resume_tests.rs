//! Every training loop, interrupted after a checkpoint and resumed, ends with exactly the model
//! and history of an uninterrupted run with the same seed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use mlnotes_models::{Architecture, Mlp, MlpConfig, SequenceModelConfig};

use crate::backend::{test_device, to_vec};
use crate::checkpoint::Checkpointing;
use crate::data::generate;
use crate::deep::{Trainer, predict_proba};
use crate::gan::Gan;
use crate::rl::{Dqn, Estimator, PolicyGradient};
use crate::sequence::{SequenceTrainer, Task, evaluate};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlnotes-resume-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

/// Every weight of a network, layer by layer.
fn weights(m: &Mlp) -> Vec<Vec<f32>> {
    m.layers
        .iter()
        .map(|l| to_vec(l.weight.val()).unwrap())
        .collect()
}

/// Runs `train` with a callback that "crashes" (panics) at record `crash_at`: the loop must
/// have saved a checkpoint before.
fn crash<T>(train: impl FnOnce() -> T) {
    let outcome = catch_unwind(AssertUnwindSafe(train));
    assert!(outcome.is_err(), "the run was meant to be interrupted");
}

#[test]
fn trainer_resumes_to_the_uninterrupted_model() {
    let (device, _turn) = test_device();
    let data = generate::moons(120, 0.2, 1).unwrap();
    // Dropout: the resumed epochs must draw the same masks.
    let config = MlpConfig {
        dropout: 0.2,
        ..MlpConfig::new(2, vec![16], 2)
    };
    let dir = scratch("trainer");
    let trainer = |checkpoint| Trainer {
        batch_size: 32,
        learning_rate: 1e-2,
        seed: 5,
        checkpoint,
        ..Trainer::new(6)
    };
    let full = trainer(None)
        .fit(config.init(&device), &data, &data, |_| {})
        .unwrap();
    crash(|| {
        trainer(Some(Checkpointing::new(&dir, 2))).fit(config.init(&device), &data, &data, |s| {
            assert!(s.epoch < 5, "interrupted in epoch 5");
        })
    });
    let resumed = trainer(Some(Checkpointing::new(&dir, 2).resume(true)))
        .fit(config.init(&device), &data, &data, |s| {
            assert!(s.epoch >= 5)
        })
        .unwrap();
    assert_eq!(resumed.history, full.history);
    assert_eq!(
        predict_proba(&resumed.model, data.x()).unwrap(),
        predict_proba(&full.model, data.x()).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sequence_trainer_resumes_to_the_uninterrupted_model() {
    let (device, _turn) = test_device();
    let task = Task::Adding { length: 6 };
    let config = SequenceModelConfig::new(2, 8, 1, Architecture::Lstm);
    let dir = scratch("sequence");
    let trainer = |checkpoint| SequenceTrainer {
        batch_size: 16,
        eval_every: 3,
        seed: 2,
        checkpoint,
        ..SequenceTrainer::new(12)
    };
    let full = trainer(None)
        .fit(config.init(&device), &task, |_| {})
        .unwrap();
    crash(|| {
        trainer(Some(Checkpointing::new(&dir, 4))).fit(config.init(&device), &task, |e| {
            assert!(e.step < 9, "interrupted at step 9");
        })
    });
    // The checkpoint of step 8 is the latest: only the evaluations after it run again.
    let resumed = trainer(Some(Checkpointing::new(&dir, 4).resume(true)))
        .fit(config.init(&device), &task, |e| assert!(e.step > 8))
        .unwrap();
    assert_eq!(resumed.history, full.history);
    assert_eq!(
        evaluate(&resumed.model, &task, 64, 9).unwrap(),
        evaluate(&full.model, &task, 64, 9).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn gan_resumes_to_the_uninterrupted_model() {
    let (device, _turn) = test_device();
    let real = generate::moons(64, 0.1, 3).unwrap().into_parts().0;
    let dir = scratch("gan");
    let gan = |checkpoint| Gan {
        hidden: vec![16],
        batch_size: 16,
        seed: 4,
        checkpoint,
        ..Gan::new(10)
    };
    let full = gan(None).fit(real.view(), &device, |_| {}).unwrap();
    crash(|| {
        gan(Some(Checkpointing::new(&dir, 3))).fit(real.view(), &device, |s| {
            assert!(s.step < 8, "interrupted at step 8");
        })
    });
    let resumed = gan(Some(Checkpointing::new(&dir, 3).resume(true)))
        .fit(real.view(), &device, |s| assert!(s.step > 6))
        .unwrap();
    assert_eq!(resumed.history, full.history);
    assert_eq!(
        weights(&resumed.model.generator),
        weights(&full.model.generator)
    );
    assert_eq!(
        weights(&resumed.model.discriminator),
        weights(&full.model.discriminator)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn dqn_resumes_to_the_uninterrupted_model() {
    let (device, _turn) = test_device();
    let dir = scratch("dqn");
    let dqn = |checkpoint| Dqn {
        hidden: vec![16],
        buffer_size: 500,
        batch_size: 16,
        learning_starts: 100,
        train_every: 2,
        target_update: Some(50),
        eval_every: 300,
        seed: 6,
        checkpoint,
        ..Dqn::new(900)
    };
    let full = dqn(None).fit(&device, |_| {}).unwrap();
    crash(|| {
        dqn(Some(Checkpointing::new(&dir, 250))).fit(&device, |r| {
            assert!(r.step < 700, "interrupted at step 700");
        })
    });
    let resumed = dqn(Some(Checkpointing::new(&dir, 250).resume(true)))
        .fit(&device, |r| assert!(r.step > 500))
        .unwrap();
    assert_eq!(resumed.history, full.history);
    assert!(full.evaluations().len() >= 2);
    assert_eq!(weights(&resumed.model.q), weights(&full.model.q));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn policy_gradient_resumes_to_the_uninterrupted_model() {
    let (device, _turn) = test_device();
    let dir = scratch("pg");
    let pg = |checkpoint| PolicyGradient {
        hidden: vec![8],
        batch_steps: 100,
        n_envs: 4,
        value_steps: 3,
        seed: 8,
        checkpoint,
        ..PolicyGradient::new(Estimator::Baseline, 4)
    };
    let full = pg(None).fit(&device, |_| {}).unwrap();
    let mut seen = 0;
    crash(|| {
        pg(Some(Checkpointing::new(&dir, 2))).fit(&device, |_| {
            seen += 1;
            assert!(seen < 3, "interrupted in iteration 3");
        })
    });
    let mut rerun = 0;
    let resumed = pg(Some(Checkpointing::new(&dir, 2).resume(true)))
        .fit(&device, |_| rerun += 1)
        .unwrap();
    assert_eq!(rerun, 2, "iterations 3 and 4 only");
    assert_eq!(resumed.history, full.history);
    assert_eq!(weights(&resumed.model.policy), weights(&full.model.policy));
    assert_eq!(weights(&resumed.model.value), weights(&full.model.value));
    std::fs::remove_dir_all(&dir).ok();
}

/// Two fits on two threads at once, each with its own seed, give what they give alone: the
/// library holds Burn's generator for each fit ([`crate::backend::rng_turn`]).
#[test]
fn concurrent_fits_get_their_own_random_streams() {
    let data = generate::moons(80, 0.2, 2).unwrap();
    let config = MlpConfig {
        dropout: 0.3,
        ..MlpConfig::new(2, vec![16], 2)
    };
    let fit = |seed: u64| {
        let device = crate::backend::Backend::default_compiled()
            .and_then(crate::backend::Backend::device)
            .unwrap();
        let trainer = Trainer {
            batch_size: 16,
            seed,
            ..Trainer::new(3)
        };
        let trained = trainer
            .fit(config.init(&device), &data, &data, |_| {})
            .unwrap();
        predict_proba(&trained.model, data.x()).unwrap()
    };
    let alone = [fit(1), fit(2)];
    for _ in 0..3 {
        let together = std::thread::scope(|s| {
            let a = s.spawn(|| fit(1));
            let b = s.spawn(|| fit(2));
            [a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!(together, alone);
    }
}

/// Early stopping saves its last epoch; resuming a finished run trains nothing and returns the
/// same model; resuming with other settings or other data is refused.
#[test]
fn trainer_resume_after_early_stopping_and_with_other_settings() {
    let (device, _turn) = test_device();
    let data = generate::moons(80, 0.3, 4).unwrap();
    let other = generate::moons(80, 0.3, 5).unwrap();
    let config = MlpConfig::new(2, vec![8], 2);
    let dir = scratch("patience");
    // A learning rate so large that the validation loss soon stops improving.
    let trainer = |checkpoint, learning_rate| Trainer {
        batch_size: 16,
        learning_rate,
        patience: Some(1),
        seed: 3,
        checkpoint,
        ..Trainer::new(40)
    };
    let first = trainer(Some(Checkpointing::new(&dir, 100)), 0.5)
        .fit(config.init(&device), &data, &data, |_| {})
        .unwrap();
    assert!(first.history.len() < 40, "early stopping did not stop");
    let again = trainer(Some(Checkpointing::new(&dir, 100).resume(true)), 0.5)
        .fit(config.init(&device), &data, &data, |_| {
            panic!("no epoch left to run")
        })
        .unwrap();
    assert_eq!(again.history, first.history);
    assert_eq!(
        predict_proba(&again.model, data.x()).unwrap(),
        predict_proba(&first.model, data.x()).unwrap()
    );
    for (learning_rate, train) in [(0.4, &data), (0.5, &other)] {
        let err = trainer(
            Some(Checkpointing::new(&dir, 100).resume(true)),
            learning_rate,
        )
        .fit(config.init(&device), train, train, |_| {})
        .unwrap_err();
        assert!(
            matches!(
                err,
                crate::Error::Config {
                    param: "checkpoint",
                    ..
                }
            ),
            "{err}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A training loop started on a rayon worker that already holds Burn's generator (a task it
/// took over inside another fit's parallel operation) is an error, neither an interleaved
/// stream nor a deadlock.
#[test]
fn a_fit_nested_on_a_rayon_worker_is_an_error() {
    let data = generate::moons(20, 0.2, 1).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let _outer = crate::backend::rng_turn().unwrap();
        let device = crate::backend::Backend::default_compiled()
            .and_then(crate::backend::Backend::device)
            .unwrap();
        let err = Trainer::new(1)
            .fit(
                MlpConfig::new(2, vec![4], 2).init(&device),
                &data,
                &data,
                |_| {},
            )
            .unwrap_err();
        assert!(matches!(err, crate::Error::Backend { .. }), "{err}");
    });
}
