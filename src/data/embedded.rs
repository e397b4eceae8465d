//! Data sets that ship inside crates (no download): iris and wine quality from
//! `linfa-datasets`; diabetes, breast cancer and 8x8 digits from `smartcore`'s `datasets`
//! feature (stored as f32 there; linfa-datasets' diabetes loses its first row to a header skip).

use ndarray::{Array1, Array2, array};

use super::Dataset;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Fisher's iris: 150 flowers x 4 measurements (cm), 3 species. This is the UCI file as
/// published, with the two transcription errors (rows 35 and 38) that scikit-learn corrects.
pub fn iris() -> Dataset<usize> {
    let d = linfa_datasets::iris();
    let mut out = Dataset::with_names(
        d.records,
        d.targets,
        names(&["sepal length", "sepal width", "petal length", "petal width"]),
        "species",
    )
    .expect("embedded iris is valid");
    out.class_names = names(&["setosa", "versicolor", "virginica"]);
    out
}

/// UCI Wine Quality (red): 1599 wines x 11 physico-chemical features; the quality score
/// (3..=8) as classes `0..6` (class name = score).
pub fn wine() -> Dataset<usize> {
    let d = linfa_datasets::winequality();
    let min = d.targets.iter().copied().min().unwrap_or(0);
    let max = d.targets.iter().copied().max().unwrap_or(0);
    let labels = d.targets.mapv(|q| q - min);
    let features = names(&[
        "fixed acidity",
        "volatile acidity",
        "citric acid",
        "residual sugar",
        "chlorides",
        "free sulfur dioxide",
        "total sulfur dioxide",
        "density",
        "pH",
        "sulphates",
        "alcohol",
    ]);
    let mut out = Dataset::with_names(d.records, labels, features, "quality")
        .expect("embedded wine is valid");
    out.class_names = (min..=max).map(|q| q.to_string()).collect();
    out
}

fn from_smartcore<Y: Copy, T>(
    d: smartcore::dataset::Dataset<f32, Y>,
    target: impl Fn(Y) -> T,
) -> (Array2<f64>, Array1<T>) {
    let x = Array2::from_shape_vec(
        (d.num_samples, d.num_features),
        d.data.iter().map(|&v| f64::from(v)).collect(),
    )
    .expect("embedded smartcore data has num_samples * num_features values");
    let y = d.target.iter().map(|&t| target(t)).collect();
    (x, y)
}

/// Diabetes (Efron et al. 2004): 442 patients x 10 standardised baseline variables; target is
/// disease progression after one year.
pub fn diabetes() -> Dataset<f64> {
    let (x, y) = from_smartcore(smartcore::dataset::diabetes::load_dataset(), f64::from);
    Dataset::with_names(
        x,
        y,
        names(&[
            "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
        ]),
        "progression",
    )
    .expect("embedded diabetes is valid")
}

/// Wisconsin diagnostic breast cancer: 569 tumours x 30 features; class 0 = malignant,
/// 1 = benign (scikit-learn's coding).
pub fn breast_cancer() -> Dataset<usize> {
    let raw = smartcore::dataset::breast_cancer::load_dataset();
    let feature_names = raw.feature_names.clone();
    let (x, y) = from_smartcore(raw, |t: u32| t as usize);
    let mut out = Dataset::with_names(x, y, feature_names, "diagnosis")
        .expect("embedded breast cancer is valid");
    out.class_names = names(&["malignant", "benign"]);
    out
}

/// Optical recognition of handwritten digits: 1797 images of 8x8 pixels (values 0..16),
/// flattened row by row into 64 features; classes 0..9.
pub fn digits() -> Dataset<usize> {
    let (x, y) = from_smartcore(smartcore::dataset::digits::load_dataset(), |t: f32| {
        t as usize
    });
    let feature_names = (0..64)
        .map(|i| format!("pixel_{}_{}", i / 8, i % 8))
        .collect();
    let mut out =
        Dataset::with_names(x, y, feature_names, "digit").expect("embedded digits is valid");
    out.class_names = (0..10).map(|c| c.to_string()).collect();
    out
}

/// The textbook "play tennis" table (Quinlan 1986; Mitchell 1997, Table 3.2), 14 days, all
/// features categorical: Outlook (sunny 0, overcast 1, rain 2), Temperature (hot 0,
/// mild 1, cool 2), Humidity (high 0, normal 1), Wind (weak 0, strong 1) -> PlayTennis (no 0, yes 1).
pub fn play_tennis() -> Dataset {
    let x = array![
        [0., 0., 0., 0.],
        [0., 0., 0., 1.],
        [1., 0., 0., 0.],
        [2., 1., 0., 0.],
        [2., 2., 1., 0.],
        [2., 2., 1., 1.],
        [1., 2., 1., 1.],
        [0., 1., 0., 0.],
        [0., 2., 1., 0.],
        [2., 1., 1., 0.],
        [0., 1., 1., 1.],
        [1., 1., 0., 1.],
        [1., 0., 1., 0.],
        [2., 1., 0., 1.],
    ];
    let y = array![0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0];
    let names = ["Outlook", "Temperature", "Humidity", "Wind"]
        .map(String::from)
        .to_vec();
    let mut d = Dataset::with_names(x, y, names, "PlayTennis").expect("a valid embedded table");
    d.class_names = vec!["no".into(), "yes".into()];
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_classes_match_the_published_sets() {
        let cases = [
            (iris(), 150, 4, vec![50, 50, 50]),
            (breast_cancer(), 569, 30, vec![212, 357]),
            (wine(), 1599, 11, vec![10, 53, 681, 638, 199, 18]),
        ];
        for (d, n, p, counts) in cases {
            assert_eq!((d.n_samples(), d.n_features()), (n, p));
            assert_eq!(d.class_counts(), counts);
            assert_eq!(d.class_names.len(), counts.len());
        }
        let dg = digits();
        assert_eq!(
            (dg.n_samples(), dg.n_features(), dg.n_classes()),
            (1797, 64, 10)
        );
        assert_eq!(dg.class_counts()[0], 178);
        assert!(dg.features.iter().all(|&v| (0.0..=16.0).contains(&v)));
        let db = diabetes();
        assert_eq!((db.n_samples(), db.n_features()), (442, 10));
        // scikit-learn: load_diabetes().target.mean() = 152.133...
        let mean = db.targets.mean().unwrap();
        assert!((mean - 152.1335).abs() < 1e-3, "{mean}");
    }
}
