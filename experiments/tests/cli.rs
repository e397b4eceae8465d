//! The `mlnotes` command line, run as a process: every subcommand on a real-world-shaped CSV
//! (missing cells, categorical strings, a string target, an identifier column), and its errors
//! as one line and a non-zero exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlnotes-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mlnotes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlnotes"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Succeeds, or fails the test with its stderr.
fn ok(args: &[&str]) -> String {
    let o = mlnotes(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Fails with one `error:` line naming `says`, and no panic.
fn fails(args: &[&str], says: &str) {
    let o = mlnotes(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("error:"), "{args:?}: {err}");
    assert!(last.contains(says), "{args:?}: expected '{says}' in {last}");
}

/// Penguin-like rows: three species told apart by three measurements (some `NA`), an island
/// (categorical, one island per two species), a sex with missing cells, an identifier.
fn write_penguins(path: &Path, rows: usize) {
    let mut state = 12345u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let mut text = String::from("id,bill_length,bill_depth,flipper,island,sex,species\n");
    for i in 0..rows {
        let s = i % 3;
        let length = [38.8, 48.8, 47.5][s] + 4.0 * noise();
        let depth = [18.3, 18.4, 15.0][s] + 2.0 * noise();
        let flipper = [190.0, 196.0, 217.0][s] + 10.0 * noise();
        let island = [["Torgersen", "Dream"][i % 2], "Dream", "Biscoe"][s];
        let sex = ["male", "female", "NA"][i % 3 + usize::from(i % 7 == 0) * (2 - i % 3)];
        let cell = |v: f64, j: usize| match (i + j) % 19 {
            0 => "NA".to_string(),
            _ => format!("{v:.1}"),
        };
        text += &format!(
            "P{i:04},{},{},{},{island},{sex},{}\n",
            cell(length, 0),
            cell(depth, 5),
            cell(flipper, 11),
            ["Adelie", "Chinstrap", "Gentoo"][s]
        );
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn help_on_every_subcommand() {
    for sub in [
        vec!["--help"],
        vec!["models", "--help"],
        vec!["cv", "--help"],
        vec!["fit", "--help"],
        vec!["predict", "--help"],
        vec!["search", "--help"],
        vec!["experiments", "--help"],
    ] {
        let out = ok(&sub);
        assert!(out.contains("Usage"), "{sub:?}: {out}");
    }
}

#[test]
fn models_lists_hyperparameters_and_defaults() {
    let out = ok(&["models"]);
    for name in [
        "logistic-regression",
        "random-forest",
        "svm",
        "lasso",
        "gradient-boosting",
    ] {
        assert!(out.contains(name), "{name}");
    }
    assert!(out.contains("n_trees = 100"), "{out}");
    assert!(out.contains("tree.max_depth = null"), "{out}");
    let regression = ok(&["models", "--task", "regression"]);
    assert!(!regression.contains("logistic-regression") && regression.contains("lasso"));
}

#[test]
fn cv_scores_a_classifier_and_a_regressor() {
    let d = dir("cv");
    let csv = d.join("penguins.csv");
    write_penguins(&csv, 150);
    let csv = csv.to_str().unwrap();
    let o = mlnotes(&[
        "cv",
        csv,
        "--target",
        "species",
        "--model",
        "random-forest",
        "--param",
        "n_trees=30",
        "--folds",
        "5",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let accuracy: f64 = out
        .lines()
        .find(|l| l.starts_with("accuracy"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(accuracy > 0.85, "{out}");
    assert!(
        out.contains("f1_macro") && out.contains("confusion matrix"),
        "{out}"
    );
    assert!(out.contains("Chinstrap"), "{out}");
    // the pipeline chosen from the column kinds is printed
    let err = stderr(&o);
    assert!(
        err.contains("numeric (3)") && err.contains("categorical (2)"),
        "{err}"
    );
    assert!(err.contains("left out: id (identifier)"), "{err}");
    // a numeric target: regression, rows without a target left out; the island follows
    // from the species here, so unpenalised least squares is singular and says so
    let args = [
        "cv",
        csv,
        "--target",
        "flipper",
        "--model",
        "linear-regression",
        "--quiet",
    ];
    fails(&args, "try ridge");
    let o = mlnotes(&[&args[..], &["--param", "l2=0.1"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("r2") && out.contains("mae") && out.contains("rmse"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("rows without a target"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fit_then_predict_new_rows_by_column_name() {
    let d = dir("fit");
    let csv = d.join("penguins.csv");
    write_penguins(&csv, 120);
    let model = d.join("model.json");
    let (csv, model_path) = (csv.to_str().unwrap(), model.to_str().unwrap());
    ok(&[
        "fit",
        csv,
        "--target",
        "species",
        "--model",
        "logistic-regression",
        "--out",
        model_path,
    ]);
    // reordered columns, no target, a missing cell and an island never seen
    let new = d.join("new.csv");
    std::fs::write(
        &new,
        "sex,island,flipper,bill_depth,bill_length\nmale,Biscoe,217,15.0,47.5\n\
         female,Torgersen,190,18.3,NA\nNA,Atlantis,196,18.4,48.8\n",
    )
    .unwrap();
    let new = new.to_str().unwrap();
    let out = ok(&["predict", model_path, new, "--proba"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "species,P(Adelie),P(Chinstrap),P(Gentoo)",
        "{out}"
    );
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[1].starts_with("Gentoo,") && lines[2].starts_with("Adelie,"),
        "{out}"
    );
    for line in &lines[1..] {
        let p: f64 = line
            .split(',')
            .skip(1)
            .map(|v| v.parse::<f64>().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-9, "{line}");
    }
    // --out writes the same CSV
    let written = d.join("predictions.csv");
    ok(&[
        "predict",
        model_path,
        new,
        "--proba",
        "--out",
        written.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&written).unwrap(), out);
    // a model fitted to refuse unseen categories names the value and its line
    let strict = d.join("strict.json");
    ok(&[
        "fit",
        csv,
        "--target",
        "species",
        "--model",
        "knn",
        "--unknown",
        "error",
        "--out",
        strict.to_str().unwrap(),
    ]);
    fails(&["predict", strict.to_str().unwrap(), new], "'Atlantis'");
    // a file without a column the model needs
    let partial = d.join("partial.csv");
    std::fs::write(&partial, "island,flipper\nDream,190\n").unwrap();
    fails(
        &["predict", model_path, partial.to_str().unwrap()],
        "no column named 'bill_length', 'bill_depth', 'sex'",
    );
    // a model file of another format version
    let text = std::fs::read_to_string(&model).unwrap();
    let other = d.join("other.json");
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["format_version"] = serde_json::json!(1);
    std::fs::write(&other, json.to_string()).unwrap();
    fails(&["predict", other.to_str().unwrap(), new], "format");
    // regression models give no probabilities
    let regression = d.join("regression.json");
    ok(&[
        "fit",
        csv,
        "--target",
        "flipper",
        "--model",
        "knn",
        "--out",
        regression.to_str().unwrap(),
    ]);
    let with_species = d.join("with_species.csv");
    std::fs::write(
        &with_species,
        "island,bill_length,bill_depth,sex,species\nBiscoe,47.5,15.0,male,Gentoo\n",
    )
    .unwrap();
    let out = ok(&[
        "predict",
        regression.to_str().unwrap(),
        with_species.to_str().unwrap(),
    ]);
    let flipper: f64 = out.lines().nth(1).unwrap().parse().unwrap();
    assert!((200.0..235.0).contains(&flipper), "{out}");
    fails(
        &[
            "predict",
            regression.to_str().unwrap(),
            with_species.to_str().unwrap(),
            "--proba",
        ],
        "probabilities",
    );
}

#[test]
fn search_grid_and_bayes_and_save_the_best() {
    let d = dir("search");
    let csv = d.join("penguins.csv");
    write_penguins(&csv, 90);
    let csv = csv.to_str().unwrap();
    let best = d.join("best.json");
    let out = ok(&[
        "search",
        csv,
        "--target",
        "species",
        "--model",
        "knn",
        "--grid",
        "k=1,7",
        "--grid",
        "distance=euclidean,manhattan",
        "--folds",
        "3",
        "--quiet",
        "--out",
        best.to_str().unwrap(),
    ]);
    assert!(out.starts_with("4 points, mean 3-fold accuracy"), "{out}");
    assert_eq!(out.matches("<- best").count(), 1, "{out}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&best).unwrap()).unwrap();
    let best_line = out.lines().find(|l| l.ends_with("<- best")).unwrap();
    let k = &saved["model"]["model"]["Classifier"]["params"]["k"];
    assert!(best_line.contains(&format!("k={k}")), "{best_line} vs {k}");
    let out = ok(&[
        "search",
        csv,
        "--target",
        "species",
        "--model",
        "logistic-regression",
        "--bayes",
        "l2=0.001:10:log",
        "--trials",
        "4",
        "--folds",
        "3",
        "--quiet",
    ]);
    assert!(out.starts_with("4 points"), "{out}");
    fails(
        &[
            "search", csv, "--target", "species", "--model", "knn", "--quiet",
        ],
        "--grid",
    );
    fails(
        &[
            "search",
            csv,
            "--target",
            "species",
            "--model",
            "knn",
            "--random",
            "k=5:1:int",
        ],
        "low < high",
    );
}

/// Column kinds chosen on the command line, and categories met only in validation rows.
#[test]
fn chosen_column_kinds_and_unseen_categories_in_folds() {
    let d = dir("kinds");
    let csv = d.join("grades.csv");
    // the grade (an integer code) decides the label; a rare colour appears once
    let mut text = String::from("grade,colour,label\n");
    for i in 0..40 {
        let colour = if i == 17 {
            "violet"
        } else {
            ["red", "blue"][i % 2]
        };
        text += &format!(
            "{},{colour},{}\n",
            i % 4 + 1,
            ["low", "low", "high", "high"][i % 4]
        );
    }
    std::fs::write(&csv, text).unwrap();
    let csv = csv.to_str().unwrap();
    let o = mlnotes(&[
        "cv",
        csv,
        "--target",
        "label",
        "--model",
        "logistic-regression",
        "--categorical",
        "grade",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("categorical (2): grade, colour"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("accuracy  1.0000"), "{}", stdout(&o));
    // the violet row is in some fold's validation rows only: refused when asked, naming it
    fails(
        &[
            "cv",
            csv,
            "--target",
            "label",
            "--model",
            "knn",
            "--unknown",
            "error",
            "--quiet",
        ],
        "category 'violet' of column 'colour'",
    );
    let dropped = mlnotes(&[
        "cv", csv, "--target", "label", "--model", "knn", "--drop", "colour", "--quiet",
    ]);
    assert!(dropped.status.success(), "{}", stderr(&dropped));
    assert!(
        stderr(&dropped).contains("left out: colour (dropped)"),
        "{}",
        stderr(&dropped)
    );
}

#[test]
fn headerless_files_and_other_delimiters() {
    let d = dir("headerless");
    let csv = d.join("rows.csv");
    let mut text = String::new();
    for i in 0..60 {
        text += &format!("{};{};{}\n", i % 3, (i * 7) % 5, ["a", "b", "c"][i % 3]);
    }
    std::fs::write(&csv, text).unwrap();
    let out = ok(&[
        "cv",
        csv.to_str().unwrap(),
        "--target",
        "x2",
        "--no-header",
        "--delimiter",
        ";",
        "--model",
        "decision-tree",
        "--quiet",
    ]);
    assert!(out.contains("accuracy  1.0000"), "{out}");
}

#[test]
fn bad_requests_are_one_line_errors() {
    let d = dir("errors");
    let csv = d.join("penguins.csv");
    write_penguins(&csv, 30);
    let csv = csv.to_str().unwrap();
    let base = ["cv", csv, "--target", "species", "--quiet"];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    fails(
        &with(&["--model", "knnn"]),
        "no classification model named 'knnn'",
    );
    fails(&with(&["--model", "knn", "--param", "kk=3"]), "`kk`");
    fails(&with(&["--model", "knn", "--param", "k=x"]), "`k`");
    fails(&with(&["--model", "knn", "--param", "k=0"]), "`k`");
    fails(&with(&["--model", "knn", "--param", "k"]), "name=value");
    fails(
        &with(&["--model", "lasso"]),
        "regression model, but the target",
    );
    fails(
        &with(&["--model", "lasso", "--task", "classification"]),
        "no classification model named 'lasso'",
    );
    fails(
        &["cv", csv, "--target", "nope", "--model", "knn"],
        "no column named 'nope'",
    );
    fails(
        &[
            "cv",
            "/nonexistent/file.csv",
            "--target",
            "y",
            "--model",
            "knn",
        ],
        "file.csv",
    );
    let dup = d.join("dup.csv");
    std::fs::write(&dup, "a,a,y\n1,2,x\n").unwrap();
    fails(
        &[
            "cv",
            dup.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            "knn",
        ],
        "duplicate column name 'a'",
    );
    fails(&["predict", csv, csv], "model file");
    fails(&with(&["--model", "knn", "--folds", "1"]), "`folds`");
    fails(&with(&["--model", "knn", "--folds", "16"]), "`folds`");
    let search = [
        "search", csv, "--target", "species", "--model", "knn", "--quiet",
    ];
    let with_search = |extra: &[&'static str]| -> Vec<&str> {
        search
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect()
    };
    fails(
        &with_search(&["--random", "k=1:9:int", "--trials", "0"]),
        "`trials`",
    );
    fails(
        &with_search(&["--grid", "k=1,3", "--grid", "k=5"]),
        "searched twice",
    );
    fails(&with_search(&["--grid", "k=1,,3"]), "empty grid value");
    fails(
        &with_search(&["--random", "k=1:9:log:int"]),
        "at most one scale",
    );
    fails(&with_search(&["--random", "k=-5e18:5e18:int"]), "within");
    // a column with too many categories: the advice names the command-line flag
    let wide = d.join("wide.csv");
    let mut text = String::from("name,x,y\n");
    for i in 0..2100 {
        text += &format!("n{},{i},{}\n", i / 2, ["a", "b"][i % 2]);
    }
    std::fs::write(&wide, text).unwrap();
    fails(
        &[
            "cv",
            wide.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            "knn",
        ],
        "--drop COLUMN",
    );
    fails(&["experiments", "nope"], "no experiment named 'nope'");
    // usage errors are clap's, with a non-zero code
    let o = mlnotes(&["cv", csv]);
    assert!(!o.status.success() && stderr(&o).contains("--target"));
    let o = mlnotes(&["experiments", "metrics", "--jobs", "0"]);
    assert!(!o.status.success() && stderr(&o).contains("--jobs"));
}

#[test]
fn experiments_run_like_the_all_binary() {
    let d = dir("experiments");
    let o = mlnotes(&[
        "experiments",
        "value-iteration",
        "--quick",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("value-iteration/report.json").is_file());
    assert!(d.join("README.md").is_file());
}

/// `--jobs 2`: each experiment runs in a process of its own, two at once. One that fails (its
/// report's folder is taken by a file) is reported by name with its process's last line, and
/// the others' reports are read back into the summary; each process's output comes out whole.
#[test]
fn experiments_run_side_by_side_and_a_failing_one_is_named() {
    let d = dir("jobs");
    std::fs::write(d.join("metrics"), "a file where the report's folder goes").unwrap();
    let o = mlnotes(&[
        "experiments",
        "metrics",
        "naive-bayes",
        "value-iteration",
        "--quick",
        "--jobs",
        "2",
        "--out",
        d.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("error in metrics: experiment `metrics` failed in its own process: exit status: 1; its last line: error: I/O error on"),
        "{err}"
    );
    let summary = std::fs::read_to_string(d.join("README.md")).unwrap();
    assert!(summary.contains("| metrics | failed: "), "{summary}");
    for name in ["naive-bayes", "value-iteration"] {
        assert!(
            summary.contains(&format!("| [{name}]({name}/report.md) |")),
            "{summary}"
        );
        // its header, then its own lines up to its report's path, before any other header
        let start = err
            .find(&format!("== {name} "))
            .unwrap_or_else(|| panic!("{err}"));
        let own = &err[start..];
        let end = own.find(&format!(
            "report: {}",
            d.join(name).join("report.md").display()
        ));
        let next = own[1..].find("== ").map(|i| i + 1);
        assert!(
            matches!((end, next), (Some(e), n) if n.is_none_or(|n| e < n)),
            "{name}'s output is not whole: {err}"
        );
    }
}

/// Names after `--`, one of them twice: each experiment runs once, in its own process (its
/// `--worker` flag goes before the `--`), and the summary lists it once.
#[test]
fn experiments_after_a_double_dash_and_named_twice_run_once() {
    let d = dir("jobs-names");
    let o = mlnotes(&[
        "experiments",
        "--quick",
        "--jobs",
        "2",
        "--out",
        d.to_str().unwrap(),
        "--",
        "value-iteration",
        "naive-bayes",
        "value-iteration",
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("== value-iteration ").count(), 1, "{err}");
    let summary = std::fs::read_to_string(d.join("README.md")).unwrap();
    assert_eq!(
        summary.matches("| [value-iteration](").count(),
        1,
        "{summary}"
    );
    assert!(
        summary.contains("| [naive-bayes](naive-bayes/report.md) |"),
        "{summary}"
    );
}
