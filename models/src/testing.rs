//! Helpers shared by the crate's tests.

use burn::tensor::Tensor;

/// A tensor's values as `f32`.
pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec().expect("f32 values")
}

/// Largest absolute difference between two tensors' values: infinite where either is NaN; the
/// shapes must agree.
pub(crate) fn gap<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    assert_eq!(a.dims(), b.dims(), "shapes");
    largest_difference(&values(a), &values(b))
}

/// Largest absolute difference between two lists: infinite where either is NaN; the lengths
/// must agree.
pub(crate) fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths");
    a.iter()
        .zip(b)
        .map(|(p, q)| {
            let d = (p - q).abs();
            if d.is_nan() { f32::INFINITY } else { d }
        })
        .fold(0.0, f32::max)
}

/// `f()` run in a pool of `threads` threads (what the fused operations' parallel loops use).
pub(crate) fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

#[test]
fn the_largest_difference_sees_nan() {
    assert_eq!(largest_difference(&[1.0, 2.0], &[1.5, 2.0]), 0.5);
    assert_eq!(
        largest_difference(&[1.0, f32::NAN], &[1.0, 2.0]),
        f32::INFINITY
    );
}
