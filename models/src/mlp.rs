//! A feed-forward network (notes: *Feedforward Neural Network*): input layer, hidden layers
//! with a nonlinearity `g`, and a linear output layer giving logits:
//! `a⁽ˡ⁺¹⁾ = g(a⁽ˡ⁾ W⁽ˡ⁾ + b⁽ˡ⁾)`, `logits = a⁽ᴸ⁻¹⁾ W⁽ᴸ⁻¹⁾ + b⁽ᴸ⁻¹⁾`.
//!
//! Options from *Practical Training Techniques*: batch normalisation of every hidden layer's
//! pre-activation, `ẑ = (z - μ_B) / √(σ²_B + ε)`, `BN(z) = γ ẑ + β` (batch statistics in
//! training, running averages at inference), and dropout after every hidden nonlinearity (each
//! unit zeroed with probability `p` in training, the kept ones scaled by `1 / (1 - p)`).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Initializer, Linear, LinearConfig,
};
use burn::tensor::{Device, Tensor, activation};

use crate::{InvalidConfig, positive_sizes};

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
    /// Batch-normalise every hidden layer's pre-activation.
    #[config(default = false)]
    pub batch_norm: bool,
    /// Dropout probability after every hidden nonlinearity (0: none).
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// A multilayer perceptron.
#[derive(Module, Debug)]
pub struct Mlp {
    /// The affine layers, input to output.
    pub layers: Vec<Linear>,
    /// One batch norm per hidden layer, or none.
    pub norms: Vec<BatchNorm>,
    /// Dropout after each hidden nonlinearity, if any.
    pub dropout: Option<Dropout>,
    /// Hidden-layer nonlinearity.
    #[module(skip)]
    pub activation: Activation,
}

impl MlpConfig {
    /// Sizes at least 1 and a dropout probability in `[0, 1)`.
    pub fn check(&self) -> Result<(), InvalidConfig> {
        positive_sizes("MlpConfig", "input", &[self.input])?;
        positive_sizes("MlpConfig", "hidden", &self.hidden)?;
        positive_sizes("MlpConfig", "output", &[self.output])?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(InvalidConfig::new(
                "MlpConfig",
                "dropout",
                format!("must be in [0, 1), got {}", self.dropout),
            ));
        }
        if let Init::Gaussian { std } = self.init
            && !(std.is_finite() && std > 0.0)
        {
            return Err(InvalidConfig::new(
                "MlpConfig",
                "init",
                format!("the Gaussian std must be positive, got {std}"),
            ));
        }
        Ok(())
    }

    /// Build the network on `device`, or say which parameter is wrong.
    pub fn try_init(&self, device: &Device) -> Result<Mlp, InvalidConfig> {
        self.check()?;
        Ok(self.init(device))
    }

    /// Build the network on `device`. Panics (as Burn's layers do) if [`MlpConfig::check`] fails.
    pub fn init(&self, device: &Device) -> Mlp {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
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
        let norms = if self.batch_norm {
            self.hidden
                .iter()
                .map(|&n| BatchNormConfig::new(n).init(device))
                .collect()
        } else {
            vec![]
        };
        Mlp {
            layers,
            norms,
            dropout: (self.dropout > 0.0).then(|| DropoutConfig::new(self.dropout).init()),
            activation: self.activation,
        }
    }
}

/// `g(x W + b)` by `layer` and `g` (without `g`: the affine map alone). On flex in `f32`, one
/// operation with its own backward pass (`crate::fused_dense`, checked against the rest of this
/// function); elsewhere Burn's `Linear::forward` then [`Activation::apply`].
fn dense(layer: &Linear, x: Tensor<2>, g: Option<Activation>) -> Tensor<2> {
    #[cfg(feature = "flex")]
    if let Some(y) = crate::fused_dense::dense(&x, layer, g) {
        return y;
    }
    let z = layer.forward(x);
    match g {
        Some(g) => g.apply(z),
        None => z,
    }
}

impl Mlp {
    /// Hidden layer `l`: `a ↦ dropout(g(BN(a W + b)))`.
    fn hidden(&self, l: usize, a: Tensor<2>) -> Tensor<2> {
        let a = match self.norms.get(l) {
            Some(norm) => self
                .activation
                .apply(norm.forward(dense(&self.layers[l], a, None))),
            None => dense(&self.layers[l], a, Some(self.activation)),
        };
        match &self.dropout {
            Some(dropout) => dropout.forward(a),
            None => a,
        }
    }

    /// Logits for a batch `[batch, input] -> [batch, output]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let a = (0..last).fold(x, |a, l| self.hidden(l, a));
        dense(&self.layers[last], a, None)
    }

    /// The activations `a⁽ˡ⁾` after every hidden layer, then the output logits.
    pub fn forward_layers(&self, x: Tensor<2>) -> Vec<Tensor<2>> {
        let last = self.layers.len() - 1;
        let mut out = Vec::with_capacity(self.layers.len());
        let mut a = x;
        for l in 0..last {
            a = self.hidden(l, a);
            out.push(a.clone());
        }
        out.push(dense(&self.layers[last], a, None));
        out
    }

    /// Number of input features (0 for a network without layers).
    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.weight.lazy_shape()[0])
    }

    /// Number of outputs (0 for a network without layers).
    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.weight.lazy_shape()[1])
    }

    /// Number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.num_params()
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::testing::largest_difference;
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
    fn forward_layers_ends_with_the_logits() {
        let device = Device::flex();
        let mlp = MlpConfig::new(3, vec![5, 4], 2)
            .with_batch_norm(true)
            .with_dropout(0.3)
            .init(&device);
        let x = Tensor::<2>::from_data(
            TensorData::new(vec![0.5f32, -1.0, 2.0, 1.0, 0.0, -0.5], [2, 3]),
            &device,
        );
        let layers = mlp.forward_layers(x.clone());
        assert_eq!(layers.len(), 3);
        assert_eq!(layers[1].dims(), [2, 4]);
        let (a, b): (Vec<f32>, Vec<f32>) = (
            layers[2].clone().into_data().try_to_vec().unwrap(),
            mlp.forward(x).into_data().try_to_vec().unwrap(),
        );
        assert_eq!(a, b);
        assert!(MlpConfig::new(3, vec![0], 2).check().is_err());
        assert!(
            MlpConfig::new(3, vec![4], 2)
                .with_dropout(-0.1)
                .check()
                .is_err()
        );
        assert!(
            MlpConfig::new(3, vec![4], 2)
                .with_init(Init::Gaussian { std: 0.0 })
                .check()
                .is_err()
        );
    }

    #[test]
    fn batch_norm_makes_training_outputs_scale_invariant() {
        // In training a hidden layer sees (z - μ_B) / σ_B: scaling the inputs by 1000 scales z
        // and σ_B alike (the bias cancels with μ_B), so the logits do not change. Without batch
        // norm they do. At inference the running averages are used instead.
        let device = Device::flex().autodiff();
        let x: Vec<f32> = (0..32).map(|i| ((i * 7) % 11) as f32 / 5.0 - 1.0).collect();
        let x = Tensor::<2>::from_data(TensorData::new(x, [8, 4]), &device);
        let logits = |mlp: &Mlp, scale: f32| -> Vec<f32> {
            mlp.forward(x.clone() * scale)
                .into_data()
                .try_to_vec()
                .unwrap()
        };
        let bn = MlpConfig::new(4, vec![6], 3)
            .with_batch_norm(true)
            .init(&device);
        assert!(largest_difference(&logits(&bn, 1.0), &logits(&bn, 1000.0)) < 1e-3);
        let plain = MlpConfig::new(4, vec![6], 3).init(&device);
        assert!(largest_difference(&logits(&plain, 1.0), &logits(&plain, 1000.0)) > 1.0);
        // The running statistics moved towards the batch's: inference now differs from training.
        let running: Vec<f32> = bn.norms[0]
            .running_mean
            .value()
            .into_data()
            .try_to_vec()
            .unwrap();
        assert!(running.iter().any(|&m| m.abs() > 1e-3));
    }

    #[test]
    fn dropout_zeroes_units_and_scales_the_rest_in_training_only() {
        let device = Device::flex().autodiff();
        device.seed(7);
        let mlp = MlpConfig::new(4, vec![2000], 2)
            .with_dropout(0.5)
            .init(&device);
        let plain = Mlp {
            dropout: None,
            ..mlp.clone()
        };
        let x = Tensor::<2>::ones([1, 4], &device);
        let hidden = |m: &Mlp| -> Vec<f32> {
            m.forward_layers(x.clone())[0]
                .clone()
                .into_data()
                .try_to_vec()
                .unwrap()
        };
        let (dropped, full) = (hidden(&mlp), hidden(&plain));
        let active = full.iter().filter(|&&v| v > 0.0).count();
        let zeroed = full
            .iter()
            .zip(&dropped)
            .filter(|&(&f, &d)| f > 0.0 && d == 0.0)
            .count();
        // Each active unit is dropped with probability 1/2: a 5σ band around active / 2 (other
        // test threads may draw from Burn's one generator: the mask is random, not fixed; a
        // rate of 0.4 or 0.6 would lie about 6σ away).
        let sd = (active as f64 * 0.25).sqrt();
        assert!(
            (zeroed as f64 - active as f64 / 2.0).abs() < 5.0 * sd,
            "{zeroed} of {active}"
        );
        assert!(
            full.iter()
                .zip(&dropped)
                .all(|(&f, &d)| d == 0.0 || (d - 2.0 * f).abs() < 1e-5)
        );
        // At inference dropout is the identity.
        let valid = hidden(&mlp.valid());
        assert_eq!(valid, full);
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
