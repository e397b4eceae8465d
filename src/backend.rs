//! Which Burn device runs the neural code.
//!
//! Backends are chosen at compile time by cargo features (`flex`, `ndarray`, `wgpu`) and among
//! the compiled ones at run time by [`Backend`] (the `--backend` flag of every binary).
//! `flex` is the default: it trains the MLP fastest in this project's own benchmark
//! (`cargo bench --bench backends --all-features`; numbers in the README).

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::{Error, Result};

/// A Burn backend this crate knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Burn's pure-Rust CPU backend (SIMD and rayon).
    Flex,
    /// The ndarray CPU backend (deprecated by Burn 0.22, kept behind its feature).
    NdArray,
    /// The wgpu GPU backend (Vulkan; on a CPU-only machine through Mesa's lavapipe).
    Wgpu,
}

impl Backend {
    /// Every backend, compiled or not.
    pub const ALL: [Backend; 3] = [Backend::Flex, Backend::NdArray, Backend::Wgpu];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    /// Whether this backend's cargo feature was enabled.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::NdArray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The compiled backends, the default (flex) first.
    pub fn compiled() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.is_compiled()).collect()
    }

    /// The default: the first compiled of flex, ndarray, wgpu.
    pub fn default_compiled() -> Result<Backend> {
        Self::compiled()
            .into_iter()
            .next()
            .ok_or_else(|| Error::Backend {
                name: "any".into(),
                reason: "no backend feature enabled; build with --features flex, ndarray or wgpu"
                    .into(),
            })
    }

    /// The Burn device of this backend (without autodiff; call `.autodiff()` to train).
    pub fn device(self) -> Result<Device> {
        if !self.is_compiled() {
            return Err(self.not_compiled());
        }
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Ok(Device::flex()),
            // Burn 0.22 deprecates ndarray in favour of flex; this is the one place we build it.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::NdArray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)]
            _ => Err(self.not_compiled()),
        }
    }

    fn not_compiled(self) -> Error {
        let compiled: Vec<_> = Self::compiled().iter().map(|b| b.name()).collect();
        Error::Backend {
            name: self.name().into(),
            reason: format!(
                "not compiled in (rebuild with --features {}); compiled: [{}]",
                self.name(),
                compiled.join(", ")
            ),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let backend = Self::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::Backend {
                name: s.into(),
                reason: "unknown backend; expected one of flex, ndarray, wgpu".into(),
            })?;
        if backend.is_compiled() {
            Ok(backend)
        } else {
            Err(backend.not_compiled())
        }
    }
}

/// A tensor read back into host memory failed.
pub fn data_error(e: impl std::fmt::Debug) -> crate::Error {
    crate::Error::Backend {
        name: "tensor data".into(),
        reason: format!("{e:?}"),
    }
}

/// The device a module's parameters live on (the default device for a module without any).
pub fn device_of<M: burn::module::Module>(module: &M) -> Device {
    module.devices().first().cloned().unwrap_or_default()
}

/// A tensor's values read back into host memory as `f32`, row-major.
pub fn to_vec<const D: usize>(t: burn::tensor::Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(data_error)
}

/// The first value of a tensor (a loss, a sum, a count), read back as `f64`.
pub fn scalar(t: burn::tensor::Tensor<1>) -> Result<f64> {
    to_vec(t)?
        .first()
        .map(|&x| f64::from(x))
        .ok_or_else(|| Error::invalid("an empty tensor has no value"))
}

/// The device the library's tests run on: the first compiled backend (flex), not
/// `Device::default()` (wgpu on lavapipe when compiled: slow); with the test's turn at Burn's
/// random numbers. Burn's CPU backends draw every random number (weights, dropout masks,
/// shuffles) from one process-wide generator, so a seeded test gets the same numbers in every
/// run only while no other test thread draws from it: hold the turn for the whole test.
#[cfg(test)]
pub(crate) fn test_device() -> (Device, std::sync::MutexGuard<'static, ()>) {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Backend::default_compiled()
        .and_then(Backend::device)
        .expect("a compiled backend");
    (device, turn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compiled_and_rejects_unknown() {
        for b in Backend::compiled() {
            assert_eq!(b.name().parse::<Backend>().unwrap(), b);
        }
        let err = "tpu".parse::<Backend>().unwrap_err();
        assert!(err.to_string().contains("unknown backend"), "{err}");
    }

    #[test]
    fn uncompiled_backend_is_a_clear_error() {
        for b in Backend::ALL.into_iter().filter(|b| !b.is_compiled()) {
            let err = b.name().parse::<Backend>().unwrap_err();
            assert!(err.to_string().contains("not compiled in"), "{err}");
            assert!(b.device().is_err());
        }
    }
}
