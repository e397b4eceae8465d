//! A feed-forward network (notes: *Feedforward Neural Network*): input layer, hidden layers
//! with a nonlinearity `g`, and a linear output layer giving logits:
//! `a⁽ˡ⁺¹⁾ = g(a⁽ˡ⁾ W⁽ˡ⁾ + b⁽ˡ⁾)`, `logits = a⁽ᴸ⁻¹⁾ W⁽ᴸ⁻¹⁾ + b⁽ᴸ⁻¹⁾`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, activation};

/// The hidden layers' nonlinearity.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(0, z)`: the default; gradient 1 for `z > 0`.
    Relu,
    /// `tanh z`, zero-centred, outputs in `(-1, 1)`.
    Tanh,
    /// `1 / (1 + e^{-z})`, outputs in `(0, 1)`; saturates (vanishing gradients).
    Sigmoid,
}

impl Activation {
    /// Apply `g` elementwise.
    pub fn apply<const D: usize>(self, z: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(z),
            Activation::Tanh => activation::tanh(z),
            Activation::Sigmoid => activation::sigmoid(z),
        }
    }
}

/// Layer sizes and nonlinearity of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Number of input features.
    pub input: usize,
    /// Width of each hidden layer (empty: a linear model).
    pub hidden: Vec<usize>,
    /// Number of outputs (classes for a softmax head).
    pub output: usize,
    /// Hidden-layer nonlinearity.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

/// A multilayer perceptron.
#[derive(Module, Debug)]
pub struct Mlp {
    /// The affine layers, input to output.
    pub layers: Vec<Linear>,
    /// Hidden-layer nonlinearity.
    #[module(skip)]
    pub activation: Activation,
}

impl MlpConfig {
    /// Build the network on `device` with Burn's default initialisation.
    pub fn init(&self, device: &Device) -> Mlp {
        let sizes: Vec<usize> = std::iter::once(self.input)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(self.output))
            .collect();
        let layers = sizes
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Mlp {
            layers,
            activation: self.activation,
        }
    }
}

impl Mlp {
    /// Logits for a batch `[batch, input] -> [batch, output]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len().saturating_sub(1);
        self.layers.iter().enumerate().fold(x, |a, (l, layer)| {
            let z = layer.forward(a);
            if l < last {
                self.activation.apply(z)
            } else {
                z
            }
        })
    }

    /// Number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.num_params()
    }
}
