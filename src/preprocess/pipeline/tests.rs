use std::sync::{Arc, Mutex};

use ndarray::{Array1, Array2, ArrayView2, array};

use super::*;
use crate::data::{Dataset, generate};
use crate::estimator::FitFeatures;
use crate::knn::Knn;
use crate::linear::LinearRegression;
use crate::persist::Persist;
use crate::preprocess::{FittedScaler, Imputation, Imputer, Scaler};
use crate::selection::{KFold, cross_val_score};

/// A transformer that records the rows it is fitted on (by their first feature, a row id).
#[derive(Debug, Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Vec<f64>>>>,
}

struct Identity;

impl Params for Recorder {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl<T: Target> FitChecked<T> for Recorder {
    type Model = Identity;
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<Identity> {
        let ids = data.x().column(0).to_vec();
        self.seen.lock().unwrap().push(ids);
        Ok(Identity)
    }
}

impl Transform for Identity {
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        Ok(x.to_owned())
    }
}

/// Cross-validating a pipeline fits its transformer on each fold's training rows only.
#[test]
fn no_step_is_fitted_on_validation_rows() {
    let base = generate::moons(60, 0.2, 3).unwrap();
    // Column 0 is the row id, so the recorder can tell which rows it saw.
    let ids = Array1::from_iter((0..60).map(f64::from)).insert_axis(ndarray::Axis(1));
    let x = ndarray::concatenate![ndarray::Axis(1), ids, base.features().view()];
    let data = base.with_features(x).unwrap();
    let folds = KFold::new(5, 1)
        .folds(data.n_samples(), Some(&data.targets_slice()))
        .unwrap();
    let recorder = Recorder::default();
    let pipeline = Pipeline::new(recorder.clone(), Knn::new(3));
    cross_val_score(&pipeline, &data, &folds, crate::metrics::accuracy).unwrap();
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(seen.len(), folds.len());
    for (fold, ids) in folds.iter().zip(seen.iter()) {
        let mut expected: Vec<f64> = fold.train.iter().map(|&i| i as f64).collect();
        let mut got = ids.clone();
        expected.sort_by(f64::total_cmp);
        got.sort_by(f64::total_cmp);
        assert_eq!(
            got, expected,
            "the transformer saw other rows than the training rows"
        );
        assert!(fold.test.iter().all(|&i| !ids.contains(&(i as f64))));
    }
}

/// impute → standardise → least squares equals doing the three by hand.
#[test]
fn a_chain_equals_its_steps_by_hand() {
    let nan = f64::NAN;
    let x = array![[1.0, 2.0], [nan, 1.0], [3.0, nan], [4.0, 5.0], [2.0, 2.5]];
    let y = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let names = vec!["a".to_string(), "b".to_string()];
    let data = Dataset::with_missing(x.clone(), y.clone(), names, "y").unwrap();
    let pipeline = Pipeline::new(
        Imputer::new(Imputation::Mean),
        Pipeline::new(Scaler::standardization(), LinearRegression::new()),
    );
    let fitted = pipeline.fit(&data).unwrap();
    let imputer = Imputer::new(Imputation::Mean).fit(&data).unwrap();
    let filled = imputer.transform(x.view()).unwrap();
    let scaler = Scaler::standardization()
        .fit_features(filled.view())
        .unwrap();
    let scaled = scaler.transform(filled.view()).unwrap();
    let by_hand = LinearRegression::new()
        .fit(&Dataset::new(scaled.clone(), y).unwrap())
        .unwrap();
    let new = array![[nan, 4.0], [2.5, 1.5]];
    let expected = by_hand
        .predict(
            scaler
                .transform(imputer.transform(new.view()).unwrap().view())
                .unwrap()
                .view(),
        )
        .unwrap();
    assert_eq!(fitted.predict(new.view()).unwrap(), expected);
    // Without an imputer first, missing values are refused with a hint.
    let err = Pipeline::new(Scaler::standardization(), LinearRegression::new())
        .fit(&data)
        .unwrap_err();
    assert!(err.to_string().contains("impute"), "{err}");
    // Saved and loaded as one model.
    type Chain = FittedPipeline<
        crate::preprocess::FittedImputer,
        FittedPipeline<FittedScaler, crate::linear::FittedLinear>,
    >;
    let path = std::env::temp_dir().join(format!("mlnotes-pipeline-{}.json", std::process::id()));
    fitted.save(&path).unwrap();
    let loaded = Chain::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(loaded.predict(new.view()).unwrap(), expected);
    assert_eq!(
        Chain::kind(),
        "pipeline(imputer, pipeline(scaler, linear-regression))"
    );
}
