//! Regularization: L1 (lasso) zeroes the weights of irrelevant features, L2 (ridge) shrinks
//! them without zeros; and the weight-decay form of the L2 gradient step equals the gradient
//! form.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::engine::Engine;
use mlnotes::estimator::Fit;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{Lasso, LinearRegression, design};
use mlnotes::optim::{Objective, Rows};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The `regularization` experiment.
pub struct Regularization;

const RELEVANT: [f64; 5] = [3.0, -2.0, 1.5, 1.0, -1.0];

fn data(m: usize, irrelevant: usize, seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = RELEVANT.len() + irrelevant;
    let x = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0));
    let y = Array1::from_shape_fn(m, |i| {
        RELEVANT
            .iter()
            .enumerate()
            .map(|(j, w)| w * x[[i, j]])
            .sum::<f64>()
            + rng.random_range(-0.5..0.5)
    });
    Dataset::new(x, y)
}

fn zeros(w: &Array1<f64>, range: std::ops::Range<usize>) -> usize {
    range.filter(|&j| w[j] == 0.0).count()
}

impl Experiment for Regularization {
    fn name(&self) -> &'static str {
        "regularization"
    }

    fn section(&self) -> &'static str {
        "Regularization"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let irrelevant = 15;
        let d = data(ctx.size(300, 120), irrelevant, ctx.seed)?;
        let (rel, irr) = (0..RELEVANT.len(), RELEVANT.len()..d.n_features());
        let m = d.n_samples() as f64;

        // Same penalty scale for both: lasso's α·Σ|w| and ridge's λ/(2m)·Σw² with λ = 2mα.
        let alphas = [0.001, 0.01, 0.03, 0.1, 0.3, 1.0];
        let mut t = Table::new(
            &format!(
                "Exact zeros among {} relevant and {irrelevant} irrelevant weights",
                RELEVANT.len()
            ),
            &[
                "penalty α",
                "lasso zeros (relevant)",
                "lasso zeros (irrelevant)",
                "ridge zeros",
                "ridge ‖w_irrelevant‖₂",
            ],
        );
        let (mut lasso_pts, mut ridge_pts) = (vec![], vec![]);
        let mut sparse_at = None;
        let mut ridge_zero_total = 0;
        let mut ridge_norms = vec![];
        let mut ridge_total = vec![];
        for &a in &alphas {
            let lasso = Lasso::new(a).with_engine(ctx.engine).fit(&d)?;
            let ridge = LinearRegression::ridge(2.0 * m * a)
                .with_engine(ctx.engine)
                .fit(&d)?;
            let (lz_rel, lz_irr) = (
                zeros(&lasso.coef, rel.clone()),
                zeros(&lasso.coef, irr.clone()),
            );
            let rz = zeros(&ridge.coef, 0..d.n_features());
            let rnorm = irr
                .clone()
                .map(|j| ridge.coef[j].powi(2))
                .sum::<f64>()
                .sqrt();
            t.row(vec![
                a.to_string(),
                lz_rel.to_string(),
                lz_irr.to_string(),
                rz.to_string(),
                format!("{rnorm:.4}"),
            ]);
            lasso_pts.push((a.log10(), (lz_rel + lz_irr) as f64));
            ridge_pts.push((a.log10(), rz as f64));
            ridge_zero_total += rz;
            ridge_norms.push(rnorm);
            ridge_total.push(ridge.coef.dot(&ridge.coef).sqrt());
            if sparse_at.is_none() && lz_irr == irrelevant && lz_rel == 0 {
                sparse_at = Some(a);
            }
        }
        report.table(t);
        report.claim(
            "L1 regularization produces sparse models: irrelevant weights become exactly 0 (feature selection)",
            sparse_at.is_some(),
            sparse_at.map_or("no α zeroed all irrelevant weights while keeping the relevant ones".into(), |a| format!("at α = {a}: all {irrelevant} irrelevant weights exactly 0, all {} relevant kept", RELEVANT.len())),
        );
        report.claim(
            "L2 regularization drives weights closer to 0 but rarely to exactly 0",
            ridge_zero_total == 0 && ridge_total.windows(2).all(|w| w[1] < w[0]),
            format!(
                "{ridge_zero_total} exact zeros over all λ; ‖w‖ shrinks from {:.4} to {:.4} (irrelevant part {:.4} to {:.4})",
                ridge_total[0],
                ridge_total[ridge_total.len() - 1],
                ridge_norms[0],
                ridge_norms[ridge_norms.len() - 1]
            ),
        );
        report.plot(
            Plot::new(
                "zeros.svg",
                "Exactly-zero weights against penalty strength",
                "log10 α",
                "weights exactly 0",
            )
            .with(Series::line("L1 (lasso)", lasso_pts))
            .with(Series::line("L2 (ridge)", ridge_pts)),
        );

        // Weight decay: θ_j(1 - αλ/m) - α/m Σ (h - y) x_j equals θ - α ∇J for j >= 1.
        let x = design(d.x());
        let lambda = 5.0;
        let cost = SquaredError::new(x.view(), d.targets().view(), lambda)?;
        let theta = Array1::from_shape_fn(x.ncols(), |j| 0.1 * j as f64 - 0.5);
        let lr = 0.05;
        let mut grad = Array1::zeros(x.ncols());
        cost.loss_grad(theta.view(), Rows::All, &mut grad);
        let gradient_form = &theta - &(lr * &grad);
        let resid = x.dot(&theta) - d.targets();
        let data_grad = x.t().dot(&resid) / m;
        let decay_form = Array1::from_shape_fn(x.ncols(), |j| {
            let decay = if j == 0 { 1.0 } else { 1.0 - lr * lambda / m };
            theta[j] * decay - lr * data_grad[j]
        });
        let diff = (&gradient_form - &decay_form)
            .iter()
            .fold(0.0f64, |a, v| a.max(v.abs()));
        report.claim(
            "Gradient descent with L2: θ_j := θ_j(1 - αλ/m) - α/m Σ(h - y)x_j (weight decay)",
            diff < 1e-12,
            format!("max difference between the weight-decay update and θ - α∇J: {diff:.1e}; decay factor {:.6}", 1.0 - lr * lambda / m),
        );
        Ok(report)
    }
}
