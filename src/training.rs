//! What every training loop returns: the trained model and one typed record per step.
//!
//! The loops of the library (`deep::Trainer` per epoch, `sequence::SequenceTrainer` per
//! evaluation, `gan::Gan` per step, `rl::Dqn` per episode, `rl::PolicyGradient` per iteration)
//! take their params, the data or environment, and one callback `FnMut(&Record)` that sees each
//! record as it is made (progress bars, logging); each returns a [`Trained`].

/// A trained model and the history of its training, one record per step of the loop.
#[derive(Debug, Clone)]
pub struct Trained<M, R> {
    /// The trained model (without autodiff).
    pub model: M,
    /// One record per step, epoch, evaluation or episode, in order.
    pub history: Vec<R>,
}

impl<M, R> Trained<M, R> {
    /// The last record, if any step ran.
    pub fn last(&self) -> Option<&R> {
        self.history.last()
    }
}

#[cfg(test)]
mod config_tests;

#[cfg(test)]
mod resume_tests;
