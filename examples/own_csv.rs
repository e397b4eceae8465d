//! Your own CSV, end to end: a file with missing cells, a categorical string column and a
//! string target → a pipeline (a column transformer — numeric columns imputed and
//! standardised, the categorical one imputed and one-hot encoded — then logistic regression)
//! → stratified cross-validation → fit on the training rows → save → load → predict the
//! held-out rows, and a new file of rows without the target, loaded in the training file's
//! layout. The `mlnotes` command line does the same in three commands (README).
//!
//! Run it with `cargo run --example own_csv`; `cargo test --example own_csv` runs it as a test.

use mlnotes::Result;
use mlnotes::data::csv::{CsvLoader, Missing, Unknown};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::accuracy;
use mlnotes::persist::Persist;
use mlnotes::preprocess::{ColumnTransformer, Pipeline};
use mlnotes::selection::{HoldOut, KFold, cross_val_score};

/// A small flower-like table with holes: two measurements (some `NA`), a colour, a species.
fn write_csv(path: &std::path::Path) -> Result<()> {
    let mut text = String::from("petal_length,petal_width,colour,species\n");
    for i in 0..120 {
        let species = ["setosa", "versicolor", "virginica"][i % 3];
        let length = 1.5 + 2.0 * (i % 3) as f64 + 0.1 * ((i * 7) % 5) as f64;
        let width = 0.2 + 0.8 * (i % 3) as f64 + 0.05 * ((i * 3) % 4) as f64;
        let colour = ["white", "purple", "blue"][(i + i / 7) % 3];
        let length = if i % 11 == 0 {
            "NA".to_string()
        } else {
            format!("{length:.2}")
        };
        let width = if i % 13 == 5 {
            String::new()
        } else {
            format!("{width:.2}")
        };
        text.push_str(&format!("{length},{width},{colour},{species}\n"));
    }
    std::fs::write(path, text).map_err(|e| mlnotes::Error::io(path, e))
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("mlnotes-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| mlnotes::Error::io(&dir, e))?;
    let csv = dir.join("flowers.csv");
    write_csv(&csv)?;

    // 1. Load: missing cells kept (NaN) for the imputers, the colour as category codes.
    let loader = CsvLoader::new("species")
        .categorical_codes()
        .missing(Missing::Keep);
    for column in loader.describe_path(&csv)? {
        println!(
            "{:>13}: {:?}, {} missing, {} distinct",
            column.name, column.kind, column.missing, column.distinct
        );
    }
    let (data, schema) = loader.classification_with_schema(
        std::fs::File::open(&csv).map_err(|e| mlnotes::Error::io(&csv, e))?,
    )?;

    // 2. The model: numeric columns median-imputed and standardised, the colour imputed with
    // its most frequent value and one-hot encoded (an unseen colour: zeros), then logistic
    // regression. Every step is fitted on training rows only.
    let model = Pipeline::new(
        ColumnTransformer::standard(schema.categorical_features(), Unknown::Zeros),
        LogisticRegression::new(1.0),
    );

    // 3. Held-out rows for the end; 5-fold stratified cross-validation on the rest.
    let split = HoldOut::train_test(0.8, 7)
        .stratified()
        .split(data.n_samples(), Some(&data.targets_slice()))?;
    let (train, test) = (data.select(&split.train)?, data.select(&split.test)?);
    let folds = KFold::new(5, 7)
        .stratified()
        .folds(train.n_samples(), Some(&train.targets_slice()))?;
    let scores = cross_val_score(&model, &train, &folds, accuracy)?;
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    println!("cross-validated accuracy: {mean:.3} ({scores:.3?})");

    // 4. Fit on all training rows, save, load, predict the held-out rows.
    let fitted = model.fit(&train)?;
    let path = dir.join("model.json");
    fitted.save(&path)?;
    let loaded = load_like(&fitted, &path)?;
    let predicted = loaded.predict(test.x())?;
    assert_eq!(predicted, fitted.predict(test.x())?);
    let held_out = accuracy(test.y(), predicted.view())?;
    println!(
        "held-out accuracy: {held_out:.3}; classes {:?}",
        train.class_names()
    );
    let names: Vec<String> = test
        .decode(&predicted.to_vec())?
        .into_iter()
        .take(3)
        .collect();
    println!("first predictions: {names:?}");

    // 5. A new file: columns in another order, no species, one missing length, an unseen
    // colour (a code no training row has: zeros from the encoder). The schema maps it onto
    // the training features.
    let new = dir.join("new.csv");
    std::fs::write(
        &new,
        "colour,petal_width,petal_length
white,0.25,1.6
blue,1.9,NA
gold,1.0,3.6
",
    )
    .map_err(|e| mlnotes::Error::io(&new, e))?;
    let x = loader.features_like_path(&schema, &new, Unknown::Zeros)?;
    let species: Vec<&str> = loaded
        .predict(x.view())?
        .iter()
        .map(|&k| schema.classes[k].as_str())
        .collect();
    println!("new rows: {species:?}");
    assert_eq!(species, vec!["setosa", "virginica", "versicolor"]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        mean > 0.9 && held_out > 0.9,
        "the species are easy to tell apart"
    );
    Ok(())
}

/// Loads a model saved from `fitted`, typed like it.
fn load_like<M: Persist>(_fitted: &M, path: &std::path::Path) -> Result<M> {
    M::load(path)
}

#[test]
fn runs() {
    main().unwrap();
}
