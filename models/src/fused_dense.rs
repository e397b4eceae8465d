//! A dense layer and its nonlinearity, `y = g(x W + b)` (notes: *Feedforward Neural Network*),
//! as one autodiff operation on Burn's flex backend with its backward pass written from the
//! chain rule, instead of Burn's product, bias addition and activation as three operations.
//! Burn's `Linear::forward` followed by [`Activation::apply`] stays the reference; tests check
//! that both give the same outputs and gradients.
//!
//! Forward: the output starts as the bias in every row and the product is added onto it, by the
//! same matrix routine as Burn's (the `gemm` crate), into the buffer that becomes the output
//! tensor; then `g` is applied in place. Burn's own product allocates its output once and copies
//! it once more to realign it (`FlexTensor::empty`), then adds the bias into a third buffer.
//!
//! Backward, from `G = ∂L/∂y`: `∂L/∂z = G ⊙ g'(z)`, with `g'` read from the output (`1[y > 0]`
//! for ReLU, `1 − y²` for tanh, `y (1 − y)` for the sigmoid, 1 without `g`);
//! `∂L/∂b = Σ_rows ∂L/∂z` (summed in row order), `∂L/∂W = xᵀ ∂L/∂z` (in chunks of rows, added in
//! chunk order) and `∂L/∂x = ∂L/∂z Wᵀ`, each product written straight into its buffer.

use std::borrow::Cow;

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::nn::Linear;
use burn::tensor::Tensor;
use rayon::prelude::*;

use crate::Activation;
use crate::elementwise::{sigmoid_in_place, tanh_in_place};
use crate::flex_buffers::{Affine, affine_output, f32s, flex, plain_f32, trained_f32};

/// Multiply-adds of one product from which its output is shared between threads (Burn's flex
/// backend takes the same threshold for its products).
const PARALLEL_FROM: usize = 192 * 192 * 192;

/// Rows per term of `∂L/∂W = Σ_chunks x_cᵀ ∂L/∂z_c`: the terms are computed in parallel and
/// added in chunk order, so the sum does not depend on the number of threads.
const CHUNK_ROWS: usize = 1024;

/// `g(x W + b)` for `x: [rows, d_in]` and `layer`'s `W: [d_in, d_out]`,
/// without `g` when `activation` is `None`; as one autodiff operation when training, or computed
/// directly for inference. `None` (the caller runs the reference) unless `x` and the layer's
/// parameters are `f32` on flex (with autodiff without gradient checkpointing, or without
/// autodiff), `x`'s last dimension is `d_in`, and no size is zero.
pub(crate) fn dense(
    x: &Tensor<2>,
    layer: &Linear,
    activation: Option<Activation>,
) -> Option<Tensor<2>> {
    let sizes = sizes(x, layer)?;
    let shape = [sizes.rows, sizes.d_out];
    let weight = layer.weight.val();
    let bias = match &layer.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([sizes.d_out], &x.device()),
    };
    if let (Some((x, x_node)), Some((weight, w_node)), Some((bias, b_node))) =
        (trained_f32(x), trained_f32(&weight), trained_f32(&bias))
    {
        let y = forward(sizes, &f32s(&x), &f32s(&weight), &f32s(&bias), activation);
        let output = flex(y, shape);
        return Some(affine_output([x_node, w_node, b_node], output, |output| {
            Saved {
                sizes,
                x,
                weight,
                y: activation.map(|g| (g, output.clone())),
            }
        }));
    }
    let (x, weight, bias) = (plain_f32(x)?, plain_f32(&weight)?, plain_f32(&bias)?);
    let y = forward(sizes, &f32s(&x), &f32s(&weight), &f32s(&bias), activation);
    Some(Tensor::from_primitive::<Flex>(flex(y, shape)))
}

/// The product's sizes: `rows × d_in` times `d_in × d_out`.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    rows: usize,
    d_in: usize,
    d_out: usize,
}

/// The sizes, when `x` fits `layer` and none is zero.
fn sizes(x: &Tensor<2>, layer: &Linear) -> Option<Sizes> {
    let [rows, width] = x.dims();
    let [d_in, d_out] = layer.weight.dims();
    let bias_fits = layer.bias.as_ref().is_none_or(|b| b.dims() == [d_out]);
    (width == d_in && bias_fits && rows > 0 && d_in > 0 && d_out > 0).then_some(Sizes {
        rows,
        d_in,
        d_out,
    })
}

/// A row-major matrix, or its transpose, as the product routine reads it: the value at row `i`,
/// column `j` is `data[i·row_stride + j·col_stride]`.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> View<'a> {
    /// `data` as a `rows × cols` row-major matrix.
    fn rows(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of `data` read as a `rows × cols` row-major matrix.
    fn transposed(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }
}

/// `out (m × n, row-major) += a (m × k) · b (k × n)`, or `=` when `accumulate` is false.
fn product(out: &mut [f32], accumulate: bool, a: View, b: View, [m, k, n]: [usize; 3]) {
    // the last value each view reads lies within its slice
    let within = |v: View, rows: usize, cols: usize| {
        rows > 0 && cols > 0 && (rows - 1) * v.row_stride + (cols - 1) * v.col_stride < v.data.len()
    };
    assert!(
        out.len() == m * n && within(a, m, k) && within(b, k, n),
        "product of {m}×{k} by {k}×{n} into {} values",
        out.len()
    );
    let parallelism = if m.saturating_mul(k).saturating_mul(n) >= PARALLEL_FROM {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    let stride = |s: usize| s as isize;
    // SAFETY: every index the routine reads, `i·row_stride + j·col_stride` for i < rows and
    // j < cols, is at most the last one, checked above to lie within its slice; `out` is
    // written at `i·n + j` within its `m·n` values, and does not overlap the operands (it is
    // borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            stride(n),
            accumulate,
            a.data.as_ptr(),
            stride(a.col_stride),
            stride(a.row_stride),
            b.data.as_ptr(),
            stride(b.col_stride),
            stride(b.row_stride),
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `g(x W + b)`, `[rows, d_out]` row-major.
fn forward(
    s: Sizes,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    activation: Option<Activation>,
) -> Vec<f32> {
    // the bias in every row, copied a row at a time
    let mut y: Vec<f32> = Vec::with_capacity(s.rows * s.d_out);
    for _ in 0..s.rows {
        y.extend_from_slice(&bias[..s.d_out]);
    }
    product(
        &mut y,
        true,
        View::rows(x, s.d_in),
        View::rows(weight, s.d_out),
        [s.rows, s.d_in, s.d_out],
    );
    match activation {
        // NaN stays NaN, as in Burn's ReLU (a diverged input must not read as 0); a select in
        // every element, so that the loop vectorizes.
        Some(Activation::Relu) => y
            .iter_mut()
            .for_each(|v| *v = if *v > 0.0 || v.is_nan() { *v } else { 0.0 }),
        Some(Activation::Tanh) => tanh_in_place(&mut y),
        Some(Activation::Sigmoid) => sigmoid_in_place(&mut y),
        None => {}
    }
    y
}

/// `G ⊙ g'`, with `g'` read from the outputs `y`.
fn times(grad: &[f32], y: &[f32], slope: impl Fn(f32) -> f32) -> Vec<f32> {
    grad.iter().zip(y).map(|(&d, &y)| d * slope(y)).collect()
}

/// What the backward pass reads.
#[derive(Debug, Clone)]
struct Saved {
    sizes: Sizes,
    /// The input and the weights, shared with the graph.
    x: FlexTensor,
    weight: FlexTensor,
    /// The nonlinearity and the output it gave, when there is one.
    y: Option<(Activation, FlexTensor)>,
}

impl Affine for Saved {
    fn gradients(&self, grad: &[f32], with_dx: bool, with_dw: bool) -> [Vec<f32>; 3] {
        let s = self.sizes;
        let dz = match &self.y {
            Some((g, y)) => {
                // `g'` chosen once, each loop compiled with its own
                let y = f32s(y);
                Cow::Owned(match g {
                    Activation::Relu => {
                        times(grad, &y, |y| f32::from(u8::from(y > 0.0 || y.is_nan())))
                    }
                    Activation::Tanh => times(grad, &y, |y| 1.0 - y * y),
                    Activation::Sigmoid => times(grad, &y, |y| y * (1.0 - y)),
                })
            }
            None => Cow::Borrowed(grad),
        };
        let mut db = vec![0.0; s.d_out];
        for row in dz.chunks_exact(s.d_out) {
            db.iter_mut().zip(row).for_each(|(b, &d)| *b += d);
        }
        let mut dw = Vec::new();
        if with_dw {
            let x = f32s(&self.x);
            let term = |chunk: usize| {
                let (first, rows) = (
                    chunk * CHUNK_ROWS,
                    CHUNK_ROWS.min(s.rows - chunk * CHUNK_ROWS),
                );
                let mut term = vec![0.0; s.d_in * s.d_out];
                product(
                    &mut term,
                    false,
                    View::transposed(&x[first * s.d_in..][..rows * s.d_in], s.d_in),
                    View::rows(&dz[first * s.d_out..][..rows * s.d_out], s.d_out),
                    [s.d_in, rows, s.d_out],
                );
                term
            };
            let chunks = s.rows.div_ceil(CHUNK_ROWS);
            dw = if chunks == 1 {
                term(0)
            } else {
                let terms: Vec<Vec<f32>> = (0..chunks).into_par_iter().map(term).collect();
                let mut sum = vec![0.0; s.d_in * s.d_out];
                for term in &terms {
                    sum.iter_mut().zip(term).for_each(|(a, b)| *a += b);
                }
                sum
            };
        }
        let mut dx = Vec::new();
        if with_dx {
            dx = vec![0.0; s.rows * s.d_in];
            product(
                &mut dx,
                false,
                View::rows(&dz, s.d_out),
                View::transposed(&f32s(&self.weight), s.d_out),
                [s.rows, s.d_out, s.d_in],
            );
        }
        [dx, dw, db]
    }

    fn shapes(&self) -> [Vec<usize>; 3] {
        let s = self.sizes;
        [vec![s.rows, s.d_in], vec![s.d_in, s.d_out], vec![s.d_out]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{largest_difference, on_threads, values};
    use burn::module::{Module, Param};
    use burn::nn::LinearConfig;
    use burn::tensor::{Device, Distribution, TensorData};

    /// The reference: Burn's affine layer, then `g`.
    fn reference(x: Tensor<2>, layer: &Linear, g: Option<Activation>) -> Tensor<2> {
        let z = layer.forward(x);
        match g {
            Some(g) => g.apply(z),
            None => z,
        }
    }

    /// Output and the gradients of `x`, `W` and `b` (each `None` where not tracked) through a
    /// loss with weights of both signs.
    type Run = (Vec<f32>, [Option<Vec<f32>>; 3]);

    fn run(out: Tensor<2>, x: &Tensor<2>, layer: &Linear, readout: &Tensor<2>) -> Run {
        let grads = (out.clone() * readout.clone()).sum().backward();
        let gradients = [
            x.grad(&grads).map(values),
            layer.weight.val().grad(&grads).map(values),
            layer
                .bias
                .as_ref()
                .and_then(|b| b.val().grad(&grads))
                .map(values),
        ];
        (values(out), gradients)
    }

    /// Fused against the reference: outputs within 1e-5, gradients within `tolerance`, and
    /// the same gradients present.
    fn compare(x: &Tensor<2>, layer: &Linear, g: Option<Activation>, tolerance: f32) {
        let fused = dense(x, layer, g).expect("the fused path runs");
        let readout =
            Tensor::<2>::random(fused.dims(), Distribution::Uniform(-1.0, 1.0), &x.device());
        let (fused, fused_grads) = run(fused, x, layer, &readout);
        let (expected, expected_grads) = run(reference(x.clone(), layer, g), x, layer, &readout);
        let case = format!("x {:?}, W {:?}, {g:?}", x.dims(), layer.weight.dims());
        let d = largest_difference(&fused, &expected);
        assert!(d < 1e-5, "outputs, {case}: {d}");
        for (k, pair) in fused_grads.iter().zip(&expected_grads).enumerate() {
            match pair {
                (Some(fused), Some(expected)) => {
                    let d = largest_difference(fused, expected);
                    assert!(d < tolerance, "gradient {k}, {case}: {d}");
                }
                (None, None) => {}
                _ => panic!("gradient {k}, {case}: only one path has it"),
            }
        }
    }

    fn layer(device: &Device, [d_in, d_out]: [usize; 2], bias: bool) -> Linear {
        LinearConfig::new(d_in, d_out).with_bias(bias).init(device)
    }

    fn input(device: &Device, shape: [usize; 2]) -> Tensor<2> {
        Tensor::<2>::random(shape, Distribution::Uniform(-2.0, 2.0), device).require_grad()
    }

    #[test]
    fn fused_layer_equals_the_reference_for_every_nonlinearity() {
        let device = Device::flex().autodiff();
        device.seed(31);
        let activations = [
            None,
            Some(Activation::Relu),
            Some(Activation::Tanh),
            Some(Activation::Sigmoid),
        ];
        for g in activations {
            // the MLP benchmark's hidden layer, odd sizes, one row, one input, one output
            for (rows, sizes) in [
                (64, [64, 256]),
                (7, [5, 3]),
                (1, [9, 4]),
                (13, [1, 6]),
                (6, [8, 1]),
            ] {
                compare(
                    &input(&device, [rows, sizes[0]]),
                    &layer(&device, sizes, true),
                    g,
                    1e-4,
                );
            }
            compare(
                &input(&device, [10, 4]),
                &layer(&device, [4, 3], false),
                g,
                1e-4,
            );
        }
    }

    /// More rows than one chunk of `∂L/∂W` (three chunks, the last partial), and a product large
    /// enough to be shared between threads (2 500 × 160 × 160 multiply-adds): the same numbers on
    /// one thread and on three, bit for bit, and the reference's within float tolerance.
    #[test]
    fn long_inputs_sum_in_chunks_independent_of_the_thread_count() {
        let device = Device::flex().autodiff();
        device.seed(32);
        let (x, dense_layer) = (
            input(&device, [2_500, 160]),
            layer(&device, [160, 160], true),
        );
        const { assert!(2_500 * 160 * 160 >= PARALLEL_FROM && 2_500 > 2 * CHUNK_ROWS) };
        compare(&x, &dense_layer, Some(Activation::Tanh), 5e-3);
        let readout = Tensor::<2>::random([2_500, 160], Distribution::Default, &device);
        let on = |threads| {
            on_threads(threads, || {
                let out = dense(&x, &dense_layer, Some(Activation::Tanh)).expect("fused");
                run(out, &x, &dense_layer, &readout)
            })
        };
        assert_eq!(on(1), on(3));
    }

    #[test]
    fn frozen_weights_untracked_inputs_and_inference_as_the_reference() {
        let device = Device::flex().autodiff();
        device.seed(33);
        let trainable = layer(&device, [6, 5], true);
        let x = Tensor::<2>::random([9, 6], Distribution::Default, &device);
        // an input that requires no gradient (the first layer of every training step)
        compare(&x, &trainable, Some(Activation::Relu), 1e-4);
        // frozen weights and bias, the input tracked
        let frozen = trainable.clone().no_grad();
        compare(
            &x.clone().require_grad(),
            &frozen,
            Some(Activation::Relu),
            1e-4,
        );
        let grads = dense(&x.clone().require_grad(), &frozen, None)
            .expect("fused")
            .sum()
            .backward();
        assert!(frozen.weight.val().grad(&grads).is_none());
        // inference: flex without autodiff
        let plain = Device::flex();
        let layer = layer(&plain, [6, 5], true);
        let x = Tensor::<2>::random([9, 6], Distribution::Default, &plain);
        let d = largest_difference(
            &values(dense(&x, &layer, Some(Activation::Sigmoid)).expect("fused")),
            &values(reference(x, &layer, Some(Activation::Sigmoid))),
        );
        assert!(d < 1e-6, "{d}");
    }

    /// `x = [1, 2]`, `W = [[1, 0, −1], [2, 1, 0]]`, `b = [0, −3, 0.5]`: `z = [5, −1, −0.5]`,
    /// `y = ReLU(z) = [5, 0, 0]`; with `L = Σ y`, `∂L/∂z = [1, 0, 0]`, so `∂L/∂b = [1, 0, 0]`,
    /// `∂L/∂W = xᵀ ∂L/∂z = [[1, 0, 0], [2, 0, 0]]` and `∂L/∂x = ∂L/∂z Wᵀ = [1, 2]`.
    #[test]
    fn a_hand_computed_layer() {
        let device = Device::flex().autodiff();
        let tensor = |v: Vec<f32>, shape: Vec<usize>| {
            Tensor::<2>::from_data(TensorData::new(v, shape), &device)
        };
        let mut layer = layer(&device, [2, 3], true);
        layer.weight = Param::from_tensor(tensor(vec![1., 0., -1., 2., 1., 0.], vec![2, 3]));
        layer.bias = Some(Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(vec![0., -3., 0.5], vec![3]),
            &device,
        )));
        let x = tensor(vec![1., 2.], vec![1, 2]).require_grad();
        let y = dense(&x, &layer, Some(Activation::Relu)).expect("fused");
        assert_eq!(values(y.clone()), [5., 0., 0.]);
        let grads = y.sum().backward();
        assert_eq!(values(x.grad(&grads).unwrap()), [1., 2.]);
        assert_eq!(
            values(layer.weight.val().grad(&grads).unwrap()),
            [1., 0., 0., 2., 0., 0.]
        );
        let db: Vec<f32> = layer
            .bias
            .unwrap()
            .val()
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(db, [1., 0., 0.]);
    }

    /// A NaN in a row's input stays NaN through the ReLU, in that row only, as in Burn's ReLU
    /// (where `max(z, 0)` would read it as 0 and hide a diverged input).
    #[test]
    fn nan_stays_nan_through_the_relu() {
        let device = Device::flex().autodiff();
        device.seed(34);
        let dense_layer = layer(&device, [3, 4], true);
        let mut v = values(Tensor::<2>::random([2, 3], Distribution::Default, &device));
        v[1] = f32::NAN;
        let x = Tensor::<2>::from_data(TensorData::new(v, [2, 3]), &device).require_grad();
        let fused = values(dense(&x, &dense_layer, Some(Activation::Relu)).expect("fused"));
        let expected = values(reference(x, &dense_layer, Some(Activation::Relu)));
        assert!(fused[..4].iter().chain(&expected[..4]).all(|v| v.is_nan()));
        assert_eq!(fused[4..], expected[4..]);
    }

    #[test]
    fn runs_only_where_it_can() {
        let device = Device::flex().autodiff();
        let dense_layer = layer(&device, [4, 3], true);
        // a width the layer does not take: the reference's error, not the fused path's
        assert!(dense(&Tensor::<2>::zeros([2, 5], &device), &dense_layer, None).is_none());
        // no rows
        assert!(dense(&Tensor::<2>::zeros([0, 4], &device), &dense_layer, None).is_none());
        // a bias of the wrong length
        let mut odd = dense_layer.clone();
        odd.bias = Some(Param::from_tensor(Tensor::<1>::zeros([2], &device)));
        assert!(dense(&Tensor::<2>::zeros([2, 4], &device), &odd, None).is_none());
        assert!(dense(&Tensor::<2>::zeros([2, 4], &device), &dense_layer, None).is_some());
    }
}
