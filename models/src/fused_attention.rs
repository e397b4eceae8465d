//! Multi-head scaled dot-product attention as one autodiff operation on Burn's flex backend,
//! with its backward pass written from the chain rule, instead of a graph of reshapes, batched
//! products, a softmax and their copies. `crate::attention::scaled_dot_product_attention` stays
//! the readable reference; tests check that both give the same outputs and gradients.
//!
//! For each sequence and head, with `Q, K, V` the head's `T × d_k` slices of the projections
//! and `s = 1/√d_k`: `S = s Q Kᵀ`, `P = softmax(S)` by rows, `O = P V`. Backward, from
//! `G = ∂L/∂O`: `∂L/∂V = Pᵀ G`, `∂L/∂P = G Vᵀ`, `∂L/∂S = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P))`,
//! `∂L/∂Q = s ∂L/∂S K`, `∂L/∂K = s ∂L/∂Sᵀ Q`. The sequences run in parallel; `P` is kept for
//! the backward pass (`T²` per sequence and head, as the reference keeps it).

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::tensor::Tensor;
use ndarray::ArrayView2;
use ndarray::linalg::general_mat_mul;
use rayon::prelude::*;

use crate::elementwise::{softmax_backward_in_place, softmax_in_place};
use crate::flex_buffers::{Trained, f32s, flex, matrix, matrix_mut, plain_f32, trained_f32};

/// Sizes: sequences, time steps, model width, heads.
#[derive(Debug, Clone, Copy)]
struct Dims {
    b: usize,
    t: usize,
    d: usize,
    heads: usize,
}

impl Dims {
    /// Width of one head.
    fn d_k(self) -> usize {
        self.d / self.heads
    }

    /// Values per sequence in `[b, t, d]`.
    fn sequence(self) -> usize {
        self.t * self.d
    }

    /// Attention weights per sequence, `[heads, t, t]`.
    fn weights(self) -> usize {
        self.heads * self.t * self.t
    }
}

/// Head `h` of sequence `n` in a `[b, t, d]` buffer: its `t × d_k` columns.
fn head(x: &[f32], dims: Dims, n: usize, h: usize) -> ArrayView2<'_, f32> {
    matrix(
        &x[n * dims.sequence() + h * dims.d_k()..],
        dims.t,
        dims.d_k(),
        dims.d,
    )
}

/// Multi-head attention of the projections `q, k, v: [batch, time, d_model]` (heads side by side,
/// `d_k = d_model / heads` columns each): the heads' contexts side by side, `[batch, time,
/// d_model]`, as one autodiff operation when training, or computed directly for inference.
/// `None` (the caller runs the reference) unless all three are `f32` on flex (with autodiff
/// without gradient checkpointing, or without autodiff), of one shape, `d_model` a multiple of
/// `heads` and no size zero.
pub(crate) fn attention(
    q: &Tensor<3>,
    k: &Tensor<3>,
    v: &Tensor<3>,
    heads: usize,
) -> Option<Tensor<3>> {
    let [b, t, d] = q.dims();
    let same = k.dims() == [b, t, d] && v.dims() == [b, t, d];
    if !same || b == 0 || t == 0 || d == 0 || heads == 0 || !d.is_multiple_of(heads) {
        return None;
    }
    let dims = Dims { b, t, d, heads };
    if let (Some((q, q_node)), Some((k, k_node)), Some((v, v_node))) =
        (trained_f32(q), trained_f32(k), trained_f32(v))
    {
        let (context, weights) = forward(dims, &f32s(&q), &f32s(&k), &f32s(&v));
        let output = flex(context, [b, t, d]);
        let out = match Attention
            .prepare::<NoCheckpointing>([q_node, k_node, v_node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(
                Saved {
                    dims,
                    q,
                    k,
                    v,
                    weights,
                },
                output,
            ),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        return Some(Tensor::from_primitive::<Trained>(out));
    }
    let (q, k, v) = (plain_f32(q)?, plain_f32(k)?, plain_f32(v)?);
    let (context, _) = forward(dims, &f32s(&q), &f32s(&k), &f32s(&v));
    Some(Tensor::from_primitive::<Flex>(flex(context, [b, t, d])))
}

/// The contexts `[b, t, d]` and the attention weights `P`, `[b, heads, t, t]`.
fn forward(dims: Dims, q: &[f32], k: &[f32], v: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let Dims { b, t, d, .. } = dims;
    let d_k = dims.d_k();
    let scale = 1.0 / (d_k as f32).sqrt();
    let mut context = vec![0.0; b * t * d];
    let mut weights = vec![0.0; b * dims.weights()];
    context
        .par_chunks_mut(dims.sequence())
        .zip(weights.par_chunks_mut(dims.weights()))
        .enumerate()
        .for_each(|(n, (context, weights))| {
            for (h, p) in weights.chunks_exact_mut(t * t).enumerate() {
                let head = |x| head(x, dims, n, h);
                let mut p_view = matrix_mut(p, t, t, t);
                general_mat_mul(scale, &head(q), &head(k).t(), 0.0, &mut p_view);
                p.chunks_exact_mut(t).for_each(softmax_in_place);
                let mut out = matrix_mut(&mut context[h * d_k..], t, d_k, d);
                general_mat_mul(1.0, &matrix(p, t, t, t), &head(v), 0.0, &mut out);
            }
        });
    (context, weights)
}

/// What the forward pass keeps for the backward pass.
#[derive(Debug, Clone)]
struct Saved {
    dims: Dims,
    /// The projections, shared with the graph.
    q: FlexTensor,
    k: FlexTensor,
    v: FlexTensor,
    /// `P`, `[b, heads, t, t]`.
    weights: Vec<f32>,
}

impl Saved {
    /// `∂L/∂Q, ∂L/∂K, ∂L/∂V` (each `[b, t, d]`) from `G = ∂L/∂O`.
    fn backward(&self, grad: &[f32]) -> [Vec<f32>; 3] {
        let dims = self.dims;
        let Dims { b, t, d, .. } = dims;
        let d_k = dims.d_k();
        let scale = 1.0 / (d_k as f32).sqrt();
        let (q, k, v) = (f32s(&self.q), f32s(&self.k), f32s(&self.v));
        let [mut dq, mut dk, mut dv] = [(); 3].map(|_| vec![0.0; b * t * d]);
        dq.par_chunks_mut(dims.sequence())
            .zip(dk.par_chunks_mut(dims.sequence()))
            .zip(dv.par_chunks_mut(dims.sequence()))
            .enumerate()
            .for_each(|(n, ((dq, dk), dv))| {
                let weights = &self.weights[n * dims.weights()..][..dims.weights()];
                let mut ds = vec![0.0; t * t];
                for (h, p) in weights.chunks_exact(t * t).enumerate() {
                    let head = |x| head(x, dims, n, h);
                    let p_view = matrix(p, t, t, t);
                    let g = head(grad);
                    // ∂L/∂V = Pᵀ G.
                    let mut dv_view = matrix_mut(&mut dv[h * d_k..], t, d_k, d);
                    general_mat_mul(1.0, &p_view.t(), &g, 0.0, &mut dv_view);
                    // ∂L/∂P = G Vᵀ, then ∂L/∂S = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P)).
                    let mut ds_view = matrix_mut(&mut ds, t, t, t);
                    general_mat_mul(1.0, &g, &head(&v).t(), 0.0, &mut ds_view);
                    let rows = ds.chunks_exact_mut(t).zip(p.chunks_exact(t));
                    rows.for_each(|(row, p_row)| softmax_backward_in_place(row, p_row));
                    let ds_view = matrix(&ds, t, t, t);
                    // ∂L/∂Q = s ∂L/∂S K, ∂L/∂K = s ∂L/∂Sᵀ Q.
                    let mut dq_view = matrix_mut(&mut dq[h * d_k..], t, d_k, d);
                    general_mat_mul(scale, &ds_view, &head(&k), 0.0, &mut dq_view);
                    let mut dk_view = matrix_mut(&mut dk[h * d_k..], t, d_k, d);
                    general_mat_mul(scale, &ds_view.t(), &head(&q), 0.0, &mut dk_view);
                }
            });
        [dq, dk, dv]
    }
}

/// The fused attention's backward step.
#[derive(Debug)]
struct Attention;

impl Backward<Flex, 3> for Attention {
    type State = Saved;

    fn backward(self, ops: Ops<Saved, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let Dims { b, t, d, .. } = ops.state.dims;
        let grad = grads.consume::<Flex>(&ops.node);
        let gradients = ops.state.backward(&f32s(&grad));
        for (node, gradient) in ops.parents.into_iter().zip(gradients) {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, flex(gradient, [b, t, d]));
            }
        }
    }
}
