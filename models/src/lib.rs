//! Burn modules of mlnotes, reusable on their own: each has a `Config`, an `init(device)` and a
//! `forward`, as in Burn's examples. No backend type parameter (Burn 0.22): the backend lives in
//! the `Device`.

pub mod mlp;

pub use mlp::{Activation, Init, Mlp, MlpConfig};
