//! Data preprocessing (notes: *Data Preprocessing*): feature scaling, one-hot encoding,
//! binning, polynomial features, imputation of missing values, column transformers (one step
//! per kind of column) and pipelines. Each is fitted on training data and applied unchanged to test data.

mod binning;
mod column_transformer;
mod impute;
mod one_hot;
mod pipeline;
mod polynomial;
mod scaling;

pub use binning::{Binning, BinningStrategy, FittedBinning};
pub use column_transformer::{
    CategoricalSteps, ColumnTransformer, FittedColumnTransformer, NumericSteps,
};
pub use impute::{FittedImputer, Imputation, Imputer};
pub use one_hot::{FittedOneHot, OneHotEncoder, category_codes};
pub use pipeline::{FittedPipeline, Pipeline};
pub use polynomial::{FittedPolynomial, MAX_POLYNOMIAL_COLUMNS, PolynomialFeatures};
pub use scaling::{FittedScaled, FittedScaler, Scaled, Scaler, Scaling};
