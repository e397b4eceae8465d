//! Splitting criteria (notes: *Decision Tree, Splitting Criteria*), on weighted class counts.
//!
//! - `Entropy(S) = -Σ p_i log₂ p_i`
//! - `Gain(S, A) = Entropy(S) - Σ_v |S_v|/|S| Entropy(S_v)` (ID3)
//! - `SplitInformation(A) = -Σ_v |S_v|/|S| log₂(|S_v|/|S|)`, `IGR(A) = Gain / SplitInformation` (C4.5)
//! - `Gini(S) = 1 - Σ p_i²`, `GiniIndex(S, A) = Σ_v |S_v|/|S| Gini(S_v)` (CART)
//!
//! Regression trees use the weighted variance of the targets in place of an impurity.

/// How a split is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Criterion {
    /// ID3: the largest information gain (reduction in entropy).
    InformationGain,
    /// C4.5: the largest gain ratio, gain normalised by the split information.
    GainRatio,
    /// CART: the smallest Gini index of the children (largest decrease in Gini impurity).
    Gini,
    /// Regression: the largest reduction in variance (squared error).
    SquaredError,
}

impl Criterion {
    /// Whether this criterion grows a classification tree.
    pub fn is_classification(self) -> bool {
        self != Criterion::SquaredError
    }

    /// Impurity of a node from its statistics: class weights for classification,
    /// `[Σw, Σwy, Σwy²]` for regression.
    pub fn impurity(self, stats: &[f64]) -> f64 {
        match self {
            Criterion::InformationGain | Criterion::GainRatio => entropy(stats),
            Criterion::Gini => gini(stats),
            Criterion::SquaredError => {
                let (w, s, s2) = (stats[0], stats[1], stats[2]);
                if w <= 0.0 {
                    0.0
                } else {
                    (s2 / w - (s / w).powi(2)).max(0.0)
                }
            }
        }
    }
}

/// `Entropy(S) = -Σ p_i log₂ p_i` of (weighted) class counts; 0 for an empty set.
pub fn entropy(counts: &[f64]) -> f64 {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    -counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| {
            let p = c / total;
            p * p.log2()
        })
        .sum::<f64>()
}

/// `Gini(S) = 1 - Σ p_i²` of (weighted) class counts; 0 for an empty set.
pub fn gini(counts: &[f64]) -> f64 {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    1.0 - counts.iter().map(|&c| (c / total).powi(2)).sum::<f64>()
}

/// `SplitInformation = -Σ_v |S_v|/|S| log₂(|S_v|/|S|)` from the sizes (weights) of the children.
pub fn split_information(sizes: &[f64]) -> f64 {
    entropy(sizes)
}

/// `Gain(S, A) = Entropy(S) - Σ_v |S_v|/|S| Entropy(S_v)`, children given as class counts.
pub fn information_gain(children: &[Vec<f64>]) -> f64 {
    impurity_decrease(children, entropy)
}

/// `IGR(A) = Gain(S, A) / SplitInformation(A)`; 0 when the split information is 0 (one child).
pub fn gain_ratio(children: &[Vec<f64>]) -> f64 {
    let sizes: Vec<f64> = children.iter().map(|c| c.iter().sum()).collect();
    let si = split_information(&sizes);
    if si <= 0.0 {
        0.0
    } else {
        information_gain(children) / si
    }
}

/// `GiniIndex(S, A) = Σ_v |S_v|/|S| Gini(S_v)`, children given as class counts.
pub fn gini_index(children: &[Vec<f64>]) -> f64 {
    let total: f64 = children.iter().flatten().sum();
    if total <= 0.0 {
        return 0.0;
    }
    children
        .iter()
        .map(|c| c.iter().sum::<f64>() / total * gini(c))
        .sum()
}

/// `I(S) - Σ_v |S_v|/|S| I(S_v)` for an impurity `I`.
fn impurity_decrease(children: &[Vec<f64>], impurity: fn(&[f64]) -> f64) -> f64 {
    let k = children.first().map_or(0, Vec::len);
    let mut parent = vec![0.0; k];
    for c in children {
        for (p, v) in parent.iter_mut().zip(c) {
            *p += v;
        }
    }
    let total: f64 = parent.iter().sum();
    impurity(&parent)
        - children
            .iter()
            .map(|c| c.iter().sum::<f64>() / total * impurity(c))
            .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Play tennis (Quinlan 1986, Mitchell 1997 ch. 3): 9 yes, 5 no. Per attribute value,
    /// `[no, yes]` counts.
    fn outlook() -> Vec<Vec<f64>> {
        vec![vec![3.0, 2.0], vec![0.0, 4.0], vec![2.0, 3.0]] // sunny, overcast, rain
    }
    fn humidity() -> Vec<Vec<f64>> {
        vec![vec![4.0, 3.0], vec![1.0, 6.0]] // high, normal
    }
    fn wind() -> Vec<Vec<f64>> {
        vec![vec![2.0, 6.0], vec![3.0, 3.0]] // weak, strong
    }
    fn temperature() -> Vec<Vec<f64>> {
        vec![vec![2.0, 2.0], vec![2.0, 4.0], vec![1.0, 3.0]] // hot, mild, cool
    }

    #[test]
    fn play_tennis_entropy_and_gains() {
        // Entropy([9+, 5-]) = -(9/14) log2(9/14) - (5/14) log2(5/14)
        let e =
            -(9.0f64 / 14.0) * (9.0f64 / 14.0).log2() - (5.0f64 / 14.0) * (5.0f64 / 14.0).log2();
        assert!((entropy(&[5.0, 9.0]) - e).abs() < 1e-15);
        assert!((e - 0.940_285_958_670_631).abs() < 1e-12);
        // Mitchell's table: Outlook 0.246, Humidity 0.151, Wind 0.048, Temperature 0.029.
        assert!((information_gain(&outlook()) - 0.246_749_819_774_439).abs() < 1e-12);
        assert!((information_gain(&humidity()) - 0.151_835_501_362_341).abs() < 1e-12);
        assert!((information_gain(&wind()) - 0.048_127_030_408_269).abs() < 1e-12);
        assert!((information_gain(&temperature()) - 0.029_222_565_658_954).abs() < 1e-12);
    }

    #[test]
    fn play_tennis_gain_ratio() {
        // SplitInformation(Outlook) over sizes 5, 4, 5.
        let si = -2.0 * (5.0f64 / 14.0) * (5.0f64 / 14.0).log2()
            - (4.0f64 / 14.0) * (4.0f64 / 14.0).log2();
        assert!((split_information(&[5.0, 4.0, 5.0]) - si).abs() < 1e-15);
        assert!((si - 1.577_406_282_852_345).abs() < 1e-12);
        assert!((gain_ratio(&outlook()) - 0.246_749_819_774_439 / si).abs() < 1e-12);
        // Humidity splits 7 / 7: split information exactly 1, ratio = gain.
        assert!((gain_ratio(&humidity()) - information_gain(&humidity())).abs() < 1e-15);
    }

    #[test]
    fn play_tennis_gini() {
        assert!((gini(&[5.0, 9.0]) - (1.0 - (25.0 + 81.0) / 196.0)).abs() < 1e-15);
        // Outlook: 5/14 * (1 - (9+4)/25) + 4/14 * 0 + 5/14 * (1 - (4+9)/25) = 2 * 5/14 * 12/25
        assert!((gini_index(&outlook()) - 2.0 * 5.0 / 14.0 * 12.0 / 25.0).abs() < 1e-15);
        // Humidity: 7/14 * (1 - (16+9)/49) + 7/14 * (1 - (1+36)/49)
        let h = 0.5 * (24.0 / 49.0) + 0.5 * (12.0 / 49.0);
        assert!((gini_index(&humidity()) - h).abs() < 1e-15);
    }

    #[test]
    fn squared_error_is_the_variance() {
        // y = 1, 2, 3, 6 with unit weights: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
        let stats = [4.0, 12.0, 1.0 + 4.0 + 9.0 + 36.0];
        assert!((Criterion::SquaredError.impurity(&stats) - 3.5).abs() < 1e-12);
        assert_eq!(Criterion::SquaredError.impurity(&[0.0, 0.0, 0.0]), 0.0);
    }
}
