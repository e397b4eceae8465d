//! Backpropagation through time by hand: the whole recurrence of the vanilla RNN or of the LSTM
//! as one autodiff operation on Burn's flex backend, with its backward pass written from the
//! chain rule, instead of a graph of a dozen small nodes per time step.
//!
//! The cells of [`crate::rnn`] stay the readable reference (their `forward_unrolled`); tests
//! check that both give the same outputs and gradients. The fused path runs when the inputs
//! are `f32` on flex, with autodiff (training) or without (inference: the forward pass alone);
//! anything else (other backends, other precisions) takes the reference loop.
//!
//! The buffers stay batch-major `[B, T, ·]` as Burn holds them: the input projections are
//! overwritten in place by the activated gates (and the LSTM's gates by `∂L/∂z` in the backward
//! pass), the output is built once and shared with the saved state, and each step's rows are
//! read in place, `t·width` apart, by the per-step products (`crate::products`, which reads the
//! recurrent weights as they lie instead of repacking them at every step; the once-per-pass
//! `∂L/∂W` goes through ndarray over matrixmultiply). The activations are vectorized
//! (`crate::elementwise`), and each step's elementwise work on one sequence is one loop whose
//! written slices are separate parameters, so that the compiler vectorizes it too. With `a_t`
//! the step's pre-activation and `G_t = ∂L/∂(output t)`:
//!
//! - RNN, `h_t = tanh(a_t)`, `a_t = xw_t + h_{t-1} W`: with `δh` carried from step `t + 1`,
//!   `∂L/∂a_t = (G_t + δh) ⊙ (1 − h_t²)`, `∂L/∂W += h_{t-1}ᵀ ∂L/∂a_t`,
//!   `δh = ∂L/∂a_t Wᵀ`, and `∂L/∂xw_t = ∂L/∂a_t`.
//! - LSTM (gates `f, i, c̃, o` side by side in `z_t = xw_t + h_{t-1} W`): with
//!   `dh = G^h_t + δh` and `dc = G^c_t + δc + dh ⊙ o ⊙ (1 − tanh² c_t)`:
//!   `∂L/∂o = dh ⊙ tanh c_t`, `∂L/∂f = dc ⊙ c_{t-1}`, `∂L/∂i = dc ⊙ c̃`, `∂L/∂c̃ = dc ⊙ i`,
//!   `δc = dc ⊙ f`, each gate through its own nonlinearity to `∂L/∂z_t`, then as for the RNN.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::tensor::Tensor;
use ndarray::linalg::general_mat_mul;
use rayon::prelude::*;

use crate::elementwise::{sigmoid, tanh, tanh_in_place};
use crate::flex_buffers::{
    Trained, f32s, f32s_mut, flex, matrix, matrix_mut, plain_f32, trained_f32,
};
use crate::processor::for_the_processor;
use crate::products::{add_product, set_product};

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
/// recurrent weights `w: [hidden, gates·hidden]`, from zero states: `[batch, time,
/// outputs·hidden]`, as one autodiff operation when training, or computed directly for
/// inference. `Err(xw)` (the caller runs its reference loop on it) unless both tensors are `f32`
/// on flex (with autodiff without gradient checkpointing, which the fused operation does not
/// take part in, or without autodiff) and no size is zero.
// The error hands the caller's own tensor back, as large as any Burn tensor held by value.
#[allow(clippy::result_large_err)]
pub(crate) fn recurrence(cell: Cell, xw: Tensor<3>, w: &Tensor<2>) -> Result<Tensor<3>, Tensor<3>> {
    let Some(dims) = dims(cell, &xw, w) else {
        return Err(xw);
    };
    let Dims { t, b, h } = dims;
    let shape = [b, t, cell.outputs() * h];
    if let (Some((xw_flex, xw_node)), Some((w_flex, w_node))) = (trained_f32(&xw), trained_f32(w)) {
        // The caller's handle goes, so that the projections are usually ours to overwrite.
        drop(xw);
        let w = f32s(&w_flex).into_owned();
        drop(w_flex);
        let (gates, output) = forward(cell, dims, xw_flex, &w);
        let output = flex(output, shape);
        let saved = Saved {
            cell,
            dims,
            w,
            output: output.clone(),
            gates,
        };
        let out = match Fused
            .prepare::<NoCheckpointing>([xw_node, w_node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(saved, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        return Ok(Tensor::from_primitive::<Trained>(out));
    }
    if let (Some(xw_flex), Some(w_flex)) = (plain_f32(&xw), plain_f32(w)) {
        drop(xw);
        let (_, output) = forward(cell, dims, xw_flex, &f32s(&w_flex));
        return Ok(Tensor::from_primitive::<Flex>(flex(output, shape)));
    }
    Err(xw)
}

/// The sizes, when the shapes fit `cell` and none is zero.
fn dims(cell: Cell, xw: &Tensor<3>, w: &Tensor<2>) -> Option<Dims> {
    let [b, t, width] = xw.dims();
    let [h, w_width] = w.dims();
    let shapes_fit = width == cell.gates() * h && w_width == width;
    (shapes_fit && t > 0 && b > 0 && h > 0).then_some(Dims { t, b, h })
}

/// The `cols × rows` transpose of the row-major `rows × cols` matrix `m`, row-major.
fn transposed(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols)
        .flat_map(|j| (0..rows).map(move |i| m[i * cols + j]))
        .collect()
}

/// Sequences per parallel block: the batch splits into blocks of this many sequences, each
/// block's recurrence run on its own (sequences do not interact). The blocks do not depend on the
/// number of threads, and their `∂L/∂W` are summed in order, so results are the same whatever
/// the thread count.
const BLOCK_ROWS: usize = 16;

/// Run the recurrence over the batch-major `f32` input projections `z` (`[b, t, gates·h]`,
/// activated in place): the activated gates (kept for the LSTM's backward pass) and the output
/// `[b, t, outputs·h]`.
fn forward(cell: Cell, d: Dims, mut z: FlexTensor, w: &[f32]) -> (Option<FlexTensor>, Vec<f32>) {
    let Dims { t, b, h } = d;
    let (g, ow) = (cell.gates() * h, cell.outputs() * h);
    let mut out = vec![0.0; b * t * ow];
    let rows = BLOCK_ROWS;
    f32s_mut(&mut z)
        .par_chunks_mut(rows * t * g)
        .zip(out.par_chunks_mut(rows * t * ow))
        .for_each(|(z, out)| {
            let block = Dims {
                b: out.len() / (t * ow),
                ..d
            };
            forward_block(cell, block, z, out, w);
        });
    let gates = match cell {
        // The RNN's activated pre-activations are its output: not kept twice.
        Cell::Rnn => None,
        Cell::Lstm => Some(z),
    };
    (gates, out)
}

/// [`forward`] over one block of `d.b` sequences.
fn forward_block(cell: Cell, d: Dims, z: &mut [f32], out: &mut [f32], w: &[f32]) {
    let Dims { t, b, h } = d;
    let (g, ow) = (cell.gates() * h, cell.outputs() * h);
    let zeros = vec![0.0; h];
    for s in 0..t {
        if s > 0 {
            // z_t += h_{t-1} W, each step's rows `t·width` apart.
            let h_prev = &out[(s - 1) * ow..];
            add_product(
                (h_prev, t * ow),
                (w, g),
                (&mut z[s * g..], t * g),
                [b, h, g],
            );
        }
        for r in 0..b {
            let row = (r * t + s) * g;
            let zr = &mut z[row..row + g];
            let (prev, now) = out.split_at_mut((r * t + s) * ow);
            let now = &mut now[..ow];
            match cell {
                Cell::Rnn => {
                    tanh_in_place(zr);
                    now.copy_from_slice(zr);
                }
                Cell::Lstm => {
                    let (f, rest) = zr.split_at_mut(h);
                    let (i, rest) = rest.split_at_mut(h);
                    let (cand, o) = rest.split_at_mut(h);
                    let (h_now, c_now) = now.split_at_mut(h);
                    // c_{t-1}: the zero state before the first step.
                    let c_prev = match s {
                        0 => &zeros[..],
                        _ => &prev[prev.len() - h..],
                    };
                    lstm_step(f, i, cand, o, c_prev, h_now, c_now);
                }
            }
        }
    }
}

for_the_processor! {
    /// One LSTM step of one sequence: its gates activated in place (`f, i, o` by `σ`, `c̃` by
    /// `tanh`), then `c_t = f ⊙ c_{t-1} + i ⊙ c̃` (`c_{t-1}` zeros at the first step, as the
    /// reference's zero state: a NaN forget gate makes `c_1` NaN there too) and
    /// `h_t = o ⊙ tanh c_t`. Every slice written is a parameter of its own, so that
    /// the compiler knows they do not overlap and vectorizes the loop.
    fn lstm_step(
        f: &mut [f32],
        i: &mut [f32],
        cand: &mut [f32],
        o: &mut [f32],
        c_prev: &[f32],
        h_now: &mut [f32],
        c_now: &mut [f32],
    ) {
        // Every slice cut to length h, so that the loops run without bounds checks.
        let h = h_now.len();
        let (f, i, cand, o) = (&mut f[..h], &mut i[..h], &mut cand[..h], &mut o[..h]);
        let (c_prev, c_now) = (&c_prev[..h], &mut c_now[..h]);
        for j in 0..h {
            f[j] = sigmoid::<FMA>(f[j]);
            i[j] = sigmoid::<FMA>(i[j]);
            cand[j] = tanh::<FMA>(cand[j]);
            o[j] = sigmoid::<FMA>(o[j]);
        }
        for j in 0..h {
            c_now[j] = f[j] * c_prev[j] + i[j] * cand[j];
        }
        for j in 0..h {
            h_now[j] = tanh::<FMA>(c_now[j]) * o[j];
        }
    }
}

/// What the forward pass keeps for the backward pass.
#[derive(Debug, Clone)]
struct Saved {
    cell: Cell,
    dims: Dims,
    /// Recurrent weights `[h, gates·h]`.
    w: Vec<f32>,
    /// The operation's output `[b, t, outputs·h]`: `h_t` (and `c_t` beside it), shared with the
    /// graph.
    output: FlexTensor,
    /// LSTM only: the activated gates `f, i, c̃, o`, `[b, t, 4h]`.
    gates: Option<FlexTensor>,
}

impl Saved {
    /// Gradients of the loss with respect to `xw` and `w` (batch-major as the inputs), from the
    /// gradient `grad` with respect to the output; the batch's blocks in parallel, their `∂L/∂W`
    /// summed in order (left at zero, not computed, unless `with_dw`: a frozen `W`).
    fn backward(mut self, grad: &[f32], with_dw: bool) -> (FlexTensor, Vec<f32>) {
        let d = self.dims;
        let Dims { t, b, h } = d;
        let (g, ow) = (self.cell.gates() * h, self.cell.outputs() * h);
        let out = f32s(&self.output);
        // ∂L/∂z: the LSTM's overwrites its gates, each row read just before it is written (no
        // buffer to clear and no copy into a tensor); the RNN's is a buffer of its own.
        let mut dz = match self.gates.take() {
            Some(gates) => gates,
            None => flex(vec![0.0; b * t * g], [b, t, g]),
        };
        // Wᵀ, for δh = ∂L/∂z_t Wᵀ, once per pass.
        let w_t = transposed(&self.w, h, g);
        let rows = BLOCK_ROWS;
        let dw = f32s_mut(&mut dz)
            .par_chunks_mut(rows * t * g)
            .enumerate()
            .map(|(k, dz)| {
                let block = Dims {
                    b: dz.len() / (t * g),
                    ..d
                };
                let first = k * rows * t;
                let span = |width: usize| first * width..(first + block.b * t) * width;
                let (grad, out) = (&grad[span(ow)], &out[span(ow)]);
                self.backward_block(block, [grad, out], &w_t, dz, with_dw)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .reduce(|mut sum, dw| {
                sum.iter_mut().zip(dw).for_each(|(s, x)| *s += x);
                sum
            })
            .unwrap_or_else(|| vec![0.0; h * g]);
        (dz, dw)
    }

    /// [`Saved::backward`] over one block of `d.b` sequences, from its rows of the output's
    /// gradient and of the output, and `Wᵀ` (`[gates·h, h]`): writes `∂L/∂xw` into `dz` (which
    /// holds the LSTM's activated gates on entry) and returns the block's `∂L/∂W` (zero unless
    /// `with_dw`).
    fn backward_block(
        &self,
        d: Dims,
        [grad, out]: [&[f32]; 2],
        w_t: &[f32],
        dz: &mut [f32],
        with_dw: bool,
    ) -> Vec<f32> {
        let Dims { t, b, h } = d;
        let (g, ow) = (self.cell.gates() * h, self.cell.outputs() * h);
        let mut dw = vec![0.0; h * g];
        let (mut dh, mut dc) = (vec![0.0; b * h], vec![0.0; b * h]);
        let zeros = vec![0.0; h];
        for s in (0..t).rev() {
            for r in 0..b {
                let at = (r * t + s) * ow;
                let (gr, now) = (&grad[at..at + ow], &out[at..at + ow]);
                let dzr = &mut dz[(r * t + s) * g..][..g];
                let (dhr, dcr) = (&dh[r * h..][..h], &mut dc[r * h..][..h]);
                match self.cell {
                    Cell::Rnn => rnn_step_back(dzr, &gr[..h], dhr, &now[..h]),
                    Cell::Lstm => {
                        let c_prev = match s {
                            0 => &zeros[..],
                            _ => &out[at - ow + h..at - ow + 2 * h],
                        };
                        let row = LstmStepRow {
                            grad: gr,
                            out: now,
                            c_prev,
                            dh: dhr,
                        };
                        let (zf, rest) = dzr.split_at_mut(h);
                        let (zi, rest) = rest.split_at_mut(h);
                        let (zc, zo) = rest.split_at_mut(h);
                        lstm_step_back(&row, zf, zi, zc, zo, dcr);
                    }
                }
            }
            // δh = ∂L/∂z_t Wᵀ, for step t − 1 (none before the first step).
            if s > 0 {
                set_product((&dz[s * g..], t * g), (w_t, h), (&mut dh, h), [b, g, h]);
            }
        }
        // ∂L/∂W = Σ_t h_{t-1}ᵀ ∂L/∂z_t: for each sequence, one product over its steps after the
        // first.
        let mut dw_view = matrix_mut(&mut dw, h, g, g);
        for r in (0..b).filter(|_| t > 1 && with_dw) {
            let h_prev = matrix(&out[r * t * ow..], t - 1, h, ow).reversed_axes();
            let dz_next = matrix(&dz[(r * t + 1) * g..], t - 1, g, g);
            general_mat_mul(1.0, &h_prev, &dz_next, 1.0, &mut dw_view);
        }
        dw
    }
}

/// What one step of one LSTM sequence's backward pass reads besides its gates: the rows of the
/// output's gradient `[G^h_t, G^c_t]` and of the output `[h_t, c_t]`, then `c_{t-1}` (zeros at
/// the first step) and `δh` from step `t + 1`.
struct LstmStepRow<'a> {
    grad: &'a [f32],
    out: &'a [f32],
    c_prev: &'a [f32],
    dh: &'a [f32],
}

for_the_processor! {
    /// One step of one LSTM sequence backward (the module's equations): the activated gates
    /// `f, i, c̃, o` in `zf, zi, zc, zo` replaced by `∂L/∂z_t`, gate by gate, and `δc` from step
    /// `t + 1` in `dc` by `δc` for step `t − 1`. Every slice written is a parameter of its own,
    /// so that the compiler knows that nothing else overlaps them and vectorizes the loop.
    fn lstm_step_back(
        row: &LstmStepRow<'_>,
        zf: &mut [f32],
        zi: &mut [f32],
        zc: &mut [f32],
        zo: &mut [f32],
        dc: &mut [f32],
    ) {
        // Every slice cut to length h, so that the loop runs without bounds checks.
        let h = dc.len();
        let (gh, gc) = (&row.grad[..h], &row.grad[h..2 * h]);
        let c_now = &row.out[h..2 * h];
        let (c_prev, dh) = (&row.c_prev[..h], &row.dh[..h]);
        let (zf, zi, zc, zo) = (&mut zf[..h], &mut zi[..h], &mut zc[..h], &mut zo[..h]);
        for j in 0..h {
            let (f, i, cand, o) = (zf[j], zi[j], zc[j], zo[j]);
            let tc = tanh::<FMA>(c_now[j]);
            let dh_total = gh[j] + dh[j];
            let dct = gc[j] + dc[j] + dh_total * o * (1.0 - tc * tc);
            dc[j] = dct * f;
            zf[j] = dct * c_prev[j] * f * (1.0 - f);
            zi[j] = dct * cand * i * (1.0 - i);
            zc[j] = dct * i * (1.0 - cand * cand);
            zo[j] = dh_total * tc * o * (1.0 - o);
        }
    }
}

for_the_processor! {
    /// One step of one RNN sequence backward: `∂L/∂a_t = (G_t + δh) ⊙ (1 − h_t²)` into `dz`.
    fn rnn_step_back(dz: &mut [f32], grad: &[f32], dh: &[f32], out: &[f32]) {
        let h = dz.len();
        let (grad, dh, out) = (&grad[..h], &dh[..h], &out[..h]);
        for j in 0..h {
            dz[j] = (grad[j] + dh[j]) * (1.0 - out[j] * out[j]);
        }
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
        let Dims { h, .. } = saved.dims;
        let g = saved.cell.gates() * h;
        let grad = grads.consume::<Flex>(&ops.node);
        let (dz, dw) = saved.backward(&f32s(&grad), w_node.is_some());
        if let Some(node) = xw_node {
            grads.register::<Flex>(node.id, dz);
        }
        if let Some(node) = w_node {
            grads.register::<Flex>(node.id, flex(dw, [h, g]));
        }
    }
}
