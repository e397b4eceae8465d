//! `mlnotes`: the library on your own CSV files, and the topic experiments. Every subcommand
//! is one call into `mlnotes::workflow` (or the experiment runner); errors are one line on
//! stderr and a non-zero exit code.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use mlnotes::data::csv::{ColumnKind, Unknown};
use mlnotes::experiment::cli::{AllCli, run_all};
use mlnotes::persist::Persist;
use mlnotes::workflow::{
    self, Classifier, CvOptions, CvReport, Model, OwnData, Reading, Regressor, SavedModel,
    SearchMethod, Task,
};
use mlnotes::{Error, Result};

#[derive(Parser)]
#[command(
    name = "mlnotes",
    version,
    about = "Machine-learning course notes as working software: models on your own CSV files, \
             and the experiments that measure the notes' claims."
)]
struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// List every model with its hyperparameters and their defaults
    Models {
        /// Only the models of this task: classification or regression
        #[arg(long)]
        task: Option<Task>,
    },
    /// Cross-validated scores of a model on a CSV file (mean ± std per metric)
    Cv {
        #[command(flatten)]
        job: CvJob,
    },
    /// Fit a model on every row of a CSV file and save it
    Fit {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        model: ModelArgs,
        /// Where to write the fitted model (JSON)
        #[arg(long)]
        out: PathBuf,
    },
    /// Predict the rows of a CSV file with a saved model (CSV on stdout or --out, one line per
    /// data row; blank lines are skipped)
    Predict {
        /// The model file written by `mlnotes fit`
        model: PathBuf,
        /// Rows to predict, read as the training file was (delimiter, header, missing-value
        /// tokens); columns are matched by name, the target may be absent
        data: PathBuf,
        /// Also write each class's probability
        #[arg(long)]
        proba: bool,
        /// Write the predictions here instead of stdout
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Search hyperparameters by cross-validated score
    Search {
        #[command(flatten)]
        job: CvJob,
        /// Grid values, `name=v1,v2,...` (repeatable; every combination is tried)
        #[arg(long, value_name = "NAME=VALUES", conflicts_with_all = ["random", "bayes"])]
        grid: Vec<String>,
        /// Random search range, `name=low:high[:log|:int]` (repeatable)
        #[arg(long, value_name = "NAME=RANGE", conflicts_with = "bayes")]
        random: Vec<String>,
        /// Bayesian optimisation range, `name=low:high[:log|:int]` (repeatable)
        #[arg(long, value_name = "NAME=RANGE")]
        bayes: Vec<String>,
        /// Points evaluated by --random or --bayes
        #[arg(long, default_value_t = 20)]
        trials: usize,
        /// Fit the best model on every row and save it here
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the topic experiments (all of them, or those named), as the `all` binary does
    Experiments {
        /// Experiment names (default: every experiment)
        names: Vec<String>,
        #[command(flatten)]
        settings: AllCli,
    },
}

/// A model cross-validated on a file (`cv`, and each point of `search`).
#[derive(Args)]
struct CvJob {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    folds: FoldArgs,
}

#[derive(Args)]
struct DataArgs {
    /// The CSV file
    data: PathBuf,
    /// The target column's name (x0, x1, ... in a file without a header)
    #[arg(long)]
    target: String,
    /// classification or regression (default: from the model, else from the target column)
    #[arg(long)]
    task: Option<Task>,
    /// Field delimiter
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// The file has no header row: columns are named x0, x1, ...
    #[arg(long)]
    no_header: bool,
    /// Cell texts that mean "missing", comma-separated (default: empty, NA, N/A, NaN, nan,
    /// null, NULL, ?)
    #[arg(long, value_delimiter = ',')]
    missing: Option<Vec<String>>,
    /// Load this column as categorical (e.g. integer codes, zip codes); repeatable
    #[arg(long, value_name = "COLUMN")]
    categorical: Vec<String>,
    /// Load this column as numeric; repeatable
    #[arg(long, value_name = "COLUMN")]
    numeric: Vec<String>,
    /// Leave this column out; repeatable
    #[arg(long, value_name = "COLUMN")]
    drop: Vec<String>,
}

#[derive(Args)]
struct ModelArgs {
    /// The model (see `mlnotes models`)
    #[arg(long)]
    model: String,
    /// A hyperparameter, `name=value` (repeatable; see `mlnotes models`)
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// A category unseen in training (or in a fold's training rows): zeros or error
    #[arg(long, default_value = "zeros", value_parser = parse_unknown)]
    unknown: Unknown,
}

#[derive(Args)]
struct FoldArgs {
    /// Folds (stratified for classification)
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the folds (and of a random or Bayesian search)
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Hide the progress bar
    #[arg(long)]
    quiet: bool,
}

fn parse_unknown(s: &str) -> std::result::Result<Unknown, String> {
    match s {
        "zeros" | "ignore" => Ok(Unknown::Zeros),
        "error" => Ok(Unknown::Error),
        _ => Err(format!("'{s}' is not zeros or error")),
    }
}

impl DataArgs {
    fn load(&self, model: &str) -> Result<OwnData> {
        if !self.delimiter.is_ascii() {
            return Err(Error::Parameter {
                name: "delimiter".into(),
                reason: format!("'{}' is not one ASCII character", self.delimiter),
            });
        }
        let kinds = [
            (&self.categorical, ColumnKind::Categorical),
            (&self.numeric, ColumnKind::Numeric),
            (&self.drop, ColumnKind::Dropped),
        ]
        .into_iter()
        .flat_map(|(names, kind)| names.iter().map(move |n| (n.clone(), kind)))
        .collect();
        let reading = Reading {
            delimiter: self.delimiter as u8,
            has_header: !self.no_header,
            missing_tokens: self
                .missing
                .as_ref()
                .map(|tokens| tokens.iter().map(|t| t.trim().to_string()).collect()),
            kinds,
        };
        OwnData::load(&self.data, &self.target, self.task, model, &reading)
    }
}

impl ModelArgs {
    fn model(&self, task: Task) -> Result<Model> {
        let settings = self
            .params
            .iter()
            .map(|p| workflow::parse_setting(p))
            .collect::<Result<Vec<_>>>()?;
        Model::named(&self.model, task, &settings)
    }
}

impl FoldArgs {
    fn options(&self, unknown: Unknown) -> CvOptions {
        CvOptions {
            folds: self.folds,
            seed: self.seed,
            unknown,
            progress: !self.quiet,
        }
    }
}

/// Load the data and the model, and say what was chosen.
fn prepare(data: &DataArgs, model: &ModelArgs) -> Result<(OwnData, Model)> {
    let own = data.load(&model.model)?;
    let chosen = model.model(own.task)?;
    eprintln!(
        "{}: {} rows, task {}, model {}",
        data.data.display(),
        own.n_samples(),
        own.task,
        chosen.name()
    );
    eprint!("{}", own.describe_preprocessing(&chosen, model.unknown));
    Ok((own, chosen))
}

/// Every model of `task` (or both tasks), its hyperparameters and their defaults.
fn models_text(task: Option<Task>) -> Result<String> {
    let mut text = String::new();
    let mut print = |task: Task, entries: Vec<(Model, &str)>| -> Result<()> {
        let _ = writeln!(text, "{task}:");
        for (model, about) in entries {
            let _ = writeln!(text, "  {:<20} {about}", model.name());
            for h in model.hyperparameters()? {
                let _ = writeln!(text, "      {} = {}", h.name, h.value);
            }
        }
        Ok(())
    };
    if task != Some(Task::Regression) {
        let entries = Classifier::defaults()
            .into_iter()
            .map(|(m, about)| (Model::Classifier(m), about))
            .collect();
        print(Task::Classification, entries)?;
    }
    if task != Some(Task::Classification) {
        let entries = Regressor::defaults()
            .into_iter()
            .map(|(m, about)| (Model::Regressor(m), about))
            .collect();
        print(Task::Regression, entries)?;
    }
    Ok(text)
}

/// The scores, and the confusion matrix of a classifier.
fn cv_text(report: &CvReport) -> String {
    let mut text = String::new();
    for s in &report.scores {
        let _ = writeln!(
            text,
            "{:<9} {:.4} ± {:.4}   (folds: {})",
            s.name,
            s.mean,
            s.std,
            s.per_fold
                .iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    if let Some(confusion) = &report.confusion {
        let _ = writeln!(
            text,
            "confusion matrix (rows: actual, columns: predicted, out-of-fold):"
        );
        let width = report
            .class_names
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(1)
            .max(6);
        let _ = write!(text, "{:>width$} ", "");
        for name in &report.class_names {
            let _ = write!(text, " {name:>width$}");
        }
        text.push('\n');
        for (name, row) in report.class_names.iter().zip(confusion.counts.rows()) {
            let _ = write!(text, "{name:>width$} ");
            for count in row {
                let _ = write!(text, " {count:>width$}");
            }
            text.push('\n');
        }
    }
    text
}

/// Write `text` to stdout; a closed pipe (`| head`) ends the output quietly.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::invalid(format!("writing to stdout: {e}"))),
    }
}

/// `name=a,b,c` or `name=low:high` settings.
fn named(pairs: &[String]) -> Result<Vec<(String, String)>> {
    pairs.iter().map(|p| workflow::parse_setting(p)).collect()
}

fn run(command: Command) -> Result<ExitCode> {
    match command.action {
        Action::Models { task } => emit(&models_text(task)?)?,
        Action::Cv {
            job: CvJob { data, model, folds },
        } => {
            let (own, chosen) = prepare(&data, &model)?;
            let report = workflow::cross_validate(&own, &chosen, &folds.options(model.unknown))?;
            emit(&format!(
                "{}-fold cross-validation of {}:\n{}",
                folds.folds,
                chosen.name(),
                cv_text(&report)
            ))?;
        }
        Action::Fit { data, model, out } => {
            let (own, chosen) = prepare(&data, &model)?;
            let saved = workflow::fit(&own, &chosen, model.unknown)?;
            saved.save(&out)?;
            eprintln!("saved {} to {}", chosen.name(), out.display());
        }
        Action::Predict {
            model,
            data,
            proba,
            out,
        } => {
            let saved = SavedModel::load(&model)?;
            let mut buffer = Vec::new();
            let n = saved.predict_csv(&data, proba, &mut buffer)?;
            match &out {
                Some(path) => {
                    std::fs::write(path, buffer).map_err(|e| Error::io(path, e))?;
                    eprintln!("wrote {n} predictions to {}", path.display());
                }
                None => emit(&String::from_utf8_lossy(&buffer))?,
            }
        }
        Action::Search {
            job: CvJob { data, model, folds },
            grid,
            random,
            bayes,
            trials,
            out,
        } => {
            let method = if !grid.is_empty() {
                let axes = named(&grid)?
                    .into_iter()
                    .map(|(name, values)| {
                        let values: Vec<String> =
                            values.split(',').map(|v| v.trim().to_string()).collect();
                        (name, values)
                    })
                    .collect();
                SearchMethod::Grid(axes)
            } else if !random.is_empty() {
                SearchMethod::Random {
                    ranges: named(&random)?,
                    trials,
                }
            } else if !bayes.is_empty() {
                SearchMethod::Bayes {
                    ranges: named(&bayes)?,
                    trials,
                }
            } else {
                return Err(Error::Parameter {
                    name: "search".into(),
                    reason: "give --grid, --random or --bayes with at least one parameter".into(),
                });
            };
            let (own, chosen) = prepare(&data, &model)?;
            let options = folds.options(model.unknown);
            let report = workflow::search(&own, &chosen, &method, &options, folds.seed)?;
            let mut text = format!(
                "{} points, mean {}-fold {}:\n",
                report.trials.len(),
                folds.folds,
                report.metric
            );
            for (i, (settings, score)) in report.trials.iter().enumerate() {
                let point: Vec<String> = settings.iter().map(|(n, v)| format!("{n}={v}")).collect();
                let mark = if i == report.best { "  <- best" } else { "" };
                let _ = writeln!(text, "  {score:.4}  {}{mark}", point.join(" "));
            }
            emit(&text)?;
            if let Some(path) = out {
                let best = chosen.with(&report.trials[report.best].0)?;
                workflow::fit(&own, &best, model.unknown)?.save(&path)?;
                eprintln!("saved the best {} to {}", best.name(), path.display());
            }
        }
        Action::Experiments { names, settings } => {
            let every = mlnotes_experiments::all();
            let chosen: Vec<_> = if names.is_empty() {
                every
            } else {
                names
                    .iter()
                    .map(|n| {
                        every
                            .iter()
                            .copied()
                            .find(|e| e.name() == n)
                            .ok_or_else(|| {
                                let known: Vec<&str> = every.iter().map(|e| e.name()).collect();
                                Error::Parameter {
                                    name: "experiment".into(),
                                    reason: format!(
                                        "no experiment named '{n}' (experiments: {})",
                                        known.join(", ")
                                    ),
                                }
                            })
                    })
                    .collect::<Result<_>>()?
            };
            return Ok(run_all(&settings, &chosen));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The library's advice names its own calls; on the command line, the flags that do the same.
fn with_flags(message: String) -> String {
    if message.contains("CsvLoader::column(") {
        format!("{message} [command line: --drop COLUMN, --categorical COLUMN, --numeric COLUMN]")
    } else if message.contains("Missing::") {
        format!("{message} [command line: --missing TOKENS]")
    } else {
        message
    }
}

fn main() -> ExitCode {
    mlnotes::memory::keep_freed_memory();
    let command = Command::parse();
    // A panic is a bug (or a model file edited by hand): one line, like every other error.
    let message = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = message.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut m) = seen.lock() {
            *m = info.to_string();
        }
    }));
    match std::panic::catch_unwind(|| run(command)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {}", with_flags(e.to_string()));
            ExitCode::FAILURE
        }
        Err(_) => {
            let m = message.lock().map(|m| m.clone()).unwrap_or_default();
            eprintln!(
                "error: internal error (a model file edited by hand, or a bug to report): {}",
                m.replace('\n', " ")
            );
            ExitCode::FAILURE
        }
    }
}
