use super::*;
use crate::estimator::{Fit, Predict};
use crate::knn::Knn;
use crate::preprocess::Pipeline;
use crate::selection::KFold;

/// A CSV with a numeric column with holes, a category that decides the class, an
/// identifier, and a string target.
fn write(path: &Path) {
    let mut text = String::from("id,size,colour,label\n");
    for i in 0..48 {
        let size = if i % 7 == 3 {
            "NA".to_string()
        } else {
            format!("{}", (i * 13) % 10)
        };
        let colour = ["red", "green", "blue"][i % 3];
        text += &format!("row{i},{size},{colour},{}\n", ["yes", "no", "no"][i % 3]);
    }
    std::fs::write(path, text).unwrap();
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mlnotes-workflow-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("data.csv")
}

/// The cross-validation equals the same folds computed by hand with the library's pieces.
#[test]
fn cross_validation_equals_the_folds_by_hand() {
    let path = temp("cv");
    write(&path);
    let data = OwnData::load(&path, "label", None, "knn", &Reading::default()).unwrap();
    assert_eq!(data.task, Task::Classification);
    let model = Model::named("knn", data.task, &[("k".into(), "3".into())]).unwrap();
    let options = CvOptions {
        folds: 4,
        seed: 3,
        ..CvOptions::default()
    };
    let report = cross_validate(&data, &model, &options).unwrap();
    let TaskData::Classification(d) = &data.data else {
        panic!("classification")
    };
    // id left out; colour loaded as codes, feature 1
    assert_eq!(d.feature_names(), ["size", "colour"]);
    let labels = d.targets_slice();
    let folds = KFold::new(4, 3)
        .stratified()
        .folds(d.n_samples(), Some(&labels))
        .unwrap();
    let by_hand: Vec<f64> = folds
        .iter()
        .map(|f| {
            let pipeline = Pipeline::new(
                ColumnTransformer::standard(vec![1], Unknown::Zeros),
                Knn::new(3),
            );
            let fitted = pipeline.fit(&d.select(&f.train).unwrap()).unwrap();
            let test = d.select(&f.test).unwrap();
            let p = fitted.predict(test.x()).unwrap();
            crate::metrics::accuracy(test.y(), p.view()).unwrap()
        })
        .collect();
    assert_eq!(report.scores[0].per_fold, by_hand);
    // the colour decides the label: every fold is perfect
    assert!(by_hand.iter().all(|&a| a == 1.0), "{by_hand:?}");
    let confusion = report.confusion.unwrap();
    assert_eq!(confusion.counts.sum(), 48);
    assert_eq!(report.class_names, ["no", "yes"]);
}

/// A grid search's best point is the best of the points cross-validated one by one.
#[test]
fn search_picks_the_best_cross_validated_point() {
    let path = temp("search");
    write(&path);
    let data = OwnData::load(&path, "size", None, "knn", &Reading::default()).unwrap();
    assert_eq!(data.task, Task::Regression);
    let model = Model::named("knn", data.task, &[]).unwrap();
    let options = CvOptions::default();
    let grid = SearchMethod::Grid(vec![("k".into(), vec!["1".into(), "4".into(), "9".into()])]);
    let report = search(&data, &model, &grid, &options, 0).unwrap();
    assert_eq!(report.metric, "r2");
    let one_by_one: Vec<f64> = ["1", "4", "9"]
        .iter()
        .map(|k| {
            let m = model.with(&[("k".into(), k.to_string())]).unwrap();
            cross_validate(&data, &m, &options).unwrap().scores[0].mean
        })
        .collect();
    let scores: Vec<f64> = report.trials.iter().map(|t| t.1).collect();
    assert_eq!(scores, one_by_one);
    let best = one_by_one
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(report.best, best);
}

/// A saved pipeline reloads and predicts what it predicted before saving.
#[test]
fn a_saved_model_predicts_the_same_after_loading() {
    use crate::persist::Persist;
    let path = temp("saved");
    write(&path);
    let data = OwnData::load(&path, "label", None, "random-forest", &Reading::default()).unwrap();
    let model = Model::named(
        "random-forest",
        data.task,
        &[("n_trees".into(), "5".into())],
    )
    .unwrap();
    let saved = fit(&data, &model, Unknown::Zeros).unwrap();
    let file = path.with_file_name("model.json");
    saved.save(&file).unwrap();
    let back = SavedModel::load(&file).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    saved.predict_csv(&path, true, &mut a).unwrap();
    back.predict_csv(&path, true, &mut b).unwrap();
    assert_eq!(a, b);
    let text = String::from_utf8(a).unwrap();
    assert_eq!(text.lines().count(), 49);
    assert!(text.starts_with("label,P(no),P(yes)\n"), "{text}");
    // the colour decides the label (red: yes): every row predicted right, in file order
    for (i, line) in text.lines().skip(1).enumerate() {
        let expected = ["yes", "no", "no"][i % 3];
        assert!(line.starts_with(&format!("{expected},")), "row {i}: {line}");
    }
}
