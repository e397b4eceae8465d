//! A sequence model: a recurrent or attention encoder and a linear read-out at every time step,
//! `[batch, time, d_input] -> [batch, time, outputs]`, so one type serves the RNN, the LSTM and
//! the Transformer on the same tasks.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::{
    InvalidConfig, LstmCell, RecurrentConfig, RnnCell, Transformer, TransformerConfig,
    positive_sizes,
};

/// Which encoder.
#[derive(Config, Debug, PartialEq)]
pub enum Architecture {
    /// Vanilla RNN, `h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)`.
    Rnn,
    /// LSTM from the gate equations.
    Lstm,
    /// Transformer encoder (all positions at once).
    Transformer(TransformerConfig),
}

/// The encoder of a [`SequenceModel`].
#[derive(Module, Debug)]
pub enum Encoder {
    /// Vanilla RNN.
    Rnn(RnnCell),
    /// LSTM.
    Lstm(LstmCell),
    /// Transformer encoder.
    Transformer(Transformer),
}

impl Encoder {
    /// `[batch, time, d_input] -> [batch, time, width]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        match self {
            Encoder::Rnn(cell) => cell.forward(x),
            Encoder::Lstm(cell) => cell.forward(x).0,
            Encoder::Transformer(t) => t.forward(x),
        }
    }
}

/// Encoder and read-out sizes.
#[derive(Config, Debug)]
pub struct SequenceModelConfig {
    /// Features per time step.
    pub d_input: usize,
    /// Hidden state size of the RNN or LSTM (the Transformer's width is its own `d_model`).
    pub d_hidden: usize,
    /// Outputs per time step.
    pub outputs: usize,
    /// The encoder.
    pub architecture: Architecture,
}

/// Encoder plus a linear read-out at every step.
#[derive(Module, Debug)]
pub struct SequenceModel {
    /// The encoder.
    pub encoder: Encoder,
    /// The read-out.
    pub head: Linear,
}

impl SequenceModelConfig {
    /// Sizes at least 1 and a valid Transformer configuration.
    pub fn check(&self) -> Result<(), InvalidConfig> {
        positive_sizes("SequenceModelConfig", "d_input", &[self.d_input])?;
        positive_sizes("SequenceModelConfig", "d_hidden", &[self.d_hidden])?;
        positive_sizes("SequenceModelConfig", "outputs", &[self.outputs])?;
        match &self.architecture {
            Architecture::Transformer(t) if t.d_input != self.d_input => Err(InvalidConfig::new(
                "SequenceModelConfig",
                "architecture",
                format!(
                    "the Transformer takes {} features, the model {}",
                    t.d_input, self.d_input
                ),
            )),
            Architecture::Transformer(t) => t.check(),
            _ => Ok(()),
        }
    }

    /// Build on `device`, or say which parameter is wrong.
    pub fn try_init(&self, device: &Device) -> Result<SequenceModel, InvalidConfig> {
        self.check()?;
        Ok(self.init(device))
    }

    /// Build on `device`; panics if [`SequenceModelConfig::check`] fails.
    pub fn init(&self, device: &Device) -> SequenceModel {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
        let recurrent = RecurrentConfig::new(self.d_input, self.d_hidden);
        let (encoder, width) = match &self.architecture {
            Architecture::Rnn => (Encoder::Rnn(recurrent.init_rnn(device)), self.d_hidden),
            Architecture::Lstm => (Encoder::Lstm(recurrent.init_lstm(device)), self.d_hidden),
            Architecture::Transformer(t) => (Encoder::Transformer(t.init(device)), t.d_model),
        };
        SequenceModel {
            encoder,
            head: LinearConfig::new(width, self.outputs).init(device),
        }
    }
}

impl SequenceModel {
    /// Features per time step the model reads.
    pub fn d_input(&self) -> usize {
        match &self.encoder {
            Encoder::Rnn(c) => c.input.weight.lazy_shape()[0],
            Encoder::Lstm(c) => c.input.weight.lazy_shape()[0],
            Encoder::Transformer(t) => t.embed.weight.lazy_shape()[0],
        }
    }

    /// Outputs per time step.
    pub fn outputs(&self) -> usize {
        self.head.weight.lazy_shape()[1]
    }

    /// `[batch, time, d_input] -> [batch, time, outputs]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.head.forward(self.encoder.forward(x))
    }
}
