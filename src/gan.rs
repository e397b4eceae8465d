//! Generative adversarial networks (notes: *Generative Adversarial Network*): a generator `G`
//! maps noise `z ~ N(0, I)` to samples, a discriminator `D` scores real against generated, and
//! they play `min_G max_D V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]`, alternating one `D`
//! step and one `G` step.
//!
//! With `D(x) = σ(l(x))` for the discriminator's logit `l`: `log D = -softplus(-l)` and
//! `log(1 - D) = -softplus(l)`. The generator's loss is the saturating `log(1 - D(G(z)))` of
//! the minimax game, whose gradient `-σ(l)` vanishes while `D` confidently rejects the fakes,
//! or the non-saturating `-log D(G(z))` (gradient `-(1 - σ(l))`) that the notes recommend.
//!
//! Generated images are scored with a classifier trained on the real ones
//! ([`classifier_score`]): confident and diverse predictions mean recognisable, varied samples.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Tensor, TensorData, activation};
use mlnotes_models::{Activation, Mlp, MlpConfig};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, Normal};

use crate::backend::{device_of, rng_turn, scalar, to_vec};
use crate::checkpoint::{
    Checkpointing, RngState, fingerprint, loop_rng, resume_point, run_id, save_if_due, step_seed,
};
use crate::estimator::Params;
use crate::training::Trained;
use crate::{Error, Result, validate};

/// The generator's loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum GeneratorLoss {
    /// Minimise `log(1 - D(G(z)))` (the minimax game; saturates early).
    Saturating,
    /// Minimise `-log D(G(z))` (stronger gradients early).
    NonSaturating,
}

/// GAN hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gan {
    /// Noise dimension.
    pub noise_dim: usize,
    /// Hidden widths of the generator and of the discriminator.
    pub hidden: Vec<usize>,
    /// Squashing of the generator's output: `None` (linear) for unbounded data such as the
    /// ring, `Some(Activation::Sigmoid)` for pixels in `[0, 1]`.
    pub output: Option<Activation>,
    /// Generator loss.
    pub loss: GeneratorLoss,
    /// Alternating `D` / `G` steps.
    pub steps: usize,
    /// Real and generated samples per step.
    pub batch_size: usize,
    /// Adam's learning rate (β₁ = 0.5, as usual for GANs).
    pub learning_rate: f64,
    /// Seed of initialisation, noise and batches.
    pub seed: u64,
    /// Save the training state every `every` steps, and resume from it (see
    /// [`checkpoint`](crate::checkpoint)).
    pub checkpoint: Option<Checkpointing>,
}

/// What a [`Gan`] carries from step to step (and saves in a checkpoint).
#[derive(serde::Serialize, serde::Deserialize)]
struct StepLoop {
    /// Steps completed.
    step: usize,
    history: Vec<GanStep>,
    /// The batch generator.
    rng: RngState,
}

impl Gan {
    /// Two hidden ReLU layers of 128 for both networks, noise of dimension 2, a linear output,
    /// Adam 1e-3, batches of 256, the non-saturating loss.
    pub fn new(steps: usize) -> Self {
        Gan {
            noise_dim: 2,
            hidden: vec![128, 128],
            output: None,
            loss: GeneratorLoss::NonSaturating,
            steps,
            batch_size: 256,
            learning_rate: 1e-3,
            seed: 0,
            checkpoint: None,
        }
    }
}

impl Params for Gan {
    fn check(&self) -> Result<()> {
        validate::at_least(self.noise_dim, 1, "noise_dim")?;
        validate::at_least(self.steps, 1, "steps")?;
        validate::at_least(self.batch_size, 1, "batch_size")?;
        validate::positive(self.learning_rate, "learning_rate")?;
        MlpConfig::new(self.noise_dim, self.hidden.clone(), 1).check()?;
        self.checkpoint
            .as_ref()
            .map_or(Ok(()), Checkpointing::check)
    }
}

/// What one step measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GanStep {
    /// 1-based step.
    pub step: usize,
    /// `-E[log D(x)] - E[log(1 - D(G(z)))]`.
    pub d_loss: f64,
    /// The generator's loss.
    pub g_loss: f64,
    /// Norm of the generator loss's gradient over all generator weights.
    pub g_grad_norm: f64,
    /// Mean `D(G(z))`.
    pub d_fake: f64,
}

/// A trained generator and discriminator.
pub struct FittedGan {
    /// `G` before its output squashing.
    pub generator: Mlp,
    /// `G`'s output squashing.
    pub output: Option<Activation>,
    /// `D` (logits).
    pub discriminator: Mlp,
}

/// `G(z)`: the generator's network, then its output squashing.
fn generate(g: &Mlp, output: Option<Activation>, z: Tensor<2>) -> Tensor<2> {
    let x = g.forward(z);
    match output {
        Some(a) => a.apply(x),
        None => x,
    }
}

fn to_tensor(x: ArrayView2<f64>, device: &Device) -> Tensor<2> {
    let v: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(v, [x.nrows(), x.ncols()]), device)
}

/// `Σ_l ‖∂L/∂W⁽ˡ⁾‖²` square-rooted, from a backward pass (summed on the device, one read).
fn weight_gradient_norm(model: &Mlp, grads: &burn::tensor::Gradients) -> Result<f64> {
    let sum = model
        .layers
        .iter()
        .filter_map(|layer| layer.weight.val().grad(grads))
        .map(|g| g.powi_scalar(2).sum())
        .reduce(|a, b| a + b);
    match sum {
        Some(s) => Ok(scalar(s)?.sqrt()),
        None => Ok(0.0),
    }
}

impl Gan {
    /// Trains on the rows of `data` (real samples), calling `on_step` after each step.
    pub fn fit(
        &self,
        data: ArrayView2<f64>,
        device: &Device,
        mut on_step: impl FnMut(&GanStep),
    ) -> Result<Trained<FittedGan, GanStep>> {
        self.check()?;
        validate::non_empty(data, "real samples")?;
        validate::finite(data, "real samples")?;
        // Burn's generator is seeded every step below: no other fit may draw from it meanwhile.
        let _turn = rng_turn()?;
        let device = device.clone().autodiff();
        device.seed(self.seed);
        let dim = data.ncols();
        let mut g = MlpConfig::new(self.noise_dim, self.hidden.clone(), dim).try_init(&device)?;
        let mut d = MlpConfig::new(dim, self.hidden.clone(), 1).try_init(&device)?;
        let adam = || AdamConfig::new().with_beta_1(0.5).init();
        let (mut g_optim, mut d_optim) = (adam(), adam());
        let mut state = StepLoop {
            step: 0,
            history: Vec::new(),
            rng: RngState::of(&loop_rng(self.seed)),
        };
        let run = run_id("gan::Gan", self, fingerprint(data.iter().copied()))?;
        if let Some(snap) = resume_point(self.checkpoint.as_ref(), &run)? {
            state = snap.json("state")?;
            if state.step > self.steps || state.history.len() != state.step {
                return Err(snap.invalid("the step count"));
            }
            g = snap.module("generator", g)?;
            d = snap.module("discriminator", d)?;
            g_optim = snap.optimizer("generator", g_optim)?;
            d_optim = snap.optimizer("discriminator", d_optim)?;
        }
        let real_all = to_tensor(data, &device);
        let mut rng = state.rng.restore();
        let n = self.batch_size;
        while state.step < self.steps {
            let step = state.step + 1;
            device.seed(step_seed(self.seed, step));
            let rows: Vec<i64> = (0..n)
                .map(|_| rand::Rng::random_range(&mut rng, 0..data.nrows()) as i64)
                .collect();
            let idx =
                Tensor::<1, burn::tensor::Int>::from_data(TensorData::new(rows, [n]), &device);
            let real = real_all.clone().select(0, idx);
            let noise = || {
                Tensor::<2>::random([n, self.noise_dim], Distribution::Normal(0.0, 1.0), &device)
            };

            // D step: maximise log D(x) + log(1 - D(G(z))), the fakes held fixed.
            let fake = generate(&g, self.output, noise()).detach();
            let d_loss = activation::softplus(d.forward(real).neg(), 1.0).mean()
                + activation::softplus(d.forward(fake), 1.0).mean();
            let d_value = scalar(d_loss.clone())?;
            let grads = GradientsParams::from_grads(d_loss.backward(), &d);
            d = d_optim.step(self.learning_rate, d, grads);

            // G step.
            let logits = d.forward(generate(&g, self.output, noise()));
            let d_fake = scalar(activation::sigmoid(logits.clone()).mean())?;
            let g_loss = match self.loss {
                GeneratorLoss::Saturating => activation::softplus(logits, 1.0).mean().neg(),
                GeneratorLoss::NonSaturating => activation::softplus(logits.neg(), 1.0).mean(),
            };
            let g_value = scalar(g_loss.clone())?;
            let backward = g_loss.backward();
            let g_grad_norm = weight_gradient_norm(&g, &backward)?;
            let grads = GradientsParams::from_grads(backward, &g);
            g = g_optim.step(self.learning_rate, g, grads);

            if !(d_value.is_finite() && g_value.is_finite()) {
                return Err(Error::Diverged {
                    iteration: step,
                    loss: if d_value.is_finite() {
                        g_value
                    } else {
                        d_value
                    },
                });
            }
            let s = GanStep {
                step,
                d_loss: d_value,
                g_loss: g_value,
                g_grad_norm,
                d_fake,
            };
            on_step(&s);
            state.history.push(s);
            state.step = step;
            save_if_due(self.checkpoint.as_ref(), step, self.steps, &run, |w| {
                state.rng = RngState::of(&rng);
                w.json("state", &state)?;
                w.module("generator", &g)?;
                w.module("discriminator", &d)?;
                w.optimizer("generator", &g_optim)?;
                w.optimizer("discriminator", &d_optim)
            })?;
        }
        Ok(Trained {
            model: FittedGan {
                generator: g.valid(),
                output: self.output,
                discriminator: d.valid(),
            },
            history: state.history,
        })
    }
}

impl FittedGan {
    /// `n` generated samples.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Array2<f64>> {
        if n == 0 {
            return Err(Error::invalid("at least one sample"));
        }
        let device = device_of(&self.generator);
        let mut rng = StdRng::seed_from_u64(seed);
        let normal = Normal::new(0.0f32, 1.0).map_err(|e| Error::invalid(e.to_string()))?;
        let z: Vec<f32> = (0..n * self.generator.n_inputs())
            .map(|_| normal.sample(&mut rng))
            .collect();
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, self.generator.n_inputs()]), &device);
        let x = generate(&self.generator, self.output, z);
        let [rows, cols] = x.dims();
        let v = to_vec(x)?;
        Array2::from_shape_vec((rows, cols), v.into_iter().map(f64::from).collect())
            .map_err(|e| Error::invalid(e.to_string()))
    }
}

/// A classifier's verdict on generated samples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassifierScore {
    /// `exp(E_x KL(p(y|x) ‖ p(y)))`: from 1 (every sample gets the same class distribution) to
    /// the number of classes (each sample classified with certainty, classes equally often).
    pub score: f64,
    /// Mean of `max_y p(y|x)`: how recognisable the samples are.
    pub mean_confidence: f64,
    /// Share of the samples predicted as each class (`argmax_y p(y|x)`).
    pub class_shares: Vec<f64>,
}

/// Scores generated samples from a classifier's probabilities `p(y|x)` for them (one row per
/// sample), as the Inception score (Salimans et al., 2016) does with a classifier trained on
/// the real data in place of Inception: `exp(E_x KL(p(y|x) ‖ p(y)))` with `p(y)` the mean row.
/// High when each sample is confidently one class and the classes are varied (no mode
/// collapse).
pub fn classifier_score(probs: ArrayView2<f64>) -> Result<ClassifierScore> {
    validate::features(probs, "class probabilities")?;
    for (i, row) in probs.rows().into_iter().enumerate() {
        if row.iter().any(|&p| p < 0.0) || (row.sum() - 1.0).abs() > 1e-4 {
            return Err(Error::invalid(format!(
                "class probabilities: row {i} is not a distribution (sum {})",
                row.sum()
            )));
        }
    }
    let n = probs.nrows() as f64;
    let marginal = probs.mean_axis(ndarray::Axis(0)).unwrap_or_default();
    let mut kl = 0.0;
    let mut shares = vec![0.0; probs.ncols()];
    let mut confidence = 0.0;
    for row in probs.rows() {
        kl += row
            .iter()
            .zip(&marginal)
            .filter(|&(&p, _)| p > 0.0)
            .map(|(&p, &m)| p * (p / m).ln())
            .sum::<f64>();
        let (best, &top) =
            row.iter().enumerate().fold(
                (0, &f64::NEG_INFINITY),
                |a, b| if b.1 > a.1 { b } else { a },
            );
        shares[best] += 1.0 / n;
        confidence += top / n;
    }
    Ok(ClassifierScore {
        score: (kl / n).exp(),
        mean_confidence: confidence,
        class_shares: shares,
    })
}

/// The 8-Gaussians ring: `n` points from `modes` Gaussians of standard deviation `std` centred
/// on a circle of radius `radius`; returns the points and the centres.
pub fn ring(
    n: usize,
    modes: usize,
    radius: f64,
    std: f64,
    seed: u64,
) -> Result<(Array2<f64>, Array2<f64>)> {
    if n == 0 || modes == 0 {
        return Err(Error::invalid("a ring needs points and modes"));
    }
    validate::positive(radius, "radius")?;
    validate::positive(std, "std")?;
    let centres = Array2::from_shape_fn((modes, 2), |(k, c)| {
        let a = 2.0 * std::f64::consts::PI * k as f64 / modes as f64;
        radius * if c == 0 { a.cos() } else { a.sin() }
    });
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = Normal::new(0.0, std).map_err(|e| Error::invalid(e.to_string()))?;
    let points = Array2::from_shape_fn((n, 2), |(i, c)| {
        centres[[i % modes, c]] + noise.sample(&mut rng)
    });
    Ok((points, centres))
}

/// Mode coverage of generated `samples` around `centres`: the number of modes with at least
/// one sample within `3σ`, and the share of samples within `3σ` of some mode ("high quality").
pub fn mode_coverage(
    samples: ArrayView2<f64>,
    centres: ArrayView2<f64>,
    std: f64,
) -> Result<(usize, f64)> {
    validate::positive(std, "std")?;
    validate::non_empty(samples, "samples")?;
    validate::non_empty(centres, "centres")?;
    validate::n_features(centres.ncols(), samples, "samples")?;
    let mut hit = vec![false; centres.nrows()];
    let mut good = 0;
    for s in samples.rows() {
        let near = centres
            .rows()
            .into_iter()
            .position(|c| (&c - &s).mapv(|v| v * v).sum().sqrt() <= 3.0 * std);
        if let Some(k) = near {
            hit[k] = true;
            good += 1;
        }
    }
    Ok((
        hit.iter().filter(|&&h| h).count(),
        good as f64 / samples.nrows() as f64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ring_and_mode_coverage_by_hand() {
        let (points, centres) = ring(800, 4, 2.0, 0.01, 1).unwrap();
        // Centres at angles 0, 90, 180, 270 degrees.
        let expected = array![[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]];
        assert!((&centres - &expected).iter().all(|d| d.abs() < 1e-12));
        assert_eq!(
            mode_coverage(points.view(), centres.view(), 0.01)
                .unwrap()
                .0,
            4
        );
        // Two samples on modes 0 and 2, one far from all: 2 modes, 2 of 3 samples good.
        let samples = array![[2.0, 0.01], [-2.0, 0.0], [0.0, 0.0]];
        let (modes, share) = mode_coverage(samples.view(), centres.view(), 0.01).unwrap();
        assert_eq!(modes, 2);
        assert!((share - 2.0 / 3.0).abs() < 1e-12);
        assert!(mode_coverage(array![[1.0]].view(), centres.view(), 0.1).is_err());
        assert!(mode_coverage(samples.view(), centres.view(), 0.0).is_err());
        assert!(ring(10, 0, 2.0, 0.1, 0).is_err());
    }

    #[test]
    fn classifier_score_by_hand() {
        // Certain and balanced over 4 classes: the number of classes.
        let s = classifier_score(Array2::eye(4).view()).unwrap();
        assert!((s.score - 4.0).abs() < 1e-12);
        assert_eq!(s.mean_confidence, 1.0);
        assert_eq!(s.class_shares, vec![0.25; 4]);
        // Every sample the same distribution: 1 (collapse).
        let same = array![[0.7, 0.3], [0.7, 0.3]];
        assert!((classifier_score(same.view()).unwrap().score - 1.0).abs() < 1e-12);
        // p(y) = (0.75, 0.25); KL of row 1 = ln(4/3), of row 2 = ½ ln(2/3) + ½ ln 2.
        let mixed = array![[1.0, 0.0], [0.5, 0.5]];
        let s = classifier_score(mixed.view()).unwrap();
        let kl = ((4.0f64 / 3.0).ln() + 0.5 * (2.0f64 / 3.0).ln() + 0.5 * 2.0f64.ln()) / 2.0;
        assert!((s.score - kl.exp()).abs() < 1e-12);
        assert!((s.score - 1.240_806).abs() < 1e-6);
        assert_eq!(s.mean_confidence, 0.75);
        assert!(classifier_score(array![[0.5, 0.6]].view()).is_err());
        assert!(classifier_score(array![[1.5, -0.5]].view()).is_err());
        assert!(classifier_score(array![[f64::NAN, 1.0]].view()).is_err());
    }

    #[test]
    fn the_first_steps_measure_the_notes_losses() {
        // At step 1 the discriminator is barely trained, D ≈ 1/2 everywhere: the discriminator's
        // loss is about 2 ln 2, the non-saturating generator loss about ln 2 and the saturating
        // one about -ln 2.
        let (device, _turn) = crate::backend::test_device();
        let (real, _) = ring(512, 8, 2.0, 0.05, 2).unwrap();
        let ln2 = std::f64::consts::LN_2;
        for (loss, g_expected) in [
            (GeneratorLoss::NonSaturating, ln2),
            (GeneratorLoss::Saturating, -ln2),
        ] {
            let gan = Gan {
                loss,
                learning_rate: 1e-6,
                hidden: vec![16],
                ..Gan::new(1)
            };
            let fitted = gan.fit(real.view(), &device, |_| {}).unwrap();
            let s = fitted.history[0];
            assert!((s.d_loss - 2.0 * ln2).abs() < 0.3, "{s:?}");
            assert!((s.g_loss - g_expected).abs() < 0.2, "{s:?}");
            assert!(s.g_grad_norm > 0.0);
            assert_eq!(fitted.model.sample(5, 0).unwrap().dim(), (5, 2));
        }
        assert!(matches!(
            Gan::new(0).fit(real.view(), &device, |_| {}),
            Err(Error::Config { param: "steps", .. })
        ));
        let no_width = Gan {
            hidden: vec![0],
            ..Gan::new(1)
        };
        assert!(matches!(
            no_width.fit(real.view(), &device, |_| {}),
            Err(Error::Config {
                param: "hidden",
                ..
            })
        ));
        // A sigmoid output keeps samples in (0, 1), as pixels.
        let pixels = Gan {
            output: Some(Activation::Sigmoid),
            hidden: vec![8],
            ..Gan::new(2)
        }
        .fit(real.view(), &device, |_| {})
        .unwrap()
        .model
        .sample(50, 1)
        .unwrap();
        assert!(pixels.iter().all(|&v| v > 0.0 && v < 1.0));
        let bad = array![[f64::NAN, 0.0]];
        assert!(Gan::new(1).fit(bad.view(), &device, |_| {}).is_err());
    }
}
