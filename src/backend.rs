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
            Backend::Wgpu => gpu::device(),
            #[allow(unreachable_patterns)]
            _ => Err(self.not_compiled()),
        }
    }

    /// The hardware behind this backend's device: for wgpu the adapter wgpu chose (a GPU, or a
    /// CPU driver such as Mesa's lavapipe); the CPU backends run on the CPU.
    pub fn hardware(self) -> Result<Hardware> {
        match self {
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => gpu::hardware(),
            _ if self.is_compiled() => Ok(Hardware {
                name: "CPU".into(),
                is_gpu: false,
            }),
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

/// What runs a backend's kernels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardware {
    /// The adapter's name as its driver reports it ("CPU" for the CPU backends).
    pub name: String,
    /// A discrete, integrated or virtual GPU (not a CPU, nor a CPU driver like lavapipe).
    pub is_gpu: bool,
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

/// Choosing the wgpu adapter explicitly.
///
/// wgpu's automatic choice also tries OpenGL, whose adapter on a machine without a Vulkan
/// driver panicked inside wgpu-hal ("Could not lock adapter context") and then hung. This crate
/// asks for the native API of the platform (Vulkan on Linux, Metal on macOS, DX12 then Vulkan on
/// Windows), OpenGL only when `MLNOTES_WGPU_API=gl` asks for it, and turns "no adapter" into
/// [`Error::Backend`] saying how to get one. The runtime is started once per process.
#[cfg(feature = "wgpu")]
mod gpu {
    use std::sync::OnceLock;

    use burn::tensor::wgpu::{WgpuBackend, wgpu};
    use burn::tensor::{Device, DeviceKind};

    use super::Hardware;
    use crate::{Error, Result};

    /// The environment variable naming the graphics API (`vulkan`, `metal`, `dx12`, `gl`).
    pub const API_VARIABLE: &str = "MLNOTES_WGPU_API";

    /// The graphics APIs to try, in order.
    fn apis() -> Result<Vec<WgpuBackend>> {
        let Ok(asked) = std::env::var(API_VARIABLE) else {
            return Ok(if cfg!(target_os = "macos") {
                vec![WgpuBackend::Metal]
            } else if cfg!(windows) {
                vec![WgpuBackend::Dx12, WgpuBackend::Vulkan]
            } else {
                vec![WgpuBackend::Vulkan]
            });
        };
        let api = match asked.to_ascii_lowercase().as_str() {
            "vulkan" => WgpuBackend::Vulkan,
            "metal" => WgpuBackend::Metal,
            "dx12" => WgpuBackend::Dx12,
            "gl" | "opengl" => WgpuBackend::Gl,
            other => {
                return Err(Error::Backend {
                    name: "wgpu".into(),
                    reason: format!(
                        "{API_VARIABLE}={other} is not a graphics API; expected vulkan, metal, dx12 or gl"
                    ),
                });
            }
        };
        Ok(vec![api])
    }

    /// The wgpu device on the first API with an adapter, started once.
    pub fn device() -> Result<Device> {
        started().map(|(device, _)| device)
    }

    /// The adapter behind [`device`].
    pub fn hardware() -> Result<Hardware> {
        started().map(|(_, hardware)| hardware)
    }

    /// The device and its adapter, started once per process.
    fn started() -> Result<(Device, Hardware)> {
        static DEVICE: OnceLock<std::result::Result<(Device, Hardware), String>> = OnceLock::new();
        let apis = apis()?;
        DEVICE
            .get_or_init(|| {
                let mut failures = Vec::new();
                for api in apis {
                    match Device::wgpu_options()
                        .device_kind(DeviceKind::DefaultDevice)
                        .graphics_api(api)
                        .init_with_setup()
                    {
                        Ok((device, setup)) => {
                            let info = setup.adapter.get_info();
                            let is_gpu = matches!(
                                info.device_type,
                                wgpu::DeviceType::DiscreteGpu
                                    | wgpu::DeviceType::IntegratedGpu
                                    | wgpu::DeviceType::VirtualGpu
                            );
                            let hardware = Hardware {
                                name: info.name,
                                is_gpu,
                            };
                            return Ok((device, hardware));
                        }
                        Err(e) => failures.push(format!("{api:?}: {e}")),
                    }
                }
                Err(format!(
                    "no usable GPU adapter ({}); on Linux install a Vulkan driver (Debian and \
                     Ubuntu: apt install mesa-vulkan-drivers, which includes the CPU driver \
                     lavapipe), or set {API_VARIABLE}=gl to try OpenGL",
                    failures.join("; ")
                ))
            })
            .clone()
            .map_err(|reason| Error::Backend {
                name: "wgpu".into(),
                reason,
            })
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

/// A hold on Burn's random numbers: while it lives, no other thread's training loop draws
/// from them (see [`rng_turn`]).
#[must_use = "the turn ends when this value is dropped"]
pub struct RngTurn {
    _guard: Option<std::sync::MutexGuard<'static, ()>>,
}

static RNG_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// How many turns this thread holds (nested loops re-enter without blocking).
    static TURNS_HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Waits for, then holds, the process's turn at Burn's random numbers.
///
/// Burn draws every random number of its CPU backends (initial weights, dropout masks,
/// `Tensor::random`) from one process-wide generator that `Device::seed` resets, so two seeded
/// fits running at once on different threads would interleave one stream and get numbers that
/// depend on thread scheduling. Every training loop of this crate holds the turn from its
/// seeding to its end: concurrent fits in one process run one after another, each on exactly
/// its own seeded stream. A loop started while this thread already holds the turn (a callback
/// that trains) re-enters without blocking, except on a rayon worker thread: there the new
/// work may be a task the worker took over while the holder waits inside a parallel operation,
/// where re-entering would interleave the streams and waiting would deadlock, so it is an
/// error. Code that seeds and initialises a model itself uses [`seeded`].
pub fn rng_turn() -> Result<RngTurn> {
    let held = TURNS_HELD.with(std::cell::Cell::get);
    if held > 0 && rayon::current_thread_index().is_some() {
        return Err(Error::Backend {
            name: "random numbers".into(),
            reason: "a Burn training loop started inside another one on the same rayon worker \
                     thread; run such fits one after another, or on threads of their own"
                .into(),
        });
    }
    let guard = (held == 0).then(|| {
        RNG_TURN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    });
    TURNS_HELD.with(|t| t.set(held + 1));
    Ok(RngTurn { _guard: guard })
}

impl Drop for RngTurn {
    fn drop(&mut self) {
        TURNS_HELD.with(|t| t.set(t.get().saturating_sub(1)));
    }
}

/// Builds a module with `init` right after seeding Burn's generator of `device` with `seed`,
/// and draws all its weights at once, holding the random-number turn throughout: the same seed
/// gives the same weights whatever other threads do. (Burn draws a weight at its first use,
/// which may come much later; this draws them here.)
///
/// ```
/// use mlnotes::backend::{Backend, seeded};
/// use mlnotes_models::MlpConfig;
/// let device = Backend::default_compiled()?.device()?;
/// let a = seeded(&device, 7, || MlpConfig::new(4, vec![8], 3).init(&device))?;
/// let b = seeded(&device, 7, || MlpConfig::new(4, vec![8], 3).init(&device))?;
/// let w = |m: &mlnotes_models::Mlp| m.layers[0].weight.val().into_data();
/// assert_eq!(w(&a), w(&b));
/// # Ok::<(), mlnotes::Error>(())
/// ```
pub fn seeded<M: burn::module::Module>(
    device: &Device,
    seed: u64,
    init: impl FnOnce() -> M,
) -> Result<M> {
    let _turn = rng_turn()?;
    device.seed(seed);
    let module = init();
    materialize(&module);
    Ok(module)
}

/// Draws every lazily initialised weight of `module` now (from Burn's generator as it stands).
pub(crate) fn materialize<M: burn::module::Module>(module: &M) {
    module.visit(&mut Materialize);
}

/// Visits every float parameter, which draws a lazily initialised one.
struct Materialize;

impl burn::module::ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<D>>,
    ) {
        let _ = param.val();
    }
}

/// The device the library's tests run on: the first compiled backend (flex), not
/// `Device::default()` (wgpu on lavapipe when compiled: slow); with the test's turn at Burn's
/// random numbers ([`rng_turn`]), held for the whole test so that its seeded weights do not
/// depend on other test threads.
#[cfg(test)]
pub(crate) fn test_device() -> (Device, RngTurn) {
    let turn = rng_turn().expect("a test thread is no rayon worker");
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
