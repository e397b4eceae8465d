//! Logistic regression: `h_θ(x) = g(θᵀx) = P(y = 1 | x; θ)` with `g(z) = 1 / (1 + e^{-z})`,
//! trained on the cross-entropy (log loss) with an L2 penalty `λ/(2m) Σ_{j≥1} θ_j²` that spares
//! the bias. λ = 1/C in scikit-learn's terms. More than two classes: one-vs-all (K binary
//! classifiers, predict the class maximising `h⁽ⁱ⁾(x)`) or softmax (multinomial) regression.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};

use super::cost::{CrossEntropy, SoftmaxCrossEntropy, sigmoid};
use super::design;
use crate::data::Dataset;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, Convergence, FitChecked, Params, Predict, PredictProba};
use crate::optim::{History, Lbfgs, Objective, Rows, Solver};
use crate::{Error, Result, validate};

/// How more than two classes are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MultiClass {
    /// One softmax model over all classes.
    #[default]
    Softmax,
    /// One binary classifier per class against the rest.
    OneVsAll,
}

/// Hyperparameters of logistic regression.
///
/// ```
/// use mlnotes::estimator::{Fit, PredictProba};
/// use mlnotes::linear::LogisticRegression;
/// use mlnotes::preprocess::Scaled;
/// let iris = mlnotes::data::iris();
/// let model = Scaled::standardized(LogisticRegression::new(1.0)).fit(&iris)?;
/// let p = model.predict_proba(iris.x())?;
/// assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogisticRegression {
    /// L2 penalty λ on the weights (1/C).
    pub l2: f64,
    /// Strategy for more than two classes.
    pub multi_class: MultiClass,
    /// The optimizer (default L-BFGS; the only one of the linfa and smartcore engines, whose
    /// L-BFGS takes its iteration budget and tolerance — smartcore's budget is fixed at 1000).
    pub solver: Solver,
    /// Who fits it: native, linfa (linfa-logistic) or smartcore; see
    /// [`engine`](crate::engine::Engine) and the penalty mapping `α = λ` there.
    #[serde(default)]
    pub engine: Engine,
}

impl Default for LogisticRegression {
    /// `λ = 1`, softmax, L-BFGS with scikit-learn's stopping rule ([`Lbfgs::scikit_learn`]:
    /// 100 iterations, gradient norm 1e-4); `with_solver(Solver::default())` solves to a
    /// gradient norm of 1e-8.
    fn default() -> Self {
        LogisticRegression {
            l2: 1.0,
            multi_class: MultiClass::Softmax,
            solver: Solver::Lbfgs(Lbfgs::scikit_learn()),
            engine: Engine::Native,
        }
    }
}

impl LogisticRegression {
    /// Logistic regression with penalty `l2` and the default solver.
    pub fn new(l2: f64) -> Self {
        LogisticRegression {
            l2,
            ..Self::default()
        }
    }

    /// Use `multi_class` for more than two classes (builder style).
    pub fn with_multi_class(mut self, multi_class: MultiClass) -> Self {
        self.multi_class = multi_class;
        self
    }

    /// Use `solver` (builder style).
    pub fn with_solver(mut self, solver: Solver) -> Self {
        self.solver = solver;
        self
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// The engines' L-BFGS budget: `(max_iter, tol)`.
    fn lbfgs_budget(&self) -> Result<(usize, f64)> {
        match self.solver {
            Solver::Lbfgs(l) => Ok((usize::try_from(l.max_iter).unwrap_or(usize::MAX), l.tol)),
            _ if self.engine == Engine::Native => Ok((0, 0.0)),
            _ => Err(self.engine.unsupported("a solver other than L-BFGS")),
        }
    }

    /// A model fitted by another engine, with its convergence judged by the native rule: the
    /// gradient of the mean cost at the solution is below `10 · tol`.
    fn engine_fit(&self, data: &Dataset, x: &Array2<f64>) -> Result<FittedLogistic> {
        let (max_iter, tol) = self.lbfgs_budget()?;
        let k = data.n_classes();
        let (xv, y) = (data.x(), data.y());
        let ova = k > 2 && self.multi_class == MultiClass::OneVsAll;
        if ova && self.engine == Engine::Smartcore {
            return Err(self.engine.unsupported("one-vs-all logistic regression"));
        }
        let (theta, kind) = match self.engine {
            Engine::Linfa if k == 2 => (
                engine::logistic::linfa_binary(xv, y, self.l2, max_iter, tol)?.insert_axis(Axis(0)),
                Kind::Binary,
            ),
            Engine::Linfa if ova => {
                let mut theta = Array2::zeros((k, x.ncols()));
                for c in 0..k {
                    let yc = y.mapv(|t| usize::from(t == c));
                    theta.row_mut(c).assign(&engine::logistic::linfa_binary(
                        xv,
                        yc.view(),
                        self.l2,
                        max_iter,
                        tol,
                    )?);
                }
                (theta, Kind::OneVsAll)
            }
            Engine::Linfa => (
                engine::logistic::linfa_softmax(xv, y, k, self.l2, max_iter, tol)?,
                Kind::Softmax,
            ),
            _ => {
                let theta = engine::logistic::smartcore(xv, y, k, self.l2)?;
                let kind = if k == 2 { Kind::Binary } else { Kind::Softmax };
                (theta, kind)
            }
        };
        let history = self.judged(data, x, &theta, kind, tol)?;
        Ok(FittedLogistic {
            theta,
            kind,
            history,
        })
    }

    /// One history per classifier: no losses recorded, `converged` when `‖∇J‖ ≤ 10 · tol`.
    fn judged(
        &self,
        data: &Dataset,
        x: &Array2<f64>,
        theta: &Array2<f64>,
        kind: Kind,
        tol: f64,
    ) -> Result<Vec<History>> {
        let judged = |grad: Array1<f64>| History {
            loss: Vec::new(),
            iterations: 0,
            converged: grad.dot(&grad).sqrt() <= 10.0 * tol,
        };
        let mut grad = Array1::zeros(theta.len());
        match kind {
            Kind::Softmax => {
                let cost = SoftmaxCrossEntropy::new(x.view(), data.y(), data.n_classes(), self.l2)?;
                let flat = Array1::from_iter(theta.iter().copied());
                cost.loss_grad(flat.view(), Rows::All, &mut grad);
                Ok(vec![judged(grad)])
            }
            Kind::Binary | Kind::OneVsAll => (0..theta.nrows())
                .map(|r| {
                    let positive = if kind == Kind::Binary { 1 } else { r };
                    let y = data.y().mapv(|t| f64::from(u8::from(t == positive)));
                    let cost = CrossEntropy::new(x.view(), y.view(), self.l2)?;
                    let mut g = Array1::zeros(theta.ncols());
                    cost.loss_grad(theta.row(r), Rows::All, &mut g);
                    Ok(judged(g))
                })
                .collect(),
        }
    }
}

impl Params for LogisticRegression {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.l2, "l2")?;
        self.lbfgs_budget()?;
        self.solver.check()
    }
}

/// A fitted logistic model: `theta` has one row `[θ₀, θ₁, …]` per classifier.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLogistic {
    /// Binary: one row (class 1 against 0). One-vs-all and softmax: one row per class.
    pub theta: Array2<f64>,
    /// How the rows combine into probabilities.
    pub kind: Kind,
    /// Optimizer history of each fitted classifier.
    pub history: Vec<History>,
}

impl Convergence for FittedLogistic {
    /// Every classifier's optimizer met its tolerance.
    fn converged(&self) -> bool {
        self.history.iter().all(|h| h.converged)
    }
}

/// How a fitted model turns scores into probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// `P(y = 1) = g(θᵀx)`.
    Binary,
    /// `h⁽ᵏ⁾ = g(θₖᵀx)`, normalised to sum to 1.
    OneVsAll,
    /// `softmax(Θx)`.
    Softmax,
}

impl FitChecked<usize> for LogisticRegression {
    type Model = FittedLogistic;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedLogistic> {
        let data = data.data();
        data.require_two_classes()?;
        let x = design(data.x());
        if self.engine != Engine::Native {
            return self.engine_fit(data, &x);
        }
        let k = data.n_classes();
        let p = x.ncols();
        let binary = |positive: usize| -> Result<(Array1<f64>, History)> {
            let y = data.targets().mapv(|t| f64::from(u8::from(t == positive)));
            let cost = CrossEntropy::new(x.view(), y.view(), self.l2)?;
            self.solver.minimize(&cost, Array1::zeros(p).view())
        };
        if k == 2 {
            let (theta, h) = binary(1)?;
            return Ok(FittedLogistic {
                theta: theta.insert_axis(Axis(0)),
                kind: Kind::Binary,
                history: vec![h],
            });
        }
        match self.multi_class {
            MultiClass::OneVsAll => {
                let mut theta = Array2::zeros((k, p));
                let mut history = Vec::with_capacity(k);
                for c in 0..k {
                    let (t, h) = binary(c)?;
                    theta.row_mut(c).assign(&t);
                    history.push(h);
                }
                Ok(FittedLogistic {
                    theta,
                    kind: Kind::OneVsAll,
                    history,
                })
            }
            MultiClass::Softmax => {
                let cost = SoftmaxCrossEntropy::new(x.view(), data.targets().view(), k, self.l2)?;
                let (t, h) = self.solver.minimize(&cost, Array1::zeros(k * p).view())?;
                let theta = t
                    .into_shape_with_order((k, p))
                    .map_err(|e| Error::invalid(e.to_string()))?;
                Ok(FittedLogistic {
                    theta,
                    kind: Kind::Softmax,
                    history: vec![h],
                })
            }
        }
    }
}

impl FittedLogistic {
    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.theta.ncols() - 1
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        if self.kind == Kind::Binary {
            2
        } else {
            self.theta.nrows()
        }
    }

    /// The linear scores `θₖᵀx` of each classifier.
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_features(), x, "logistic regression predict")?;
        validate::finite(x, "features to predict")?;
        let w = self.theta.slice(s![.., 1..]);
        Ok(x.dot(&w.t()) + self.theta.column(0))
    }
}

impl PredictProba for FittedLogistic {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let z = self.decision_function(x)?;
        Ok(match self.kind {
            Kind::Binary => {
                let mut out = Array2::zeros((x.nrows(), 2));
                for (i, &zi) in z.column(0).iter().enumerate() {
                    let h = sigmoid(zi);
                    out[[i, 0]] = 1.0 - h;
                    out[[i, 1]] = h;
                }
                out
            }
            Kind::OneVsAll => {
                // h⁽ᵏ⁾ normalised to sum to 1, in log space: when every sigmoid underflows
                // (a point far from all classes) the shares stay finite.
                let log_sigmoid = |v: f64| {
                    if v >= 0.0 {
                        -(-v).exp().ln_1p()
                    } else {
                        v - v.exp().ln_1p()
                    }
                };
                let mut h = z.mapv(log_sigmoid);
                for mut row in h.rows_mut() {
                    let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                    row.mapv_inplace(|v| (v - max).exp());
                    let sum = row.sum();
                    row /= sum;
                }
                h
            }
            Kind::Softmax => super::cost::softmax_rows(z),
        })
    }
}

impl Predict<usize> for FittedLogistic {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        let z = self.decision_function(x)?;
        Ok(match self.kind {
            Kind::Binary => z.column(0).mapv(|v| usize::from(v > 0.0)),
            // one-vs-all: argmax of h⁽ᵏ⁾ = argmax of θₖᵀx (g is increasing); softmax likewise
            _ => z.map_axis(Axis(1), |row| {
                row.iter()
                    .enumerate()
                    .fold(0, |b, (i, &v)| if v > row[b] { i } else { b })
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::data::generate;
    use crate::estimator::Fit;
    use crate::optim::{GradientDescent, Newton};
    use ndarray::array;

    #[test]
    fn separable_blobs_every_strategy_and_solver() {
        let d = generate::blobs(90, &array![[-3.0, 0.0], [3.0, 0.0], [0.0, 5.0]], 0.6, 1).unwrap();
        for mc in [MultiClass::Softmax, MultiClass::OneVsAll] {
            let m = LogisticRegression::new(0.1)
                .with_multi_class(mc)
                .fit(&d)
                .unwrap();
            let p = m.predict_proba(d.x()).unwrap();
            assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
            assert_eq!(m.predict(d.x()).unwrap(), d.targets(), "{mc:?}");
        }
        let keep: Vec<usize> = (0..90).filter(|i| d.targets()[*i] < 2).collect();
        let two = Dataset::classification(
            d.features().select(ndarray::Axis(0), &keep),
            d.targets().select(ndarray::Axis(0), &keep),
        )
        .unwrap();
        for solver in [
            Solver::Newton(Newton::default()),
            Solver::GradientDescent(GradientDescent::batch(0.5)),
        ] {
            let b = LogisticRegression::new(1.0)
                .with_solver(solver)
                .fit(&two)
                .unwrap();
            assert_eq!(b.predict(two.x()).unwrap(), two.targets());
        }
    }

    #[test]
    fn newton_lbfgs_and_gradient_descent_find_the_same_minimum() {
        let d = generate::moons(100, 0.3, 2).unwrap();
        let fit = |s: Solver| {
            LogisticRegression::new(0.5)
                .with_solver(s)
                .fit(&d)
                .unwrap()
                .theta
        };
        let lbfgs = fit(Solver::default());
        let newton = fit(Solver::Newton(Newton::default()));
        let gd = fit(Solver::GradientDescent(GradientDescent {
            learning_rate: 2.0,
            max_epochs: 50_000,
            tol: 1e-15,
            ..Default::default()
        }));
        for other in [newton, gd] {
            assert!(
                (&other - &lbfgs).iter().all(|v| v.abs() < 1e-5),
                "{other} vs {lbfgs}"
            );
        }
    }

    #[test]
    fn errors() {
        let one = Dataset::classification(array![[0.0], [1.0]], array![1, 1]).unwrap();
        assert!(LogisticRegression::default().fit(&one).is_err());
        let d = Dataset::classification(array![[0.0], [1.0]], array![0, 1]).unwrap();
        assert!(LogisticRegression::new(-1.0).fit(&d).is_err());
        let m = LogisticRegression::default().fit(&d).unwrap();
        assert!(m.predict(array![[1.0, 2.0]].view()).is_err());
        assert!(m.predict_proba(array![[f64::NAN]].view()).is_err());
        // softmax has no Hessian: Newton is a clear error
        let three = Dataset::classification(array![[0.0], [1.0], [2.0]], array![0, 1, 2]).unwrap();
        let newton = LogisticRegression::default().with_solver(Solver::Newton(Newton::default()));
        assert!(
            newton
                .fit(&three)
                .unwrap_err()
                .to_string()
                .contains("Hessian")
        );
    }

    /// The optimizer's verdict is visible on the fitted model: one L-BFGS iteration does not
    /// meet the tolerance, the default budget does; likewise for least squares by L-BFGS.
    #[test]
    fn convergence_is_reported() {
        use crate::estimator::{Convergence, Fit};
        use crate::linear::LinearRegression;
        use crate::optim::Lbfgs;
        let one = |max_iter| {
            Solver::Lbfgs(Lbfgs {
                max_iter,
                ..Lbfgs::default()
            })
        };
        let iris = crate::data::iris();
        let fit = |solver| {
            LogisticRegression::new(1.0)
                .with_solver(solver)
                .fit(&iris)
                .unwrap()
        };
        assert!(fit(Solver::Lbfgs(Lbfgs::default())).converged());
        assert!(!fit(one(1)).converged());
        let diabetes = crate::data::diabetes();
        assert!(LinearRegression::new().fit(&diabetes).unwrap().converged());
        let short = LinearRegression::new()
            .with_solver(one(1))
            .fit(&diabetes)
            .unwrap();
        assert!(!short.converged());
    }
}
