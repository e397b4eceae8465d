//! Grid and random hyperparameter search over a [`SearchSpace`]. The objective is any
//! function of a point that returns a score to maximise (e.g. a mean cross-validation score),
//! so every estimator can be tuned.
//!
//! Random search explores more distinct values of each parameter than a grid of the same
//! budget, which pays when only a few parameters matter (Bergstra & Bengio, 2012).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{Error, Result};

/// One hyperparameter's range.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Dimension {
    /// A real value in `[low, high]`, searched on a log scale when `log`.
    Continuous {
        /// Its name.
        name: String,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Log-uniform (for scales like learning rates or `C`).
        log: bool,
    },
    /// An integer in `[low, high]`.
    Integer {
        /// Its name.
        name: String,
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
    },
    /// One of the listed values.
    Choice {
        /// Its name.
        name: String,
        /// The candidates.
        options: Vec<f64>,
    },
}

/// Values of every dimension, in the order of the space.
pub type Point = Vec<f64>;

impl Dimension {
    /// A uniform real range.
    pub fn continuous(name: &str, low: f64, high: f64) -> Self {
        Dimension::Continuous {
            name: name.into(),
            low,
            high,
            log: false,
        }
    }

    /// A log-uniform real range (`low > 0`).
    pub fn log_uniform(name: &str, low: f64, high: f64) -> Self {
        Dimension::Continuous {
            name: name.into(),
            low,
            high,
            log: true,
        }
    }

    /// An integer range.
    pub fn integer(name: &str, low: i64, high: i64) -> Self {
        Dimension::Integer {
            name: name.into(),
            low,
            high,
        }
    }

    /// A list of candidate values.
    pub fn choice(name: &str, options: &[f64]) -> Self {
        Dimension::Choice {
            name: name.into(),
            options: options.to_vec(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Dimension::Continuous { name, .. }
            | Dimension::Integer { name, .. }
            | Dimension::Choice { name, .. } => name,
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::invalid(format!(
                "dimension '{}': {reason}",
                self.name()
            )))
        };
        match self {
            Dimension::Continuous { low, high, log, .. } => {
                if !(low.is_finite() && high.is_finite() && low <= high) {
                    return bad(format!("needs finite low <= high, got [{low}, {high}]"));
                }
                if *log && *low <= 0.0 {
                    return bad(format!("a log scale needs low > 0, got {low}"));
                }
            }
            Dimension::Integer { low, high, .. } if low > high => {
                return bad(format!("needs low <= high, got [{low}, {high}]"));
            }
            Dimension::Choice { options, .. }
                if options.is_empty() || options.iter().any(|v| !v.is_finite()) =>
            {
                return bad("needs at least one finite option".into());
            }
            _ => {}
        }
        Ok(())
    }

    /// The value at position `u` in `[0, 1]` of the range (log scale where asked).
    pub fn from_unit(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self {
            Dimension::Continuous {
                low,
                high,
                log: false,
                ..
            } => low + u * (high - low),
            Dimension::Continuous {
                low,
                high,
                log: true,
                ..
            } => (low.ln() + u * (high.ln() - low.ln())).exp(),
            Dimension::Integer { low, high, .. } => (*low as f64 + u * (high - low) as f64).round(),
            Dimension::Choice { options, .. } => {
                options[((u * options.len() as f64) as usize).min(options.len() - 1)]
            }
        }
    }

    /// The position in `[0, 1]` of `v` (inverse of [`Dimension::from_unit`]); a value that is
    /// not one of a choice's options is an error.
    pub fn to_unit(&self, v: f64) -> Result<f64> {
        let frac = |a: f64, lo: f64, hi: f64| if hi > lo { (a - lo) / (hi - lo) } else { 0.5 };
        Ok(match self {
            Dimension::Continuous {
                low,
                high,
                log: false,
                ..
            } => frac(v, *low, *high),
            Dimension::Continuous {
                low,
                high,
                log: true,
                ..
            } => frac(v.ln(), low.ln(), high.ln()),
            Dimension::Integer { low, high, .. } => frac(v, *low as f64, *high as f64),
            Dimension::Choice { name, options } => {
                let i = options.iter().position(|&o| o == v).ok_or_else(|| {
                    Error::invalid(format!(
                        "{v} is not one of the options {options:?} of `{name}`"
                    ))
                })?;
                (i as f64 + 0.5) / options.len() as f64
            }
        })
    }

    /// `n` evenly spaced values (log-spaced on a log scale); all options of a choice; distinct
    /// integers only.
    pub fn grid(&self, n: usize) -> Vec<f64> {
        match self {
            Dimension::Choice { options, .. } => options.clone(),
            _ => {
                let mut v: Vec<f64> = (0..n)
                    .map(|i| {
                        self.from_unit(if n == 1 {
                            0.5
                        } else {
                            i as f64 / (n - 1) as f64
                        })
                    })
                    .collect();
                v.dedup();
                v
            }
        }
    }
}

/// The hyperparameters searched over.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchSpace {
    /// One entry per hyperparameter.
    pub dims: Vec<Dimension>,
}

impl SearchSpace {
    /// A validated space.
    pub fn new(dims: Vec<Dimension>) -> Result<Self> {
        if dims.is_empty() {
            return Err(Error::invalid(
                "a search space needs at least one dimension",
            ));
        }
        dims.iter().try_for_each(Dimension::check)?;
        Ok(SearchSpace { dims })
    }

    /// A uniformly random point (log-uniform on log scales).
    pub fn sample(&self, rng: &mut impl Rng) -> Point {
        self.dims
            .iter()
            .map(|d| d.from_unit(rng.random::<f64>()))
            .collect()
    }
}

/// One evaluated point.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trial {
    /// The hyperparameters.
    pub point: Point,
    /// The objective's score (higher is better).
    pub score: f64,
}

/// All trials of a search, in evaluation order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchResult {
    /// Every evaluated point.
    pub trials: Vec<Trial>,
}

impl SearchResult {
    /// The highest-scoring trial.
    pub fn best(&self) -> Option<&Trial> {
        self.trials
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }

    /// The best score after each trial (a search's convergence curve).
    pub fn best_so_far(&self) -> Vec<f64> {
        self.trials
            .iter()
            .scan(f64::NEG_INFINITY, |best, t| {
                *best = best.max(t.score);
                Some(*best)
            })
            .collect()
    }
}

/// Evaluate `objective` and refuse non-finite scores.
pub(super) fn evaluate(
    objective: &mut impl FnMut(&[f64]) -> Result<f64>,
    point: Point,
) -> Result<Trial> {
    let score = objective(&point)?;
    if !score.is_finite() {
        return Err(Error::NonFinite {
            location: format!("search objective at point {point:?}"),
        });
    }
    Ok(Trial { point, score })
}

/// The most points a grid search evaluates.
pub const MAX_GRID_POINTS: usize = 1_000_000;

/// Every combination of `per_dim` values per dimension (all options of a choice); more than
/// [`MAX_GRID_POINTS`] combinations is an error before any evaluation.
pub fn grid_search(
    space: &SearchSpace,
    per_dim: usize,
    mut objective: impl FnMut(&[f64]) -> Result<f64>,
) -> Result<SearchResult> {
    if per_dim == 0 {
        return Err(Error::config(
            "per_dim",
            "needs at least one value per dimension",
        ));
    }
    let too_many = |dims: usize| {
        Error::config(
            "per_dim",
            format!(
                "{per_dim} values on {dims} dimensions is more than {MAX_GRID_POINTS} grid points"
            ),
        )
    };
    if per_dim > MAX_GRID_POINTS {
        return Err(too_many(space.dims.len()));
    }
    let axes: Vec<Vec<f64>> = space.dims.iter().map(|d| d.grid(per_dim)).collect();
    let total = axes
        .iter()
        .try_fold(1usize, |n, axis| n.checked_mul(axis.len()))
        .filter(|&n| n <= MAX_GRID_POINTS)
        .ok_or_else(|| too_many(axes.len()))?;
    let mut trials = Vec::with_capacity(total);
    for mut flat in 0..total {
        let point = axes
            .iter()
            .map(|axis| {
                let v = axis[flat % axis.len()];
                flat /= axis.len();
                v
            })
            .collect();
        trials.push(evaluate(&mut objective, point)?);
    }
    Ok(SearchResult { trials })
}

/// `n_trials` independent uniformly random points.
pub fn random_search(
    space: &SearchSpace,
    n_trials: usize,
    seed: u64,
    mut objective: impl FnMut(&[f64]) -> Result<f64>,
) -> Result<SearchResult> {
    if n_trials == 0 {
        return Err(Error::config("n_trials", "needs at least one trial"));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let trials = (0..n_trials)
        .map(|_| evaluate(&mut objective, space.sample(&mut rng)))
        .collect::<Result<_>>()?;
    Ok(SearchResult { trials })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> SearchSpace {
        SearchSpace::new(vec![
            Dimension::log_uniform("lr", 1e-4, 1.0),
            Dimension::integer("depth", 1, 3),
            Dimension::choice("kind", &[0.0, 1.0]),
        ])
        .unwrap()
    }

    #[test]
    fn grid_covers_the_product() {
        let mut seen = Vec::new();
        let r = grid_search(&space(), 3, |p| {
            seen.push(p.to_vec());
            Ok(p[1])
        })
        .unwrap();
        assert_eq!(r.trials.len(), 3 * 3 * 2);
        assert!(
            seen.iter()
                .any(|p| (p[0] - 1e-4).abs() < 1e-15 && p[1] == 1.0 && p[2] == 0.0)
        );
        assert!(seen.iter().any(|p| (p[0] - 1e-2).abs() < 1e-12)); // log midpoint
        assert_eq!(r.best().unwrap().score, 3.0);
    }

    #[test]
    fn random_search_is_seeded_and_in_range() {
        let a = random_search(&space(), 20, 5, |p| Ok(-p[0])).unwrap();
        assert_eq!(a, random_search(&space(), 20, 5, |p| Ok(-p[0])).unwrap());
        for t in &a.trials {
            assert!((1e-4..=1.0).contains(&t.point[0]));
            assert!([1.0, 2.0, 3.0].contains(&t.point[1]));
        }
        let curve = a.best_so_far();
        assert!(curve.windows(2).all(|w| w[1] >= w[0]));
    }

    #[test]
    fn unit_round_trip_and_errors() {
        let d = Dimension::log_uniform("c", 0.01, 100.0);
        assert!((d.from_unit(d.to_unit(3.0).unwrap()) - 3.0).abs() < 1e-9);
        // a value outside a choice's options is an error, not its first option
        let c = Dimension::choice("kernel", &[1.0, 2.0]);
        assert!((c.to_unit(2.0).unwrap() - 0.75).abs() < 1e-12);
        assert!(c.to_unit(3.0).is_err());
        assert!(SearchSpace::new(vec![Dimension::log_uniform("c", 0.0, 1.0)]).is_err());
        assert!(SearchSpace::new(vec![]).is_err());
        assert!(random_search(&space(), 3, 0, |_| Ok(f64::NAN)).is_err());
        assert!(grid_search(&space(), 0, |_| Ok(0.0)).is_err());
        // 100 values on 4 dimensions is 10⁸ points; usize::MAX values per dimension would
        // overflow the count: both refused before any evaluation.
        let wide = SearchSpace::new(
            ["a", "b", "c", "d"]
                .map(|name| Dimension::continuous(name, 0.0, 1.0))
                .to_vec(),
        )
        .unwrap();
        for (space, per_dim) in [(&wide, 100), (&space(), usize::MAX)] {
            let err = grid_search(space, per_dim, |_| panic!("evaluated")).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Config {
                        param: "per_dim",
                        ..
                    }
                ),
                "{err}"
            );
        }
    }
}
