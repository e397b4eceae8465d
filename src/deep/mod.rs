//! The neural side of the notes (*Feedforward Neural Network*, *Backpropagation*, *Gradient
//! Checking*) written out in `f64` next to Burn: the regularised cost `J(Θ)`, backpropagation's
//! δ recursion by hand, and gradient checking by central differences; and the training loop
//! for Burn classifiers (*Practical Training Techniques*).

mod backprop;
mod train;

pub use backprop::{Network, gradient_check, relative_error};
pub use train::{
    Classifier, EpochStats, Optimizer, Trainer, evaluate, load, predict_proba, tensors,
};

#[cfg(test)]
mod tests;
