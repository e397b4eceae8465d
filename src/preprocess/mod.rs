//! Data preprocessing (notes: *Data Preprocessing*): feature scaling, one-hot encoding,
//! binning, and polynomial features. Each is fitted on training data and applied unchanged to test data.

mod binning;
mod one_hot;
mod polynomial;
mod scaling;

pub use binning::{Binning, BinningStrategy, FittedBinning};
pub use one_hot::{FittedOneHot, OneHotEncoder, category_codes};
pub use polynomial::{FittedPolynomial, MAX_POLYNOMIAL_COLUMNS, PolynomialFeatures};
pub use scaling::{FittedScaled, FittedScaler, Scaled, Scaler, Scaling};
