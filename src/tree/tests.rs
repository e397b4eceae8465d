use ndarray::{Array1, Array2, array};

use super::*;
use crate::data::Dataset;
use crate::estimator::{Fit, Predict, PredictProba};

fn categorical(criterion: Criterion, n_features: usize) -> DecisionTree {
    DecisionTree {
        categorical: (0..n_features).collect(),
        ..DecisionTree::new(criterion)
    }
}

#[test]
fn id3_grows_mitchells_play_tennis_tree() {
    let data = crate::data::play_tennis();
    let tree = categorical(Criterion::InformationGain, 4)
        .fit(&data)
        .unwrap();
    // Outlook at the root; sunny -> Humidity, overcast -> yes, rain -> Wind.
    let Split::Category { feature, children } = &tree.nodes()[0].split else {
        panic!("root is not a categorical split")
    };
    assert_eq!(*feature, 0);
    let child = |v: f64| &tree.nodes()[children.iter().find(|c| c.0 == v).unwrap().1];
    assert!(matches!(
        child(0.0).split,
        Split::Category { feature: 2, .. }
    ));
    assert_eq!(child(1.0).split, Split::Leaf);
    assert_eq!(child(1.0).value, vec![0.0, 1.0]);
    assert!(matches!(
        child(2.0).split,
        Split::Category { feature: 3, .. }
    ));
    assert_eq!((tree.n_leaves(), tree.depth()), (5, 2));
    assert_eq!(tree.predict(data.x()).unwrap(), data.targets());
    let text = tree.render(data.feature_names(), data.class_names());
    assert!(text.starts_with("|--- Outlook = 0\n|   |--- Humidity = 0\n|   |   |--- class: no"));
    // An outlook never seen in training stops at the root: its distribution, 9 yes / 5 no.
    let p = tree
        .predict_proba(array![[7.0, 0.0, 0.0, 0.0]].view())
        .unwrap();
    assert!((p[[0, 1]] - 9.0 / 14.0).abs() < 1e-12);
}

#[test]
fn gain_ratio_does_not_prefer_an_id_attribute() {
    // Eight copies of play tennis with a unique "day" ID per row (the notes' example).
    let base = crate::data::play_tennis();
    let n = 8 * base.n_samples();
    let mut x = Array2::zeros((n, 5));
    let mut y = Array1::zeros(n);
    for i in 0..n {
        let r = i % base.n_samples();
        x.row_mut(i)
            .slice_mut(ndarray::s![..4])
            .assign(&base.features().row(r));
        x[[i, 4]] = i as f64;
        y[i] = base.targets()[r];
    }
    let data = Dataset::new(x, y).unwrap();
    let root = |c| match categorical(c, 5).fit(&data).unwrap().nodes()[0]
        .split
        .clone()
    {
        Split::Category { feature, .. } => feature,
        other => panic!("{other:?}"),
    };
    // Gain(day) = Entropy(S) = 0.940 beats Gain(Outlook) = 0.247; but IGR(day) =
    // 0.940 / log2(112) = 0.138 < IGR(Outlook) = 0.247 / 1.577 = 0.156.
    assert_eq!(root(Criterion::InformationGain), 4);
    assert_eq!(root(Criterion::GainRatio), 0);
}

#[test]
fn cart_threshold_is_the_midpoint() {
    let data = Dataset::new(
        array![[1.], [2.], [3.], [4.], [5.], [6.]],
        array![0, 0, 0, 1, 1, 1],
    )
    .unwrap();
    let tree = DecisionTree::cart().fit(&data).unwrap();
    assert_eq!(
        tree.nodes()[0].split,
        Split::Threshold {
            feature: 0,
            threshold: 3.5,
            left: 1,
            right: 2
        }
    );
    assert_eq!(tree.n_leaves(), 2);
    assert_eq!(
        tree.predict(array![[3.4], [3.6]].view()).unwrap(),
        array![0, 1]
    );
}

#[test]
fn regression_tree_fits_a_step_and_respects_min_samples_leaf() {
    let x = Array2::from_shape_fn((10, 1), |(i, _)| i as f64);
    let y = x.column(0).mapv(|v| if v < 5.0 { 1.0 } else { 3.0 });
    let data = Dataset::new(x, y).unwrap();
    let tree = DecisionTree::regression().fit(&data).unwrap();
    assert!(matches!(
        tree.nodes()[0].split,
        Split::Threshold { threshold: 4.5, .. }
    ));
    assert_eq!(
        tree.predict(array![[0.0], [9.0]].view()).unwrap(),
        array![1.0, 3.0]
    );
    // Root impurity: variance of five 1s and five 3s = 1.
    assert!((tree.nodes()[0].impurity - 1.0).abs() < 1e-12);
    // min_samples_leaf = 6 forbids every split of 10 examples.
    let stump = DecisionTree {
        min_samples_leaf: 6,
        ..DecisionTree::regression()
    };
    assert_eq!(stump.fit(&data).unwrap().n_leaves(), 1);
}

/// A regression tree on targets `a + b·y` grows the same tree as on `y` and predicts `a + b·ŷ`:
/// the variance is centred (no cancellation when `a` is large) and purity is relative to the
/// root (no split refused because `b` is small).
#[test]
fn regression_tree_is_invariant_to_the_targets_scale_and_offset() {
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| {
            if r[0] < 8.0 {
                r[1] % 3.0
            } else {
                5.0 + r[1] % 2.0
            }
        })
        .collect();
    let reference = DecisionTree::regression()
        .fit(&Dataset::new(x.clone(), y.clone()).unwrap())
        .unwrap();
    assert!(reference.n_leaves() > 3);
    for (a, b) in [(0.0, 1e-7), (1e8, 1.0), (-3e9, 1e-3)] {
        let tree = DecisionTree::regression()
            .fit(&Dataset::new(x.clone(), y.mapv(|v| a + b * v)).unwrap())
            .unwrap();
        assert_eq!(
            (tree.n_leaves(), tree.depth()),
            (reference.n_leaves(), reference.depth()),
            "a = {a}, b = {b}"
        );
        let got = tree.predict(x.view()).unwrap();
        let want = reference.predict(x.view()).unwrap().mapv(|v| a + b * v);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-9 * a.abs().max(b),
                "a = {a}, b = {b}: {g} vs {w}"
            );
        }
    }
    // A constant target far from 0 is one leaf: its variance is exactly 0, not rounding noise.
    let flat = Dataset::new(x.clone(), Array1::from_elem(40, 1e8 + 0.1)).unwrap();
    let tree = DecisionTree::regression().fit(&flat).unwrap();
    assert_eq!(tree.n_leaves(), 1);
    assert_eq!(tree.nodes()[0].impurity, 0.0);
}

#[test]
fn max_depth_is_respected() {
    let data = crate::data::digits();
    for depth in [1, 3, 5] {
        let tree = DecisionTree::cart()
            .with_max_depth(depth)
            .fit(&data)
            .unwrap();
        assert!(tree.depth() <= depth);
        assert!(tree.n_leaves() <= 1 << depth);
    }
    let full = DecisionTree::cart().fit(&data).unwrap();
    assert_eq!(
        full.predict(data.x()).unwrap(),
        data.targets(),
        "a full tree fits its training set"
    );
    let imp = full.feature_importances();
    assert!((imp.sum() - 1.0).abs() < 1e-12);
}

#[test]
fn cost_complexity_path_by_hand() {
    // Root: Gini([1, 3]) = 1 - 1/16 - 9/16 = 0.375; one split into pure leaves: R(T) = 0,
    // so g(root) = (0.375 - 0) / (2 - 1) = 0.375.
    let data = Dataset::new(array![[1.], [2.], [3.], [4.]], array![0, 1, 1, 1]).unwrap();
    let tree = DecisionTree::cart().fit(&data).unwrap();
    let path = tree.cost_complexity_path();
    assert_eq!(path.len(), 2);
    assert_eq!(path[0], (0.0, 0.0));
    assert!((path[1].0 - 0.375).abs() < 1e-15 && (path[1].1 - 0.375).abs() < 1e-15);
    let keep = DecisionTree {
        ccp_alpha: 0.3,
        ..DecisionTree::cart()
    };
    let cut = DecisionTree {
        ccp_alpha: 0.4,
        ..DecisionTree::cart()
    };
    assert_eq!(keep.fit(&data).unwrap().n_leaves(), 2);
    assert_eq!(cut.fit(&data).unwrap().n_leaves(), 1);
}

#[test]
fn cost_complexity_path_is_nested_and_monotone() {
    let data = crate::data::iris();
    let tree = DecisionTree::cart().fit(&data).unwrap();
    let path = tree.cost_complexity_path();
    assert!(
        path.windows(2)
            .all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1 - 1e-12)
    );
    // Pruning to the last α leaves the root alone, whose impurity is Gini(50, 50, 50) = 2/3.
    let last = path.last().unwrap();
    assert!((last.1 - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn reduced_error_pruning_removes_a_noise_branch() {
    // A mislabelled example at x = 2 makes the full tree carve out [1.5, 2.5].
    let x = Array2::from_shape_fn((8, 1), |(i, _)| (i + 1) as f64);
    let data = Dataset::new(x, array![0, 1, 0, 0, 1, 1, 1, 1]).unwrap();
    let mut tree = DecisionTree::cart().fit(&data).unwrap();
    let validation = Dataset::new(array![[1.9], [2.1], [3.5], [6.5]], array![0, 0, 0, 1]).unwrap();
    let before = tree.predict(validation.x()).unwrap();
    assert_ne!(before, validation.targets());
    let leaves = tree.n_leaves();
    assert!(tree.prune_reduced_error(&validation).unwrap() > 0);
    assert!(tree.n_leaves() < leaves);
    assert_eq!(tree.predict(validation.x()).unwrap(), validation.targets());
}

#[test]
fn bad_input_is_an_error() {
    let data = crate::data::play_tennis();
    assert!(DecisionTree::cart().with_max_depth(0).fit(&data).is_err());
    assert!(
        DecisionTree {
            min_samples_leaf: 0,
            ..DecisionTree::cart()
        }
        .fit(&data)
        .is_err()
    );
    assert!(
        DecisionTree {
            max_features: MaxFeatures::Fraction(1.5),
            ..DecisionTree::cart()
        }
        .fit(&data)
        .is_err()
    );
    assert!(
        DecisionTree {
            categorical: vec![9],
            ..DecisionTree::cart()
        }
        .fit(&data)
        .is_err()
    );
    assert!(
        DecisionTree::regression().fit(&data).is_err(),
        "squared error on classes"
    );
    let one_class = Dataset::new(array![[1.], [2.]], array![1, 1]).unwrap();
    assert!(DecisionTree::cart().fit(&one_class).is_err());
    assert!(DecisionTree::cart().fit_weighted(&data, &[1.0; 3]).is_err());
    assert!(
        DecisionTree::cart()
            .fit_weighted(&data, &[-1.0; 14])
            .is_err()
    );
    let tree = DecisionTree::cart().fit(&data).unwrap();
    assert!(tree.predict(array![[1.0, 2.0]].view()).is_err());
    assert!(tree.predict(array![[f64::NAN, 0., 0., 0.]].view()).is_err());
}
