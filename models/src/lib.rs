//! Burn modules of mlnotes, reusable on their own: each has a `Config`, an `init(device)` and a
//! `forward`, as in Burn's examples. No backend type parameter (Burn 0.22): the backend lives in
//! the `Device`. Each config has a `check()` that says what is wrong with it; `init` panics on a
//! config that fails it, as Burn's own layers do.

pub mod attention;
pub mod cnn;
pub mod mlp;
pub mod rnn;
pub mod sequence;

pub use attention::{
    EncoderLayer, SelfAttention, SelfAttentionConfig, Transformer, TransformerConfig,
    positional_encoding, scaled_dot_product_attention,
};
pub use cnn::{Cnn, CnnConfig, ConvBlock};
pub use mlp::{Activation, Init, Mlp, MlpConfig};
pub use rnn::{LstmCell, LstmState, RecurrentConfig, RnnCell};
pub use sequence::{Architecture, Encoder, SequenceModel, SequenceModelConfig};

/// A model configuration that cannot be built, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// Which configuration.
    pub model: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl InvalidConfig {
    fn new(model: &'static str, reason: impl Into<String>) -> Self {
        InvalidConfig {
            model,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {}: {}", self.model, self.reason)
    }
}

impl std::error::Error for InvalidConfig {}
