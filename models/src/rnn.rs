//! Recurrent networks (notes: *Recurrent Neural Network*, *LSTM*), written from the notes'
//! equations and unrolled over a sequence `[batch, time, features]`.
//!
//! Vanilla RNN: `h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)`.
//!
//! LSTM, with `[h_{t-1}, x_t]` the concatenation (here `W · [h, x] = W_h h + W_x x`):
//! `f_t = σ(W_f·[h_{t-1}, x_t] + b_f)`, `i_t = σ(W_i·[h_{t-1}, x_t] + b_i)`,
//! `c̃_t = tanh(W_c·[h_{t-1}, x_t] + b_c)`, `o_t = σ(W_o·[h_{t-1}, x_t] + b_o)`,
//! `c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t`, `h_t = o_t ⊙ tanh(c_t)`.
//!
//! The four gates share one matrix product (their weights side by side, in the order f, i, c̃,
//! o), and the input projections `W_x x_t` of all time steps are computed in one product before
//! the recurrence: only `W_h h_{t-1}` is left inside the loop.
//!
//! On flex in `f32`, `forward` runs the recurrence as one operation (`crate::bptt`): with a
//! hand-written backward pass through time when training, directly for inference.
//! `forward_unrolled` is the step-by-step reference, written from the equations above, which
//! `forward` also runs everywhere else: other backends, another precision, and a `hidden` layer
//! given a bias.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, activation};

/// Sizes of a recurrent layer.
#[derive(Config, Debug)]
pub struct RecurrentConfig {
    /// Features per time step.
    pub d_input: usize,
    /// Hidden state size.
    pub d_hidden: usize,
    /// Initial bias of the LSTM's forget gate (1 keeps memory at the start of training).
    #[config(default = 1.0)]
    pub forget_bias: f64,
}

/// Input projections `[batch, time, 4·hidden or hidden]` and the input of step `t`.
fn step_input(xw: &Tensor<3>, t: usize) -> Tensor<2> {
    let [batch, _, width] = xw.dims();
    xw.clone()
        .slice([0..batch, t..t + 1, 0..width])
        .reshape([batch, width])
}

/// The vanilla RNN cell: `h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)`.
#[derive(Module, Debug)]
pub struct RnnCell {
    /// `W_xh` and the bias `b`.
    pub input: Linear,
    /// `W_hh` (no bias).
    pub hidden: Linear,
}

impl RecurrentConfig {
    /// A vanilla RNN cell.
    pub fn init_rnn(&self, device: &Device) -> RnnCell {
        RnnCell {
            input: LinearConfig::new(self.d_input, self.d_hidden).init(device),
            hidden: LinearConfig::new(self.d_hidden, self.d_hidden)
                .with_bias(false)
                .init(device),
        }
    }

    /// An LSTM cell, the forget gate's bias set to `forget_bias`.
    pub fn init_lstm(&self, device: &Device) -> LstmCell {
        let h = self.d_hidden;
        let mut input = LinearConfig::new(self.d_input, 4 * h).init(device);
        let bias: Vec<f32> = (0..4 * h)
            .map(|k| if k < h { self.forget_bias as f32 } else { 0.0 })
            .collect();
        input.bias = Some(Param::from_tensor(Tensor::from_data(
            burn::tensor::TensorData::new(bias, [4 * h]),
            device,
        )));
        LstmCell {
            input,
            hidden: LinearConfig::new(h, 4 * h).with_bias(false).init(device),
        }
    }
}

impl RnnCell {
    /// Hidden size.
    pub fn d_hidden(&self) -> usize {
        self.hidden.weight.lazy_shape()[0]
    }

    /// One step: `h_t` from the input projection `W_xh x_t + b` and `h_{t-1}`.
    pub fn step(&self, xw_t: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
        activation::tanh(xw_t + self.hidden.forward(h))
    }

    /// Over `x: [batch, time, d_input]` from `h_0 = 0`: every `h_t` as `[batch, time, hidden]`
    /// (as [`RnnCell::forward_unrolled`], fused on flex).
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let xw = self.input.forward(x);
        #[cfg(feature = "flex")]
        let xw = match self.hidden.bias {
            None => {
                match crate::bptt::recurrence(crate::bptt::Cell::Rnn, xw, &self.hidden.weight.val())
                {
                    Ok(hs) => return hs,
                    Err(xw) => xw,
                }
            }
            Some(_) => xw,
        };
        self.unrolled(xw)
    }

    /// The reference: unrolled step by step over `x: [batch, time, d_input]` from `h_0 = 0`.
    pub fn forward_unrolled(&self, x: Tensor<3>) -> Tensor<3> {
        self.unrolled(self.input.forward(x))
    }

    fn unrolled(&self, xw: Tensor<3>) -> Tensor<3> {
        let [batch, time, _] = xw.dims();
        let mut h = Tensor::zeros([batch, self.d_hidden()], &xw.device());
        let mut hs = Vec::with_capacity(time);
        for t in 0..time {
            h = self.step(step_input(&xw, t), h);
            hs.push(h.clone());
        }
        Tensor::stack(hs, 1)
    }
}

/// The LSTM cell: forget, input and output gates and the candidate memory from one product.
#[derive(Module, Debug)]
pub struct LstmCell {
    /// `[W_fx W_ix W_cx W_ox]` and the biases `[b_f b_i b_c b_o]`.
    pub input: Linear,
    /// `[W_fh W_ih W_ch W_oh]` (no bias).
    pub hidden: Linear,
}

/// The LSTM's state: cell `c` (long-term memory) and hidden `h` (output), `[batch, hidden]`.
#[derive(Debug, Clone)]
pub struct LstmState {
    /// Cell state `c_t`.
    pub c: Tensor<2>,
    /// Hidden state `h_t`.
    pub h: Tensor<2>,
}

impl LstmCell {
    /// Hidden size.
    pub fn d_hidden(&self) -> usize {
        self.hidden.weight.lazy_shape()[0]
    }

    /// One step from the input projection `W_x x_t + b` (all four gates) and the state.
    pub fn step(&self, xw_t: Tensor<2>, state: LstmState) -> LstmState {
        let z = xw_t + self.hidden.forward(state.h);
        let [f, i, g, o]: [Tensor<2>; 4] =
            z.chunk(4, 1).try_into().expect("four gates of equal width");
        let (f, i, g, o) = (
            activation::sigmoid(f),
            activation::sigmoid(i),
            activation::tanh(g),
            activation::sigmoid(o),
        );
        let c = f * state.c + i * g;
        let h = o * activation::tanh(c.clone());
        LstmState { c, h }
    }

    /// Over `x: [batch, time, d_input]` from zero states: every `h_t` as `[batch, time, hidden]`,
    /// and the final state (as [`LstmCell::forward_unrolled`], fused on flex).
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, LstmState) {
        let xw = self.input.forward(x);
        #[cfg(feature = "flex")]
        let xw = match self.hidden.bias {
            None => match crate::bptt::recurrence(
                crate::bptt::Cell::Lstm,
                xw,
                &self.hidden.weight.val(),
            ) {
                Ok(hc) => return Self::split(hc),
                Err(xw) => xw,
            },
            Some(_) => xw,
        };
        self.unrolled(xw)
    }

    /// The fused operation's `[h_t, c_t]` side by side: every `h_t` and the final state.
    #[cfg(feature = "flex")]
    fn split(hc: Tensor<3>) -> (Tensor<3>, LstmState) {
        let [batch, time, both] = hc.dims();
        let h = both / 2;
        let last = |from: usize| {
            hc.clone()
                .slice([0..batch, time - 1..time, from..from + h])
                .reshape([batch, h])
        };
        let state = LstmState {
            c: last(h),
            h: last(0),
        };
        (hc.slice([0..batch, 0..time, 0..h]), state)
    }

    /// The reference: unrolled step by step over `x: [batch, time, d_input]` from zero states.
    pub fn forward_unrolled(&self, x: Tensor<3>) -> (Tensor<3>, LstmState) {
        self.unrolled(self.input.forward(x))
    }

    fn unrolled(&self, xw: Tensor<3>) -> (Tensor<3>, LstmState) {
        let [batch, time, _] = xw.dims();
        let zeros = Tensor::zeros([batch, self.d_hidden()], &xw.device());
        let mut state = LstmState {
            c: zeros.clone(),
            h: zeros,
        };
        let mut hs = Vec::with_capacity(time);
        for t in 0..time {
            state = self.step(step_input(&xw, t), state);
            hs.push(state.h.clone());
        }
        (Tensor::stack(hs, 1), state)
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::testing::{gap, on_threads, values};
    use burn::nn::LstmConfig;
    use burn::tensor::TensorData;

    #[test]
    fn one_rnn_step_by_hand() {
        // 1 input, 1 hidden unit: W_xh = 0.5, b = 0.1, W_hh = -1; x = (2, 1).
        // h_1 = tanh(0.5·2 + 0.1) = tanh(1.1); h_2 = tanh(0.5 + 0.1 - h_1).
        let device = Device::flex();
        let mut cell = RecurrentConfig::new(1, 1).init_rnn(&device);
        let scalar = |v: f32, shape: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(vec![v], shape), &device))
        };
        cell.input.weight = scalar(0.5, [1, 1]);
        cell.input.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![0.1f32], [1]),
            &device,
        )));
        cell.hidden.weight = scalar(-1.0, [1, 1]);
        let x = Tensor::<3>::from_data(TensorData::new(vec![2.0f32, 1.0], [1, 2, 1]), &device);
        let h = values(cell.forward(x));
        let h1 = 1.1f32.tanh();
        let h2 = (0.6 - h1).tanh();
        assert!(
            (h[0] - h1).abs() < 1e-6 && (h[1] - h2).abs() < 1e-6,
            "{h:?}"
        );
    }

    /// A weighted sum of the outputs (weights of both signs), its inputs and the gradients of
    /// both weight matrices, through `forward`.
    fn outputs_and_gradients(
        forward: impl Fn(Tensor<3>) -> Tensor<3>,
        x: &Tensor<3>,
        weights: [&Param<Tensor<2>>; 2],
    ) -> [Tensor<3>; 2] {
        let x = x.clone().require_grad();
        let out = forward(x.clone());
        let [b, t, w] = out.dims();
        let readout: Vec<f32> = (0..b * t * w)
            .map(|i| ((i * 5) % 11) as f32 / 5.0 - 1.0)
            .collect();
        let readout = Tensor::<3>::from_data(TensorData::new(readout, [b, t, w]), &x.device());
        let grads = (out.clone() * readout).sum().backward();
        let flat = |g: Tensor<2>| {
            let n = g.dims().iter().product();
            g.reshape([1, 1, n])
        };
        let [wi, wh] = weights.map(|p| flat(p.val().grad(&grads).expect("weight gradient")));
        let gx = x.grad(&grads).expect("input gradient");
        let n = gx.dims().iter().product();
        [out, Tensor::cat(vec![gx.reshape([1, 1, n]), wi, wh], 2)]
    }

    /// Inputs `[batch, time, d_in]` with values of both signs.
    fn inputs(batch: usize, time: usize, d_in: usize, device: &Device) -> Tensor<3> {
        let x: Vec<f32> = (0..batch * time * d_in)
            .map(|i| ((i * 7) % 13) as f32 / 6.0 - 1.0)
            .collect();
        Tensor::from_data(TensorData::new(x, [batch, time, d_in]), device)
    }

    #[test]
    fn fused_recurrences_equal_the_unrolled_cells_forward_and_backward() {
        // 20 sequences make two parallel blocks (see `bptt::BLOCK_ROWS`); 19 hidden units run
        // the vector loops and their remainders.
        for (batch, time, h) in [
            (4, 7, 5),
            (1, 1, 5),
            (1, 6, 5),
            (3, 1, 5),
            (20, 5, 5),
            (3, 4, 19),
        ] {
            fused_equals_unrolled(batch, time, h);
        }
    }

    fn fused_equals_unrolled(batch: usize, time: usize, h: usize) {
        let device = Device::flex().autodiff();
        device.seed(3);
        let d_in = 3;
        let x = inputs(batch, time, d_in, &device);
        let rnn = RecurrentConfig::new(d_in, h).init_rnn(&device);
        let lstm = RecurrentConfig::new(d_in, h).init_lstm(&device);
        // The fused operation is what `forward` runs here.
        for (cell, input, hidden) in [
            (crate::bptt::Cell::Rnn, &rnn.input, &rnn.hidden),
            (crate::bptt::Cell::Lstm, &lstm.input, &lstm.hidden),
        ] {
            let xw = input.forward(x.clone());
            assert!(crate::bptt::recurrence(cell, xw, &hidden.weight.val()).is_ok());
        }
        let weights = [&rnn.input.weight, &rnn.hidden.weight];
        let [fused, fused_grads] = outputs_and_gradients(|x| rnn.forward(x), &x, weights);
        let [unrolled, unrolled_grads] =
            outputs_and_gradients(|x| rnn.forward_unrolled(x), &x, weights);
        assert!(gap(fused, unrolled) < 1e-6, "RNN outputs, {batch} × {time}");
        assert!(
            gap(fused_grads, unrolled_grads) < 1e-5,
            "RNN gradients, {batch} × {time}"
        );

        let weights = [&lstm.input.weight, &lstm.hidden.weight];
        // Both the outputs h_t and the final cell state c_T carry the loss.
        let with_state = |(hs, state): (Tensor<3>, LstmState)| {
            let [b, _, h] = hs.dims();
            Tensor::cat(vec![hs, state.c.reshape([b, 1, h])], 1)
        };
        let [fused, fused_grads] =
            outputs_and_gradients(|x| with_state(lstm.forward(x)), &x, weights);
        let [unrolled, unrolled_grads] =
            outputs_and_gradients(|x| with_state(lstm.forward_unrolled(x)), &x, weights);
        assert!(
            gap(fused, unrolled) < 1e-6,
            "LSTM outputs, {batch} × {time}"
        );
        assert!(
            gap(fused_grads, unrolled_grads) < 1e-5,
            "LSTM gradients, {batch} × {time}"
        );
    }

    #[test]
    fn fused_recurrences_give_the_same_numbers_on_any_thread_count() {
        // 40 sequences make three blocks; one model and one input (tests share the device's
        // seed), run on one thread and on three.
        let device = Device::flex().autodiff();
        let lstm = RecurrentConfig::new(3, 6).init_lstm(&device);
        let x = inputs(40, 6, 3, &device);
        let weights = [&lstm.input.weight, &lstm.hidden.weight];
        let run = |threads: usize| {
            on_threads(threads, || {
                let [out, grads] = outputs_and_gradients(|x| lstm.forward(x).0, &x, weights);
                (values(out), values(grads))
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn a_nan_forget_gate_at_the_first_step_makes_the_cell_nan_on_both_paths() {
        // c_1 = f ⊙ c_0 + i ⊙ c̃ from the zero state: a NaN forget gate gives NaN (NaN · 0) on
        // the fused path as on the reference, and the other units stay finite and equal.
        let device = Device::flex();
        device.seed(5);
        let mut lstm = RecurrentConfig::new(2, 3).init_lstm(&device);
        let mut w = values(lstm.input.weight.val());
        // `[d_in, 4h]` row-major, gates f, i, c̃, o side by side: column 0 is unit 0's forget gate.
        w[0] = f32::NAN;
        w[12] = f32::NAN;
        lstm.input.weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(w, [2, 12]), &device));
        let x = inputs(2, 1, 2, &device);
        let xw = lstm.input.forward(x.clone());
        assert!(
            crate::bptt::recurrence(crate::bptt::Cell::Lstm, xw, &lstm.hidden.weight.val()).is_ok()
        );
        let (fused, reference) = (lstm.forward(x.clone()).1, lstm.forward_unrolled(x).1);
        for (fused, reference) in [(fused.c, reference.c), (fused.h, reference.h)] {
            let (fused, reference) = (values(fused), values(reference));
            for (k, (a, b)) in fused.iter().zip(&reference).enumerate() {
                // unit 0 of each of the 2 sequences (3 units each)
                if k % 3 == 0 {
                    assert!(a.is_nan() && b.is_nan(), "{k}: {a} and {b}");
                } else {
                    assert!((a - b).abs() < 1e-6, "{k}: {a} and {b}");
                }
            }
        }
    }

    #[test]
    fn a_frozen_recurrent_weight_gets_no_gradient_and_the_rest_theirs() {
        let device = Device::flex().autodiff();
        device.seed(4);
        let mut lstm = RecurrentConfig::new(3, 4).init_lstm(&device);
        lstm.hidden.weight = lstm.hidden.weight.clone().set_require_grad(false);
        let x = inputs(2, 5, 3, &device).require_grad();
        let xw = lstm.input.forward(x.clone());
        assert!(
            crate::bptt::recurrence(crate::bptt::Cell::Lstm, xw, &lstm.hidden.weight.val()).is_ok()
        );
        let grads_of = |hs: Tensor<3>| {
            let grads = hs.sum().backward();
            let input = lstm.input.weight.val().grad(&grads).expect("input weight");
            assert!(lstm.hidden.weight.val().grad(&grads).is_none());
            (input, x.grad(&grads).expect("input gradient"))
        };
        let (fused_w, fused_x) = grads_of(lstm.forward(x.clone()).0);
        let (unrolled_w, unrolled_x) = grads_of(lstm.forward_unrolled(x.clone()).0);
        assert!(gap(fused_w, unrolled_w) < 1e-5);
        assert!(gap(fused_x, unrolled_x) < 1e-5);
    }

    #[test]
    fn untracked_inputs_on_autodiff_give_the_reference_outputs() {
        // Nothing requires a gradient: the fused operation runs untracked.
        let device = Device::flex().autodiff();
        device.seed(6);
        let rnn = RecurrentConfig::new(2, 3).init_rnn(&device).no_grad();
        let x = inputs(2, 4, 2, &device);
        let xw = rnn.input.forward(x.clone());
        assert!(
            crate::bptt::recurrence(crate::bptt::Cell::Rnn, xw, &rnn.hidden.weight.val()).is_ok()
        );
        assert!(gap(rnn.forward(x.clone()), rnn.forward_unrolled(x)) < 1e-6);
    }

    #[test]
    fn inference_without_autodiff_is_fused_too_and_a_hidden_bias_takes_the_reference() {
        // Inference on flex without autodiff runs the fused forward pass: the reference's
        // numbers, for both cells, including the final state.
        let device = Device::flex();
        device.seed(9);
        let lstm = RecurrentConfig::new(2, 3).init_lstm(&device);
        let rnn = RecurrentConfig::new(2, 3).init_rnn(&device);
        let x = inputs(3, 5, 2, &device);
        let xw = lstm.input.forward(x.clone());
        assert!(
            crate::bptt::recurrence(crate::bptt::Cell::Lstm, xw, &lstm.hidden.weight.val()).is_ok()
        );
        let ((fused, fused_state), (unrolled, unrolled_state)) =
            (lstm.forward(x.clone()), lstm.forward_unrolled(x.clone()));
        assert!(gap(fused, unrolled) < 1e-6);
        assert!(gap(fused_state.c, unrolled_state.c) < 1e-6);
        assert!(gap(fused_state.h, unrolled_state.h) < 1e-6);
        assert!(gap(rnn.forward(x.clone()), rnn.forward_unrolled(x)) < 1e-6);
        // A bias on the recurrent layer, which the fused operation has no place for, is used.
        let device = Device::flex().autodiff();
        device.seed(8);
        let mut rnn = RecurrentConfig::new(2, 3).init_rnn(&device);
        rnn.hidden = LinearConfig::new(3, 3).init(&device);
        let x = inputs(2, 4, 2, &device);
        let unbiased = RnnCell {
            input: rnn.input.clone(),
            hidden: Linear {
                bias: None,
                ..rnn.hidden.clone()
            },
        };
        assert!(gap(rnn.forward(x.clone()), rnn.forward_unrolled(x.clone())) < 1e-6);
        assert!(gap(rnn.forward(x.clone()), unbiased.forward(x)) > 1e-3);
    }

    #[test]
    fn lstm_from_the_gate_equations_equals_burns_lstm() {
        let device = Device::flex();
        device.seed(5);
        let (d_in, h) = (3, 4);
        let burn_lstm = LstmConfig::new(d_in, h, true)
            .with_batch_first(true)
            .init(&device);
        // Copy Burn's per-gate weights into ours, side by side in the order f, i, c̃, o; the
        // two biases of each gate add up.
        let forget = burn_lstm.forget_gate.as_ref().expect("forget gate");
        let gates = [
            forget,
            &burn_lstm.input_gate,
            &burn_lstm.cell_gate,
            &burn_lstm.output_gate,
        ];
        let cat = |f: &dyn Fn(&burn::nn::GateController) -> Tensor<2>| {
            Tensor::cat(gates.iter().map(|g| f(g)).collect(), 1)
        };
        let bias = |l: &Linear| l.bias.as_ref().expect("bias").val();
        let mut ours = RecurrentConfig::new(d_in, h).init_lstm(&device);
        ours.input.weight = Param::from_tensor(cat(&|g| g.input_transform.weight.val()));
        ours.hidden.weight = Param::from_tensor(cat(&|g| g.hidden_transform.weight.val()));
        ours.input.bias = Some(Param::from_tensor(Tensor::cat(
            gates
                .iter()
                .map(|g| bias(&g.input_transform) + bias(&g.hidden_transform))
                .collect(),
            0,
        )));
        let x: Vec<f32> = (0..2 * 5 * d_in)
            .map(|i| ((i * 7) % 13) as f32 / 6.0 - 1.0)
            .collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [2, 5, d_in]), &device);
        let (expected, expected_state) = burn_lstm.forward(x.clone(), None);
        let (got, state) = ours.forward(x);
        assert!(gap(expected, got) < 1e-6);
        assert!(gap(expected_state.cell, state.c) < 1e-6);
    }
}
