//! The Transformer's attention (notes: *Transformer (Attention Mechanism)*).
//!
//! Scaled dot-product attention `Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V`: the similarity
//! of each query with every key, scaled by `√d_k` so the softmax does not saturate, turned into
//! weights that average the values. Multi-head self-attention projects the sequence into `h`
//! sets of queries, keys and values of width `d_k = d_model / h`, attends in each, and mixes the
//! heads with an output projection. With no recurrence the positions are processed at once;
//! sinusoidal positional encodings `PE(pos, 2i) = sin(pos / 10000^{2i/d})`,
//! `PE(pos, 2i+1) = cos(pos / 10000^{2i/d})` tell the model where each token is.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData, activation};

use crate::{InvalidConfig, positive_sizes};

/// `softmax(Q Kᵀ / √d_k) V` over `[batch, heads, time, d_k]`: the context and the weights
/// `[batch, heads, time_q, time_k]`.
pub fn scaled_dot_product_attention(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
) -> (Tensor<4>, Tensor<4>) {
    let d_k = q.dims()[3] as f64;
    let scores = q.matmul(k.swap_dims(2, 3)) / d_k.sqrt();
    let weights = activation::softmax(scores, 3);
    (weights.clone().matmul(v), weights)
}

/// Sinusoidal positional encodings `[length, d_model]` (`d_model` even).
pub fn positional_encoding(length: usize, d_model: usize, device: &Device) -> Tensor<2> {
    let mut pe = Vec::with_capacity(length * d_model);
    for pos in 0..length {
        for j in 0..d_model {
            let i2 = (j - j % 2) as f64;
            let angle = pos as f64 / 10_000f64.powf(i2 / d_model as f64);
            pe.push(if j % 2 == 0 { angle.sin() } else { angle.cos() } as f32);
        }
    }
    Tensor::from_data(TensorData::new(pe, [length, d_model]), device)
}

/// Width and heads of a [`SelfAttention`].
#[derive(Config, Debug)]
pub struct SelfAttentionConfig {
    /// Model width (divisible by `n_heads`).
    pub d_model: usize,
    /// Number of heads.
    pub n_heads: usize,
}

/// Multi-head self-attention.
#[derive(Module, Debug)]
pub struct SelfAttention {
    /// Query projection `W_Q`.
    pub query: Linear,
    /// Key projection `W_K`.
    pub key: Linear,
    /// Value projection `W_V`.
    pub value: Linear,
    /// Output projection `W_O`.
    pub output: Linear,
    /// Number of heads.
    #[module(skip)]
    pub n_heads: usize,
}

impl SelfAttentionConfig {
    /// `d_model` divisible by `n_heads`, both at least 1.
    pub fn check(&self) -> Result<(), InvalidConfig> {
        positive_sizes("SelfAttentionConfig", "n_heads", &[self.n_heads])?;
        positive_sizes("SelfAttentionConfig", "d_model", &[self.d_model])?;
        if !self.d_model.is_multiple_of(self.n_heads) {
            return Err(InvalidConfig::new(
                "SelfAttentionConfig",
                "d_model",
                format!(
                    "must be a multiple of n_heads {}, got {}",
                    self.n_heads, self.d_model
                ),
            ));
        }
        Ok(())
    }

    /// Build on `device`, or say which parameter is wrong.
    pub fn try_init(&self, device: &Device) -> Result<SelfAttention, InvalidConfig> {
        self.check()?;
        Ok(self.init(device))
    }

    /// Build on `device`; panics if [`SelfAttentionConfig::check`] fails.
    pub fn init(&self, device: &Device) -> SelfAttention {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
        let linear = || LinearConfig::new(self.d_model, self.d_model).init(device);
        SelfAttention {
            query: linear(),
            key: linear(),
            value: linear(),
            output: linear(),
            n_heads: self.n_heads,
        }
    }
}

impl SelfAttention {
    /// `[batch, time, d_model] -> [batch, heads, time, d_k]`.
    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, t, d] = x.dims();
        x.reshape([b, t, self.n_heads, d / self.n_heads])
            .swap_dims(1, 2)
    }

    /// The projections `Q, K, V` of `x`, each `[batch, time, d_model]`.
    fn projections(&self, x: Tensor<3>) -> [Tensor<3>; 3] {
        [&self.query, &self.key, &self.value].map(|layer| layer.forward(x.clone()))
    }

    /// The reference: heads split, each attended by [`scaled_dot_product_attention`], merged
    /// again: the context `[batch, time, d_model]` and the weights `[batch, heads, time, time]`.
    fn heads_attention(&self, [q, k, v]: [Tensor<3>; 3]) -> (Tensor<3>, Tensor<4>) {
        let [b, t, d] = q.dims();
        let (context, weights) = scaled_dot_product_attention(
            self.split_heads(q),
            self.split_heads(k),
            self.split_heads(v),
        );
        (context.swap_dims(1, 2).reshape([b, t, d]), weights)
    }

    /// Self-attention of `x: [batch, time, d_model]`: the output `[batch, time, d_model]` and
    /// the attention weights `[batch, heads, time, time]`, by the reference
    /// [`scaled_dot_product_attention`] in every head.
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<4>) {
        let (context, weights) = self.heads_attention(self.projections(x));
        (self.output.forward(context), weights)
    }

    /// The output of [`SelfAttention::forward`] without the weights: on flex in `f32`, every
    /// head's attention runs as one operation (`crate::fused_attention`, checked against
    /// `forward`), with a hand-written backward pass when training; elsewhere as `forward`.
    pub fn attend(&self, x: Tensor<3>) -> Tensor<3> {
        let [q, k, v] = self.projections(x);
        #[cfg(feature = "flex")]
        if let Some(context) = crate::fused_attention::attention(&q, &k, &v, self.n_heads) {
            return self.output.forward(context);
        }
        self.output.forward(self.heads_attention([q, k, v]).0)
    }
}

/// Shape of a [`Transformer`] encoder over sequences.
#[derive(Config, Debug, PartialEq)]
pub struct TransformerConfig {
    /// Features per time step.
    pub d_input: usize,
    /// Model width.
    #[config(default = 32)]
    pub d_model: usize,
    /// Attention heads.
    #[config(default = 4)]
    pub n_heads: usize,
    /// Width of the position-wise feed-forward layer.
    #[config(default = 64)]
    pub d_ff: usize,
    /// Encoder layers.
    #[config(default = 2)]
    pub n_layers: usize,
    /// Add sinusoidal positional encodings to the embedded inputs.
    #[config(default = true)]
    pub positional: bool,
}

/// One encoder layer: `x ← LN(x + MHA(x))`, `x ← LN(x + W₂ ReLU(W₁ x))`.
#[derive(Module, Debug)]
pub struct EncoderLayer {
    /// Multi-head self-attention.
    pub attention: SelfAttention,
    /// Layer norm after the attention's residual.
    pub norm1: LayerNorm,
    /// Feed-forward expansion `W₁`.
    pub ff1: Linear,
    /// Feed-forward projection `W₂`.
    pub ff2: Linear,
    /// Layer norm after the feed-forward residual.
    pub norm2: LayerNorm,
}

impl EncoderLayer {
    /// `[batch, time, d_model] -> [batch, time, d_model]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let a = self.attention.attend(x.clone());
        let x = self.norm1.forward(x + a);
        let f = self
            .ff2
            .forward(activation::relu(self.ff1.forward(x.clone())));
        self.norm2.forward(x + f)
    }
}

/// A Transformer encoder: input embedding, positional encoding, encoder layers.
#[derive(Module, Debug)]
pub struct Transformer {
    /// Embedding of each time step's features into `d_model`.
    pub embed: Linear,
    /// The encoder layers.
    pub layers: Vec<EncoderLayer>,
    /// Whether positional encodings are added.
    #[module(skip)]
    pub positional: bool,
}

impl TransformerConfig {
    /// Sizes at least 1, `d_model` even and divisible by `n_heads`.
    pub fn check(&self) -> Result<(), InvalidConfig> {
        positive_sizes("TransformerConfig", "d_input", &[self.d_input])?;
        positive_sizes("TransformerConfig", "d_ff", &[self.d_ff])?;
        if !self.d_model.is_multiple_of(2) {
            return Err(InvalidConfig::new(
                "TransformerConfig",
                "d_model",
                format!("must be even (sinusoidal encoding), got {}", self.d_model),
            ));
        }
        SelfAttentionConfig::new(self.d_model, self.n_heads)
            .check()
            .map_err(|e| InvalidConfig {
                model: "TransformerConfig",
                ..e
            })
    }

    /// Build on `device`, or say which parameter is wrong.
    pub fn try_init(&self, device: &Device) -> Result<Transformer, InvalidConfig> {
        self.check()?;
        Ok(self.init(device))
    }

    /// Build on `device`; panics if [`TransformerConfig::check`] fails.
    pub fn init(&self, device: &Device) -> Transformer {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
        let layers = (0..self.n_layers)
            .map(|_| EncoderLayer {
                attention: SelfAttentionConfig::new(self.d_model, self.n_heads).init(device),
                norm1: LayerNormConfig::new(self.d_model).init(device),
                ff1: LinearConfig::new(self.d_model, self.d_ff).init(device),
                ff2: LinearConfig::new(self.d_ff, self.d_model).init(device),
                norm2: LayerNormConfig::new(self.d_model).init(device),
            })
            .collect();
        Transformer {
            embed: LinearConfig::new(self.d_input, self.d_model).init(device),
            layers,
            positional: self.positional,
        }
    }
}

impl Transformer {
    /// Width of the outputs.
    pub fn d_model(&self) -> usize {
        self.embed.weight.lazy_shape()[1]
    }

    /// `[batch, time, d_input] -> [batch, time, d_model]`, all positions at once.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [_, t, _] = x.dims();
        let mut z = self.embed.forward(x);
        if self.positional {
            let pe = positional_encoding(t, self.d_model(), &z.device());
            z = z + pe.unsqueeze::<3>();
        }
        self.layers.iter().fold(z, |z, layer| layer.forward(z))
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::testing::{largest_difference, on_threads, values};
    use burn::nn::attention::{MhaInput, MultiHeadAttentionConfig};
    use burn::nn::{PositionalEncodingConfig, generate_sinusoids};

    #[test]
    fn attention_of_one_query_by_hand() {
        // q = (1, 0), keys (1, 0) and (0, 1), d_k = 2: scores 1/√2 and 0, weights
        // e^{1/√2} / (e^{1/√2} + 1) and the rest; the context averages the values 10 and 20.
        let device = Device::flex();
        let t = |v: Vec<f32>, s: [usize; 4]| Tensor::<4>::from_data(TensorData::new(v, s), &device);
        let (ctx, w) = scaled_dot_product_attention(
            t(vec![1.0, 0.0], [1, 1, 1, 2]),
            t(vec![1.0, 0.0, 0.0, 1.0], [1, 1, 2, 2]),
            t(vec![10.0, 20.0], [1, 1, 2, 1]),
        );
        let w0 = (0.5f32.sqrt()).exp() / ((0.5f32.sqrt()).exp() + 1.0);
        assert!(largest_difference(&values(w), &[w0, 1.0 - w0]) < 1e-6);
        assert!((values(ctx)[0] - (10.0 * w0 + 20.0 * (1.0 - w0))).abs() < 1e-4);
    }

    #[test]
    fn self_attention_equals_burns_multi_head_attention() {
        let device = Device::flex();
        device.seed(9);
        let theirs = MultiHeadAttentionConfig::new(8, 2)
            .with_dropout(0.0)
            .init(&device);
        let ours = SelfAttention {
            query: theirs.query.clone(),
            key: theirs.key.clone(),
            value: theirs.value.clone(),
            output: theirs.output.clone(),
            n_heads: 2,
        };
        let x: Vec<f32> = (0..3 * 5 * 8)
            .map(|i| ((i * 11) % 17) as f32 / 8.0 - 1.0)
            .collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [3, 5, 8]), &device);
        let expected = theirs.forward(MhaInput::self_attn(x.clone()));
        let (out, weights) = ours.forward(x);
        assert!(largest_difference(&values(expected.context), &values(out)) < 1e-5);
        assert!(largest_difference(&values(expected.weights), &values(weights)) < 1e-6);
    }

    /// Outputs of `attend` and `forward` and, through a loss with weights of both signs, the
    /// gradients of the input and of the four projections' weights.
    fn fused_against_reference(b: usize, t: usize, d: usize, heads: usize) {
        let device = Device::flex().autodiff();
        device.seed(11);
        let attention = SelfAttentionConfig::new(d, heads).init(&device);
        let x: Vec<f32> = (0..b * t * d)
            .map(|i| ((i * 11) % 17) as f32 / 8.0 - 1.0)
            .collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [b, t, d]), &device).require_grad();
        let readout: Vec<f32> = (0..b * t * d)
            .map(|i| ((i * 5) % 11) as f32 / 5.0 - 1.0)
            .collect();
        let readout = Tensor::<3>::from_data(TensorData::new(readout, [b, t, d]), &device);
        // The fused operation is what `attend` runs here.
        let [q, k, v] = attention.projections(x.clone());
        assert!(crate::fused_attention::attention(&q, &k, &v, heads).is_some());
        let run = |out: Tensor<3>| {
            let grads = (out.clone() * readout.clone()).sum().backward();
            let mut all = values(x.grad(&grads).expect("input gradient"));
            for layer in [
                &attention.query,
                &attention.key,
                &attention.value,
                &attention.output,
            ] {
                all.extend(values(layer.weight.val().grad(&grads).expect("weight")));
            }
            (values(out), all)
        };
        let (fused, fused_grads) = run(attention.attend(x.clone()));
        let (reference, reference_grads) = run(attention.forward(x.clone()).0);
        let shape = format!("b {b}, t {t}, d {d}, heads {heads}");
        assert!(
            largest_difference(&fused, &reference) < 1e-5,
            "outputs, {shape}"
        );
        assert!(
            largest_difference(&fused_grads, &reference_grads) < 1e-4,
            "gradients, {shape}"
        );
    }

    #[test]
    fn fused_attention_equals_the_reference_forward_and_backward() {
        // Rows of 9 and 17 keys run the softmax's vector loops and their remainders.
        let shapes = [
            (3, 5, 8, 2),
            (1, 1, 4, 1),
            (2, 7, 12, 3),
            (20, 4, 8, 4),
            (2, 9, 8, 2),
            (1, 17, 6, 3),
        ];
        for (b, t, d, heads) in shapes {
            fused_against_reference(b, t, d, heads);
        }
    }

    #[test]
    fn fused_attention_gives_the_same_numbers_on_any_thread_count() {
        // One model and one input (tests share the device's seed), run on one thread and on three.
        let device = Device::flex().autodiff();
        let attention = SelfAttentionConfig::new(8, 2).init(&device);
        let x: Vec<f32> = (0..6 * 10 * 8)
            .map(|i| ((i * 7) % 19) as f32 / 9.0 - 1.0)
            .collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [6, 10, 8]), &device).require_grad();
        let run = |threads: usize| {
            on_threads(threads, || {
                let out = attention.attend(x.clone());
                let grads = (out.clone() * out.clone()).sum().backward();
                (values(out), values(x.grad(&grads).expect("input gradient")))
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn fused_attention_runs_only_where_it_can() {
        let device = Device::flex().autodiff();
        device.seed(12);
        let q = Tensor::<3>::from_data(TensorData::new(vec![0.5f32; 24], [2, 3, 4]), &device);
        assert!(crate::fused_attention::attention(&q, &q, &q, 2).is_some());
        // Heads that do not divide the width, shapes that differ: the reference.
        assert!(crate::fused_attention::attention(&q, &q, &q, 3).is_none());
        let other = q.clone().slice([0..2, 0..2, 0..4]);
        assert!(crate::fused_attention::attention(&q, &other, &q, 2).is_none());
        // Inference without autodiff: fused, the reference's numbers.
        let plain = Device::flex();
        let attention = SelfAttentionConfig::new(4, 2).init(&plain);
        let x: Vec<f32> = (0..2 * 9 * 4).map(|i| (i % 7) as f32 / 3.0 - 1.0).collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [2, 9, 4]), &plain);
        let [q, k, v] = attention.projections(x.clone());
        assert!(crate::fused_attention::attention(&q, &k, &v, 2).is_some());
        let d = largest_difference(
            &values(attention.attend(x.clone())),
            &values(attention.forward(x).0),
        );
        assert!(d < 1e-5, "inference: {d}");
        // Untracked on autodiff (nothing requires a gradient): same numbers as the reference.
        let attention = SelfAttentionConfig::new(4, 2).init(&device).no_grad();
        let x: Vec<f32> = (0..24).map(|i| (i % 5) as f32 / 2.0 - 1.0).collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [2, 3, 4]), &device);
        let d = largest_difference(
            &values(attention.attend(x.clone())),
            &values(attention.forward(x).0),
        );
        assert!(d < 1e-5, "{d}");
    }

    #[test]
    fn positional_encoding_follows_the_formula_and_burn() {
        let device = Device::flex();
        let pe = values(positional_encoding(50, 16, &device));
        // Position 3, dimensions 4 and 5: sin and cos of 3 / 10000^{4/16}.
        let angle = 3.0 / 10_000f64.powf(0.25);
        assert!((f64::from(pe[3 * 16 + 4]) - angle.sin()).abs() < 1e-6);
        assert!((f64::from(pe[3 * 16 + 5]) - angle.cos()).abs() < 1e-6);
        let burn = values(generate_sinusoids(50, 16, 10_000, &device));
        assert!(largest_difference(&pe, &burn) < 1e-4);
        assert_eq!(PositionalEncodingConfig::new(16).max_timescale, 10_000);
    }

    #[test]
    fn encoder_shapes_and_permutation_without_positions() {
        // Without positional encoding, self-attention is permutation-equivariant: reversing
        // the sequence reverses the outputs. With it, it is not.
        let device = Device::flex();
        device.seed(2);
        let x: Vec<f32> = (0..4 * 3)
            .map(|i| ((i * 5) % 7) as f32 / 3.0 - 1.0)
            .collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [1, 4, 3]), &device);
        let reversed = x.clone().flip([1]);
        for positional in [false, true] {
            let enc = TransformerConfig::new(3)
                .with_positional(positional)
                .init(&device);
            let out = enc.forward(x.clone());
            assert_eq!(out.dims(), [1, 4, 32]);
            let d = largest_difference(
                &values(out.flip([1])),
                &values(enc.forward(reversed.clone())),
            );
            assert_eq!(d < 1e-5, !positional, "positional {positional}: {d}");
        }
        assert!(TransformerConfig::new(3).with_n_heads(3).check().is_err());
    }
}
