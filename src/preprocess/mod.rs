//! Data preprocessing (notes: *Data Preprocessing*): feature scaling, one-hot encoding,
//! binning, polynomial features and imputation of missing values. Each is fitted on training data and applied unchanged to test data.

mod binning;
mod impute;
mod one_hot;
mod pipeline;
mod polynomial;
mod scaling;

pub use binning::{Binning, BinningStrategy, FittedBinning};
pub use impute::{FittedImputer, Imputation, Imputer};
pub use one_hot::{FittedOneHot, OneHotEncoder, category_codes};
pub use pipeline::{FittedPipeline, Pipeline};
pub use polynomial::{FittedPolynomial, MAX_POLYNOMIAL_COLUMNS, PolynomialFeatures};
pub use scaling::{FittedScaled, FittedScaler, Scaled, Scaler, Scaling};
