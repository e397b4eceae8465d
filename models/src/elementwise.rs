//! The activations of the fused operations (`crate::bptt`, `crate::fused_attention`,
//! `crate::fused_dense`), `σ(x) = 1 / (1 + e^{−x})`, `tanh x = (e^{2x} − 1) / (e^{2x} + 1)`
//! and the softmax, over slices (and `σ` and `tanh` of one number, for the recurrences' own
//! loops), written without library calls and with only selects for branches, so that the
//! compiler turns each loop into vector instructions. The C library's scalar `expf`/`tanhf`
//! calls were most of the recurrences' forward time.
//!
//! Both rest on one exponential: with `n = round(x / ln 2)` and `r = x − n ln 2 ∈
//! [−ln 2 / 2, ln 2 / 2]`, `e^x = 2^n · e^r`, and `e^r − 1` is summed from its Taylor series to
//! degree 7 (the first term left out, `r⁸/8!`, is below `6·10⁻⁹` relative). `tanh` uses
//! `e^{2x} − 1` directly, so that it keeps its relative precision near 0. NaN stays NaN;
//! arguments beyond the `f32` range saturate to the functions' limits. Each loop is compiled
//! for AVX2 and FMA too, and chosen at run time where the processor has them
//! (`crate::processor`).

use crate::processor::for_the_processor;

/// `a·b + c`: one fused multiply-add where `FMA` (compiled for processors that have it), else a
/// product and a sum.
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// `(2^n, e^r − 1)` with `e^x = 2^n (1 + (e^r − 1))` as above, `x` first clamped to
/// `[−87, 88]` (where `2^n` is a normal `f32`; NaN passes the clamp unchanged).
#[inline(always)]
fn exp_parts<const FMA: bool>(x: f32) -> (f32, f32) {
    // Adding 1.5 · 2^23 rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    const ROUND_BITS: u32 = 0x4B40_0000;
    // ln 2 in two parts: the first has few bits, so `n · LN2_HI` is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    #[allow(clippy::manual_clamp)] // `clamp` would not let NaN through unchanged.
    let x = if x > 88.0 {
        88.0
    } else if x < -87.0 {
        -87.0
    } else {
        x
    };
    let shifted = madd::<FMA>(x, std::f32::consts::LOG2_E, ROUND);
    let n = shifted - ROUND;
    let r = madd::<FMA>(-n, LN2_LO, madd::<FMA>(-n, LN2_HI, x));
    // Horner's scheme for r (1 + r/2 + r²/6 + … + r⁶/7!).
    let mut poly = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        1.0 / 2.0,
        1.0,
    ] {
        poly = madd::<FMA>(poly, r, c);
    }
    let exponent = shifted.to_bits().wrapping_sub(ROUND_BITS).wrapping_add(127);
    (f32::from_bits(exponent << 23), r * poly)
}

/// `e^x`.
#[inline(always)]
fn exp<const FMA: bool>(x: f32) -> f32 {
    let (scale, em1) = exp_parts::<FMA>(x);
    madd::<FMA>(scale, em1, scale)
}

/// `σ(x) = 1 / (1 + e^{−x})`.
#[inline(always)]
pub(crate) fn sigmoid<const FMA: bool>(x: f32) -> f32 {
    1.0 / (1.0 + exp::<FMA>(-x))
}

/// `tanh x = (e^{2x} − 1) / ((e^{2x} − 1) + 2)`.
#[inline(always)]
pub(crate) fn tanh<const FMA: bool>(x: f32) -> f32 {
    let (scale, em1) = exp_parts::<FMA>(2.0 * x);
    let e2m1 = madd::<FMA>(scale, em1, scale - 1.0);
    e2m1 / (e2m1 + 2.0)
}

for_the_processor! {
    /// `σ` of every element, in place.
    pub(crate) fn sigmoid_in_place(xs: &mut [f32]) {
        xs.iter_mut().for_each(|x| *x = sigmoid::<FMA>(*x));
    }
}

for_the_processor! {
    /// `tanh` of every element, in place.
    pub(crate) fn tanh_in_place(xs: &mut [f32]) {
        xs.iter_mut().for_each(|x| *x = tanh::<FMA>(*x));
    }
}

for_the_processor! {
    /// `softmax(x)_j = e^{x_j − max x} / Σ_k e^{x_k − max x}` of a row, in place (NaN anywhere
    /// makes the row NaN).
    pub(crate) fn softmax_in_place(xs: &mut [f32]) {
        let max = max(xs);
        for x in xs.iter_mut() {
            *x = exp::<FMA>(*x - max);
        }
        let inv = 1.0 / sum(xs);
        for x in xs.iter_mut() {
            *x *= inv;
        }
    }
}

for_the_processor! {
    /// The softmax's backward pass over a row: from `∂L/∂p` (in `grad`, overwritten) and the
    /// softmax's output `p`, `∂L/∂x_j = p_j (∂L/∂p_j − Σ_k ∂L/∂p_k p_k)`.
    pub(crate) fn softmax_backward_in_place(grad: &mut [f32], p: &[f32]) {
        let weighted = dot(grad, p);
        for (g, pj) in grad.iter_mut().zip(p) {
            *g = pj * (*g - weighted);
        }
    }
}

/// Partial results kept side by side in a reduction, so that it vectorizes (a single running
/// sum must add in order, one element at a time).
const LANES: usize = 8;

/// `Σ_j a_j b_j`, summed in [`LANES`] interleaved partial sums.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `Σ_j x_j`, summed in [`LANES`] interleaved partial sums.
#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for x in chunks {
        for k in 0..LANES {
            acc[k] += x[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The largest element (`−∞` for none), NaN ignored.
#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    for x in chunks {
        for k in 0..LANES {
            acc[k] = if x[k] > acc[k] { x[k] } else { acc[k] };
        }
    }
    acc.into_iter().fold(tail, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arguments over the whole useful range, densest near 0, and the edges.
    fn arguments() -> Vec<f32> {
        let mut xs: Vec<f32> = (-200_000..=200_000)
            .map(|i| {
                let u = i as f32 / 10_000.0;
                u * u.abs()
            })
            .collect();
        xs.extend([
            0.0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 87.9, -86.9, 88.5, -88.5, 100.0, -100.0, 1e30,
            -1e30,
        ]);
        xs
    }

    /// Relative error against the library function, measured in `f64`.
    fn relative(fast: f32, exact: f64) -> f64 {
        if exact == 0.0 {
            fast.abs() as f64
        } else {
            ((fast as f64 - exact) / exact).abs()
        }
    }

    #[test]
    fn exp_within_a_few_ulps_where_it_is_normal() {
        for (exp, variant) in [
            (exp::<false> as fn(f32) -> f32, "plain"),
            (exp::<true>, "FMA"),
        ] {
            for x in arguments()
                .into_iter()
                .filter(|x| (-87.0..=88.0).contains(x))
            {
                let err = relative(exp(x), (x as f64).exp());
                assert!(err < 4e-7, "exp({x}), {variant}: relative error {err:e}");
            }
        }
    }

    #[test]
    fn sigmoid_and_tanh_match_their_definitions() {
        let variants = [
            (
                sigmoid::<false> as fn(f32) -> f32,
                tanh::<false> as fn(f32) -> f32,
            ),
            (sigmoid::<true>, tanh::<true>),
        ];
        for ((sigmoid, tanh), x) in variants
            .into_iter()
            .flat_map(|v| arguments().into_iter().map(move |x| (v, x)))
        {
            let exact_sigmoid = 1.0 / (1.0 + (-(x as f64)).exp());
            let s = sigmoid(x);
            assert!(
                (s as f64 - exact_sigmoid).abs() < 1.2e-7 && (0.0..=1.0).contains(&s),
                "σ({x}) = {s}, expected {exact_sigmoid}"
            );
            // Relative precision wherever σ is a normal number.
            if exact_sigmoid > 1e-37 {
                assert!(relative(s, exact_sigmoid) < 6e-7, "σ({x}) relative");
            }
            let exact_tanh = (x as f64).tanh();
            let t = tanh(x);
            assert!(
                relative(t, exact_tanh) < 6e-7 && (-1.0..=1.0).contains(&t),
                "tanh({x}) = {t}, expected {exact_tanh}"
            );
        }
    }

    #[test]
    fn softmax_sums_to_one_and_follows_the_definition() {
        let mut row = [1.0f32, 2.0, -3.0, 0.5, 100.0, 99.0];
        let exact: Vec<f64> = {
            let e: Vec<f64> = row.iter().map(|&x| (x as f64 - 100.0).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|x| x / s).collect()
        };
        softmax_in_place(&mut row);
        for (p, q) in row.iter().zip(&exact) {
            assert!((*p as f64 - q).abs() < 1e-7, "{row:?} against {exact:?}");
        }
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let mut with_nan = [0.0f32, f32::NAN, 1.0];
        softmax_in_place(&mut with_nan);
        assert!(with_nan.iter().all(|x| x.is_nan()));
    }

    #[test]
    fn dot_and_max_by_lanes_equal_the_plain_sums() {
        for n in [0usize, 1, 7, 8, 9, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
            let b: Vec<f32> = (0..n).map(|i| (i % 5) as f32 * 0.5).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(dot(&a, &b), plain, "n = {n}");
            assert_eq!(sum(&a), a.iter().sum::<f32>(), "n = {n}");
            let largest = a.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(max(&a), largest, "n = {n}");
        }
    }

    #[test]
    fn softmax_backward_matches_finite_differences() {
        // L = Σ_j w_j softmax(x)_j; ∂L/∂x by central differences in f64.
        let x = [0.3f32, -1.2, 2.0, 0.0, 0.7];
        let w = [1.0f32, -2.0, 0.5, 3.0, -0.25];
        let loss = |x: &[f64]| {
            let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter()
                .zip(&w)
                .map(|(ei, wi)| ei / s * *wi as f64)
                .sum::<f64>()
        };
        let mut p = x;
        softmax_in_place(&mut p);
        let mut grad = w;
        softmax_backward_in_place(&mut grad, &p);
        for j in 0..x.len() {
            let h = 1e-5;
            let mut up: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let mut down = up.clone();
            up[j] += h;
            down[j] -= h;
            let numeric = (loss(&up) - loss(&down)) / (2.0 * h);
            assert!(
                (grad[j] as f64 - numeric).abs() < 1e-5,
                "{j}: {} vs {numeric}",
                grad[j]
            );
        }
    }

    #[test]
    fn limits_and_nan() {
        limits_and_nan_of::<false>();
        limits_and_nan_of::<true>();
        let mut xs = [f32::NAN, 0.0, 1.0];
        sigmoid_in_place(&mut xs);
        assert!(xs[0].is_nan() && xs[1] == 0.5);
        tanh_in_place(&mut xs);
        assert!(xs[0].is_nan() && (xs[1] - 0.5f32.tanh()).abs() < 1e-7);
    }

    fn limits_and_nan_of<const FMA: bool>() {
        let (exp, sigmoid, tanh) = (exp::<FMA>, sigmoid::<FMA>, tanh::<FMA>);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert!(sigmoid(f32::NEG_INFINITY) < 1e-37);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(f32::NAN).is_nan() && tanh(f32::NAN).is_nan() && exp(f32::NAN).is_nan());
    }
}
