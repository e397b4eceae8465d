//! Backpropagation through time by hand: the whole recurrence of the vanilla RNN or of the LSTM
//! as one autodiff operation on Burn's flex backend, with its backward pass written from the
//! chain rule, instead of a graph of a dozen small nodes per time step.
//!
//! The cells of [`crate::rnn`] stay the readable reference (their `forward_unrolled`); tests
//! check that both give the same outputs and gradients. The fused path runs when the inputs
//! live on flex with autodiff in `f32`; anything else (other backends, other precisions) takes
//! the reference loop.
//!
//! Time-major buffers `[T, B, ·]` keep each step's rows contiguous; the products go through
//! ndarray (matrixmultiply's kernels). With `a_t` the step's
//! pre-activation and `G_t = ∂L/∂(output t)`:
//!
//! - RNN, `h_t = tanh(a_t)`, `a_t = xw_t + h_{t-1} W`: with `δh` carried from step `t + 1`,
//!   `∂L/∂a_t = (G_t + δh) ⊙ (1 − h_t²)`, `∂L/∂W += h_{t-1}ᵀ ∂L/∂a_t`,
//!   `δh = ∂L/∂a_t Wᵀ`, and `∂L/∂xw_t = ∂L/∂a_t`.
//! - LSTM (gates `f, i, c̃, o` side by side in `z_t = xw_t + h_{t-1} W`): with
//!   `dh = G^h_t + δh` and `dc = G^c_t + δc + dh ⊙ o ⊙ (1 − tanh² c_t)`:
//!   `∂L/∂o = dh ⊙ tanh c_t`, `∂L/∂f = dc ⊙ c_{t-1}`, `∂L/∂i = dc ⊙ c̃`, `∂L/∂c̃ = dc ⊙ i`,
//!   `δc = dc ⊙ f`, each gate through its own nonlinearity to `∂L/∂z_t`, then as for the RNN.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::tensor::{DType, Tensor, TensorData};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Flex with autodiff, as `Device::flex().autodiff()` trains.
type Trained = Autodiff<Flex>;

/// Which recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    /// `h_t = tanh(xw_t + h_{t-1} W)`; output `h_t`.
    Rnn,
    /// The LSTM; output `[h_t, c_t]` side by side.
    Lstm,
}

/// Sizes: time steps, batch, hidden units.
#[derive(Debug, Clone, Copy)]
struct Dims {
    t: usize,
    b: usize,
    h: usize,
}

impl Cell {
    /// Pre-activation width per hidden unit (one for the RNN, four gates for the LSTM).
    fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
        }
    }

    /// Output width per hidden unit (`h`, or `h` and `c`).
    fn outputs(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 2,
        }
    }
}

/// The recurrence of `cell` over the input projections `xw: [batch, time, gates·hidden]` with the
/// recurrent weights `w: [hidden, gates·hidden]`, from zero states, as one autodiff operation:
/// `[batch, time, outputs·hidden]`. `None` (the caller runs its reference loop) unless both
/// tensors are `f32` on flex with autodiff (without gradient checkpointing, which the fused
/// operation does not take part in), or a size is zero.
pub(crate) fn recurrence(cell: Cell, xw: &Tensor<3>, w: &Tensor<2>) -> Option<Tensor<3>> {
    let xw = xw.clone().try_into_primitive::<Trained>().ok()?;
    let w = w.clone().try_into_primitive::<Trained>().ok()?;
    let (xw, xw_node) = xw.into_parts();
    let (w, w_node) = w.into_parts();
    let [b, t, width] = Tensor::<3>::from_primitive::<Flex>(xw.clone()).dims();
    let [h, w_width] = Tensor::<2>::from_primitive::<Flex>(w.clone()).dims();
    if width != cell.gates() * h || w_width != width || t == 0 || b == 0 || h == 0 {
        return None;
    }
    let dims = Dims { t, b, h };
    let xw = swap_outer(&values(xw)?, b, t, width);
    let w = values(w)?;
    let saved = Saved::forward(cell, dims, xw, w);
    let output = flex(
        swap_outer(&saved.output(), t, b, cell.outputs() * h),
        [b, t, cell.outputs() * h],
    );
    let out = match Fused
        .prepare::<NoCheckpointing>([xw_node, w_node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(saved, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    };
    Some(Tensor::from_primitive::<Trained>(out))
}

/// A flex tensor's values (row-major), when they are `f32`.
fn values(t: FlexTensor) -> Option<Vec<f32>> {
    if t.dtype() != DType::F32 {
        return None;
    }
    t.into_data().try_into_vec::<f32>().ok()
}

/// An `f32` flex tensor of `shape` from row-major values.
fn flex<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// Swap the two outer axes: `[n, m, w]` to `[m, n, w]` (batch-major to time-major and back).
fn swap_outer(v: &[f32], n: usize, m: usize, w: usize) -> Vec<f32> {
    let mut out = vec![0.0; v.len()];
    for (i, row) in v.chunks_exact(w).enumerate() {
        let (ni, mi) = (i / m, i % m);
        out[(mi * n + ni) * w..][..w].copy_from_slice(row);
    }
    out
}

/// A row-major `rows × cols` matrix over `v` (the callers size every buffer from [`Dims`]).
fn matrix(v: &[f32], rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), v).expect("a buffer sized for its matrix")
}

/// The same, writable.
fn matrix_mut(v: &mut [f32], rows: usize, cols: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols), v).expect("a buffer sized for its matrix")
}

/// The logistic function `σ(x) = 1 / (1 + e^{−x})`.
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// What the forward pass keeps for the backward pass (time-major).
#[derive(Debug, Clone)]
struct Saved {
    cell: Cell,
    dims: Dims,
    /// Recurrent weights `[h, gates·h]`.
    w: Vec<f32>,
    /// Hidden states `h_t`, `[t, b, h]`.
    hs: Vec<f32>,
    /// LSTM only: cell states `c_t` `[t, b, h]` and activated gates `f, i, c̃, o`
    /// `[t, b, 4h]`.
    cs: Vec<f32>,
    gates: Vec<f32>,
}

impl Saved {
    /// Run the recurrence over the time-major input projections `xw`.
    fn forward(cell: Cell, dims: Dims, xw: Vec<f32>, w: Vec<f32>) -> Saved {
        let Dims { t, b, h } = dims;
        let g = cell.gates() * h;
        let step = b * h;
        let mut z = xw;
        let mut hs = vec![0.0; t * step];
        let mut cs = match cell {
            Cell::Rnn => vec![],
            Cell::Lstm => vec![0.0; t * step],
        };
        for s in 0..t {
            let (before, now) = hs.split_at_mut(s * step);
            let zs = &mut z[s * b * g..][..b * g];
            if s > 0 {
                let h_prev = matrix(&before[(s - 1) * step..], b, h);
                general_mat_mul(
                    1.0,
                    &h_prev,
                    &matrix(&w, h, g),
                    1.0,
                    &mut matrix_mut(zs, b, g),
                );
            }
            let h_now = &mut now[..step];
            match cell {
                Cell::Rnn => {
                    for (a, out) in zs.iter_mut().zip(h_now) {
                        *a = a.tanh();
                        *out = *a;
                    }
                }
                Cell::Lstm => {
                    let (c_before, c_now) = cs.split_at_mut(s * step);
                    for r in 0..b {
                        let zr = &mut zs[r * g..][..g];
                        for j in 0..h {
                            let f = sigmoid(zr[j]);
                            let i = sigmoid(zr[h + j]);
                            let cand = zr[2 * h + j].tanh();
                            let o = sigmoid(zr[3 * h + j]);
                            let c_prev = if s > 0 {
                                c_before[(s - 1) * step + r * h + j]
                            } else {
                                0.0
                            };
                            let c = f * c_prev + i * cand;
                            c_now[r * h + j] = c;
                            h_now[r * h + j] = o * c.tanh();
                            zr[j] = f;
                            zr[h + j] = i;
                            zr[2 * h + j] = cand;
                            zr[3 * h + j] = o;
                        }
                    }
                }
            }
        }
        // The RNN's activated pre-activations are its hidden states: no second copy.
        let gates = match cell {
            Cell::Rnn => vec![],
            Cell::Lstm => z,
        };
        Saved {
            cell,
            dims,
            w,
            hs,
            cs,
            gates,
        }
    }

    /// The operation's output, time-major: `h_t`, or `[h_t, c_t]` side by side.
    fn output(&self) -> Vec<f32> {
        let Dims { h, .. } = self.dims;
        match self.cell {
            Cell::Rnn => self.hs.clone(),
            Cell::Lstm => self
                .hs
                .chunks_exact(h)
                .zip(self.cs.chunks_exact(h))
                .flat_map(|(hr, cr)| hr.iter().chain(cr).copied())
                .collect(),
        }
    }

    /// Gradients of the loss with respect to `xw` (time-major) and `w`, from the gradient `grad`
    /// with respect to the output (time-major).
    fn backward(&self, grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let Dims { t, b, h } = self.dims;
        let (g, out) = (self.cell.gates() * h, self.cell.outputs() * h);
        let step = b * h;
        let mut dz = vec![0.0; t * b * g];
        let mut dw = vec![0.0; h * g];
        let (mut dh, mut dc) = (vec![0.0; step], vec![0.0; step]);
        for s in (0..t).rev() {
            let dzs = &mut dz[s * b * g..][..b * g];
            for r in 0..b {
                let gr = &grad[(s * b + r) * out..][..out];
                let dzr = &mut dzs[r * g..][..g];
                for j in 0..h {
                    let k = s * step + r * h + j;
                    let dh_total = gr[j] + dh[r * h + j];
                    match self.cell {
                        Cell::Rnn => dzr[j] = dh_total * (1.0 - self.hs[k] * self.hs[k]),
                        Cell::Lstm => {
                            let gates = &self.gates[(s * b + r) * g..][..g];
                            let (f, i, cand, o) =
                                (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j]);
                            let tc = self.cs[k].tanh();
                            let c_prev = if s > 0 { self.cs[k - step] } else { 0.0 };
                            let dct = gr[h + j] + dc[r * h + j] + dh_total * o * (1.0 - tc * tc);
                            dc[r * h + j] = dct * f;
                            dzr[j] = dct * c_prev * f * (1.0 - f);
                            dzr[h + j] = dct * cand * i * (1.0 - i);
                            dzr[2 * h + j] = dct * i * (1.0 - cand * cand);
                            dzr[3 * h + j] = dh_total * tc * o * (1.0 - o);
                        }
                    }
                }
            }
            // δh = ∂L/∂z_t Wᵀ, for step t − 1 (none before the first step).
            if s > 0 {
                let w_t = matrix(&self.w, h, g).reversed_axes();
                general_mat_mul(
                    1.0,
                    &matrix(dzs, b, g),
                    &w_t,
                    0.0,
                    &mut matrix_mut(&mut dh, b, h),
                );
            }
        }
        // ∂L/∂W = Σ_t h_{t-1}ᵀ ∂L/∂z_t, one product over every step after the first.
        let rows = (t - 1) * b;
        let h_prev = matrix(&self.hs[..rows * h], rows, h).reversed_axes();
        let dz_next = matrix(&dz[b * g..], rows, g);
        general_mat_mul(1.0, &h_prev, &dz_next, 0.0, &mut matrix_mut(&mut dw, h, g));
        (dz, dw)
    }
}

/// The fused recurrence's backward step.
#[derive(Debug)]
struct Fused;

impl Backward<Flex, 2> for Fused {
    type State = Saved;

    fn backward(self, ops: Ops<Saved, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [xw_node, w_node] = ops.parents;
        let saved = ops.state;
        let Dims { t, b, h } = saved.dims;
        let (g, out) = (saved.cell.gates() * h, saved.cell.outputs() * h);
        let grad = grads.consume::<Flex>(&ops.node);
        // The output is f32; a gradient of another precision is brought back to it.
        let grad = grad
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .expect("converted to f32");
        let (dz, dw) = saved.backward(&swap_outer(&grad, b, t, out));
        if let Some(node) = xw_node {
            grads.register::<Flex>(node.id, flex(swap_outer(&dz, t, b, g), [b, t, g]));
        }
        if let Some(node) = w_node {
            grads.register::<Flex>(node.id, flex(dw, [h, g]));
        }
    }
}
