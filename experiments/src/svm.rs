//! Support vector machines: C trades margin width against training error (small C: wide
//! margin, high bias; large C: narrow margin, high variance), the Gaussian kernel learns a
//! boundary no linear model can, and it needs feature scaling first.

use mlnotes::Result;
use mlnotes::data::{self, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::Scaled;
use mlnotes::svm::{FittedKernelSvm, Gamma, Kernel, KernelSvm};
use ndarray::{Array1, array};

use crate::{boundary_points, class_points, cv_accuracy, f4};

/// The `svm` experiment.
pub struct SvmExperiment;

/// `w = Σ α_i y_i x_i` of a two-class linear-kernel machine.
fn weights(model: &FittedKernelSvm) -> Array1<f64> {
    let m = &model.machines[0];
    let mut w = Array1::zeros(model.support_vectors.ncols());
    for (&sv, &c) in m.support.iter().zip(&m.dual_coef) {
        w.scaled_add(c, &model.support_vectors.row(sv));
    }
    w
}

impl Experiment for SvmExperiment {
    fn name(&self) -> &'static str {
        "svm"
    }

    fn section(&self) -> &'static str {
        "Support Vector Machine (SVM)"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);

        // 1. The C sweep, linear kernel on two overlapping blobs: margin 2/‖w‖ and support vectors.
        let blobs = generate::blobs(
            ctx.size(400, 150),
            &array![[-1.0, -1.0], [1.0, 1.0]],
            1.0,
            ctx.seed,
        )?;
        let cs = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0];
        let mut t = Table::new(
            "Linear kernel, two overlapping blobs: C against the margin",
            &["C", "margin 2/‖w‖", "support vectors", "training accuracy"],
        );
        let (mut margins, mut svs) = (vec![], vec![]);
        for &c in &cs {
            let model = KernelSvm {
                tol: 1e-5,
                ..KernelSvm::new(c, Kernel::Linear)
            }
            .fit(&blobs)?;
            let w = weights(&model);
            let margin = 2.0 / w.dot(&w).sqrt();
            let acc = accuracy(blobs.targets().view(), model.predict(blobs.x())?.view())?;
            t.row(vec![
                c.to_string(),
                f4(margin),
                model.n_support().to_string(),
                f4(acc),
            ]);
            margins.push((c.log10(), margin));
            svs.push(model.n_support());
        }
        report.table(t);
        report.claim(
            "Small C: a wider margin that allows some misclassifications (more regularisation)",
            margins.windows(2).all(|w| w[1].1 <= w[0].1 * (1.0 + 1e-4))
                && svs[0] > svs[svs.len() - 1],
            format!(
                "margin {} at C = {} down to {} at C = {}; support vectors {} down to {}",
                f4(margins[0].1),
                cs[0],
                f4(margins[margins.len() - 1].1),
                cs[cs.len() - 1],
                svs[0],
                svs[svs.len() - 1]
            ),
        );
        report.plot(
            Plot::new(
                "margin_vs_c.svg",
                "Linear SVM: margin against C",
                "log10 C",
                "margin 2/‖w‖",
            )
            .with(Series::line("margin", margins)),
        );

        // 2. Bias and variance: RBF kernel on a small noisy-moons training set.
        let train = generate::moons(ctx.size(120, 80), 0.35, ctx.seed)?;
        let val = generate::moons(1000, 0.35, ctx.seed.wrapping_add(1))?;
        let mut t2 = Table::new(
            "RBF kernel (γ = 2) on noisy moons: C against training and validation error",
            &["C", "training error", "validation error", "support vectors"],
        );
        let (mut tr, mut va) = (vec![], vec![]);
        for &c in &[0.01, 0.1, 1.0, 10.0, 100.0, 1000.0] {
            let model = KernelSvm::new(c, Kernel::Rbf(Gamma::Value(2.0)))
                .with_engine(ctx.engine)
                .fit(&train)?;
            let e_tr = 1.0 - accuracy(train.targets().view(), model.predict(train.x())?.view())?;
            let e_va = 1.0 - accuracy(val.targets().view(), model.predict(val.x())?.view())?;
            t2.row(vec![
                c.to_string(),
                f4(e_tr),
                f4(e_va),
                model.n_support().to_string(),
            ]);
            tr.push((f64::log10(c), e_tr));
            va.push((f64::log10(c), e_va));
        }
        report.table(t2);
        let (first, last) = (0, tr.len() - 1);
        report.claim(
            "Large C: lower bias, higher variance (training error falls, the validation gap grows)",
            tr[last].1 < tr[first].1 && va[last].1 - tr[last].1 > va[first].1 - tr[first].1,
            format!(
                "C = 0.01: training {} / validation {}; C = 1000: training {} / validation {}",
                f4(tr[first].1),
                f4(va[first].1),
                f4(tr[last].1),
                f4(va[last].1)
            ),
        );
        report.plot(
            Plot::new(
                "error_vs_c.svg",
                "RBF SVM on noisy moons",
                "log10 C",
                "error",
            )
            .with(Series::line("training", tr))
            .with(Series::line("validation", va)),
        );

        // 3. Linear against Gaussian kernel on concentric circles.
        let circles = generate::circles(ctx.size(400, 200), 0.08, 0.5, ctx.seed)?;
        let linear = KernelSvm::new(1.0, Kernel::Linear)
            .with_engine(ctx.engine)
            .fit(&circles)?;
        let rbf = KernelSvm::new(1.0, Kernel::gaussian(0.5))
            .with_engine(ctx.engine)
            .fit(&circles)?;
        let (acc_lin, acc_rbf) = (
            cv_accuracy(
                &KernelSvm::new(1.0, Kernel::Linear).with_engine(ctx.engine),
                &circles,
                ctx.seed,
            )?,
            cv_accuracy(
                &KernelSvm::new(1.0, Kernel::gaussian(0.5)).with_engine(ctx.engine),
                &circles,
                ctx.seed,
            )?,
        );
        report.metric("circles_rbf_accuracy", acc_rbf);
        report.claim(
            "Kernels learn complex nonlinear decision boundaries",
            acc_rbf > 0.95 && acc_rbf > acc_lin + 0.3,
            format!("concentric circles, 5-fold CV accuracy: linear kernel {}, Gaussian kernel (σ = 0.5) {}", f4(acc_lin), f4(acc_rbf)),
        );
        for (file, title, model) in [
            ("boundary_linear.svg", "Linear kernel on circles", &linear),
            ("boundary_rbf.svg", "Gaussian kernel on circles", &rbf),
        ] {
            report.plot(
                Plot::new(file, title, "x1", "x2")
                    .with(Series::points("class 0", class_points(&circles, 0)))
                    .with(Series::points("class 1", class_points(&circles, 1)))
                    .with(Series::points(
                        "boundary",
                        boundary_points(model, (-1.5, 1.5), (-1.5, 1.5), 80)?,
                    )),
            );
        }

        // 4. Feature scaling before the Gaussian kernel.
        let cancer = data::breast_cancer();
        let rbf = KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)).with_engine(ctx.engine);
        let (raw, scaled) = (
            cv_accuracy(&rbf, &cancer, ctx.seed)?,
            cv_accuracy(&Scaled::standardized(rbf.clone()), &cancer, ctx.seed)?,
        );
        report.metric("breast_cancer_rbf_scaled", scaled);
        report.claim(
            "You must scale features before using the Gaussian kernel",
            scaled > raw + 0.02,
            format!("breast cancer, RBF SVM (C = 1, γ = 1/(n Var X)), 5-fold CV accuracy: raw {}, standardised {}", f4(raw), f4(scaled)),
        );
        Ok(report)
    }
}
