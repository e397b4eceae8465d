//! Training an `mlnotes-models` MLP on your own data with `deep::Trainer`: a CSV (generated
//! here: two interleaved half-moons) is loaded, standardised with a scaler fitted on the
//! training rows, split into training and validation rows, and a 2-32-32-2 ReLU network with
//! dropout is trained with Adam and early stopping; the kept model predicts probabilities for
//! new rows and is saved as a Burn record.
//!
//! Run it with `cargo run --example mlp_own_data`; `cargo test --example mlp_own_data` runs it
//! as a test.

use mlnotes::Result;
use mlnotes::backend::{Backend, seeded};
use mlnotes::data::csv::CsvLoader;
use mlnotes::deep::{Trainer, evaluate, predict_proba};
use mlnotes::estimator::{Fit, Transform};
use mlnotes::preprocess::Scaler;
use mlnotes::selection::HoldOut;
use mlnotes_models::MlpConfig;

fn main() -> Result<()> {
    // Your data: here two half-moons written as a CSV with a string target.
    let dir = std::env::temp_dir().join(format!("mlnotes-mlp-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| mlnotes::Error::io(&dir, e))?;
    let moons = mlnotes::data::generate::moons(600, 0.15, 3)?;
    let mut text = String::from("x,y,side\n");
    for (row, &t) in moons.features().rows().into_iter().zip(moons.targets()) {
        text.push_str(&format!(
            "{},{},{}\n",
            row[0],
            row[1],
            ["upper", "lower"][t]
        ));
    }
    let csv = dir.join("moons.csv");
    std::fs::write(&csv, text).map_err(|e| mlnotes::Error::io(&csv, e))?;
    let data = CsvLoader::new("side").classification_from_path(&csv)?;

    // Training and validation rows; the scaler learns from the training rows only.
    let split = HoldOut::train_test(0.75, 1)
        .stratified()
        .split(data.n_samples(), Some(&data.targets_slice()))?;
    let (train, val) = (data.select(&split.train)?, data.select(&split.test)?);
    let scaler = Scaler::standardization().fit(&train)?;
    let train = train.with_features(scaler.transform(train.x())?)?;
    let val = val.with_features(scaler.transform(val.x())?)?;

    // A Burn network from mlnotes-models, its weights drawn from seed 7.
    let device = Backend::default_compiled()?.device()?;
    let config = MlpConfig {
        dropout: 0.1,
        ..MlpConfig::new(2, vec![32, 32], 2)
    };
    let model = seeded(&device, 7, || config.init(&device))?;
    let trainer = Trainer {
        epochs: 60,
        batch_size: 32,
        learning_rate: 1e-2,
        patience: Some(10),
        ..Trainer::new(60)
    };
    let trained = trainer.fit(model, &train, &val, |e| {
        if e.epoch % 10 == 0 {
            println!(
                "epoch {:>3}: training loss {:.4}, validation accuracy {:.3}",
                e.epoch, e.train_loss, e.val_accuracy
            );
        }
    })?;
    let (loss, acc) = evaluate(&trained.model, &val)?;
    println!("kept model: validation loss {loss:.4}, accuracy {acc:.3}");

    // Probabilities for new rows (scaled like the training rows), and the saved weights.
    let new = scaler.transform(ndarray::array![[0.0, 1.0], [1.0, -0.5]].view())?;
    let p = predict_proba(&trained.model, new.view())?;
    println!("P(side | x) for two new points:\n{p:.3}");
    trained.save(dir.join("mlp.bpk"))?;
    std::fs::remove_dir_all(&dir).ok();
    assert!(acc > 0.95, "two moons are separable by a small MLP");
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
