//! A convolutional network (notes: *Convolutional Neural Network*): blocks of
//! convolution → (batch norm) → ReLU → 2×2 max-pooling extract features, then fully connected
//! layers classify them.
//!
//! A convolution slides one small kernel over the whole image,
//! `z[c', i, j] = b[c'] + Σ_c Σ_{u,v} K[c', c, u, v] · x[c, i + u, j + v]`, so a feature is
//! detected with the same weights wherever it appears (parameter sharing: a 3×3 kernel has 9
//! weights per channel pair whatever the image size). Max-pooling keeps the largest value of
//! each 2×2 window: it halves the resolution and makes the features robust to small shifts.
//!
//! Transfer learning (notes: *Transfer Learning*) trains the blocks on one task, then
//! [`Cnn::freeze_features`] stops their gradients so only the head learns the next task.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor, activation};

use crate::{InvalidConfig, Mlp, MlpConfig, positive_sizes};

/// Image size, convolution blocks and head of a [`Cnn`].
#[derive(Config, Debug)]
pub struct CnnConfig {
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// Input channels (1 for grey images).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Output channels of each convolution block; each block halves height and width.
    pub channels: Vec<usize>,
    /// Side of the square convolution kernels (odd; "same" padding keeps the size).
    #[config(default = 3)]
    pub kernel: usize,
    /// Batch-normalise each convolution's output (and the head's hidden layers).
    #[config(default = false)]
    pub batch_norm: bool,
    /// Widths of the head's hidden layers.
    pub hidden: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
    /// Dropout probability in the head (0: none).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl CnnConfig {
    /// For 8×8 digit images: blocks of 16 and 32 channels (8×8 → 4×4 → 2×2), a hidden layer
    /// of 64, 10 classes.
    pub fn digits() -> Self {
        CnnConfig::new(8, 8, vec![16, 32], vec![64], 10)
    }

    /// For 28×28 images (MNIST's size): blocks of 16 and 32 channels (28 → 14 → 7), a hidden
    /// layer of 128, 10 classes.
    pub fn mnist() -> Self {
        CnnConfig::new(28, 28, vec![16, 32], vec![128], 10)
    }

    /// Height and width after the convolution blocks.
    pub fn feature_size(&self) -> (usize, usize) {
        let halvings = u32::try_from(self.channels.len()).unwrap_or(u32::MAX);
        let halve = |side: usize| side.checked_shr(halvings).unwrap_or(0);
        (halve(self.height), halve(self.width))
    }

    /// The head: an MLP on the flattened features (to replace a pretrained network's head).
    pub fn head(&self) -> MlpConfig {
        let (h, w) = self.feature_size();
        let features = self.channels.last().map_or(self.in_channels, |&c| c) * h * w;
        MlpConfig::new(features, self.hidden.clone(), self.classes)
            .with_batch_norm(self.batch_norm)
            .with_dropout(self.dropout)
    }

    /// Sizes at least 1, an odd kernel, and an image that survives every 2×2 pooling.
    pub fn check(&self) -> Result<(), InvalidConfig> {
        positive_sizes("CnnConfig", "in_channels", &[self.in_channels])?;
        positive_sizes("CnnConfig", "channels", &self.channels)?;
        if self.kernel.is_multiple_of(2) {
            return Err(InvalidConfig::new(
                "CnnConfig",
                "kernel",
                format!("must be odd, got {}", self.kernel),
            ));
        }
        let (h, w) = self.feature_size();
        if h == 0 || w == 0 {
            return Err(InvalidConfig::new(
                "CnnConfig",
                "channels",
                format!(
                    "a {}x{} image cannot be halved {} times",
                    self.height,
                    self.width,
                    self.channels.len()
                ),
            ));
        }
        self.head().check()
    }

    /// Build the network on `device`, or say which parameter is wrong.
    pub fn try_init(&self, device: &Device) -> Result<Cnn, InvalidConfig> {
        self.check()?;
        Ok(self.init(device))
    }

    /// Build the network on `device`. Panics (as Burn's layers do) if [`CnnConfig::check`] fails.
    pub fn init(&self, device: &Device) -> Cnn {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
        let mut c_in = self.in_channels;
        let blocks = self
            .channels
            .iter()
            .map(|&c_out| {
                let block = ConvBlock {
                    conv: Conv2dConfig::new([c_in, c_out], [self.kernel, self.kernel])
                        .with_padding(PaddingConfig2d::Same)
                        .init(device),
                    norm: self
                        .batch_norm
                        .then(|| BatchNormConfig::new(c_out).init(device)),
                    pool: MaxPool2dConfig::new([2, 2]).init(),
                };
                c_in = c_out;
                block
            })
            .collect();
        Cnn {
            blocks,
            head: self.head().init(device),
            image: [self.in_channels, self.height, self.width],
        }
    }
}

/// Convolution → (batch norm) → ReLU → max-pool (2×2 windows in [`CnnConfig`]'s networks).
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// The convolution ("same" padding).
    pub conv: Conv2d,
    /// Batch norm over channels, if any.
    pub norm: Option<BatchNorm>,
    /// Max-pooling (2×2 windows with stride 2 in [`CnnConfig`]'s networks).
    pub pool: MaxPool2d,
}

impl ConvBlock {
    /// `[batch, c_in, h, w] -> [batch, c_out, h/2, w/2]` with 2×2 pooling (`h/p, w/p` with
    /// `p × p` windows of stride `p`). On flex in `f32`, a block without
    /// batch norm runs as one operation (`crate::fused_conv`, checked against
    /// [`ConvBlock::forward_reference`]) with a hand-written backward pass when training;
    /// elsewhere as `forward_reference`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "flex")]
        if self.norm.is_none()
            && let Some(y) = crate::fused_conv::conv_relu_pool(&x, &self.conv, &self.pool)
        {
            return y;
        }
        self.forward_reference(x)
    }

    /// The block as Burn's layers compute it: convolution, (batch norm), ReLU, pooling.
    pub fn forward_reference(&self, x: Tensor<4>) -> Tensor<4> {
        let mut z = self.conv.forward(x);
        if let Some(norm) = &self.norm {
            z = norm.forward(z);
        }
        self.pool.forward(activation::relu(z))
    }
}

/// A convolutional classifier.
#[derive(Module, Debug)]
pub struct Cnn {
    /// The feature extractor.
    pub blocks: Vec<ConvBlock>,
    /// The fully connected classifier on the flattened features.
    pub head: Mlp,
    /// Input `[channels, height, width]`.
    #[module(skip)]
    pub image: [usize; 3],
}

impl Cnn {
    /// The flattened features of images `[batch, channels, height, width]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let z = self.blocks.iter().fold(images, |x, block| block.forward(x));
        z.flatten(1, 3)
    }

    /// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.features(images))
    }

    /// Logits of images given as flat rows `[batch, channels · height · width]` (row-major
    /// pixels, as in a tabular data set).
    pub fn forward_flat(&self, x: Tensor<2>) -> Tensor<2> {
        let [c, h, w] = self.image;
        let batch = x.dims()[0];
        self.forward(x.reshape([batch, c, h, w]))
    }

    /// The same network with the convolution blocks frozen: no gradients reach them and their
    /// batch norms keep their running statistics, so training changes only the head.
    pub fn freeze_features(self) -> Self {
        Cnn {
            blocks: self.blocks.freeze(),
            ..self
        }
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::testing::{largest_difference, on_threads, values};
    use burn::module::Param;
    use burn::tensor::{Distribution, TensorData};

    /// A block of `channels` kernels of `kernel` (height, width) with `padding`, on flex with
    /// autodiff, its kernels and bias drawn from the device's seeded generator.
    fn block(
        device: &Device,
        channels: [usize; 2],
        kernel: [usize; 2],
        padding: PaddingConfig2d,
    ) -> ConvBlock {
        ConvBlock {
            conv: Conv2dConfig::new(channels, kernel)
                .with_padding(padding)
                .init(device),
            norm: None,
            pool: MaxPool2dConfig::new([2, 2]).init(),
        }
    }

    /// The same block with `side × side` pooling windows (stride `side`).
    fn pooled_by(block: ConvBlock, side: usize) -> ConvBlock {
        ConvBlock {
            pool: MaxPool2dConfig::new([side, side])
                .with_strides([side, side])
                .init(),
            ..block
        }
    }

    /// Outputs of `forward` (fused) and `forward_reference` and, through a loss with weights of
    /// both signs, the gradients of the input, the kernels and the bias.
    fn fused_against_reference(block: &ConvBlock, input: [usize; 4]) {
        let device = Device::flex().autodiff();
        let x =
            Tensor::<4>::random(input, Distribution::Uniform(-1.0, 1.0), &device).require_grad();
        compare_with_reference(block, &x);
    }

    /// As [`fused_against_reference`] for the input `x`: the gradients of whichever of `x`, the
    /// kernels and the bias require one, and none for the others, on both paths.
    fn compare_with_reference(block: &ConvBlock, x: &Tensor<4>) {
        assert!(crate::fused_conv::conv_relu_pool(x, &block.conv, &block.pool).is_some());
        let readout = Tensor::<4>::random(
            block.forward_reference(x.clone()).dims(),
            Distribution::Uniform(-1.0, 1.0),
            &x.device(),
        );
        let run = |out: Tensor<4>| {
            let grads = (out.clone() * readout.clone()).sum().backward();
            let bias = block.conv.bias.as_ref();
            let gradients: [Option<Vec<f32>>; 3] = [
                x.grad(&grads).map(values),
                block.conv.weight.val().grad(&grads).map(values),
                bias.and_then(|b| b.val().grad(&grads)).map(values),
            ];
            (values(out), gradients)
        };
        let (fused, fused_grads) = run(block.forward(x.clone()));
        let (reference, reference_grads) = run(block.forward_reference(x.clone()));
        let shape = format!(
            "input {:?}, kernels {:?}",
            x.dims(),
            block.conv.weight.dims()
        );
        let d = largest_difference(&fused, &reference);
        assert!(d < 1e-5, "outputs, {shape}: {d}");
        for (k, (fused, reference)) in fused_grads.iter().zip(&reference_grads).enumerate() {
            match (fused, reference) {
                (Some(fused), Some(reference)) => {
                    let d = largest_difference(fused, reference);
                    assert!(d < 1e-4, "gradient {k}, {shape}: {d}");
                }
                (None, None) => {}
                _ => panic!("gradient {k}, {shape}: only one path has it"),
            }
        }
    }

    #[test]
    fn fused_block_trains_frozen_parts_and_untracked_inputs_as_the_reference() {
        let device = Device::flex().autodiff();
        device.seed(25);
        let trainable = block(&device, [2, 3], [3, 3], PaddingConfig2d::Same);
        let x = Tensor::<4>::random([20, 2, 6, 5], Distribution::Default, &device);
        // Images that require no gradient (the first block of every training step).
        compare_with_reference(&trainable, &x);
        // Frozen kernels and bias (`Cnn::freeze_features`), the input tracked or not.
        let frozen = trainable.clone().no_grad();
        compare_with_reference(&frozen, &x.clone().require_grad());
        let with_grads = |block: &ConvBlock, x: &Tensor<4>| {
            let grads = block.forward(x.clone()).sum().backward();
            let kernels = block.conv.weight.val().grad(&grads);
            (x.grad(&grads).is_some(), kernels.is_some())
        };
        assert_eq!(
            with_grads(&frozen, &x.clone().require_grad()),
            (true, false)
        );
        assert_eq!(with_grads(&trainable, &x), (false, true));
        // Nothing tracked at all: the reference's numbers, no gradients anywhere.
        let d = largest_difference(
            &values(frozen.forward(x.clone())),
            &values(frozen.forward_reference(x.clone())),
        );
        assert!(d < 1e-5, "untracked: {d}");
    }

    #[test]
    fn fused_block_equals_the_reference_forward_and_backward() {
        let device = Device::flex().autodiff();
        device.seed(21);
        let same = PaddingConfig2d::Same;
        // Padding (top, left, bottom, right).
        let explicit = PaddingConfig2d::Explicit;
        // The digits network's two blocks; more samples than one block of the fused operation
        // holds, odd sizes whose last row and column no window pools; 5×5 kernels without
        // padding and with two rows and columns of it; an even kernel (padded one more after
        // than before); padding of four sizes; no bias.
        let cases = [
            (block(&device, [1, 16], [3, 3], same.clone()), [3, 1, 8, 8]),
            (
                block(&device, [16, 32], [3, 3], same.clone()),
                [5, 16, 4, 4],
            ),
            (block(&device, [2, 3], [3, 3], same.clone()), [37, 2, 5, 7]),
            (
                block(&device, [3, 4], [5, 5], PaddingConfig2d::Valid),
                [2, 3, 9, 6],
            ),
            (block(&device, [3, 2], [5, 5], same.clone()), [2, 3, 6, 7]),
            (block(&device, [2, 2], [2, 4], same.clone()), [3, 2, 4, 9]),
            (
                block(&device, [1, 3], [3, 3], explicit(1, 0, 2, 3)),
                [2, 1, 5, 4],
            ),
            (
                block(&device, [1, 2], [3, 3], explicit(0, 2, 1, 1)),
                [2, 1, 5, 4],
            ),
        ];
        for (block, input) in &cases {
            fused_against_reference(block, *input);
        }
        // No pooling (1×1 windows, as the `cnn` experiment's network without pooling), and 3×3
        // windows over a 7×8 output (its last row and two columns unpooled).
        fused_against_reference(
            &pooled_by(block(&device, [16, 32], [3, 3], same.clone()), 1),
            [5, 16, 4, 4],
        );
        fused_against_reference(
            &pooled_by(block(&device, [2, 3], [3, 3], same.clone()), 3),
            [4, 2, 7, 8],
        );
        // Images whose patches fill blocks of fewer samples (16 channels of 24×24: 12 per
        // block, so 14 samples make a block of 12 and one of 2).
        fused_against_reference(
            &block(&device, [16, 2], [3, 3], same.clone()),
            [14, 16, 24, 24],
        );
        let mut no_bias = block(&device, [2, 3], [3, 3], same);
        no_bias.conv.bias = None;
        fused_against_reference(&no_bias, [4, 2, 6, 6]);
    }

    #[test]
    fn fused_block_gives_the_same_numbers_on_any_thread_count() {
        let device = Device::flex().autodiff();
        device.seed(22);
        let block = block(&device, [2, 4], [3, 3], PaddingConfig2d::Same);
        let x = Tensor::<4>::random([50, 2, 6, 6], Distribution::Default, &device).require_grad();
        let run = |threads: usize| {
            on_threads(threads, || {
                let out = block.forward(x.clone());
                let grads = (out.clone() * out.clone()).sum().backward();
                let weight = block.conv.weight.val().grad(&grads).expect("kernels");
                let bias = block.conv.bias.as_ref().expect("a bias").val();
                (
                    values(out),
                    values(x.grad(&grads).expect("input")),
                    values(weight),
                    values(bias.grad(&grads).expect("bias")),
                )
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn fused_block_runs_only_where_it_can() {
        let device = Device::flex().autodiff();
        device.seed(23);
        let x = Tensor::<4>::random([2, 1, 6, 6], Distribution::Default, &device);
        let fused = |block: &ConvBlock| {
            crate::fused_conv::conv_relu_pool(&x, &block.conv, &block.pool).is_some()
        };
        let plain = block(&device, [1, 2], [3, 3], PaddingConfig2d::Same);
        assert!(fused(&plain));
        // Strides, dilations and pools it does not compute, a kernel that disagrees with the
        // layer's kernel size, a bias of the wrong length: the reference.
        let mut strided = plain.clone();
        strided.conv.stride = [2, 2];
        let mut dilated = plain.clone();
        dilated.conv.dilation = [1, 2];
        let mut pooled = plain.clone();
        // Overlapping windows (stride 1).
        pooled.pool = MaxPool2dConfig::new([3, 3]).with_strides([1, 1]).init();
        let mut resized = plain.clone();
        resized.conv.kernel_size = [5, 5];
        let mut long_bias = plain.clone();
        long_bias.conv.bias = Some(Param::from_tensor(Tensor::zeros([3], &device)));
        assert!(!fused(&strided) && !fused(&dilated) && !fused(&pooled));
        assert!(!fused(&resized) && !fused(&long_bias));
        // A kernel larger than the unpadded image, channels that do not match: the reference.
        let big = block(&device, [1, 2], [7, 7], PaddingConfig2d::Valid);
        let wrong = block(&device, [3, 2], [3, 3], PaddingConfig2d::Same);
        assert!(!fused(&big) && !fused(&wrong));
        // With batch norm the block runs the reference: its numbers exactly, and not those of
        // the fused operation, which has no batch norm.
        let cnn = CnnConfig::new(6, 6, vec![2], vec![], 3)
            .with_batch_norm(true)
            .init(&device);
        let normed = &cnn.blocks[0];
        let out = values(normed.forward(x.clone()));
        assert_eq!(out, values(normed.forward_reference(x.clone())));
        let without_norm = crate::fused_conv::conv_relu_pool(&x, &normed.conv, &normed.pool);
        let without_norm = values(without_norm.expect("fused without the norm"));
        assert!(largest_difference(&out, &without_norm) > 1e-3);
        // Inference without autodiff: fused, the reference's numbers.
        let inference = Device::flex();
        inference.seed(24);
        let block = block(&inference, [2, 3], [3, 3], PaddingConfig2d::Same);
        let x = Tensor::<4>::random([3, 2, 7, 6], Distribution::Default, &inference);
        assert!(crate::fused_conv::conv_relu_pool(&x, &block.conv, &block.pool).is_some());
        let d = largest_difference(
            &values(block.forward(x.clone())),
            &values(block.forward_reference(x)),
        );
        assert!(d < 1e-5, "inference: {d}");
    }

    #[test]
    fn shapes_and_parameter_sharing() {
        let device = Device::flex();
        let cnn = CnnConfig::digits().init(&device);
        // conv 1·16·9 + 16, conv 16·32·9 + 32, head 128·64 + 64, 64·10 + 10.
        assert_eq!(cnn.num_params(), 160 + 4_640 + 8_256 + 650);
        let y = cnn.forward_flat(Tensor::zeros([5, 64], &device));
        assert_eq!(y.dims(), [5, 10]);
        let big = CnnConfig::mnist().init(&device);
        assert_eq!(
            big.forward(Tensor::zeros([2, 1, 28, 28], &device)).dims(),
            [2, 10]
        );
        // The same two kernels on a 28×28 image: only the head grows.
        assert_eq!(big.num_params() - big.head.num_params(), 160 + 4_640);
    }

    #[test]
    fn a_convolution_and_a_pool_by_hand() {
        // One 3×3 kernel that sums the neighbourhood, on a 4×4 image with a single 1 at (1, 2):
        // the "same" convolution is 1 on the 3×3 window around it, ReLU keeps it, and every
        // 2×2 pooling window overlaps that window.
        let device = Device::flex();
        let mut cnn = CnnConfig::new(4, 4, vec![1], vec![], 1).init(&device);
        let block = &mut cnn.blocks[0];
        block.conv.weight = Param::from_tensor(Tensor::ones([1, 1, 3, 3], &device));
        block.conv.bias = Some(Param::from_tensor(Tensor::zeros([1], &device)));
        let mut img = vec![0.0f32; 16];
        img[4 + 2] = 1.0;
        let x = Tensor::<4>::from_data(TensorData::new(img, [1, 1, 4, 4]), &device);
        let conv = block.conv.forward(x.clone());
        let conv: Vec<f32> = conv.into_data().try_to_vec().unwrap();
        #[rustfmt::skip]
        let expected = [
            0.0, 1.0, 1.0, 1.0,
            0.0, 1.0, 1.0, 1.0,
            0.0, 1.0, 1.0, 1.0,
            0.0, 0.0, 0.0, 0.0,
        ];
        assert_eq!(conv, expected);
        let pooled: Vec<f32> = block.forward(x).into_data().try_to_vec().unwrap();
        assert_eq!(pooled, vec![1.0, 1.0, 1.0, 1.0]);
        // A pixel in the bottom-right corner spreads over the bottom-right 2×2 only: one
        // pooling window sees it.
        let mut img = vec![0.0f32; 16];
        img[15] = 2.0;
        let x = Tensor::<4>::from_data(TensorData::new(img, [1, 1, 4, 4]), &device);
        let pooled: Vec<f32> = block.forward(x).into_data().try_to_vec().unwrap();
        assert_eq!(pooled, vec![0.0, 0.0, 0.0, 2.0]);
    }

    #[test]
    fn bad_configs_are_reported() {
        assert!(
            CnnConfig::new(8, 8, vec![16, 32, 64, 64], vec![], 10)
                .check()
                .is_err()
        );
        assert!(
            CnnConfig::new(8, 8, vec![16], vec![], 10)
                .with_kernel(2)
                .check()
                .is_err()
        );
        assert!(CnnConfig::new(8, 8, vec![0], vec![], 10).check().is_err());
        assert!(CnnConfig::digits().with_dropout(1.0).check().is_err());
        assert!(CnnConfig::digits().check().is_ok());
    }
}
