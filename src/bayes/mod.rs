//! Naive Bayes (notes: *Naive Bayes Classifier*): features independent given the class, and the
//! maximum a posteriori decision `ŷ = argmax_k P(C_k) Π_i P(x_i | C_k)`, computed in log space
//! (`log P(C_k) + Σ_i log P(x_i | C_k)`) so 64 small probabilities never underflow.
//!
//! Variants: Gaussian (continuous features, a normal distribution per class), categorical
//! (discrete values with Laplace smoothing `(count + α) / (N_k + α·k)`), multinomial (counts,
//! e.g. words), Bernoulli (binary features), and binned: continuous features discretised into
//! buckets, then categorical.

mod naive_bayes;

pub use naive_bayes::{
    BernoulliNb, BinnedNb, CategoricalNb, FittedNb, GaussianNb, MAX_CATEGORY, MultinomialNb,
    NaiveBayes,
};

crate::estimator::deterministic!(
    GaussianNb,
    CategoricalNb,
    MultinomialNb,
    BernoulliNb,
    BinnedNb
);
