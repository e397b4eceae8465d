//! Clustering (notes: *Clustering*): k-means with random or k-means++ initialisation and random
//! restarts, the elbow curve, and hierarchical clustering (agglomerative with single, complete
//! or average linkage; divisive by recursive bisection).

mod hierarchical;
mod kmeans;

pub use hierarchical::{
    Agglomerative, Dendrogram, Divisive, FittedDivisive, Linkage, MAX_AGGLOMERATIVE_POINTS, Merge,
};
pub use kmeans::{FittedKMeans, KMeans, KMeansInit, elbow};
