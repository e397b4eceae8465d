//! PCA on the 8x8 digits: variance retained and reconstruction error against k (checked
//! against the covariance's eigenvalues computed here by the Jacobi method, independently of the
//! library), a 2-D projection, the two interpretations (maximum variance = minimum
//! reconstruction error), why scaling comes first, noise reduction, and the notes' advice
//! measured: a classifier on raw against PCA-reduced digits, and regularization against PCA in
//! an overfitting regime.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::estimator::{
    Checked, Fit, FitChecked, FitFeatures, Params, Predict, Transform, member_seed,
};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, median, num,
};
use mlnotes::linear::{FittedLinear, FittedLogistic, LinearRegression, LogisticRegression};
use mlnotes::metrics;
use mlnotes::pca::{FittedPca, Pca};
use mlnotes::preprocess::{PolynomialFeatures, Scaler};
use mlnotes::selection::{self, HoldOut, KFold};
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::f4;

/// Half-width of the noise added to PC1 to make the directions it is compared with.
const PERTURBATION: f64 = 0.05;
/// The notes' threshold of variance retained.
const VARIANCE_SHARE: f64 = 0.99;
/// Agreement asked between the library's variances and the Jacobi eigenvalues (relative).
const VARIANCE_TOLERANCE: f64 = 1e-6;
/// Largest rise of the reconstruction error from one k to the next that counts as none.
const RECONSTRUCTION_RISE: f64 = 1e-12;
/// Largest gap allowed between the reconstruction error and its closed form (rounding only).
const CLOSED_FORM_TOLERANCE: f64 = 1e-9;
/// The k that scikit-learn 1.9.1 keeps for 99% of the variance of the same digits:
/// `PCA(n_components=0.99).fit(load_digits().data).n_components_`.
const SKLEARN_K99: usize = 41;
/// Sweeps of the Jacobi eigenvalue method at most (it converges in about ten).
const JACOBI_MAX_SWEEPS: usize = 100;
/// Unscaled, one feature dominates PC1: its squared loading is at least this ...
const DOMINANT_LOADING: f64 = 0.5;
/// ... and after standardisation no feature's squared loading exceeds this.
const SPREAD_LOADING: f64 = 0.2;
/// Rows of the denoising data.
const DENOISE_ROWS: usize = 200;
/// Features of the denoising data.
const DENOISE_FEATURES: usize = 30;
/// Rank of its clean signal (and the components kept).
const DENOISE_RANK: usize = 3;
/// Standard deviation of the noise added to every entry.
const DENOISE_NOISE: f64 = 0.5;
/// The reconstruction from `DENOISE_RANK` components must be at most this share as far from
/// the clean data as the noisy data is.
const DENOISE_RATIO: f64 = 0.5;
/// Folds of the raw-against-PCA comparison (also the timing repeats of each side).
const FOLDS: usize = 5;
/// PCA does not beat the raw pixels: its mean accuracy gain per fold seed stays below this.
const NO_GAIN_MARGIN: f64 = 0.01;
/// PCA speeds up training at least this much (ratio of median times per fold).
const SPEEDUP: f64 = 1.2;
/// Overfitting regime on diabetes: training rows (fewer than the 65 degree-2 features) ...
const REG_TRAIN: usize = 60;
/// ... validation rows choosing λ (and k); the rest of the 442 rows test.
const REG_VALIDATION: usize = 100;
/// Most components tried when k is chosen on the validation split.
const MAX_PCR_K: usize = 40;

/// The `pca` experiment.
pub struct PcaExperiment;

/// PCA to `k` components, then logistic regression.
#[derive(Clone, Copy)]
struct PcaLogistic {
    k: Option<usize>,
}

struct FittedPcaLogistic {
    pca: Option<FittedPca>,
    model: FittedLogistic,
}

impl Params for PcaLogistic {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl FitChecked<usize> for PcaLogistic {
    type Model = FittedPcaLogistic;
    fn fit_checked(&self, d: Checked<'_, usize, Self>) -> Result<FittedPcaLogistic> {
        let pca = self.k.map(|k| Pca::new(k).fit(&d)).transpose()?;
        let x = match &pca {
            Some(p) => p.transform(d.x())?,
            None => d.features().clone(),
        };
        Ok(FittedPcaLogistic {
            pca,
            model: LogisticRegression::new(1.0).fit(&d.with_features(x)?)?,
        })
    }
}

impl Predict<usize> for FittedPcaLogistic {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        match &self.pca {
            Some(p) => self.model.predict(p.transform(x)?.view()),
            None => self.model.predict(x),
        }
    }
}

/// One measurement from every seed's run.
fn column<T>(runs: &[T], f: impl Fn(&T) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

/// Mean of repeated measurements.
fn mean(v: &[f64]) -> f64 {
    mean_se(v).0
}

/// The covariance `XcᵀXc / (m − 1)` of the rows of `x`, computed directly.
fn covariance(x: ArrayView2<f64>) -> Array2<f64> {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let xc = &x - &mean;
    xc.t().dot(&xc) / (x.nrows() as f64 - 1.0)
}

/// Eigenvalues of a symmetric matrix, largest first, by the cyclic Jacobi method: plane
/// rotations that zero one off-diagonal entry at a time, an algorithm independent of the
/// library's (Householder reduction, then QL).
fn jacobi_eigenvalues(a: &Array2<f64>) -> Vec<f64> {
    let mut a = a.clone();
    let n = a.nrows();
    for _ in 0..JACOBI_MAX_SWEEPS {
        let total: f64 = a.iter().map(|v| v * v).sum();
        let diagonal: f64 = a.diag().iter().map(|v| v * v).sum();
        if total - diagonal <= 1e-24 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq.abs() < f64::MIN_POSITIVE {
                    continue;
                }
                // The rotation by φ with cot 2φ = θ zeroes a[p, q].
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let cos = 1.0 / (t * t + 1.0).sqrt();
                let sin = t * cos;
                for k in 0..n {
                    let (akp, akq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = cos * akp - sin * akq;
                    a[[k, q]] = sin * akp + cos * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = cos * apk - sin * aqk;
                    a[[q, k]] = sin * apk + cos * aqk;
                }
            }
        }
    }
    let mut values = a.diag().to_vec();
    values.sort_by(|x, y| y.total_cmp(x));
    values
}

/// The covariance spectrum of the data, computed here independently of the library.
struct Spectrum {
    /// Eigenvalues of the covariance, largest first (Jacobi).
    eigenvalues: Vec<f64>,
    /// The total variance: the covariance's trace, the sum of the features' variances.
    trace: f64,
}

impl Spectrum {
    /// The spectrum of the covariance of the rows of `x`.
    fn of(x: ArrayView2<f64>) -> Self {
        let cov = covariance(x);
        Spectrum {
            eigenvalues: jacobi_eigenvalues(&cov),
            trace: cov.diag().sum(),
        }
    }

    /// Share of the variance along the first `k` eigenvectors.
    fn retained(&self, k: usize) -> f64 {
        self.eigenvalues.iter().take(k).sum::<f64>() / self.trace
    }

    /// The smallest `k` retaining at least `share` of the variance.
    fn k_for(&self, share: f64) -> usize {
        let n = self.eigenvalues.len();
        (1..=n).find(|&k| self.retained(k) >= share).unwrap_or(n)
    }
}

/// Variance retained and reconstruction error against k on the digits, against the Jacobi
/// spectrum.
fn variance_and_k(
    ctx: &Context,
    report: &mut Report,
    x: &Array2<f64>,
    full: &FittedPca,
    spectrum: &Spectrum,
) -> Result<usize> {
    let m = x.nrows() as f64;
    let k99 = Pca::retaining(VARIANCE_SHARE)
        .fit_features(x.view())?
        .n_components();
    let mut t = Table::new(
        "Digits: variance retained and reconstruction error by number of components k",
        &[
            "k",
            "variance retained",
            "mean squared reconstruction error",
        ],
    );
    let (mut retained, mut recon) = (vec![], vec![]);
    let mut closed_form_gap = 0.0f64;
    for k in [1, 2, 5, 10, 20, 30, 41, 50, 64] {
        let p = Pca::new(k).with_engine(ctx.engine).fit_features(x.view())?;
        let (v, e) = (full.variance_retained(k), p.reconstruction_error(x.view())?);
        t.row(vec![k.to_string(), f4(v), format!("{e:.5}")]);
        recon.push((k as f64, e));
        // The mean squared error of the best rank-k reconstruction is the discarded variance.
        let discarded: f64 = spectrum.eigenvalues.iter().skip(k).sum();
        closed_form_gap = closed_form_gap.max((e - (m - 1.0) / m * discarded).abs());
    }
    for k in 1..=x.ncols() {
        retained.push((k as f64, full.variance_retained(k)));
    }
    report.table(t);
    report.metric("k_for_99_percent", k99 as f64);
    let k_jacobi = spectrum.k_for(VARIANCE_SHARE);
    report.claim(
        "k-for-99-percent",
        "Choose k as the smallest number of components retaining 99% of the variance",
        Verdict::within(
            "k from the library − k from the Jacobi eigenvalues of the covariance",
            k99 as f64 - k_jacobi as f64,
            0.0,
            0.0,
        )
        .and(Verdict::at_most(
            &format!("|variance retained by k = {k99}: library − Jacobi|"),
            (full.variance_retained(k99) - spectrum.retained(k99)).abs(),
            VARIANCE_TOLERANCE,
        ))
        .and(Verdict::within(
            "k − scikit-learn 1.9.1's PCA(n_components = 0.99).n_components_ on the same digits",
            k99 as f64 - SKLEARN_K99 as f64,
            0.0,
            0.0,
        ))
        .with(format!(
            "k = {k99} of {} components keeps {} of the variance, k − 1 keeps {} (Jacobi)",
            x.ncols(),
            num(spectrum.retained(k99)),
            num(spectrum.retained(k99.saturating_sub(1)))
        )),
    );
    let rise = recon
        .windows(2)
        .map(|w| w[1].1 - w[0].1)
        .fold(f64::NEG_INFINITY, f64::max);
    report.claim(
        "reconstruction-error-falls-with-k",
        "The reconstruction error falls as more components k are kept",
        Verdict::at_most(
            "largest rise of the mean squared reconstruction error from one k of the table to the next",
            rise,
            RECONSTRUCTION_RISE,
        )
        .and(Verdict::at_most(
            "largest |error − the discarded variance (m − 1)/m · Σ_(i>k) λ_i (Jacobi)| over the table's k",
            closed_form_gap,
            CLOSED_FORM_TOLERANCE,
        ))
        .with(format!(
            "error {} at k = 1, {} at k = 64",
            num(recon[0].1),
            num(recon[recon.len() - 1].1)
        )),
    );
    report.plot(
        Plot::new(
            "variance_retained.svg",
            "Digits: cumulative variance retained",
            "principal components kept k",
            "share of the total variance retained",
        )
        .with(Series::line("retained", retained))
        .with(Series::line(
            "0.99",
            vec![(1.0, VARIANCE_SHARE), (x.ncols() as f64, VARIANCE_SHARE)],
        )),
    );
    report.plot(
        Plot::new(
            "reconstruction.svg",
            "Digits: reconstruction error (pixels scaled to [0, 1])",
            "principal components kept k",
            "mean squared reconstruction error ‖x − x̂‖²",
        )
        .with(Series::line("error", recon)),
    );
    Ok(k99)
}

/// The digits projected on the first two components, coloured by digit.
fn projection(ctx: &Context, report: &mut Report, digits: &Dataset, x: &Array2<f64>) -> Result<()> {
    let two = Pca::new(2).with_engine(ctx.engine).fit_features(x.view())?;
    let z = two.transform(x.view())?;
    let mut scatter = Plot::new(
        "projection.svg",
        "Digits projected on the first two principal components",
        "projection on PC 1",
        "projection on PC 2",
    );
    for c in 0..10 {
        let pts = z
            .rows()
            .into_iter()
            .zip(digits.targets())
            .filter(|(_, y)| **y == c)
            .map(|(r, _)| (r[0], r[1]))
            .collect();
        scatter = scatter.with(Series::points(&c.to_string(), pts));
    }
    report.plot(scatter);
    Ok(())
}

/// Maximum variance = minimum reconstruction error: PC1 against random unit directions, and
/// against the closed forms from the Jacobi spectrum (variance λ₁, error (m − 1)/m (trace − λ₁)).
fn two_interpretations(
    ctx: &Context,
    report: &mut Report,
    x: &Array2<f64>,
    full: &FittedPca,
    spectrum: &Spectrum,
) {
    let m = x.nrows() as f64;
    let xc = x - &full.mean;
    let pc1 = full.components.column(0).to_owned();
    let stats = |u: &Array1<f64>| {
        let proj = xc.dot(u);
        let var = proj.dot(&proj) / (m - 1.0);
        let recon = &xc
            - &(proj
                .insert_axis(Axis(1))
                .dot(&u.view().insert_axis(Axis(0))));
        (var, recon.mapv(|v| v * v).sum() / m)
    };
    let (v1, e1) = stats(&pc1);
    let mut rng = StdRng::seed_from_u64(ctx.seed);
    let trials = ctx.size(2000, 200);
    let not_beaten: Vec<bool> = (0..trials)
        .map(|_| {
            // a small perturbation of PC1: in 64 dimensions a random direction would capture
            // about 1/64 of the variance and could never compete
            let mut u: Array1<f64> = &pc1
                + &Array1::from_shape_fn(x.ncols(), |_| PERTURBATION * rng.random_range(-1.0..1.0));
            u /= u.dot(&u).sqrt();
            let (v, e) = stats(&u);
            !(v > v1 + 1e-12 || e < e1 - 1e-12)
        })
        .collect();
    let lambda1 = spectrum.eigenvalues[0];
    let least_error = (m - 1.0) / m * (spectrum.trace - lambda1);
    report.claim(
        "two-interpretations",
        "Two interpretations: the first component maximises projected variance and minimises reconstruction error",
        Verdict::share(
            &format!("a unit direction near PC1 (PC1 plus uniform noise of half-width {PERTURBATION} per coordinate) does no better than PC1 on either criterion"),
            &not_beaten,
            1.0,
        )
        .and(Verdict::within(
            "PC1's projected variance / the covariance's largest eigenvalue (Jacobi)",
            v1 / lambda1,
            1.0 - VARIANCE_TOLERANCE,
            1.0 + VARIANCE_TOLERANCE,
        ))
        .and(Verdict::within(
            "PC1's reconstruction error / (m − 1)/m · (trace − λ₁)",
            e1 / least_error,
            1.0 - VARIANCE_TOLERANCE,
            1.0 + VARIANCE_TOLERANCE,
        ))
        .with(format!(
            "PC1: variance {}, reconstruction error {}",
            num(v1),
            num(e1)
        )),
    );
}

/// PC1 of a data set: its squared loadings and the share of the variance it retains.
struct FirstComponent {
    squared: Array1<f64>,
    retained: f64,
}

impl FirstComponent {
    fn of(x: ArrayView2<f64>, engine: Engine) -> Result<Self> {
        let p = Pca::new(1).with_engine(engine).fit_features(x)?;
        Ok(FirstComponent {
            squared: p.components.column(0).mapv(|v| v * v),
            retained: p.variance_retained(1),
        })
    }

    /// The feature with the largest squared loading, and that loading.
    fn largest(&self) -> (usize, f64) {
        self.squared
            .iter()
            .copied()
            .enumerate()
            .fold((0, 0.0), |b, (j, v)| if v > b.1 { (j, v) } else { b })
    }

    /// How many features PC1 spreads over: `1 / Σ v_j⁴` (1 for one feature, n for all equally).
    fn effective_features(&self) -> f64 {
        1.0 / self.squared.mapv(|q| q * q).sum()
    }
}

/// Scaling before PCA on breast cancer (features in units from 1e-3 to 1e3): unscaled, the
/// feature with the largest units dominates PC1; standardised, the loadings spread.
fn scaling_before_pca(ctx: &Context, report: &mut Report) -> Result<()> {
    let cancer = data::breast_cancer();
    let standardised = Scaler::standardization()
        .fit(&cancer)?
        .transform(cancer.x())?;
    let raw = FirstComponent::of(cancer.x(), ctx.engine)?;
    let scaled = FirstComponent::of(standardised.view(), ctx.engine)?;
    let ((raw_j, raw_max), (scaled_j, scaled_max)) = (raw.largest(), scaled.largest());
    let names = cancer.feature_names();
    report.claim(
        "scale-before-pca",
        "Preprocessing (crucial): perform feature scaling to ensure zero mean and comparable variances",
        Verdict::at_least(
            "largest squared loading of PC1 on the raw features",
            raw_max,
            DOMINANT_LOADING,
        )
        .and(Verdict::at_most(
            "largest squared loading of PC1 on the standardised features",
            scaled_max,
            SPREAD_LOADING,
        ))
        .with(format!(
            "breast cancer; raw: '{}' carries {} of PC1, which retains {} of the variance and spreads over {} features (1/Σv⁴); standardised: largest '{}' {}, PC1 retains {} and spreads over {} features",
            names[raw_j],
            num(raw_max),
            num(raw.retained),
            num(raw.effective_features()),
            names[scaled_j],
            num(scaled_max),
            num(scaled.retained),
            num(scaled.effective_features())
        )),
    );
    Ok(())
}

/// An `r x c` matrix of independent standard normal draws.
fn gaussian(r: usize, c: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |_| rng.sample(StandardNormal))
}

/// Mean squared distance between the rows of `a` and `b`.
fn mean_row_error(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    (a - b).mapv(|v| v * v).sum() / a.nrows() as f64
}

/// Noise reduction, over seeds: low-rank data plus noise, reconstructed from as many
/// components as the signal's rank, lands closer to the clean data than the noisy data is.
fn denoising(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut ratios, mut noisy_errors, mut denoised_errors) = (vec![], vec![], vec![]);
    for s in ctx.seeds() {
        let mut rng = StdRng::seed_from_u64(member_seed(s, 0));
        let factors = gaussian(DENOISE_ROWS, DENOISE_RANK, &mut rng);
        let loadings = gaussian(DENOISE_RANK, DENOISE_FEATURES, &mut rng);
        let clean = factors.dot(&loadings);
        let noisy = &clean + &(gaussian(DENOISE_ROWS, DENOISE_FEATURES, &mut rng) * DENOISE_NOISE);
        let p = Pca::new(DENOISE_RANK)
            .with_engine(ctx.engine)
            .fit_features(noisy.view())?;
        let denoised = p.inverse_transform(p.transform(noisy.view())?.view())?;
        let (e_noisy, e_denoised) = (
            mean_row_error(&noisy, &clean),
            mean_row_error(&denoised, &clean),
        );
        noisy_errors.push(e_noisy);
        denoised_errors.push(e_denoised);
        ratios.push(e_denoised / e_noisy);
    }
    report.claim(
        "pca-denoises",
        "PCA is used for noise reduction: the reconstruction from k components is closer to the clean data than the noisy data",
        Verdict::mean_below(
            "squared error to the clean data: reconstruction from k components / noisy data",
            &ratios,
            DENOISE_RATIO,
        )
        .with(format!(
            "{DENOISE_ROWS} rows of rank {DENOISE_RANK} in {DENOISE_FEATURES} features plus noise of std {DENOISE_NOISE}, k = {DENOISE_RANK}; mean squared error per row {} noisy, {} reconstructed",
            num(mean(&noisy_errors)),
            num(mean(&denoised_errors))
        )),
    );
    Ok(())
}

/// Results of one feature set in the raw-against-PCA comparison.
struct FoldScores {
    /// Mean test accuracy over the folds of each fold seed.
    accuracy: Vec<f64>,
    /// Seconds to fit (PCA included) and predict each fold, every fold seed.
    seconds: Vec<f64>,
}

/// The notes' advice on digits: logistic regression on raw pixels against PCA-reduced ones,
/// cross-validated once per seed (the folds of one seed share their training rows, so the seed,
/// not the fold, is the unit of the comparison), every fold timed on its own.
fn raw_against_pca(
    ctx: &Context,
    report: &mut Report,
    digits: &Dataset,
    x: &Array2<f64>,
    k99: usize,
) -> Result<()> {
    let scaled_digits = digits.with_features(x.clone())?;
    let mut t2 = Table::new(
        &format!(
            "Logistic regression (λ = 1) on digits, {FOLDS}-fold CV on each of {} fold seeds",
            ctx.seeds().len()
        ),
        &["features", "accuracy", "median time per fold (ms)"],
    )
    .timed();
    let models = [
        ("raw 64 pixels", None),
        ("PCA, k for 99%", Some(k99)),
        ("PCA, k = 10", Some(10)),
    ];
    let mut runs: Vec<FoldScores> = models
        .iter()
        .map(|_| FoldScores {
            accuracy: vec![],
            seconds: vec![],
        })
        .collect();
    for seed in ctx.seeds() {
        let folds = KFold::new(FOLDS, seed)
            .stratified()
            .folds(digits.n_samples(), Some(&digits.targets().to_vec()))?;
        let mut fold_accuracy = vec![Vec::new(); models.len()];
        // fold by fold, every model in turn: no model's timings absorb the cold start alone
        for fold in folds.chunks(1) {
            for ((scores, acc), &(_, k)) in runs.iter_mut().zip(&mut fold_accuracy).zip(&models) {
                let start = Instant::now();
                acc.extend(selection::cross_val_score(
                    &PcaLogistic { k },
                    &scaled_digits,
                    fold,
                    metrics::accuracy,
                )?);
                scores.seconds.push(start.elapsed().as_secs_f64());
            }
        }
        for (scores, acc) in runs.iter_mut().zip(&fold_accuracy) {
            scores.accuracy.push(mean(acc));
        }
    }
    for (scores, &(name, k)) in runs.iter().zip(&models) {
        t2.row(vec![
            k.map_or(name.to_string(), |k| format!("{name} ({k})")),
            f4(mean(&scores.accuracy)),
            format!("{:.1}", 1e3 * median(&scores.seconds)),
        ]);
    }
    report.table(t2);
    let gain = |i: usize| -> Vec<f64> {
        runs[i]
            .accuracy
            .iter()
            .zip(&runs[0].accuracy)
            .map(|(p, r)| p - r)
            .collect()
    };
    report.claim(
        "pca-not-for-overfitting",
        "Do not use PCA to prevent overfitting: it does not beat the raw features",
        Verdict::mean_below(
            &format!(
                "mean accuracy gain over the folds of one seed, PCA (k = {k99}, 99%) − raw pixels"
            ),
            &gain(1),
            NO_GAIN_MARGIN,
        )
        .and(Verdict::mean_below(
            "the same gain, PCA (k = 10) − raw pixels",
            &gain(2),
            NO_GAIN_MARGIN,
        ))
        .with(format!(
            "mean accuracy: raw {}, PCA (99%) {}, PCA (10) {}",
            num(mean(&runs[0].accuracy)),
            num(mean(&runs[1].accuracy)),
            num(mean(&runs[2].accuracy))
        )),
    );
    report.claim(
        "pca-speeds-up-training",
        "Use PCA when computational cost is prohibitive: it speeds up training",
        Verdict::speedup(
            "raw pixels / PCA (k = 10), fit and predict per fold with the PCA fit included",
            &runs[0].seconds,
            &runs[2].seconds,
            SPEEDUP,
        ),
    );
    Ok(())
}

/// Mean squared error of a linear model on `data`, whose features are given as `x`.
fn mse_on(model: &FittedLinear, x: ArrayView2<f64>, data: &Dataset<f64>) -> Result<f64> {
    metrics::mse(data.y(), model.predict(x)?.view())
}

/// The first `k` components of a fitted PCA.
fn first_k(pca: &FittedPca, k: usize) -> FittedPca {
    FittedPca {
        mean: pca.mean.clone(),
        components: pca.components.slice(s![.., ..k]).to_owned(),
        explained_variance: pca.explained_variance.clone(),
    }
}

/// OLS on the projections onto the components of `pca` (principal component regression).
struct Pcr {
    /// The OLS fit on the training projections.
    model: FittedLinear,
    /// The projection.
    pca: FittedPca,
}

impl Pcr {
    /// Project the training features, then fit OLS on the projections.
    fn fit(pca: FittedPca, train: &Dataset<f64>) -> Result<Self> {
        let model =
            LinearRegression::new().fit(&train.with_features(pca.transform(train.x())?)?)?;
        Ok(Pcr { model, pca })
    }

    /// Mean squared error on `data` (projected first).
    fn mse(&self, data: &Dataset<f64>) -> Result<f64> {
        mse_on(&self.model, self.pca.transform(data.x())?.view(), data)
    }
}

/// One seed's test errors on diabetes with degree-2 features in an overfitting regime.
struct RegularizationSeed {
    /// Ridge on all features, λ chosen on the validation split.
    ridge: f64,
    /// OLS on the components retaining 99% of the variance (the notes' rule for k).
    pca_99: f64,
    /// The same model's training error.
    pca_99_train: f64,
    /// Its k.
    k99: usize,
    /// OLS on the first k components, k chosen on the validation split.
    pca_validated: f64,
}

/// Ridge against PCA then OLS on one seed's train / validation / test split.
fn regularization_seed(all: &Dataset<f64>, seed: u64) -> Result<RegularizationSeed> {
    let m = all.n_samples();
    let split = HoldOut {
        train: REG_TRAIN as f64 / m as f64,
        validation: REG_VALIDATION as f64 / m as f64,
        stratify: false,
        seed,
    }
    .split(m, None)?;
    let scaler = Scaler::standardization().fit(&all.select(&split.train)?)?;
    let part = |rows: &[usize]| -> Result<Dataset<f64>> {
        let d = all.select(rows)?;
        d.with_features(scaler.transform(d.x())?)
    };
    let (train, validation, test) = (
        part(&split.train)?,
        part(&split.validation)?,
        part(&split.test)?,
    );
    // Ridge, λ from a log grid by validation error.
    let mut best = (f64::INFINITY, 0.0);
    for i in 0..=14 {
        let l2 = 10f64.powf(-3.0 + 0.5 * f64::from(i));
        let v = mse_on(
            &LinearRegression::ridge(l2).fit(&train)?,
            validation.x(),
            &validation,
        )?;
        if v < best.0 {
            best = (v, l2);
        }
    }
    let ridge = LinearRegression::ridge(best.1).fit(&train)?;
    // PCA by the notes' 99% rule, then OLS.
    let pcr_99 = Pcr::fit(Pca::retaining(VARIANCE_SHARE).fit(&train)?, &train)?;
    // PCA with k chosen on the validation split, then OLS.
    let wide = Pca::new(MAX_PCR_K).fit(&train)?;
    let mut best_k = (f64::INFINITY, 1);
    for k in 1..=MAX_PCR_K {
        let v = Pcr::fit(first_k(&wide, k), &train)?.mse(&validation)?;
        if v < best_k.0 {
            best_k = (v, k);
        }
    }
    Ok(RegularizationSeed {
        ridge: mse_on(&ridge, test.x(), &test)?,
        pca_99: pcr_99.mse(&test)?,
        pca_99_train: pcr_99.mse(&train)?,
        k99: pcr_99.pca.n_components(),
        pca_validated: Pcr::fit(first_k(&wide, best_k.1), &train)?.mse(&test)?,
    })
}

/// The notes' advice "use regularization instead": on diabetes with all degree-2 features and
/// few training rows, ridge against OLS on principal components, scored on a test split.
fn regularization_against_pca(ctx: &Context, report: &mut Report) -> Result<()> {
    let diabetes = data::diabetes();
    let poly = PolynomialFeatures::new(2)
        .fit(&diabetes)?
        .transform(diabetes.x())?;
    let n_features = poly.ncols();
    let all = Dataset::new(poly, diabetes.targets().clone())?;
    let runs: Vec<RegularizationSeed> = ctx
        .seeds()
        .into_iter()
        .map(|s| regularization_seed(&all, s))
        .collect::<Result<_>>()?;
    let mut t = Table::new(
        &format!(
            "Diabetes, {n_features} degree-2 features, {REG_TRAIN} training rows: test MSE (mean over {} seeds)",
            runs.len()
        ),
        &["model", "test MSE", "training MSE"],
    );
    t.row(vec![
        "ridge on all features (λ by validation)".into(),
        f4(mean(&column(&runs, |r| r.ridge))),
        "-".into(),
    ]);
    t.row(vec![
        "OLS on the components retaining 99%".into(),
        f4(mean(&column(&runs, |r| r.pca_99))),
        f4(mean(&column(&runs, |r| r.pca_99_train))),
    ]);
    t.row(vec![
        "OLS on the first k components (k by validation)".into(),
        f4(mean(&column(&runs, |r| r.pca_validated))),
        "-".into(),
    ]);
    report.table(t);
    report.claim(
        "regularization-not-pca",
        "Do not use PCA specifically to prevent overfitting (use regularization instead)",
        Verdict::paired_gain(
            "test MSE: OLS on the first k components (k chosen on the validation split) − ridge on all features (λ chosen on it)",
            &column(&runs, |r| r.pca_validated),
            &column(&runs, |r| r.ridge),
            0.0,
        )
        .with(format!(
            "diabetes, {n_features} degree-2 features, {REG_TRAIN} training rows, {REG_VALIDATION} validation rows; with the 99% rule instead (k = {:?} per seed) PCA's training MSE is {} against test MSE {}",
            runs.iter().map(|r| r.k99).collect::<Vec<_>>(),
            num(mean(&column(&runs, |r| r.pca_99_train))),
            num(mean(&column(&runs, |r| r.pca_99)))
        )),
    );
    Ok(())
}

impl Experiment for PcaExperiment {
    fn name(&self) -> &'static str {
        "pca"
    }

    fn section(&self) -> &'static str {
        "Principal Component Analysis (PCA)"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let digits = data::digits();
        // pixels share one scale (0..16): scale to [0, 1] without per-pixel standardisation,
        // which would blow up the near-constant border pixels
        let x = digits.features().mapv(|v| v / 16.0);
        let full = Pca::new(x.ncols())
            .with_engine(ctx.engine)
            .fit_features(x.view())?;
        let spectrum = Spectrum::of(x.view());
        // 1. Variance retained and reconstruction error against k.
        let k99 = variance_and_k(ctx, &mut report, &x, &full, &spectrum)?;
        // 2. 2-D projection coloured by digit.
        projection(ctx, &mut report, &digits, &x)?;
        // 3. Maximum variance = minimum reconstruction error.
        two_interpretations(ctx, &mut report, &x, &full, &spectrum);
        // 4. Scaling first; noise reduction.
        scaling_before_pca(ctx, &mut report)?;
        denoising(ctx, &mut report)?;
        // 5. The notes' advice: raw first, PCA for speed, regularization against overfitting.
        raw_against_pca(ctx, &mut report, &digits, &x, k99)?;
        regularization_against_pca(ctx, &mut report)?;
        Ok(report)
    }
}
