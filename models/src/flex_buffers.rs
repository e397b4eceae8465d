//! The flex backend's tensors as plain `f32` buffers and strided matrices, for the operations
//! with hand-written backward passes (`crate::bptt`, `crate::fused_attention`).

use std::borrow::Cow;
use std::marker::PhantomData;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, NodeGuard, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::tensor::{DType, Tensor, TensorData};
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

/// Flex with autodiff, as `Device::flex().autodiff()` trains.
pub(crate) type Trained = Autodiff<Flex>;

/// A tensor on flex with autodiff, split into its value and its graph node.
pub(crate) type Parts = (FlexTensor, NodeGuard);

/// `x`'s value and node when it is an `f32` tensor on flex with autodiff; `None` for any other
/// backend (including autodiff with gradient checkpointing) or precision.
pub(crate) fn trained_f32<const D: usize>(x: &Tensor<D>) -> Option<Parts> {
    let (value, node) = x.clone().try_into_primitive::<Trained>().ok()?.into_parts();
    (value.dtype() == DType::F32).then_some((value, node))
}

/// `x`'s value when it is an `f32` tensor on flex without autodiff (inference).
pub(crate) fn plain_f32<const D: usize>(x: &Tensor<D>) -> Option<FlexTensor> {
    let value = x.clone().try_into_primitive::<Flex>().ok()?;
    (value.dtype() == DType::F32).then_some(value)
}

/// A tensor's values as `f32`, row-major: borrowed where they are `f32` laid out so, else
/// copied (and converted).
pub(crate) fn f32s(t: &FlexTensor) -> Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(v) => Cow::Borrowed(v),
        None => Cow::Owned(
            t.clone()
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap_or_else(|_| unreachable!("converted to f32")),
        ),
    }
}

/// An `f32` tensor's values, row-major and writable: in place when the tensor is laid out so and
/// not shared, else after a copy. (Burn's buffers are aligned for any device, so a `Vec<f32>`
/// cannot take them over without a copy; their storage is written directly instead.)
pub(crate) fn f32s_mut(t: &mut FlexTensor) -> &mut [f32] {
    if t.layout().contiguous_offsets().is_none() {
        *t = FlexTensor::from_data(t.clone().into_data());
    }
    let (start, end) = t.layout().contiguous_offsets().unwrap_or_default();
    &mut t.storage_mut::<f32>()[start..end]
}

/// An `f32` flex tensor of `shape` over row-major values (no copy).
pub(crate) fn flex<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// The `rows × cols` matrix starting at `v[0]`, rows `stride` apart.
pub(crate) fn matrix(v: &[f32], rows: usize, cols: usize, stride: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols).strides((stride, 1)), v)
        .unwrap_or_else(|_| unreachable!("a buffer sized for its matrix"))
}

/// The same, writable.
pub(crate) fn matrix_mut(
    v: &mut [f32],
    rows: usize,
    cols: usize,
    stride: usize,
) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols).strides((stride, 1)), v)
        .unwrap_or_else(|_| unreachable!("a buffer sized for its matrix"))
}

/// What a fused operation of an input `x`, weights `W` and a bias `b` keeps for its backward
/// pass (`crate::fused_conv`, `crate::fused_dense`).
pub(crate) trait Affine: Clone + Send + std::fmt::Debug + 'static {
    /// `∂L/∂x`, `∂L/∂W` and `∂L/∂b` from `G = ∂L/∂y`; the first two empty unless asked for.
    fn gradients(&self, grad: &[f32], with_dx: bool, with_dw: bool) -> [Vec<f32>; 3];
    /// The shapes of `x`, `W` and `b`.
    fn shapes(&self) -> [Vec<usize>; 3];
}

/// The backward step of an [`Affine`] operation: each tracked parent of `[x, W, b]` gets its
/// gradient.
#[derive(Debug)]
pub(crate) struct AffineBackward<S>(PhantomData<S>);

/// `output`, computed from the parents `[x, W, b]` of `nodes`, as a tensor of the autodiff graph:
/// with the state `saved()` for the backward pass where any parent is tracked.
pub(crate) fn affine_output<S: Affine, const D: usize>(
    nodes: [NodeGuard; 3],
    output: FlexTensor,
    saved: impl FnOnce(&FlexTensor) -> S,
) -> Tensor<D> {
    let out = match AffineBackward::<S>(PhantomData)
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(saved(&output), output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    };
    Tensor::from_primitive::<Trained>(out)
}

impl<S: Affine> Backward<Flex, 3> for AffineBackward<S> {
    type State = S;

    fn backward(self, ops: Ops<S, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let [x, w, _] = &ops.parents;
        let gradients = ops.state.gradients(&f32s(&grad), x.is_some(), w.is_some());
        let parents = ops.parents.into_iter().zip(ops.state.shapes());
        for ((node, shape), values) in parents.zip(gradients) {
            if let Some(node) = node {
                let gradient = FlexTensor::from_data(TensorData::new(values, shape));
                grads.register::<Flex>(node.id, gradient);
            }
        }
    }
}
