//! K-nearest neighbours (notes: *K-Nearest Neighbors*): a lazy learner that memorises the
//! training set; a query takes the majority vote (classification) or the mean (regression) of
//! its `k` nearest training examples.
//!
//! Two ways to find the neighbours ([`Algorithm`]): brute force, where distances for a block
//! of queries come from one matrix product, `‖q - x‖² = ‖q‖² - 2 q·x + ‖x‖²` (Euclidean) or a
//! direct scan (Manhattan), and the `k` smallest are selected per query in `O(N)` (the notes'
//! prediction cost); or a k-d tree that prunes far regions, which pays in few dimensions.

mod kd_tree;
mod neighbors;

pub use neighbors::{Algorithm, Distance, FittedKnn, Knn};
