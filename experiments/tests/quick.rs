//! Every experiment in quick mode: it runs, writes its report and plots, and its measured
//! numbers are those the notes lead us to expect.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use mlnotes::backend::Backend;
use mlnotes::experiment::{Context, Report, cli};

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlnotes-quick-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Burn's CPU backends draw every random number (weights, dropout masks, shuffles) from one
/// process-wide generator: an experiment seeded on one test thread while another draws from it
/// would see a different stream in every run. Experiments take turns, as in the `all` binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn run(name: &str) -> (Report, PathBuf) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let exp = mlnotes_experiments::all()
        .into_iter()
        .find(|e| e.name() == name)
        .expect("registered");
    let dir = out_dir(name);
    let mut ctx = Context::new(Backend::default_compiled().unwrap(), 0, &dir, true).unwrap();
    ctx.show_progress = false;
    let report = cli::run_one(exp, &mut ctx).unwrap();
    let written = dir.join(name);
    assert!(written.join("report.json").is_file());
    assert!(written.join("report.md").is_file());
    for p in &report.plots {
        let svg = std::fs::read_to_string(written.join(&p.file)).unwrap();
        assert!(svg.starts_with("<svg"), "{}", p.file);
    }
    for g in &report.images {
        let svg = std::fs::read_to_string(written.join(&g.file)).unwrap();
        assert!(svg.starts_with("<svg"), "{}", g.file);
    }
    (report, dir)
}

#[test]
fn metrics_experiment() {
    let (r, dir) = run("metrics");
    assert!(
        r.metrics["accuracy"] > 0.95,
        "accuracy {}",
        r.metrics["accuracy"]
    );
    assert!(r.metrics["auc"] > 0.98, "auc {}", r.metrics["auc"]);
    // scikit-learn's LinearRegression on diabetes reaches test R² around 0.4-0.55 depending on the split
    let r2 = r.metrics["diabetes_test_r2"];
    assert!((0.3..0.65).contains(&r2), "R² {r2}");
    assert!(r.find_claim("AUC measures").unwrap().held);
    assert!(r.find_claim("Accuracy =").unwrap().held);
    assert!(r.find_claim("Adjusted R²").is_some());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn model_evaluation_experiment() {
    let (r, dir) = run("model-evaluation");
    assert_eq!(r.claims.len(), 5);
    assert!(r.find_claim("Random search explores").unwrap().held);
    assert!(r.metrics["kfold_std_small"] >= 0.0);
    let md = std::fs::read_to_string(dir.join("model-evaluation/report.md")).unwrap();
    assert!(md.contains("5-fold CV") && md.contains("Bayesian"));
    std::fs::remove_dir_all(dir).ok();
}

/// Run `name` in quick mode and require the listed claims (by statement prefix) to hold.
fn claims_hold(name: &str, prefixes: &[&str]) -> Report {
    let (r, dir) = run(name);
    for p in prefixes {
        let c = r
            .find_claim(p)
            .unwrap_or_else(|| panic!("{name}: no claim starting '{p}'"));
        assert!(
            c.held,
            "{name}: '{}' did not hold: {}",
            c.statement, c.evidence
        );
    }
    std::fs::remove_dir_all(dir).ok();
    r
}

#[test]
fn feature_scaling_experiment() {
    let r = claims_hold(
        "feature-scaling",
        &["Feature scaling speeds up", "Mean normalisation puts"],
    );
    assert!(r.metrics["iterations_scaled"] < 1000.0);
}

#[test]
fn gradient_descent_experiment() {
    claims_hold(
        "gradient-descent",
        &[
            "Learning rate too small",
            "Learning rate too large",
            "SGD's variance",
            "Batch gradient descent uses all",
        ],
    );
}

#[test]
fn second_order_experiment() {
    claims_hold(
        "second-order",
        &["Newton's method: fast convergence", "All methods minimise"],
    );
}

#[test]
fn linear_regression_experiment() {
    claims_hold(
        "linear-regression",
        &[
            "Gradient descent and the normal equation",
            "Ridge regression",
            "Multicollinearity",
        ],
    );
}

#[test]
fn logistic_regression_experiment() {
    let r = claims_hold(
        "logistic-regression",
        &["With the sigmoid, MSE", "Multiclass by one-vs-all"],
    );
    assert!(r.metrics["cv_accuracy_breast_cancer"] > 0.96);
    assert!(r.metrics["cv_accuracy_iris"] > 0.93);
}

#[test]
fn regularization_experiment() {
    claims_hold(
        "regularization",
        &[
            "L1 regularization",
            "L2 regularization",
            "Gradient descent with L2",
        ],
    );
}

#[test]
fn bias_variance_experiment() {
    claims_hold(
        "bias-variance",
        &[
            "High bias",
            "High variance",
            "Fix high bias",
            "Fix high variance by increasing",
            "Fix high variance by getting",
        ],
    );
}

#[test]
fn knn_experiment() {
    let r = claims_hold(
        "knn",
        &[
            "Small k",
            "Large k",
            "KNN is sensitive to feature scaling",
            "KNN suffers from the curse",
        ],
    );
    assert!(r.metrics["breast_cancer_knn_scaled"] > 0.95);
}

#[test]
fn naive_bayes_experiment() {
    claims_hold(
        "naive-bayes",
        &[
            "Without smoothing",
            "Products of many probabilities",
            "Continuous data",
        ],
    );
}

#[test]
fn kmeans_experiment() {
    let r = claims_hold(
        "kmeans",
        &[
            "K-means is sensitive to initialisation",
            "Elbow method",
            "Silhouette analysis",
            "K-means assumes spherical",
            "K-means is sensitive to outliers",
        ],
    );
    assert!(r.metrics["circles_ari"] < 0.2);
}

#[test]
fn hierarchical_experiment() {
    claims_hold(
        "hierarchical",
        &["Single linkage can result", "Agglomerative (bottom-up)"],
    );
}

#[test]
fn pca_experiment() {
    let r = claims_hold("pca", &["Choose k as the smallest", "Two interpretations"]);
    assert!((30.0..=50.0).contains(&r.metrics["k_for_99_percent"]));
}

#[test]
fn binaries_have_help_and_reject_bad_backends() {
    let bin = env!("CARGO_BIN_EXE_metrics");
    let help = Command::new(bin).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.status.success() && text.contains("--backend") && text.contains("Metrics"),
        "{text}"
    );
    let bad = Command::new(bin)
        .args(["--backend", "tpu"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown backend"));
    // the largest seed: derived seeds wrap instead of overflowing (this build checks overflow)
    let out = std::env::temp_dir().join(format!("mlnotes-max-seed-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_kmeans"))
        .args(["--quick", "--seed", &u64::MAX.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&out).ok();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn summary_and_gallery_list_every_claim() {
    let dir = out_dir("summary");
    let (r, d) = run("metrics");
    let path = cli::write_summary(&dir, &[("metrics", Ok(r.clone()))]).unwrap();
    let md = std::fs::read_to_string(path).unwrap();
    for c in &r.claims {
        assert!(md.contains(&c.statement));
    }
    // The gallery, written where the reports are, links only figures that exist.
    let results = [("metrics", Ok(r))];
    let html =
        std::fs::read_to_string(mlnotes::experiment::write_gallery(&d, &results).unwrap()).unwrap();
    let sources: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert!(!sources.is_empty());
    for src in sources {
        assert!(d.join(src).is_file(), "{src}");
    }
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn svm_experiment() {
    let (r, dir) = run("svm");
    assert!(r.find_claim("Small C: a wider margin").unwrap().held);
    assert!(r.find_claim("Kernels learn").unwrap().held);
    assert!(r.find_claim("You must scale").unwrap().held);
    assert!(r.metrics["circles_rbf_accuracy"] > 0.95);
    assert_eq!(r.plots.len(), 4);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn model_selection_strategy_experiment() {
    let (r, dir) = run("model-selection-strategy");
    assert_eq!(r.claims.len(), 4);
    assert!(r.find_claim("n small, m intermediate").unwrap().held);
    assert!(r.timings["kernel_svm_time_exponent"] > 1.0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn decision_tree_experiment() {
    let (r, dir) = run("decision-tree");
    assert!(r.find_claim("ID3 splits").unwrap().held);
    assert!(r.find_claim("Gain ratio (C4.5)").unwrap().held);
    assert!(r.find_claim("Post-pruning").is_some());
    let md = std::fs::read_to_string(dir.join("decision-tree/report.md")).unwrap();
    assert!(
        md.contains("|--- Outlook = 0"),
        "the rendered play-tennis tree"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn ensembles_experiment() {
    let (r, dir) = run("ensembles");
    assert!(r.find_claim("Bagging reduces variance").unwrap().held);
    assert!(r.find_claim("Boosting reduces bias").unwrap().held);
    assert!(r.metrics["variance_bagging"] < r.metrics["variance_tree"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn value_iteration_experiment() {
    let (r, dir) = run("value-iteration");
    assert!(r.claims.iter().all(|c| c.held));
    assert!((r.metrics["frozen_lake_v_start"] - 0.542).abs() < 1e-3);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn q_learning_experiment() {
    let (r, dir) = run("q-learning");
    assert!(r.find_claim("Q-learning learns Q*").unwrap().held);
    assert!(r.metrics["q_learning_value_ratio"] > 0.9);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn policy_gradient_experiment() {
    let (r, dir) = run("policy-gradient");
    // Quick mode trains too briefly to rank the learning curves; the variance ordering holds.
    assert!(
        r.find_claim("Rewards-to-go and then a baseline")
            .unwrap()
            .held
    );
    assert!(r.metrics["variance_baseline"] < r.metrics["variance_total"]);
    assert!(r.find_claim("Variance reduction speeds learning").is_some());
    // Learning shows within the quick budget: the returns rise from those of a random policy.
    let (first, last) = (
        r.metrics["baseline_return_first_iteration"],
        r.metrics["baseline_return_last_iterations"],
    );
    assert!(last > first + 5.0, "returns {first} -> {last}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn dqn_experiment() {
    let (r, dir) = run("dqn");
    // Quick mode (20 000 steps) shows learning: a random policy averages about 20.
    let learned = r.metrics["dqn_target_eval_return"];
    assert!(learned > 100.0, "greedy return {learned}");
    assert_eq!(r.plots.len(), 1);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn backprop_experiment() {
    let (r, dir) = run("backprop");
    assert!(r.claims.iter().all(|c| c.held));
    assert!(r.metrics["gradient_check_relative_error"] < 1e-7);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn initialization_experiment() {
    let (r, dir) = run("initialization");
    assert!(
        r.find_claim("Initializing with simple Gaussian noise")
            .unwrap()
            .held
    );
    assert!(r.find_claim("Xavier avoids").unwrap().held);
    assert!(r.find_claim("He initialization").unwrap().held);
    assert!((0.2..5.0).contains(&r.metrics["he_relu_ratio"]));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn feedforward_experiment() {
    let (r, dir) = run("feedforward");
    assert!(r.find_claim("Without hidden layers").unwrap().held);
    assert!(r.find_claim("Sigmoid suffers").unwrap().held);
    assert!(r.metrics["sigmoid_gradient_ratio"] < r.metrics["relu_gradient_ratio"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn batch_norm_dropout_experiment() {
    let (r, dir) = run("batch-norm-dropout");
    assert!(r.find_claim("Batch normalization allows").unwrap().held);
    assert!(r.find_claim("Dropout prevents overfitting").unwrap().held);
    assert!(r.metrics["thinned_agreement"] > 0.95);
    assert!(r.metrics["bn_best_learning_rate"] > 0.0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn cnn_experiment() {
    // The full run reaches 0.98 (issue 6 asks for 0.97); quick mode, 15 epochs, still learns.
    let (r, dir) = run("cnn");
    assert!(
        r.metrics["cnn_test_accuracy"] > 0.93,
        "{}",
        r.metrics["cnn_test_accuracy"]
    );
    assert_eq!(r.metrics["cnn_parameters"], 13_706.0);
    assert!(r.find_claim("Max pooling").unwrap().held);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn transfer_learning_experiment() {
    let (r, dir) = run("transfer-learning");
    assert!(r.metrics["source_accuracy"] > 0.95);
    // Measured either way; the frozen network has fewer gradients to compute.
    assert!(r.find_claim("Transfer learning: with few").is_some());
    assert!(r.timings["frozen_seconds"] > 0.0 && r.timings["scratch_seconds"] > 0.0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn rnn_vs_lstm_experiment() {
    let (r, dir) = run("rnn-vs-lstm");
    // Quick mode (T = 10 and 50, 700 steps): the LSTM beats the 0.167 baseline at T = 50 (it
    // breaks through after about 450 steps, 0.015 after 600).
    assert!(
        r.metrics["lstm_mse_longest"] < 0.1,
        "LSTM MSE at T = 50: {}",
        r.metrics["lstm_mse_longest"]
    );
    assert!(r.find_claim("Gradients vanish").unwrap().held);
    assert!(
        r.find_claim("The LSTM's gated cell handles long-term dependencies")
            .unwrap()
            .held
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn transformer_experiment() {
    let (r, dir) = run("transformer");
    assert!(r.metrics["copy_with_positions"] > r.metrics["copy_without_positions"] + 0.3);
    assert!(r.find_claim("Positional encoding is needed").unwrap().held);
    assert!(r.metrics["transformer_adding_mse_longest"] < 0.05);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn gan_experiment() {
    let (r, dir) = run("gan");
    assert!(
        r.find_claim("Minimising log(1 - D(G(z))) saturates")
            .unwrap()
            .held
    );
    assert!(r.metrics["ns_modes"] >= 4.0, "{}", r.metrics["ns_modes"]);
    // Quick mode: 1500 steps already put the digits GAN well above random pixels, below real.
    let (real, ns, noise) = (
        r.metrics["digits_real_score"],
        r.metrics["digits_ns_score"],
        r.metrics["digits_noise_score"],
    );
    assert!(
        real > 7.0 && ns > 1.1 * noise && ns < real,
        "{real} {ns} {noise}"
    );
    // Its samples lie much nearer the training digits than random pixels do.
    let (ns_d, noise_d) = (
        r.metrics["digits_ns_distance"],
        r.metrics["digits_noise_distance"],
    );
    assert!(ns_d < 0.7 * noise_d, "{ns_d} {noise_d}");
    let grid = std::fs::read_to_string(dir.join("gan/digits_generated.svg")).unwrap();
    assert!(grid.matches("<rect").count() >= 60 * 64);
    std::fs::remove_dir_all(dir).ok();
}

/// Same seed, same numbers: `all --quick` writes the same `report.json` for every experiment,
/// apart from wall-clock timings (the `timings` and what is marked `timed`), when run (a) on
/// the default thread count, saving checkpoints, (b) on 3 threads (more than this machine's
/// cores) resuming every training loop from (a)'s checkpoints, and (c) on one thread from
/// scratch. The runs are separate processes, started while the other quick tests run in this
/// one.
#[test]
fn all_quick_reports_are_identical_across_runs_thread_counts_and_resumes() {
    let checkpoints = out_dir("determinism-checkpoints");
    let runs: Vec<(PathBuf, Option<&str>, bool)> = vec![
        (out_dir("determinism-a"), None, false),
        (out_dir("determinism-resumed"), Some("3"), true),
        (out_dir("determinism-one-thread"), Some("1"), false),
    ];
    for (k, (dir, threads, resume)) in runs.iter().enumerate() {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_all"));
        cmd.args(["--quick", "--seed", "7", "--out"]).arg(dir);
        if k < 2 {
            cmd.arg("--checkpoint-dir").arg(&checkpoints);
        }
        if *resume {
            cmd.arg("--resume");
        }
        if let Some(n) = threads {
            cmd.env("RAYON_NUM_THREADS", n);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "all --quick failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The first run left one checkpoint per training loop.
    let saved = std::fs::read_dir(checkpoints.join("dqn")).unwrap().count();
    assert_eq!(saved, 2, "DQN trains two agents");
    let read = |dir: &PathBuf, name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name).join("report.json")).unwrap();
        mlnotes::experiment::reproducible(serde_json::from_str(&text).unwrap())
    };
    let mut differing = Vec::new();
    for experiment in mlnotes_experiments::all() {
        let name = experiment.name();
        let reference = read(&runs[0].0, name);
        for (dir, threads, resume) in &runs[1..] {
            if read(dir, name) != reference {
                differing.push(format!(
                    "{name} (RAYON_NUM_THREADS={threads:?}, resumed: {resume})"
                ));
            }
        }
    }
    for (dir, ..) in &runs {
        std::fs::remove_dir_all(dir).ok();
    }
    std::fs::remove_dir_all(&checkpoints).ok();
    assert!(differing.is_empty(), "reports differ: {differing:?}");
}

#[test]
fn engines_experiment() {
    let r = claims_hold(
        "engines",
        &[
            "Every engine reproduces the notes' least squares",
            "Every engine reproduces the notes' ridge",
            "Every engine reproduces the notes' lasso",
            "Every engine reproduces the notes' logistic regression",
            "Every engine reproduces the notes' Gaussian naive Bayes",
            "Every engine reproduces the notes' kernel SVM",
            "Every engine reproduces the notes' KNN",
            "Every engine reproduces the notes' regression tree",
            "Every engine reproduces the notes' gradient boosting",
            "The native engine scores within two points of scikit-learn",
        ],
    );
    // Measured, not asserted: randomised, or decided by linfa-trees' hash-map tie-breaking.
    for family in ["AdaBoost", "CART", "random forest"] {
        let claim = format!("Every engine reproduces the notes' {family}");
        assert!(r.find_claim(&claim).is_some(), "{claim}");
    }
}

#[test]
fn engine_flag_runs_classical_experiments_and_refuses_the_others() {
    let out = out_dir("engine-flag");
    let run = Command::new(env!("CARGO_BIN_EXE_naive-bayes"))
        .args(["--quick", "--engine", "smartcore", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("naive-bayes").join("report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["engine"], "smartcore");
    std::fs::remove_dir_all(&out).ok();
    // an experiment without classical models refuses another engine, naming the ones it has
    let bad = Command::new(env!("CARGO_BIN_EXE_metrics"))
        .args(["--quick", "--engine", "linfa"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("runs on engine native"));
    let unknown = Command::new(env!("CARGO_BIN_EXE_knn"))
        .args(["--engine", "sklearn"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("native, linfa or smartcore"));
}
