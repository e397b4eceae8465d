//! One error type for the whole library: every fallible public function returns
//! [`Result<T>`], and each variant says *what* went wrong and *where*.

use std::path::PathBuf;

/// Everything that can go wrong in mlnotes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is unusable as given (empty data, one class only, k > n, ...).
    #[error("invalid input: {what}")]
    InvalidInput {
        /// What is wrong, in words.
        what: String,
    },
    /// Two arrays that must agree in shape do not.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    Shape {
        /// Which argument or operation.
        context: String,
        /// The shape that was needed.
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// A NaN or infinite value where finite numbers are required.
    #[error("non-finite value (NaN or inf) in {location}")]
    NonFinite {
        /// Where the value was found, e.g. "features, row 3, column 2".
        location: String,
    },
    /// A matrix that must be inverted (or factorised) is singular or numerically so.
    #[error("singular matrix: {what}")]
    Singular {
        /// Which matrix, and a hint on how to fix it.
        what: String,
    },
    /// A hyperparameter is out of its valid range (linfa's `ParamGuard::check`).
    #[error("invalid hyperparameter `{param}`: {reason}")]
    Config {
        /// The parameter's name.
        param: &'static str,
        /// Why its value is not allowed.
        reason: String,
    },
    /// A hyperparameter named at run time (the command line's `--param name=value`) that the
    /// model does not have, or whose value its type cannot take.
    #[error("hyperparameter `{name}`: {reason}")]
    Parameter {
        /// The parameter's name as given.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A CSV file is malformed; `line` is 1-based and counts the header.
    #[error("CSV error at line {line}: {reason}")]
    Csv {
        /// The 1-based line number in the file.
        line: u64,
        /// What is wrong on that line.
        reason: String,
    },
    /// An iterative method blew up: the loss grew without bound or became NaN/inf.
    #[error("diverged at iteration {iteration}: loss {loss}")]
    Diverged {
        /// The iteration at which divergence was detected.
        iteration: usize,
        /// The offending loss value.
        loss: f64,
    },
    /// An iterative method stopped before meeting its tolerance (the result would not be the
    /// method's answer).
    #[error("{method} did not converge after {iterations} iterations: {reason}")]
    NotConverged {
        /// The method.
        method: String,
        /// Iterations run (0 when unknown).
        iterations: usize,
        /// Why, and what to try.
        reason: String,
    },
    /// A Burn backend that is not compiled in, or that failed to start.
    #[error("backend `{name}` is not available: {reason}")]
    Backend {
        /// The backend asked for.
        name: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A saved model could not be written, read, or applied to the network given.
    #[error("model file {path}: {reason}")]
    ModelFile {
        /// The file.
        path: PathBuf,
        /// What went wrong (missing file, other architecture, ...).
        reason: String,
    },
    /// An experiment run in a process of its own (`all --jobs`) ended without its report.
    #[error("experiment `{name}` failed in its own process: {reason}")]
    Experiment {
        /// The experiment.
        name: String,
        /// How the process ended, and its last words.
        reason: String,
    },
    /// A plot could not be drawn.
    #[error("plot error: {0}")]
    Plot(String),
    /// A report could not be serialised.
    #[error("serialisation error: {0}")]
    Serde(#[from] serde_json::Error),
    /// An error from a wrapped crate (linfa, smartcore) that has no better variant.
    #[error("{crate_name}: {message}")]
    Wrapped {
        /// Which crate raised it.
        crate_name: &'static str,
        /// Its message.
        message: String,
    },
}

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(what: impl Into<String>) -> Self {
        Error::InvalidInput { what: what.into() }
    }

    /// Shorthand for [`Error::ModelFile`].
    pub fn model_file(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        Error::ModelFile {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(param: &'static str, reason: impl Into<String>) -> Self {
        Error::Config {
            param,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Shape`].
    pub fn shape(
        context: impl Into<String>,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Display,
    ) -> Self {
        Error::Shape {
            context: context.into(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<mlnotes_models::InvalidConfig> for Error {
    /// A Burn model configuration that cannot be built is a hyperparameter error naming the
    /// parameter; the reason starts with the configuration's name.
    fn from(e: mlnotes_models::InvalidConfig) -> Self {
        Error::Config {
            param: e.param,
            reason: format!("{}: {}", e.model, e.reason),
        }
    }
}

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Wrapped {
            crate_name: "linfa",
            message: e.to_string(),
        }
    }
}
