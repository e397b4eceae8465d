//! A feed-forward network (notes: *Feedforward Neural Network*): input layer, hidden layers
//! with a nonlinearity `g`, and a linear output layer giving logits:
//! `a⁽ˡ⁺¹⁾ = g(a⁽ˡ⁾ W⁽ˡ⁾ + b⁽ˡ⁾)`, `logits = a⁽ᴸ⁻¹⁾ W⁽ᴸ⁻¹⁾ + b⁽ᴸ⁻¹⁾`.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
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

/// How the weights start (notes: *Weight Initialization*); with a named scheme the biases start
/// at zero.
#[derive(Config, Debug, Copy, PartialEq)]
pub enum Init {
    /// Burn's default (Kaiming uniform with gain 1/√3).
    Default,
    /// Plain Gaussian noise `N(0, std²)`: vanishing or exploding activations in deep nets.
    Gaussian {
        /// Standard deviation.
        std: f64,
    },
    /// Xavier (Glorot) normal: `Var(W) = 2 / (N_in + N_out)`; for sigmoid and tanh.
    Xavier,
    /// He (Kaiming) normal: `Var(W) = 2 / N_in`; for ReLU.
    He,
}

impl Init {
    /// Burn's initializer for this scheme.
    pub fn initializer(self) -> Initializer {
        match self {
            Init::Default => LinearConfig::new(1, 1).initializer,
            Init::Gaussian { std } => Initializer::Normal { mean: 0.0, std },
            Init::Xavier => Initializer::XavierNormal { gain: 1.0 },
            // Burn's Kaiming std is gain / √fan_in.
            Init::He => Initializer::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: false,
            },
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
    /// Weight initialisation.
    #[config(default = "Init::Default")]
    pub init: Init,
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
            .map(|w| {
                let mut layer = LinearConfig::new(w[0], w[1])
                    .with_initializer(self.init.initializer())
                    .init(device);
                // The named schemes start the biases at zero (as the notes' analysis assumes).
                if self.init != Init::Default {
                    layer.bias = Some(Param::from_tensor(Tensor::zeros([w[1]], device)));
                }
                layer
            })
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

    /// The activations `a⁽ˡ⁾` after every hidden layer, then the output logits.
    pub fn forward_layers(&self, x: Tensor<2>) -> Vec<Tensor<2>> {
        let last = self.layers.len().saturating_sub(1);
        let mut out = Vec::with_capacity(self.layers.len());
        let mut a = x;
        for (l, layer) in self.layers.iter().enumerate() {
            let z = layer.forward(a);
            a = if l < last {
                self.activation.apply(z)
            } else {
                z
            };
            out.push(a.clone());
        }
        out
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

    #[test]
    fn initialisation_variances_follow_the_notes() {
        let device = Device::flex();
        let std_of = |init: Init| {
            let mlp = MlpConfig::new(400, vec![], 600)
                .with_init(init)
                .init(&device);
            let w: Vec<f32> = mlp.layers[0].weight.val().into_data().try_to_vec().unwrap();
            let b: Vec<f32> = mlp.layers[0]
                .bias
                .as_ref()
                .unwrap()
                .val()
                .into_data()
                .try_to_vec()
                .unwrap();
            assert!(b.iter().all(|&v| v == 0.0), "biases start at zero");
            let n = w.len() as f64;
            (w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n).sqrt()
        };
        // Xavier: Var = 2 / (N_in + N_out); He: Var = 2 / N_in; 240 000 draws each.
        let xavier = (2.0f64 / 1000.0).sqrt();
        let he = (2.0f64 / 400.0).sqrt();
        assert!((std_of(Init::Xavier) / xavier - 1.0).abs() < 0.01);
        assert!((std_of(Init::He) / he - 1.0).abs() < 0.01);
        assert!((std_of(Init::Gaussian { std: 0.01 }) / 0.01 - 1.0).abs() < 0.01);
    }
}
