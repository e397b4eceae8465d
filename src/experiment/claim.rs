//! How a claim of the notes is decided: a [`Verdict`] is a stated rule over measured numbers
//! (the effect, its uncertainty over `n` repeats, a threshold), and a [`Claim`] is the notes'
//! sentence with the verdict it got.
//!
//! Every verdict is computed by one of the rules below, so that its evidence is generated from
//! the numbers it was decided on and no claim is held by a sentence the code wrote:
//!
//! - one deterministic measurement against a threshold ([`Verdict::at_least`],
//!   [`Verdict::at_most`], [`Verdict::within`]);
//! - repeated measurements (seeds, folds, bootstraps) whose mean must clear a threshold by two
//!   standard errors, `mean − 2·SE > t` ([`Verdict::mean_above`], [`Verdict::mean_below`]), or
//!   paired differences between two methods on the same seeds ([`Verdict::paired_gain`]);
//! - how often an event happened over repeats ([`Verdict::share`]);
//! - a timing: the ratio of two medians over at least [`MIN_TIMING_REPEATS`] repeats each
//!   ([`Verdict::speedup`]);
//! - a growth rate: the log-log slope over at least [`MIN_SIZES`] sizes inside a band
//!   ([`Verdict::slope`]).
//!
//! ```
//! use mlnotes::experiment::Verdict;
//! // Accuracy of A minus accuracy of B on five seeds: held when the mean gain clears 0 by 2 SE.
//! let v = Verdict::paired_gain("accuracy of A − B", &[0.91, 0.92, 0.90, 0.93, 0.92],
//!                              &[0.85, 0.86, 0.86, 0.85, 0.84], 0.0);
//! assert!(v.held() && v.n() == 5);
//! // One lucky seed does not decide a comparison.
//! assert!(!Verdict::paired_gain("gain", &[0.9], &[0.8], 0.0).held());
//! ```

use serde::{Deserialize, Serialize};

/// Fewest repeats of each side of a timing comparison.
pub const MIN_TIMING_REPEATS: usize = 5;
/// Fewest sizes for a growth rate (log-log slope).
pub const MIN_SIZES: usize = 4;

/// A sentence of the notes, the rule that decided it, and the measured numbers.
///
/// The fields are the `claims` objects of `report.json`:
/// `id` (a slug, unique in its report), `statement`, `held`, `evidence` (generated from the
/// numbers), `rule` (how it was decided, in words), `n` (seeds, repeats, folds or sizes behind
/// it), `effect` (the measured quantity the rule compares), `uncertainty` (its standard error
/// when repeated, else `null`), `threshold` (what the effect was compared with) and `timed`
/// (whether it rests on wall-clock time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Stable identifier (lowercase letters, digits and `-`), unique within its report.
    pub id: String,
    /// The notes' claim, in words.
    pub statement: String,
    /// Whether the measurement supports it.
    pub held: bool,
    /// The numbers behind the verdict, written from them.
    pub evidence: String,
    /// The rule that decided it, in words.
    pub rule: String,
    /// How many independent measurements the rule used (seeds, repeats, folds or sizes).
    pub n: usize,
    /// The measured quantity the rule compares with its threshold.
    #[serde(deserialize_with = "super::json::number")]
    pub effect: f64,
    /// The effect's standard error over the repeats (`None` for one measurement).
    pub uncertainty: Option<f64>,
    /// What the effect was compared with.
    #[serde(deserialize_with = "super::json::number")]
    pub threshold: f64,
    /// Whether the verdict can differ between identical runs: it rests on wall-clock
    /// measurements, or on a wrapped crate that breaks ties in hash-map order (as
    /// [`Table::timed`](super::Table::timed)); every other claim is decided by the seed alone.
    pub timed: bool,
}

/// A decision over measured numbers: a rule, what it measured, and whether it passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    held: bool,
    rule: String,
    n: usize,
    effect: f64,
    uncertainty: Option<f64>,
    threshold: f64,
    evidence: String,
    timed: bool,
}

/// A number in evidence: four significant figures, or scientific notation far from 1.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    } else if v.is_finite() {
        format!("{v:.3e}")
    } else {
        format!("{v}")
    }
}

/// Mean and standard error (sample standard deviation over √n) of `v`; the error is `None`
/// for fewer than two values.
pub fn mean_se(v: &[f64]) -> (f64, Option<f64>) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (mean, None);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Some((var / n).sqrt()))
}

/// Median of `v` (NaN when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => 0.5 * (s[n / 2 - 1] + s[n / 2]),
    }
}

/// Half the interquartile range of `v`, `(Q₃ − Q₁)/2` with quartiles interpolated linearly
/// between order statistics: the half-width of an error bar around a median of repeated
/// timings (NaN when empty).
///
/// ```
/// use mlnotes::experiment::half_iqr;
/// // Q₁ = 2, Q₃ = 4 for 1..=5.
/// assert_eq!(half_iqr(&[5.0, 1.0, 3.0, 2.0, 4.0]), 1.0);
/// ```
pub fn half_iqr(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let quantile = |q: f64| {
        let at = q * (s.len() - 1) as f64;
        let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
        s[lo] + (at - lo as f64) * (s[hi] - s[lo])
    };
    0.5 * (quantile(0.75) - quantile(0.25))
}

impl Verdict {
    fn single(what: &str, value: f64, threshold: f64, held: bool, op: (&str, &str)) -> Self {
        Verdict {
            held,
            rule: format!(
                "{what} {} {} (one deterministic measurement)",
                op.0,
                num(threshold)
            ),
            n: 1,
            effect: value,
            uncertainty: None,
            threshold,
            evidence: format!(
                "{what} = {} {} {}",
                num(value),
                if held { op.0 } else { op.1 },
                num(threshold)
            ),
            timed: false,
        }
    }

    /// `what`, measured once on fixed data (or in closed form), is at least `threshold`.
    pub fn at_least(what: &str, value: f64, threshold: f64) -> Self {
        Self::single(what, value, threshold, value >= threshold, ("≥", "<"))
    }

    /// `what`, measured once on fixed data (or in closed form), is at most `threshold`.
    pub fn at_most(what: &str, value: f64, threshold: f64) -> Self {
        Self::single(what, value, threshold, value <= threshold, ("≤", ">"))
    }

    /// `what`, measured once, lies in `[low, high]` (the threshold recorded is the band's
    /// middle).
    pub fn within(what: &str, value: f64, low: f64, high: f64) -> Self {
        let held = (low..=high).contains(&value);
        Verdict {
            held,
            rule: format!(
                "{what} within [{}, {}] (one deterministic measurement)",
                num(low),
                num(high)
            ),
            n: 1,
            effect: value,
            uncertainty: None,
            threshold: 0.5 * (low + high),
            evidence: format!(
                "{what} = {} {} [{}, {}]",
                num(value),
                if held { "in" } else { "outside" },
                num(low),
                num(high)
            ),
            timed: false,
        }
    }

    fn repeated(what: &str, samples: &[f64], threshold: f64, above: bool) -> Self {
        let n = samples.len();
        let (mean, se) = mean_se(samples);
        let bound = match se {
            Some(se) if above => mean - 2.0 * se,
            Some(se) => mean + 2.0 * se,
            None => f64::NAN,
        };
        let held = n >= 2
            && if above {
                bound > threshold
            } else {
                bound < threshold
            };
        let (sign, cmp, fail) = if above {
            ("−", ">", "≤")
        } else {
            ("+", "<", "≥")
        };
        let evidence = match se {
            Some(se) => format!(
                "{what}: mean {} ± {} (SE, n = {n}); mean {sign} 2·SE = {} {} {}",
                num(mean),
                num(se),
                num(bound),
                if held { cmp } else { fail },
                num(threshold)
            ),
            None => format!(
                "{what}: {} from {n} measurement(s), too few to decide",
                num(mean)
            ),
        };
        Verdict {
            held,
            rule: format!(
                "mean {what} {sign} 2·SE {cmp} {} over n ≥ 2 repeats",
                num(threshold)
            ),
            n,
            effect: mean,
            uncertainty: se,
            threshold,
            evidence,
            timed: false,
        }
    }

    /// The mean of repeated measurements of `what` exceeds `threshold` by more than two
    /// standard errors.
    pub fn mean_above(what: &str, samples: &[f64], threshold: f64) -> Self {
        Self::repeated(what, samples, threshold, true)
    }

    /// The mean of repeated measurements of `what` is below `threshold` by more than two
    /// standard errors.
    pub fn mean_below(what: &str, samples: &[f64], threshold: f64) -> Self {
        Self::repeated(what, samples, threshold, false)
    }

    /// Two methods measured on the same seeds: the mean of the paired differences
    /// `better[i] − worse[i]` exceeds `margin` by more than two standard errors.
    pub fn paired_gain(what: &str, better: &[f64], worse: &[f64], margin: f64) -> Self {
        let diffs: Vec<f64> = better.iter().zip(worse).map(|(a, b)| a - b).collect();
        let mut v = Self::repeated(what, &diffs, margin, true);
        v.rule = format!("paired over seeds: {}", v.rule);
        v
    }

    /// An event of `what` happened in at least `min_share` of the repeats.
    pub fn share(what: &str, outcomes: &[bool], min_share: f64) -> Self {
        let n = outcomes.len();
        let k = outcomes.iter().filter(|&&o| o).count();
        let share = if n == 0 {
            f64::NAN
        } else {
            k as f64 / n as f64
        };
        let held = n > 0 && share >= min_share;
        Verdict {
            held,
            rule: format!("{what} in at least {} of the repeats", pct(min_share)),
            n,
            effect: share,
            uncertainty: (n > 0).then(|| (share * (1.0 - share) / n as f64).sqrt()),
            threshold: min_share,
            evidence: format!("{what} in {k} of {n} repeats ({})", pct(share)),
            timed: false,
        }
    }

    /// A timing: the median of the `slow` times over the median of the `fast` times is at
    /// least `min_ratio`, with at least [`MIN_TIMING_REPEATS`] repeats of each.
    pub fn speedup(what: &str, slow: &[f64], fast: &[f64], min_ratio: f64) -> Self {
        let (ms, mf) = (median(slow), median(fast));
        let ratio = ms / mf;
        let n = slow.len().min(fast.len());
        let held = n >= MIN_TIMING_REPEATS && ratio >= min_ratio;
        Verdict {
            held,
            rule: format!(
                "median time ratio {what} ≥ {}x over at least {MIN_TIMING_REPEATS} repeats each",
                num(min_ratio)
            ),
            n,
            effect: ratio,
            uncertainty: None,
            threshold: min_ratio,
            evidence: format!(
                "median {} s vs {} s over {n} repeats: {}x {} {}x",
                num(ms),
                num(mf),
                num(ratio),
                if held { "≥" } else { "short of" },
                num(min_ratio)
            ),
            timed: true,
        }
    }

    /// A growth rate: the least-squares slope of `ln cost` against `ln size` over at least
    /// [`MIN_SIZES`] `(size, cost)` points lies in `[low, high]`; its standard error is the
    /// regression's.
    pub fn slope(what: &str, points: &[(f64, f64)], low: f64, high: f64) -> Self {
        let n = points.len();
        let b = crate::metrics::log_log_slope(points);
        let se = slope_se(points, b);
        let held = n >= MIN_SIZES && (low..=high).contains(&b);
        Verdict {
            held,
            rule: format!(
                "log-log slope of {what} over at least {MIN_SIZES} sizes within [{}, {}]",
                num(low),
                num(high)
            ),
            n,
            effect: b,
            uncertainty: se,
            threshold: 0.5 * (low + high),
            evidence: format!(
                "slope {}{} over {n} sizes ({} to {}), {} [{}, {}]",
                num(b),
                se.map(|s| format!(" ± {}", num(s))).unwrap_or_default(),
                num(points.first().map_or(f64::NAN, |p| p.0)),
                num(points.last().map_or(f64::NAN, |p| p.0)),
                if held { "in" } else { "outside" },
                num(low),
                num(high)
            ),
            timed: false,
        }
    }

    /// Two growth rates: the log-log slope of `slower` (its cost against size) is below the
    /// slope of `faster` by more than `margin` plus two standard errors of the difference,
    /// `√(SE₁² + SE₂²)`, each slope fitted over at least [`MIN_SIZES`] sizes.
    pub fn slope_below(
        what: &str,
        slower: &[(f64, f64)],
        faster: &[(f64, f64)],
        margin: f64,
    ) -> Self {
        let n = slower.len().min(faster.len());
        let (b1, b2) = (
            crate::metrics::log_log_slope(slower),
            crate::metrics::log_log_slope(faster),
        );
        let se = slope_se(slower, b1)
            .zip(slope_se(faster, b2))
            .map(|(s1, s2)| s1.hypot(s2));
        let gap = b2 - b1;
        let bound = se.map_or(f64::NAN, |se| gap - 2.0 * se);
        let held = n >= MIN_SIZES && bound > margin;
        Verdict {
            held,
            rule: format!(
                "log-log slope of {what}: the second slope − the first − 2·SE of the difference > {} over at least {MIN_SIZES} sizes",
                num(margin)
            ),
            n,
            effect: gap,
            uncertainty: se,
            threshold: margin,
            evidence: format!(
                "slopes {} and {} over {n} sizes: difference {}{}, minus 2·SE = {} {} {}",
                num(b1),
                num(b2),
                num(gap),
                se.map(|s| format!(" ± {}", num(s))).unwrap_or_default(),
                num(bound),
                if held { ">" } else { "≤" },
                num(margin)
            ),
            timed: true,
        }
    }

    /// Both verdicts: held when both hold; the first gives the effect and threshold.
    pub fn and(mut self, other: Verdict) -> Self {
        self.held &= other.held;
        self.rule = format!("{}; and {}", self.rule, other.rule);
        self.evidence = format!("{}; {}", self.evidence, other.evidence);
        self.n = self.n.min(other.n);
        self.timed |= other.timed;
        self
    }

    /// Add numbers that explain the verdict (written by the caller from measured values).
    pub fn with(mut self, detail: impl AsRef<str>) -> Self {
        self.evidence = format!("{}; {}", self.evidence, detail.as_ref());
        self
    }

    /// Mark the verdict as one that can differ between identical runs (wall-clock time, or a
    /// wrapped crate's hash-map order).
    pub fn timed(mut self) -> Self {
        self.timed = true;
        self
    }

    /// Whether the rule passed.
    pub fn held(&self) -> bool {
        self.held
    }

    /// How many measurements it rests on.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The evidence, as written from the numbers.
    pub fn evidence(&self) -> &str {
        &self.evidence
    }

    /// The claim `statement`, identified by `id`, decided by this verdict.
    pub fn claim(self, id: &str, statement: &str) -> Claim {
        Claim {
            id: id.into(),
            statement: statement.into(),
            held: self.held,
            evidence: self.evidence,
            rule: self.rule,
            n: self.n,
            effect: self.effect,
            uncertainty: self.uncertainty,
            threshold: self.threshold,
            timed: self.timed,
        }
    }
}

fn pct(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

/// Standard error of a least-squares slope in log-log space (`None` under three points).
fn slope_se(points: &[(f64, f64)], b: f64) -> Option<f64> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let pts: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let a = my - b * mx;
    let sse: f64 = pts.iter().map(|p| (p.1 - a - b * p.0).powi(2)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    Some((sse / (n as f64 - 2.0) / sxx).sqrt())
}

/// Whether `id` is a slug: lowercase ASCII letters, digits and single inner dashes.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_standard_error_by_hand() {
        // 1, 2, 3, 4: mean 2.5, sample variance 5/3, SE = sqrt(5/12).
        let (m, se) = mean_se(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((se.unwrap() - (5.0f64 / 12.0).sqrt()).abs() < 1e-15);
        assert_eq!(mean_se(&[3.0]).1, None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        // numpy.percentile([1, 2, 3, 4], [25, 75]) = [1.75, 3.25].
        assert_eq!(half_iqr(&[4.0, 1.0, 2.0, 3.0]), 0.75);
        assert_eq!(half_iqr(&[7.0]), 0.0);
        assert!(half_iqr(&[]).is_nan());
    }

    #[test]
    fn repeated_rule_needs_two_standard_errors() {
        // Differences 0.5, 0: mean 0.25, SE 0.25; mean − 2·SE < 0.
        let v = Verdict::paired_gain("gain", &[1.5, 1.0], &[1.0, 1.0], 0.0);
        assert!(!v.held(), "{}", v.evidence());
        let v = Verdict::paired_gain("gain", &[1.2, 1.3, 1.25], &[1.0, 1.0, 1.0], 0.0);
        assert!(v.held(), "{}", v.evidence());
        assert!(!Verdict::mean_above("x", &[5.0], 0.0).held(), "one seed");
        assert!(Verdict::mean_below("x", &[0.1, 0.11, 0.09], 0.2).held());
        assert!(!Verdict::mean_below("x", &[0.1, 0.3, 0.09], 0.2).held());
        let c = Verdict::mean_above("x", &[1.0, 2.0, 3.0, 4.0], 1.0).claim("x", "X");
        assert_eq!((c.n, c.effect, c.threshold), (4, 2.5, 1.0));
        assert!(c.held, "2.5 − 2·0.645 = 1.21 > 1");
    }

    #[test]
    fn timing_needs_five_repeats_and_the_ratio() {
        let slow = [2.0, 2.1, 1.9, 5.0, 2.0];
        let fast = [1.0, 0.9, 1.1, 1.0, 0.1];
        let v = Verdict::speedup("a / b", &slow, &fast, 1.5);
        assert!(v.held() && v.timed, "median 2.0 / 1.0");
        assert!(!Verdict::speedup("a / b", &slow, &fast, 2.5).held());
        assert!(!Verdict::speedup("a / b", &slow[..4], &fast[..4], 1.5).held());
    }

    #[test]
    fn slope_band_and_its_error() {
        let cubic: Vec<(f64, f64)> = [10.0, 20.0, 40.0, 80.0]
            .iter()
            .map(|&n: &f64| (n, n.powi(3)))
            .collect();
        let v = Verdict::slope("cost", &cubic, 2.5, 3.5);
        assert!(v.held() && v.uncertainty.unwrap() < 1e-12);
        assert!(
            !Verdict::slope("cost", &cubic[..3], 2.5, 3.5).held(),
            "3 sizes"
        );
        assert!(!Verdict::slope("cost", &cubic, 0.8, 1.3).held());
    }

    #[test]
    fn slope_below_counts_both_errors() {
        let sizes = [10.0f64, 20.0, 40.0, 80.0];
        let power = |p: f64, wobble: f64| -> Vec<(f64, f64)> {
            sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| (n, n.powf(p) * (1.0 + wobble * (i % 2) as f64)))
                .collect()
        };
        // Exact n¹ against n²: a gap of 1 with no error.
        let v = Verdict::slope_below("cost", &power(1.0, 0.0), &power(2.0, 0.0), 0.5);
        assert!(v.held() && v.timed && (v.effect - 1.0).abs() < 1e-12);
        assert!(!Verdict::slope_below("cost", &power(2.0, 0.0), &power(1.0, 0.0), 0.0).held());
        // The same gap, with the faster curve's points alternating ×1, ×3: its SE sinks it.
        let noisy = Verdict::slope_below("cost", &power(1.0, 0.0), &power(2.0, 2.0), 0.5);
        assert!(
            noisy.uncertainty.unwrap() > 0.3 && !noisy.held(),
            "{}",
            noisy.evidence()
        );
        assert!(
            !Verdict::slope_below("cost", &power(1.0, 0.0)[..3], &power(2.0, 0.0)[..3], 0.5).held()
        );
    }

    #[test]
    fn single_share_and_conjunction() {
        assert!(Verdict::at_least("x", 2.0, 2.0).held());
        assert!(!Verdict::at_most("x", 2.1, 2.0).held());
        assert!(Verdict::within("x", 1.0, 0.8, 1.3).held());
        let s = Verdict::share("hit", &[true, true, false, true], 0.75);
        assert!(s.held() && s.effect == 0.75);
        let both = Verdict::at_least("a", 1.0, 0.0).and(Verdict::at_least("b", -1.0, 0.0));
        assert!(!both.held() && both.evidence().contains("b = -1.000 < 0"));
    }

    #[test]
    fn numbers_and_slugs() {
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(1234.4), "1234");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1.5e-7), "1.500e-7");
        assert!(is_slug("k-means-restarts") && !is_slug("K") && !is_slug("a--b"));
    }
}
