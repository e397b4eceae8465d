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

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use burn::tensor::{Tensor, TensorData};

    #[test]
    fn shapes_parameter_count_and_a_linear_model() {
        let device = Device::flex();
        let mlp = MlpConfig::new(64, vec![256, 256], 10).init(&device);
        assert_eq!(
            mlp.n_params(),
            64 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
        );
        let out = mlp.forward(Tensor::zeros([3, 64], &device));
        assert_eq!(out.dims(), [3, 10]);
        // no hidden layer: logits = x W + b, checked against the weights by hand
        let linear = MlpConfig::new(2, vec![], 1).init(&device);
        let w: Vec<f32> = linear.layers[0]
            .weight
            .val()
            .into_data()
            .try_to_vec()
            .expect("f32");
        let b: Vec<f32> = linear.layers[0]
            .bias
            .as_ref()
            .expect("bias")
            .val()
            .into_data()
            .try_to_vec()
            .expect("f32");
        let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, -2.0], [1, 2]), &device);
        let y: Vec<f32> = linear.forward(x).into_data().try_to_vec().expect("f32");
        assert!((y[0] - (w[0] - 2.0 * w[1] + b[0])).abs() < 1e-6);
    }

    #[test]
    fn activations_follow_their_formulas() {
        let device = Device::flex();
        let z = Tensor::<1>::from_data(TensorData::new(vec![-1.0f32, 0.0, 2.0], [3]), &device);
        let get = |a: Activation| -> Vec<f32> {
            a.apply(z.clone()).into_data().try_to_vec().expect("f32")
        };
        assert_eq!(get(Activation::Relu), vec![0.0, 0.0, 2.0]);
        let t = get(Activation::Tanh);
        let s = get(Activation::Sigmoid);
        for (i, v) in [-1.0f32, 0.0, 2.0].iter().enumerate() {
            assert!((t[i] - v.tanh()).abs() < 1e-6);
            assert!((s[i] - 1.0 / (1.0 + (-v).exp())).abs() < 1e-6);
        }
    }
}
