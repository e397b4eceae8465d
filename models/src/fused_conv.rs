//! A convolution block without batch norm, convolution → ReLU → max-pooling over `p × p`
//! windows with stride `p` (`crate::ConvBlock`: 2×2 in the digits CNN, 1×1 — no pooling — in
//! the `cnn` experiment's network without pooling), as one autodiff operation on Burn's flex backend with its backward pass
//! written from the chain rule, instead of Burn's convolution, its transposed convolution for
//! the input's gradient, a second convolution for the kernels' gradient, and the pooling's
//! indices. `crate::ConvBlock::forward_reference` stays the readable reference; tests check
//! that both give the same outputs and gradients.
//!
//! The samples run in blocks (of [`Geometry::block`] samples), in parallel. In a block, the
//! image patches become the columns of one matrix (im2col): row `(c, u, v)`, column `(s, i, j)`
//! holds `x[s, c, i + u − top, j + v − left]`, 0 outside the image. The convolution of the whole block is then one
//! product, `Z = W X + b` with `W` the kernels as `[c_out, c·k_h·k_w]`, that is `z[o, i, j] =
//! b[o] + Σ_{c,u,v} K[o, c, u, v] · x[c, i + u − top, j + v − left]`. Each output is
//! `y = max(0, max_{window} z)` (ReLU and the maximum commute), and the position of the
//! window's maximum is kept where it is positive.
//!
//! Backward, from `G = ∂L/∂y`: `∂L/∂Z` is `G` at the kept positions and 0 elsewhere;
//! `∂L/∂b = Σ ∂L/∂Z` over samples and positions; `∂L/∂W = Σ_blocks ∂L/∂Z Xᵀ`; and
//! `∂L/∂X = Wᵀ ∂L/∂Z`, whose columns are added back onto the pixels they were read from
//! (col2im), is `∂L/∂x`. The patches are rebuilt from `x` rather than kept (a tenth of the
//! memory for 3×3 kernels). The blocks' sums are added in block order, so the gradients do not
//! depend on the number of threads.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::tensor::Tensor;
use ndarray::linalg::general_mat_mul;
use rayon::prelude::*;

use crate::flex_buffers::{
    Affine, affine_output, f32s, flex, matrix, matrix_mut, plain_f32, trained_f32,
};

/// Most samples per block: the patches of 16 digit images (3×3 kernels over 16 channels) take
/// 144 KiB.
const BLOCK: usize = 16;

/// Bytes of one block's patch matrix above which a block holds fewer samples (at least one), so
/// that large images do not take a large buffer per thread.
const BLOCK_BYTES: usize = 4 << 20;

/// A pooled output whose window has no positive value (or a NaN): no gradient flows back.
const NONE: u32 = u32::MAX;

/// Sizes of the input, the kernels and the convolution's output.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// Samples, input channels, input height and width.
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    /// Output channels, kernel height and width.
    o: usize,
    kh: usize,
    kw: usize,
    /// Zero rows above the image and zero columns left of it.
    top: usize,
    left: usize,
    /// Height and width of the convolution's output.
    ho: usize,
    wo: usize,
    /// Side of the pooling's square windows, which do not overlap (its stride).
    pool: usize,
}

impl Geometry {
    /// Values of one patch, `c·k_h·k_w`: the rows of the patch matrix.
    fn patch(self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Positions of the convolution's output per sample.
    fn positions(self) -> usize {
        self.ho * self.wo
    }

    /// Values of one input sample.
    fn image(self) -> usize {
        self.c * self.h * self.w
    }

    /// Height and width after pooling.
    fn pooled(self) -> [usize; 2] {
        [self.ho / self.pool, self.wo / self.pool]
    }

    /// Samples per block: [`BLOCK`], or fewer where their patches would pass [`BLOCK_BYTES`].
    /// It depends only on the sizes, not on the thread count, so neither do the results.
    fn block(self) -> usize {
        let bytes = (self.patch())
            .saturating_mul(self.positions())
            .saturating_mul(std::mem::size_of::<f32>());
        (BLOCK_BYTES / bytes.max(1)).clamp(1, BLOCK)
    }

    /// Values of one output sample, `[o, ho/p, wo/p]` for windows of `p × p`.
    fn output(self) -> usize {
        let [hp, wp] = self.pooled();
        self.o * hp * wp
    }
}

/// Convolution → ReLU → max-pooling of `x: [batch, c_in, h, w]` by `conv` and `pool`, as one
/// autodiff operation when training, or computed directly for inference. `None` (the caller
/// runs the reference) unless `x` and the kernels are `f32` on flex (with autodiff without
/// gradient checkpointing, or without autodiff), the convolution has stride 1, dilation 1 and
/// one group, the pooling has square windows with their side as stride, no padding and no
/// dilation, and no size is zero.
pub(crate) fn conv_relu_pool(x: &Tensor<4>, conv: &Conv2d, pool: &MaxPool2d) -> Option<Tensor<4>> {
    let geometry = geometry(x, conv, pool)?;
    let [hp, wp] = geometry.pooled();
    let shape = [geometry.n, geometry.o, hp, wp];
    let weight = conv.weight.val();
    let bias = match &conv.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([geometry.o], &x.device()),
    };
    if let (Some((x, x_node)), Some((weight, w_node)), Some((bias, b_node))) =
        (trained_f32(x), trained_f32(&weight), trained_f32(&bias))
    {
        let weight = f32s(&weight).into_owned();
        let (y, argmax) = forward(geometry, &f32s(&x), &weight, &f32s(&bias));
        let output = flex(y, shape);
        return Some(affine_output([x_node, w_node, b_node], output, |_| Saved {
            geometry,
            x,
            weight,
            argmax,
        }));
    }
    let (x, weight, bias) = (plain_f32(x)?, plain_f32(&weight)?, plain_f32(&bias)?);
    let (y, _) = forward(geometry, &f32s(&x), &f32s(&weight), &f32s(&bias));
    Some(Tensor::from_primitive::<Flex>(flex(y, shape)))
}

/// The sizes, when the layers are ones the fused operation computes and no size is zero.
fn geometry(x: &Tensor<4>, conv: &Conv2d, pool: &MaxPool2d) -> Option<Geometry> {
    let [n, c, h, w] = x.dims();
    let [o, c_w, kh, kw] = conv.weight.dims();
    let plain_conv = conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.kernel_size == [kh, kw]
        && conv.bias.as_ref().is_none_or(|b| b.dims() == [o]);
    let valid = |p: &PaddingConfig2d| {
        matches!(
            p,
            PaddingConfig2d::Valid | PaddingConfig2d::Explicit(0, 0, 0, 0)
        )
    };
    let [p, p_w] = pool.kernel_size;
    let plain_pool = p == p_w
        && pool.stride == [p, p]
        && pool.dilation == [1, 1]
        && !pool.ceil_mode
        && valid(&pool.padding);
    // "Same" with stride 1 pads k − 1 in all, the smaller half first (as Burn's layer does).
    let same = |k: usize| ((k - 1) / 2, k - 1 - (k - 1) / 2);
    let sizes = [n, c, h, w, o, kh, kw];
    if !plain_conv || !plain_pool || c_w != c || sizes.contains(&0) {
        return None;
    }
    let ((top, bottom), (left, right)) = match conv.padding {
        PaddingConfig2d::Valid => ((0, 0), (0, 0)),
        PaddingConfig2d::Same => (same(kh), same(kw)),
        PaddingConfig2d::Explicit(top, left, bottom, right) => ((top, bottom), (left, right)),
    };
    let padded = |side: usize, before: usize, after: usize, k: usize| {
        side.checked_add(before)?
            .checked_add(after)?
            .checked_sub(k)?
            .checked_add(1)
    };
    let ho = padded(h, top, bottom, kh)?;
    let wo = padded(w, left, right, kw)?;
    (p > 0 && ho >= p && wo >= p).then_some(Geometry {
        n,
        c,
        h,
        w,
        o,
        kh,
        kw,
        top,
        left,
        ho,
        wo,
        pool: p,
    })
}

/// The stretches of patch row `(c, u, v)` that are not padding, over `samples` images: for each
/// sample `s` and output row `i` whose input row `i + u − top` lies in the image, the output
/// columns `j` whose input column `j + v − left` lies in it, as (offset in the images
/// `[samples, c, h, w]`, offset in the patch row `[samples, ho, wo]`, length).
fn stretches(
    g: Geometry,
    samples: usize,
    [c, u, v]: [usize; 3],
) -> impl Iterator<Item = (usize, usize, usize)> {
    let from = g.left.saturating_sub(v);
    let to = (g.w + g.left).saturating_sub(v).min(g.wo);
    let rows = (0..samples).flat_map(move |s| (0..g.ho).map(move |i_out| (s, i_out)));
    rows.filter_map(move |(s, i_out)| {
        let i = (i_out + u).checked_sub(g.top).filter(|&i| i < g.h)?;
        let image = ((s * g.c + c) * g.h + i) * g.w + from + v - g.left;
        let patch = (s * g.ho + i_out) * g.wo + from;
        (from < to).then_some((image, patch, to - from))
    })
}

/// The patch rows `(c, u, v)` in order (the kernels' layout `[o, c, k_h, k_w]`).
fn patch_rows(g: Geometry) -> impl Iterator<Item = [usize; 3]> {
    (0..g.c).flat_map(move |c| (0..g.kh).flat_map(move |u| (0..g.kw).map(move |v| [c, u, v])))
}

/// The patches of `samples` images (`[samples, c, h, w]` in `x`) as a `[c·k_h·k_w,
/// samples·ho·wo]` row-major matrix (im2col).
fn im2col(g: Geometry, x: &[f32], samples: usize) -> Vec<f32> {
    let columns = samples * g.positions();
    let mut cols = vec![0.0; g.patch() * columns];
    for (row, cuv) in cols.chunks_exact_mut(columns).zip(patch_rows(g)) {
        for (image, patch, len) in stretches(g, samples, cuv) {
            row[patch..patch + len].copy_from_slice(&x[image..image + len]);
        }
    }
    cols
}

/// Adds each column of `cols` (`[c·k_h·k_w, samples·ho·wo]`) back onto the pixels of `dx`
/// (`[samples, c, h, w]`) it was read from (col2im, the transpose of [`im2col`]).
fn col2im(g: Geometry, cols: &[f32], samples: usize, dx: &mut [f32]) {
    let columns = samples * g.positions();
    for (row, cuv) in cols.chunks_exact(columns).zip(patch_rows(g)) {
        for (image, patch, len) in stretches(g, samples, cuv) {
            let pixels = dx[image..image + len].iter_mut();
            pixels
                .zip(&row[patch..patch + len])
                .for_each(|(d, r)| *d += r);
        }
    }
}

/// The pooled outputs of every sample (`[n, o, ho/p, wo/p]`) and, for each, the position
/// `i·wo + j` of its window's maximum in the convolution's output, or [`NONE`].
fn forward(g: Geometry, x: &[f32], weight: &[f32], bias: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let per_block = g.block() * g.output();
    let mut y = vec![0.0; g.n * g.output()];
    let mut argmax = vec![NONE; g.n * g.output()];
    y.par_chunks_mut(per_block)
        .zip(argmax.par_chunks_mut(per_block))
        .enumerate()
        .for_each(|(block, (y, argmax))| {
            let samples = y.len() / g.output();
            let images = &x[block * g.block() * g.image()..][..samples * g.image()];
            let z = convolution(g, images, samples, weight, bias);
            pool(g, &z, samples, y, argmax);
        });
    (y, argmax)
}

/// `Z = W X + b` of `samples` images: `[o, samples·ho·wo]`.
fn convolution(
    g: Geometry,
    images: &[f32],
    samples: usize,
    weight: &[f32],
    bias: &[f32],
) -> Vec<f32> {
    let columns = samples * g.positions();
    let cols = im2col(g, images, samples);
    let mut z = vec![0.0; g.o * columns];
    z.chunks_exact_mut(columns)
        .zip(bias)
        .for_each(|(row, &b)| row.fill(b));
    general_mat_mul(
        1.0,
        &matrix(weight, g.o, g.patch(), g.patch()),
        &matrix(&cols, g.patch(), columns, columns),
        1.0,
        &mut matrix_mut(&mut z, g.o, columns, columns),
    );
    z
}

/// `y = max(0, max of each p × p window of z)` into `y` (`[samples, o, ho/p, wo/p]`), and the
/// window's position of the maximum into `argmax` where it is positive. A window with a NaN
/// gives NaN, as the reference's maximum and ReLU do, but no position: no gradient flows back
/// through it, where the reference's would reach the NaN's position (the loss is NaN then).
fn pool(g: Geometry, z: &[f32], samples: usize, y: &mut [f32], argmax: &mut [u32]) {
    let [hp, wp] = g.pooled();
    let columns = samples * g.positions();
    let mut out = y.iter_mut().zip(argmax.iter_mut());
    for s in 0..samples {
        for o in 0..g.o {
            let plane = &z[o * columns + s * g.positions()..][..g.positions()];
            for pi in 0..hp {
                for pj in 0..wp {
                    // The window's positions row by row, as the reference scans them.
                    let corner = g.pool * (pi * g.wo + pj);
                    let rows = (0..g.pool).map(|di| corner + di * g.wo);
                    let window = rows.flat_map(|row| row..row + g.pool);
                    let (mut best, mut at) = (0.0, NONE);
                    let mut nan = false;
                    for p in window {
                        let value = plane[p];
                        nan |= value.is_nan();
                        if value > best {
                            (best, at) = (value, p as u32);
                        }
                    }
                    let (y, argmax) = out.next().unwrap_or_else(|| unreachable!("sized"));
                    (*y, *argmax) = if nan { (f32::NAN, NONE) } else { (best, at) };
                }
            }
        }
    }
}

/// What the forward pass keeps for the backward pass.
#[derive(Debug, Clone)]
struct Saved {
    geometry: Geometry,
    /// The input, shared with the graph.
    x: FlexTensor,
    /// The kernels, `[o, c·k_h·k_w]`.
    weight: Vec<f32>,
    /// Where each pooled output came from (see [`forward`]).
    argmax: Vec<u32>,
}

/// One block's share of the gradients.
struct BlockGradients {
    /// `∂L/∂x` of the block's samples (empty unless asked for).
    dx: Vec<f32>,
    /// The block's terms of `∂L/∂W` (empty unless asked for) and of `∂L/∂b`.
    dw: Vec<f32>,
    db: Vec<f32>,
}

impl Affine for Saved {
    fn gradients(&self, grad: &[f32], with_dx: bool, with_dw: bool) -> [Vec<f32>; 3] {
        let g = self.geometry;
        let x = f32s(&self.x);
        let blocks = g.n.div_ceil(g.block());
        let parts: Vec<BlockGradients> = (0..blocks)
            .into_par_iter()
            .map(|block| {
                let first = block * g.block();
                let samples = g.block().min(g.n - first);
                let outputs = first * g.output()..(first + samples) * g.output();
                let images = &x[first * g.image()..][..samples * g.image()];
                let dz = self.spread(&grad[outputs.clone()], &self.argmax[outputs], samples);
                self.block_gradients(&dz, images, samples, with_dx, with_dw)
            })
            .collect();
        let mut dw = vec![0.0; if with_dw { g.o * g.patch() } else { 0 }];
        let mut db = vec![0.0; g.o];
        for part in &parts {
            dw.iter_mut().zip(&part.dw).for_each(|(a, b)| *a += b);
            db.iter_mut().zip(&part.db).for_each(|(a, b)| *a += b);
        }
        let dx = parts.into_iter().flat_map(|part| part.dx).collect();
        [dx, dw, db]
    }

    fn shapes(&self) -> [Vec<usize>; 3] {
        let g = self.geometry;
        [
            vec![g.n, g.c, g.h, g.w],
            vec![g.o, g.c, g.kh, g.kw],
            vec![g.o],
        ]
    }
}

impl Saved {
    /// `∂L/∂Z` of a block, `[o, samples·ho·wo]`: each pooled gradient at the position its
    /// output came from.
    fn spread(&self, grad: &[f32], argmax: &[u32], samples: usize) -> Vec<f32> {
        let g = self.geometry;
        let columns = samples * g.positions();
        let per_plane = g.output() / g.o;
        let mut dz = vec![0.0; g.o * columns];
        let planes = grad
            .chunks_exact(per_plane)
            .zip(argmax.chunks_exact(per_plane));
        for (plane, (grad, argmax)) in planes.enumerate() {
            let (s, o) = (plane / g.o, plane % g.o);
            let dz_plane = &mut dz[o * columns + s * g.positions()..][..g.positions()];
            for (&d, &at) in grad.iter().zip(argmax) {
                if at != NONE {
                    dz_plane[at as usize] = d;
                }
            }
        }
        dz
    }

    /// A block's `∂L/∂x` (`Wᵀ ∂L/∂Z`, col2im), `∂L/∂W` (`∂L/∂Z Xᵀ`) and `∂L/∂b`.
    fn block_gradients(
        &self,
        dz: &[f32],
        images: &[f32],
        samples: usize,
        with_dx: bool,
        with_dw: bool,
    ) -> BlockGradients {
        let g = self.geometry;
        let columns = samples * g.positions();
        let dz_view = matrix(dz, g.o, columns, columns);
        let db = dz
            .chunks_exact(columns)
            .map(|row| row.iter().sum())
            .collect();
        let mut dw = Vec::new();
        if with_dw {
            let cols = im2col(g, images, samples);
            dw = vec![0.0; g.o * g.patch()];
            let cols = matrix(&cols, g.patch(), columns, columns);
            let mut dw_view = matrix_mut(&mut dw, g.o, g.patch(), g.patch());
            general_mat_mul(1.0, &dz_view, &cols.t(), 0.0, &mut dw_view);
        }
        let mut dx = Vec::new();
        if with_dx {
            let mut dcols = vec![0.0; g.patch() * columns];
            let weight = matrix(&self.weight, g.o, g.patch(), g.patch());
            let mut dcols_view = matrix_mut(&mut dcols, g.patch(), columns, columns);
            general_mat_mul(1.0, &weight.t(), &dz_view, 0.0, &mut dcols_view);
            dx = vec![0.0; samples * g.image()];
            col2im(g, &dcols, samples, &mut dx);
        }
        BlockGradients { dx, dw, db }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::Conv2dConfig;
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::Device;

    #[test]
    fn blocks_hold_fewer_samples_when_their_patches_are_large() {
        let device = Device::flex();
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let samples_per_block = |c: usize, side: usize| {
            let conv = Conv2dConfig::new([c, 2], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(&device);
            let x = Tensor::<4>::zeros([1, c, side, side], &device);
            geometry(&x, &conv, &pool).map(Geometry::block)
        };
        // The digits CNN's second block: 144 × 16 patch values, 9 KiB per sample.
        assert_eq!(samples_per_block(16, 4), Some(16));
        // 16 channels of 24×24: 144 × 576 values, 324 KiB per sample, 12 in 4 MiB.
        assert_eq!(samples_per_block(16, 24), Some(12));
        // A single sample over the budget still makes a block of one.
        assert_eq!(samples_per_block(64, 64), Some(1));
    }
}
