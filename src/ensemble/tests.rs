use ndarray::{Array1, Array2, array};

use super::*;
use crate::data::{Dataset, generate};
use crate::estimator::{Fit, Predict, PredictProba};
use crate::metrics::{accuracy, mse};
use crate::selection::HoldOut;
use crate::tree::DecisionTree;

#[test]
fn adaboost_weights_after_one_round_by_hand() {
    // The best stump splits at x <= 2.5: left [0, 0] pure, right [1, 1, 0] misses x = 5.
    // err = 1/5, α = ln((1 - 0.2) / 0.2) + ln(2 - 1) = ln 4; the missed example's weight
    // becomes 0.2 · 4 = 0.8, the others stay 0.2; normalised: 0.8/1.6 = 0.5 and 0.2/1.6 = 0.125.
    let data = Dataset::new(array![[1.], [2.], [3.], [4.], [5.]], array![0, 0, 1, 1, 0]).unwrap();
    let model = AdaBoost::new(1).fit(&data).unwrap();
    assert!((model.errors[0] - 0.2).abs() < 1e-15);
    assert!((model.alphas[0] - 4f64.ln()).abs() < 1e-15);
    let expected = [0.125, 0.125, 0.125, 0.125, 0.5];
    for (w, e) in model.sample_weights.iter().zip(expected) {
        assert!((w - e).abs() < 1e-15, "{:?}", model.sample_weights);
    }
    // Round two fits the reweighted set: the stump now isolates x = 5.
    let two = AdaBoost::new(2).fit(&data).unwrap();
    assert_eq!(two.learners.len(), 2);
    assert!(two.errors[1] < 0.5);
}

#[test]
fn adaboost_samme_multiclass_and_boosting_reduces_training_error() {
    let data = crate::data::iris();
    let model = AdaBoost::new(50).fit(&data).unwrap();
    let stages = model.staged_predict(data.x()).unwrap();
    let first = accuracy(data.targets().view(), stages[0].view()).unwrap();
    let last = accuracy(data.targets().view(), stages.last().unwrap().view()).unwrap();
    // A stump separates one class of three: at most 2/3 of iris.
    assert!(first <= 2.0 / 3.0 + 1e-12, "{first}");
    assert!(last > 0.95, "{last}");
    let p = model.predict_proba(data.x()).unwrap();
    assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
}

#[test]
fn bagging_votes_and_random_forest_fits_digits() {
    let data = crate::data::digits();
    let split = HoldOut::train_test(0.75, 0)
        .stratified()
        .split(data.n_samples(), Some(data.targets().as_slice().unwrap()))
        .unwrap();
    let (train, test) = (
        data.select(&split.train).unwrap(),
        data.select(&split.test).unwrap(),
    );
    let forest = Bagging::random_forest(30).with_seed(1).fit(&train).unwrap();
    let acc = accuracy(
        test.targets().view(),
        forest.predict(test.x()).unwrap().view(),
    )
    .unwrap();
    let tree = DecisionTree::cart().fit(&train).unwrap();
    let tree_acc = accuracy(
        test.targets().view(),
        tree.predict(test.x()).unwrap().view(),
    )
    .unwrap();
    assert!(
        acc > 0.93 && acc > tree_acc + 0.05,
        "forest {acc} vs tree {tree_acc}"
    );
    // Same seed, same forest.
    let again = Bagging::random_forest(30).with_seed(1).fit(&train).unwrap();
    assert_eq!(
        again.predict(test.x()).unwrap(),
        forest.predict(test.x()).unwrap()
    );
    let p = forest.predict_proba(test.x()).unwrap();
    assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
}

#[test]
fn bagging_regression_averages() {
    let data = generate::polynomial(200, &[0.0, 1.0, -2.0, 1.0], (-2.0, 2.0), 0.1, 0).unwrap();
    let model = Bagging::new(DecisionTree::regression(), 20)
        .fit(&data)
        .unwrap();
    let pred = model.predict(data.x()).unwrap();
    let manual = model
        .models
        .iter()
        .map(|m| m.predict(data.x()).unwrap())
        .fold(Array1::<f64>::zeros(200), |a, b| a + b)
        / 20.0;
    assert!((&pred - &manual).iter().all(|d| d.abs() < 1e-12));
}

#[test]
fn gradient_boosting_regression_first_round_by_hand() {
    // F0 = mean(y) = 2.5; residuals -1.5, -0.5, 0.5, 1.5; a depth-1 tree splits 2 | 2 with
    // leaf means -1 and 1; F1 = 2.5 + 0.1 · (±1).
    let data = Dataset::new(array![[1.], [2.], [3.], [4.]], array![1.0, 2.0, 3.0, 4.0]).unwrap();
    let gb = GradientBoosting {
        tree: DecisionTree::regression().with_max_depth(1),
        ..GradientBoosting::new(1)
    };
    let model = gb.fit(&data).unwrap();
    let pred = model.predict(data.x()).unwrap();
    assert!(
        (&pred - &array![2.4, 2.4, 2.6, 2.6])
            .iter()
            .all(|d| d.abs() < 1e-12)
    );
    // Training loss ½ mean r² before: ½ (2.25 + 0.25) · 2 / 4 = 0.625
    assert!((model.train_loss[0] - 0.625).abs() < 1e-12);
}

#[test]
fn gradient_boosting_reduces_loss_each_round() {
    let data = generate::polynomial(300, &[0.0, 1.0, -2.0, 1.0], (-2.0, 2.0), 0.3, 1).unwrap();
    let model = GradientBoosting::new(100).fit(&data).unwrap();
    assert!(model.train_loss.windows(2).all(|w| w[1] <= w[0] + 1e-12));
    let err = mse(
        data.targets().view(),
        model.predict(data.x()).unwrap().view(),
    )
    .unwrap();
    assert!(err < 0.3 * 0.3 * 1.5, "{err}");
}

#[test]
fn gradient_boosting_binary_newton_step_by_hand() {
    // Two examples per class; F0 = ln(2/2) = 0, p = 0.5, r = y - 0.5 = ±0.5, h = 0.25.
    // A stump separates the classes; leaf γ = Σr/Σh = (2 · 0.5)/(2 · 0.25) = ±2.
    let data = Dataset::new(array![[1.], [2.], [3.], [4.]], array![0, 0, 1, 1]).unwrap();
    let gb = GradientBoosting {
        learning_rate: 1.0,
        tree: DecisionTree::regression().with_max_depth(1),
        ..GradientBoosting::new(1)
    };
    let f = gb.fit(&data).unwrap().decision_function(data.x()).unwrap();
    assert!(
        (&f.column(0) - &array![-2.0, -2.0, 2.0, 2.0])
            .iter()
            .all(|d| d.abs() < 1e-12)
    );
}

#[test]
fn gradient_boosting_classifies_multiclass() {
    let data = crate::data::iris();
    let model = GradientBoosting::new(50).fit(&data).unwrap();
    let acc = accuracy(
        data.targets().view(),
        model.predict(data.x()).unwrap().view(),
    )
    .unwrap();
    assert!(acc > 0.98, "{acc}");
    assert!(model.train_loss.last().unwrap() < &model.train_loss[0]);
    let p: Array2<f64> = model.predict_proba(data.x()).unwrap();
    assert_eq!(p.ncols(), 3);
}

#[test]
fn bad_hyperparameters_are_errors() {
    let data = crate::data::iris();
    assert!(AdaBoost::new(0).fit(&data).is_err());
    assert!(
        AdaBoost {
            learning_rate: -1.0,
            ..AdaBoost::new(5)
        }
        .fit(&data)
        .is_err()
    );
    assert!(Bagging::random_forest(0).fit(&data).is_err());
    assert!(
        Bagging {
            max_samples: 0.0,
            ..Bagging::random_forest(3)
        }
        .fit(&data)
        .is_err()
    );
    assert!(
        GradientBoosting {
            tree: DecisionTree::cart(),
            ..GradientBoosting::new(3)
        }
        .fit(&data)
        .is_err()
    );
    assert!(
        GradientBoosting {
            subsample: 1.5,
            ..GradientBoosting::new(3)
        }
        .fit(&data)
        .is_err()
    );
    let one = Dataset::new(array![[1.], [2.]], array![0, 0]).unwrap();
    assert!(AdaBoost::new(3).fit(&one).is_err());
    assert!(GradientBoosting::new(3).fit(&one).is_err());
}

#[test]
fn a_rare_class_does_not_break_the_forest() {
    // 29 examples of class 0 and one of class 1: about a third of all bootstrap samples miss
    // class 1, so without redrawing some tree of 20 would see one class only.
    let x = ndarray::Array2::from_shape_fn((30, 2), |(i, j)| (i * (j + 1)) as f64);
    let mut y = ndarray::Array1::zeros(30);
    y[29] = 1;
    let d = crate::data::Dataset::with_classes(x, y, vec!["a".into(), "b".into()]).unwrap();
    let forest = Bagging::random_forest(20).with_seed(3).fit(&d).unwrap();
    let p = forest.predict_proba(d.x()).unwrap();
    assert_eq!(p.ncols(), 2);
    assert!(p.iter().all(|v| v.is_finite()));
}
