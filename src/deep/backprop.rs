//! A feed-forward network in the notes' notation: `Θ⁽ˡ⁾` maps layer `l` (with its bias unit
//! `a₀ = 1`) to layer `l+1`, hidden units apply `g`, output units a sigmoid.
//!
//! - Cost: `J(Θ) = -1/m Σ_i Σ_k [y_k log h_k + (1 - y_k) log(1 - h_k)] + λ/(2m) Σ_l Σ_{j≥1} (Θ⁽ˡ⁾_{ij})²`
//! - Backpropagation: `δ⁽ᴸ⁾ = a⁽ᴸ⁾ - y`, `δ⁽ˡ⁾ = ((Θ⁽ˡ⁾)ᵀ δ⁽ˡ⁺¹⁾) .* g'(z⁽ˡ⁾)`,
//!   `∂J/∂Θ⁽ˡ⁾_{ij} = 1/m Σ a⁽ˡ⁾_j δ⁽ˡ⁺¹⁾_i (+ λ/m Θ⁽ˡ⁾_{ij} for j ≠ 0)`.
//! - Gradient checking: `∂J/∂θ_j ≈ (J(θ + εe_j) - J(θ - εe_j)) / 2ε`.

use burn::module::Param;
use burn::nn::LinearConfig;
use burn::tensor::{Device, Tensor, TensorData, activation};
use mlnotes_models::{Activation, Mlp};
use ndarray::{Array1, Array2, ArrayView2, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{Error, Result, validate};

/// `g(z)` of a hidden unit.
fn g(act: Activation, z: f64) -> f64 {
    match act {
        Activation::Relu => z.max(0.0),
        Activation::Tanh => z.tanh(),
        Activation::Sigmoid => crate::linear::cost::sigmoid(z),
    }
}

/// `g'(z)`.
fn g_prime(act: Activation, z: f64) -> f64 {
    match act {
        Activation::Relu => f64::from(u8::from(z > 0.0)),
        Activation::Tanh => 1.0 - z.tanh().powi(2),
        Activation::Sigmoid => {
            let s = crate::linear::cost::sigmoid(z);
            s * (1.0 - s)
        }
    }
}

/// `[1 | a]`: the activations with the bias unit prepended.
fn with_bias(a: ArrayView2<f64>) -> Array2<f64> {
    let mut out = Array2::ones((a.nrows(), a.ncols() + 1));
    out.slice_mut(s![.., 1..]).assign(&a);
    out
}

/// A network's weights `Θ⁽ˡ⁾` (shape `s_{l+1} x (s_l + 1)`, bias in column 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// `Θ⁽¹⁾ … Θ⁽ᴸ⁻¹⁾`.
    pub thetas: Vec<Array2<f64>>,
    /// The hidden units' nonlinearity.
    pub activation: Activation,
}

impl Network {
    /// Layer sizes `s_1 … s_L`, weights uniform in `[-ε, ε]` with `ε = √6 / √(s_l + s_{l+1})`.
    pub fn random(sizes: &[usize], activation: Activation, seed: u64) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::config("sizes", "need at least two non-empty layers"));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let thetas = sizes
            .windows(2)
            .map(|w| {
                let eps = 6f64.sqrt() / ((w[0] + w[1]) as f64).sqrt();
                Array2::from_shape_fn((w[1], w[0] + 1), |_| rng.random_range(-eps..eps))
            })
            .collect();
        Ok(Network { thetas, activation })
    }

    /// Number of weights.
    pub fn n_params(&self) -> usize {
        self.thetas.iter().map(Array2::len).sum()
    }

    /// All weights in one vector (layer by layer, row-major).
    pub fn unroll(&self) -> Array1<f64> {
        self.thetas.iter().flat_map(|t| t.iter().copied()).collect()
    }

    /// The same architecture with weights taken from `params` (as [`Network::unroll`] lays them).
    pub fn rolled(&self, params: &[f64]) -> Result<Self> {
        validate::same_len(self.n_params(), params.len(), "unrolled weights")?;
        let mut offset = 0;
        let thetas = self
            .thetas
            .iter()
            .map(|t| {
                let next = offset + t.len();
                let m = Array2::from_shape_vec(t.dim(), params[offset..next].to_vec());
                offset = next;
                m.map_err(|e| Error::invalid(e.to_string()))
            })
            .collect::<Result<_>>()?;
        Ok(Network {
            thetas,
            activation: self.activation,
        })
    }

    /// Fails unless the weights chain (`Θ⁽ˡ⁺¹⁾` has `s_{l+1} + 1` columns) and `x` fits them;
    /// returns the number of outputs.
    fn check_input(&self, x: ArrayView2<f64>) -> Result<usize> {
        let first = self
            .thetas
            .first()
            .ok_or_else(|| Error::invalid("a network needs at least one weight matrix"))?;
        for (l, w) in self.thetas.windows(2).enumerate() {
            if w[1].ncols() != w[0].nrows() + 1 {
                return Err(Error::shape(
                    format!("Θ⁽{}⁾ after Θ⁽{}⁾", l + 2, l + 1),
                    format!("{} columns", w[0].nrows() + 1),
                    format!("{} columns", w[1].ncols()),
                ));
            }
        }
        if first.ncols() == 0 || self.thetas.iter().any(|t| t.iter().any(|v| !v.is_finite())) {
            return Err(Error::invalid(
                "weights must have a bias column and be finite",
            ));
        }
        validate::features(x, "network input")?;
        validate::n_features(first.ncols() - 1, x, "network input")?;
        Ok(self.thetas[self.thetas.len() - 1].nrows())
    }

    fn check(&self, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<()> {
        let outputs = self.check_input(x)?;
        validate::same_len(x.nrows(), y.nrows(), "targets")?;
        validate::n_features(outputs, y, "one-hot targets")
    }

    /// Forward propagation: `(z⁽ˡ⁾, a⁽ˡ⁾)` for every layer after the input (`a⁽ᴸ⁾ = h_Θ(x)`).
    fn forward(&self, x: ArrayView2<f64>) -> Vec<(Array2<f64>, Array2<f64>)> {
        let mut layers = Vec::with_capacity(self.thetas.len());
        let last = self.thetas.len() - 1;
        let mut a = x.to_owned();
        for (l, theta) in self.thetas.iter().enumerate() {
            let z = with_bias(a.view()).dot(&theta.t());
            a = if l == last {
                z.mapv(crate::linear::cost::sigmoid)
            } else {
                z.mapv(|v| g(self.activation, v))
            };
            layers.push((z, a.clone()));
        }
        layers
    }

    /// `h_Θ(x)` for every row.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check_input(x)?;
        Ok(self.forward(x).pop().map(|l| l.1).unwrap_or_default())
    }

    /// The regularised cost `J(Θ)` for one-hot targets `y` (`m x K`).
    pub fn cost(&self, x: ArrayView2<f64>, y: ArrayView2<f64>, lambda: f64) -> Result<f64> {
        self.check(x, y)?;
        let h = self.forward(x).pop().map(|l| l.1).unwrap_or_default();
        let m = x.nrows() as f64;
        let ce: f64 = h
            .iter()
            .zip(y)
            .map(|(&h, &y)| {
                let h = h.clamp(1e-15, 1.0 - 1e-15);
                -(y * h.ln() + (1.0 - y) * (1.0 - h).ln())
            })
            .sum();
        let reg: f64 = self
            .thetas
            .iter()
            .map(|t| t.slice(s![.., 1..]).iter().map(|w| w * w).sum::<f64>())
            .sum();
        Ok(ce / m + lambda / (2.0 * m) * reg)
    }

    /// Backpropagation: `J(Θ)` and `∂J/∂Θ⁽ˡ⁾` for every layer, by the δ recursion.
    pub fn backprop(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        lambda: f64,
    ) -> Result<(f64, Vec<Array2<f64>>)> {
        let cost = self.cost(x, y, lambda)?;
        let m = x.nrows() as f64;
        let layers = self.forward(x);
        let n = self.thetas.len();
        let mut grads = vec![Array2::zeros((0, 0)); n];
        // δ⁽ᴸ⁾ = a⁽ᴸ⁾ - y (sigmoid output with cross-entropy).
        let mut delta = &layers[n - 1].1 - &y;
        for l in (0..n).rev() {
            let a_prev = if l == 0 {
                x.to_owned()
            } else {
                layers[l - 1].1.clone()
            };
            let mut grad = delta.t().dot(&with_bias(a_prev.view())) / m;
            grad.slice_mut(s![.., 1..])
                .scaled_add(lambda / m, &self.thetas[l].slice(s![.., 1..]));
            grads[l] = grad;
            if l > 0 {
                // δ⁽ˡ⁾ = ((Θ⁽ˡ⁾)ᵀ δ⁽ˡ⁺¹⁾) .* g'(z⁽ˡ⁾), the bias column dropped.
                let back = delta.dot(&self.thetas[l].slice(s![.., 1..]));
                delta = back * layers[l - 1].0.mapv(|z| g_prime(self.activation, z));
            }
        }
        Ok((cost, grads))
    }
}

impl Network {
    /// The same network as a Burn [`Mlp`] on `device` (Burn stores `[in, out]` weights and the
    /// bias apart).
    pub fn to_burn(&self, device: &Device) -> Mlp {
        let layers = self
            .thetas
            .iter()
            .map(|t| {
                let (out, inp) = (t.nrows(), t.ncols() - 1);
                let mut lin = LinearConfig::new(inp, out).init(device);
                let w: Vec<f32> = t.slice(s![.., 1..]).t().iter().map(|&v| v as f32).collect();
                let b: Vec<f32> = t.column(0).iter().map(|&v| v as f32).collect();
                lin.weight = Param::from_tensor(Tensor::<2>::from_data(
                    TensorData::new(w, [inp, out]),
                    device,
                ));
                lin.bias = Some(Param::from_tensor(Tensor::<1>::from_data(
                    TensorData::new(b, [out]),
                    device,
                )));
                lin
            })
            .collect();
        Mlp {
            layers,
            norms: vec![],
            dropout: None,
            activation: self.activation,
        }
    }

    /// `J(Θ)` and its gradient by Burn's autodiff (f32) on `device`, in the notes' layout.
    pub fn autodiff_gradients(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        lambda: f64,
        device: &Device,
    ) -> Result<(f64, Vec<Array2<f64>>)> {
        self.check(x, y)?;
        let device = device.clone().autodiff();
        let model = self.to_burn(&device);
        let tensor = |a: ArrayView2<f64>| {
            Tensor::<2>::from_data(
                TensorData::new(
                    a.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                    [a.nrows(), a.ncols()],
                ),
                &device,
            )
        };
        let (xt, yt) = (tensor(x), tensor(y));
        let m = x.nrows() as f64;
        let h = activation::sigmoid(model.forward(xt));
        let ce = (yt.clone() * h.clone().log() + (yt.neg() + 1.0) * (h.neg() + 1.0).log())
            .sum()
            .neg()
            / m;
        let reg = model
            .layers
            .iter()
            .map(|l| l.weight.val().powi_scalar(2).sum())
            .reduce(|a, b| a + b)
            .ok_or_else(|| Error::invalid("a network without layers"))?;
        let j = ce + reg * (lambda / (2.0 * m));
        let cost = crate::backend::scalar(j.clone())?;
        let grads = j.backward();
        let mut out = Vec::with_capacity(self.thetas.len());
        for (layer, theta) in model.layers.iter().zip(&self.thetas) {
            let missing = || Error::invalid("autodiff returned no gradient");
            let w = crate::backend::to_vec::<1>(
                layer
                    .weight
                    .val()
                    .grad(&grads)
                    .ok_or_else(missing)?
                    .flatten(0, 1),
            )?;
            let b = match &layer.bias {
                Some(b) => crate::backend::to_vec(b.val().grad(&grads).ok_or_else(missing)?)?,
                None => vec![0.0; theta.nrows()],
            };
            let (out_n, in_n) = (theta.nrows(), theta.ncols() - 1);
            out.push(Array2::from_shape_fn((out_n, in_n + 1), |(i, j)| {
                f64::from(if j == 0 { b[i] } else { w[(j - 1) * out_n + i] })
            }));
        }
        Ok((cost, out))
    }
}

/// Central differences `(f(θ + εe_j) - f(θ - εe_j)) / 2ε` for every coordinate.
pub fn gradient_check(
    f: impl Fn(&[f64]) -> Result<f64>,
    theta: &[f64],
    eps: f64,
) -> Result<Vec<f64>> {
    validate::positive(eps, "eps")?;
    let mut p = theta.to_vec();
    (0..theta.len())
        .map(|j| {
            p[j] = theta[j] + eps;
            let plus = f(&p)?;
            p[j] = theta[j] - eps;
            let minus = f(&p)?;
            p[j] = theta[j];
            Ok((plus - minus) / (2.0 * eps))
        })
        .collect()
}

/// `‖a - b‖ / (‖a‖ + ‖b‖)`: the gradient-check score (0 when both vanish).
pub fn relative_error(a: &[f64], b: &[f64]) -> Result<f64> {
    validate::same_len(a.len(), b.len(), "gradients compared")?;
    let diff: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm =
        a.iter().map(|x| x * x).sum::<f64>().sqrt() + b.iter().map(|x| x * x).sum::<f64>().sqrt();
    Ok(if norm == 0.0 { 0.0 } else { diff / norm })
}
