//! Classification metrics, all built on the confusion matrix.
//!
//! Accuracy `(TP + TN) / all`, precision `TP / (TP + FP)`, recall `TP / (TP + FN)`,
//! `F1 = 2 P R / (P + R)`. A ratio with a zero denominator is 0, as scikit-learn's
//! `zero_division=0`.

use ndarray::{Array2, ArrayView1};

use crate::{Error, Result, validate};

/// `counts[[true, predicted]]`: row = actual class, column = predicted class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// The counts; `counts[[i, j]]` examples of class `i` were predicted as `j`.
    pub counts: Array2<usize>,
}

/// How per-class scores combine into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// Only the given positive class (binary problems: usually 1).
    Binary {
        /// The class treated as positive.
        positive: usize,
    },
    /// Unweighted mean over classes.
    Macro,
    /// Pool TP, FP, FN over all classes first (equals accuracy for single-label problems).
    Micro,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl ConfusionMatrix {
    /// Count `(y_true, y_pred)` pairs over classes `0..n_classes` (at least the largest label + 1).
    pub fn new(y_true: ArrayView1<usize>, y_pred: ArrayView1<usize>) -> Result<Self> {
        validate::same_len(y_true.len(), y_pred.len(), "predictions vs true labels")?;
        if y_true.is_empty() {
            return Err(Error::invalid("no labels to compare"));
        }
        let k = y_true
            .iter()
            .chain(y_pred.iter())
            .max()
            .map_or(0, |&m| m.saturating_add(1));
        if k > crate::data::MAX_CLASSES {
            return Err(Error::invalid(format!(
                "label {} used as a class index: at most {} classes are taken",
                k - 1,
                crate::data::MAX_CLASSES
            )));
        }
        let mut counts = Array2::zeros((k, k));
        for (&t, &p) in y_true.iter().zip(y_pred.iter()) {
            counts[[t, p]] += 1;
        }
        Ok(ConfusionMatrix { counts })
    }

    /// Number of classes (rows).
    pub fn n_classes(&self) -> usize {
        self.counts.nrows()
    }

    /// True positives of class `k`.
    pub fn tp(&self, k: usize) -> usize {
        self.counts[[k, k]]
    }

    /// False positives of class `k`: predicted `k`, actually another class.
    pub fn fp(&self, k: usize) -> usize {
        self.counts.column(k).sum() - self.tp(k)
    }

    /// False negatives of class `k`: actually `k`, predicted another class.
    pub fn fn_(&self, k: usize) -> usize {
        self.counts.row(k).sum() - self.tp(k)
    }

    /// `(TP + TN) / all`.
    pub fn accuracy(&self) -> f64 {
        ratio(self.counts.diag().sum(), self.counts.sum())
    }

    fn averaged(&self, avg: Average, f: impl Fn(usize, usize, usize) -> f64) -> Result<f64> {
        let k = self.n_classes();
        match avg {
            Average::Binary { positive } if positive < k => {
                Ok(f(self.tp(positive), self.fp(positive), self.fn_(positive)))
            }
            Average::Binary { positive } => Err(Error::invalid(format!(
                "positive class {positive} does not occur ({k} classes)"
            ))),
            // over the classes that occur (in the truth or the predictions), as scikit-learn
            // does: a label index that is never used is not a class scoring 0
            Average::Macro => {
                let present: Vec<usize> = (0..k)
                    .filter(|&c| self.tp(c) + self.fp(c) + self.fn_(c) > 0)
                    .collect();
                Ok(present
                    .iter()
                    .map(|&c| f(self.tp(c), self.fp(c), self.fn_(c)))
                    .sum::<f64>()
                    / present.len().max(1) as f64)
            }
            Average::Micro => {
                let sum = |g: &dyn Fn(usize) -> usize| (0..k).map(g).sum::<usize>();
                Ok(f(
                    sum(&|c| self.tp(c)),
                    sum(&|c| self.fp(c)),
                    sum(&|c| self.fn_(c)),
                ))
            }
        }
    }

    /// `TP / (TP + FP)`: of all predicted positives, how many were positive.
    pub fn precision(&self, avg: Average) -> Result<f64> {
        self.averaged(avg, |tp, fp, _| ratio(tp, tp + fp))
    }

    /// `TP / (TP + FN)`: of all actual positives, how many were found.
    pub fn recall(&self, avg: Average) -> Result<f64> {
        self.averaged(avg, |tp, _, fn_| ratio(tp, tp + fn_))
    }

    /// `2 P R / (P + R) = 2 TP / (2 TP + FP + FN)`.
    pub fn f1(&self, avg: Average) -> Result<f64> {
        self.averaged(avg, |tp, fp, fn_| ratio(2 * tp, 2 * tp + fp + fn_))
    }
}

/// Share of correct predictions.
pub fn accuracy(y_true: ArrayView1<usize>, y_pred: ArrayView1<usize>) -> Result<f64> {
    Ok(ConfusionMatrix::new(y_true, y_pred)?.accuracy())
}

/// Precision, see [`ConfusionMatrix::precision`].
pub fn precision(
    y_true: ArrayView1<usize>,
    y_pred: ArrayView1<usize>,
    avg: Average,
) -> Result<f64> {
    ConfusionMatrix::new(y_true, y_pred)?.precision(avg)
}

/// Recall, see [`ConfusionMatrix::recall`].
pub fn recall(y_true: ArrayView1<usize>, y_pred: ArrayView1<usize>, avg: Average) -> Result<f64> {
    ConfusionMatrix::new(y_true, y_pred)?.recall(avg)
}

/// F1 score, see [`ConfusionMatrix::f1`].
pub fn f1_score(y_true: ArrayView1<usize>, y_pred: ArrayView1<usize>, avg: Average) -> Result<f64> {
    ConfusionMatrix::new(y_true, y_pred)?.f1(avg)
}

/// Points of the ROC curve: true-positive rate against false-positive rate as the threshold
/// falls through the distinct scores (tied scores form one step, as in scikit-learn).
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    /// False-positive rates, from 0 to 1.
    pub fpr: Vec<f64>,
    /// True-positive rates, from 0 to 1.
    pub tpr: Vec<f64>,
    /// The threshold of each point (`inf` for the first, predicting nothing positive).
    pub thresholds: Vec<f64>,
}

impl RocCurve {
    /// Area under the curve by the trapezoidal rule (ties count one half).
    pub fn auc(&self) -> f64 {
        self.fpr
            .windows(2)
            .zip(self.tpr.windows(2))
            .map(|(f, t)| (f[1] - f[0]) * (t[1] + t[0]) / 2.0)
            .sum()
    }
}

/// The ROC curve of `scores` (higher = more positive) for binary labels `y_true`
/// (`positive` marks the positive class). Needs both classes present and finite scores.
pub fn roc_curve(
    y_true: ArrayView1<usize>,
    scores: ArrayView1<f64>,
    positive: usize,
) -> Result<RocCurve> {
    validate::same_len(y_true.len(), scores.len(), "scores vs true labels")?;
    validate::finite_1d(scores, "scores")?;
    let n_pos = y_true.iter().filter(|&&y| y == positive).count();
    let n_neg = y_true.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::invalid(format!(
            "ROC needs positive and negative examples, got {n_pos} positive and {n_neg} negative"
        )));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut curve = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::INFINITY],
    };
    for (i, &idx) in order.iter().enumerate() {
        if y_true[idx] == positive {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = order
            .get(i + 1)
            .is_none_or(|&next| scores[next] != scores[idx]);
        if last_of_tie {
            curve.fpr.push(fp as f64 / n_neg as f64);
            curve.tpr.push(tp as f64 / n_pos as f64);
            curve.thresholds.push(scores[idx]);
        }
    }
    Ok(curve)
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative (ties count one half).
pub fn roc_auc(y_true: ArrayView1<usize>, scores: ArrayView1<f64>, positive: usize) -> Result<f64> {
    Ok(roc_curve(y_true, scores, positive)?.auc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn binary_by_hand() {
        // TP = 3, FN = 1, FP = 2, TN = 4
        let t = array![1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
        let p = array![1, 1, 1, 0, 1, 1, 0, 0, 0, 0];
        let cm = ConfusionMatrix::new(t.view(), p.view()).unwrap();
        assert_eq!(cm.counts, array![[4, 2], [1, 3]]);
        let b = Average::Binary { positive: 1 };
        assert_eq!(cm.accuracy(), 0.7);
        assert_eq!(cm.precision(b).unwrap(), 0.6);
        assert_eq!(cm.recall(b).unwrap(), 0.75);
        assert!((cm.f1(b).unwrap() - 2.0 * 0.6 * 0.75 / 1.35).abs() < 1e-12);
        // the free functions agree with the matrix
        assert_eq!(accuracy(t.view(), p.view()).unwrap(), 0.7);
        assert_eq!(precision(t.view(), p.view(), b).unwrap(), 0.6);
        assert_eq!(recall(t.view(), p.view(), b).unwrap(), 0.75);
        assert_eq!(f1_score(t.view(), p.view(), b).unwrap(), cm.f1(b).unwrap());
    }

    #[test]
    fn multiclass_matches_scikit_learn() {
        // sklearn: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1]
        // precision macro 0.2222222, recall macro 0.3333333, f1 macro 0.2666667, micro f1 0.3333333
        let t = array![0, 1, 2, 0, 1, 2];
        let p = array![0, 2, 1, 0, 0, 1];
        let cm = ConfusionMatrix::new(t.view(), p.view()).unwrap();
        assert!((cm.precision(Average::Macro).unwrap() - 2.0 / 9.0).abs() < 1e-12);
        assert!((cm.recall(Average::Macro).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((cm.f1(Average::Macro).unwrap() - 0.266_666_666_666_666_7).abs() < 1e-12);
        assert!((cm.f1(Average::Micro).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(cm.precision(Average::Binary { positive: 2 }).unwrap(), 0.0); // zero_division=0
        assert!(cm.precision(Average::Binary { positive: 5 }).is_err());
    }

    #[test]
    fn roc_with_ties_matches_scikit_learn() {
        // sklearn.metrics.roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8]): fpr [0,0,.5,.5,1], tpr [0,.5,.5,1,1]
        let y = array![0, 0, 1, 1];
        let roc = roc_curve(y.view(), array![0.1, 0.4, 0.35, 0.8].view(), 1).unwrap();
        assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(roc.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(roc.auc(), 0.75);
        // all scores tied: AUC 0.5 (sklearn too)
        assert_eq!(
            roc_auc(y.view(), array![0.3, 0.3, 0.3, 0.3].view(), 1).unwrap(),
            0.5
        );
        // sklearn roc_auc_score([0,1,0,1,1],[0.5,0.5,0.2,0.9,0.5]) = 0.8333333
        let auc = roc_auc(
            array![0, 1, 0, 1, 1].view(),
            array![0.5, 0.5, 0.2, 0.9, 0.5].view(),
            1,
        )
        .unwrap();
        assert!((auc - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs() {
        assert!(ConfusionMatrix::new(array![0, 1].view(), array![0].view()).is_err());
        assert!(accuracy(array![].view(), array![].view()).is_err());
        assert!(roc_curve(array![1, 1].view(), array![0.1, 0.2].view(), 1).is_err());
        assert!(roc_curve(array![0, 1].view(), array![0.1, f64::NAN].view(), 1).is_err());
    }
}
