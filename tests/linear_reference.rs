//! Linear models against scikit-learn 1.9.1's coefficients, computed on exactly the arrays our
//! embedded data sets hold (recorded here as published facts).

use mlnotes::data;
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::linear::{LinearRegression, LogisticRegression};
use mlnotes::metrics;
use mlnotes::optim::{Lbfgs, Solver};
use mlnotes::preprocess::Scaler;

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}[{i}]: {g} vs scikit-learn {w}"
        );
    }
}

#[test]
fn ordinary_least_squares_on_diabetes() {
    // sklearn.linear_model.LinearRegression() on the same 442 x 10 array
    let want = [
        -10.012_195_484_01,
        -239.819_088_903_595_7,
        519.839_788_135_937_2,
        324.390_429_198_164_4,
        -792.184_254_127_609_5,
        476.745_906_989_036_4,
        101.044_609_444_369_2,
        177.064_189_213_104_3,
        751.279_354_220_122_7,
        67.625_384_457_632_8,
    ];
    let m = LinearRegression::new().fit(&data::diabetes()).unwrap();
    assert_close(m.coef.as_slice().unwrap(), &want, 1e-8, "coef");
    assert!((m.intercept - 152.133_483_938_802_8).abs() < 1e-8);
}

#[test]
fn logistic_regression_on_standardised_breast_cancer() {
    // LogisticRegression(C=1, tol=1e-10).fit(StandardScaler().fit_transform(X), y)
    let raw = data::breast_cancer();
    let d = raw
        .with_features(
            Scaler::standardization()
                .fit(&raw)
                .unwrap()
                .transform(raw.x())
                .unwrap(),
        )
        .unwrap();
    let params = LogisticRegression::new(1.0).with_solver(Solver::Lbfgs(Lbfgs {
        tol: 1e-10,
        ..Default::default()
    }));
    let m = params.fit(&d).unwrap();
    let theta = m.theta.row(0);
    assert_close(&[theta[0]], &[0.214_502_948_8], 1e-4, "intercept");
    assert_close(
        &theta.as_slice().unwrap()[1..6],
        &[
            -0.363_092_714_6,
            -0.387_675_283_2,
            -0.351_062_299_6,
            -0.435_609_234_4,
            -0.161_831_743_8,
        ],
        1e-4,
        "coef",
    );
    let acc = metrics::accuracy(d.targets().view(), m.predict(d.x()).unwrap().view()).unwrap();
    assert!(
        (acc - 0.987_697_715_289_982_4).abs() < 2e-3,
        "training accuracy {acc}"
    );
}

#[test]
fn softmax_regression_on_iris() {
    // LogisticRegression(C=1, tol=1e-12) (multinomial) on the same iris array (UCI file)
    let d = data::iris();
    let params = LogisticRegression::new(1.0).with_solver(Solver::Lbfgs(Lbfgs {
        tol: 1e-10,
        max_iter: 5000,
        ..Default::default()
    }));
    let m = params.fit(&d).unwrap();
    let intercepts = [
        9.882_858_952_818_3,
        2.217_451_003_479_9,
        -12.100_309_956_298_4,
    ];
    let coef = [
        [
            -0.423_658_388_777_6,
            0.961_576_669_926_9,
            -2.519_347_296_272_6,
            -1.086_397_568_907_8,
        ],
        [
            0.534_272_830_817_4,
            -0.317_585_282_128_4,
            -0.205_477_768_198_9,
            -0.939_290_325_403_8,
        ],
        [
            -0.110_614_442_039_8,
            -0.643_991_387_798_5,
            2.724_825_064_471_5,
            2.025_687_894_311_6,
        ],
    ];
    for k in 0..3 {
        let row = m.theta.row(k);
        assert_close(&[row[0]], &[intercepts[k]], 1e-3, "intercept");
        assert_close(&row.as_slice().unwrap()[1..], &coef[k], 1e-3, "coef");
    }
    let acc = metrics::accuracy(d.targets().view(), m.predict(d.x()).unwrap().view()).unwrap();
    assert!((acc - 0.973_333_333_333_333_4).abs() < 1e-9);
}
