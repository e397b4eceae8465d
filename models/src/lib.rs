//! Burn modules of mlnotes, reusable on their own: each has a `Config`, an `init(device)` and a
//! `forward`, as in Burn's examples. No backend type parameter (Burn 0.22): the backend lives in
//! the `Device`. Each config has a `check()` that names the parameter that is wrong and why, and a
//! fallible `try_init`; `init` panics on a config that fails the check, as Burn's own layers do.

#![warn(missing_docs)]

pub mod attention;
#[cfg(feature = "flex")]
mod bptt;
pub mod cnn;
#[cfg(feature = "flex")]
mod elementwise;
#[cfg(feature = "flex")]
mod flex_buffers;
#[cfg(feature = "flex")]
mod fused_attention;
#[cfg(feature = "flex")]
mod fused_conv;
#[cfg(feature = "flex")]
mod fused_dense;
pub mod mlp;
#[cfg(feature = "flex")]
mod processor;
#[cfg(feature = "flex")]
mod products;
pub mod rnn;
pub mod sequence;
#[cfg(test)]
mod testing;

pub use attention::{
    EncoderLayer, SelfAttention, SelfAttentionConfig, Transformer, TransformerConfig,
    positional_encoding, scaled_dot_product_attention,
};
pub use cnn::{Cnn, CnnConfig, ConvBlock};
pub use mlp::{Activation, Init, Mlp, MlpConfig};
pub use rnn::{LstmCell, LstmState, RecurrentConfig, RnnCell};
pub use sequence::{Architecture, Encoder, SequenceModel, SequenceModelConfig};

/// A model configuration that cannot be built: which configuration, which parameter, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// Which configuration, e.g. `"MlpConfig"`.
    pub model: &'static str,
    /// The parameter that is wrong, e.g. `"dropout"`.
    pub param: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl InvalidConfig {
    fn new(model: &'static str, param: &'static str, reason: impl Into<String>) -> Self {
        InvalidConfig {
            model,
            param,
            reason: reason.into(),
        }
    }
}

/// Fails unless every size in `sizes` is at least 1, naming `param`.
fn positive_sizes(
    model: &'static str,
    param: &'static str,
    sizes: &[usize],
) -> Result<(), InvalidConfig> {
    match sizes.iter().position(|&s| s == 0) {
        Some(i) if sizes.len() > 1 => Err(InvalidConfig::new(
            model,
            param,
            format!("every entry must be at least 1, entry {i} is 0"),
        )),
        Some(_) => Err(InvalidConfig::new(
            model,
            param,
            "must be at least 1, got 0",
        )),
        None => Ok(()),
    }
}

impl std::fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid {} `{}`: {}",
            self.model, self.param, self.reason
        )
    }
}

impl std::error::Error for InvalidConfig {}
