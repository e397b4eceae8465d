//! How cost grows with size: fit time and peak memory of every classical family at 10³, 10⁴,
//! 10⁵ and 10⁶ rows of 10 features (each family up to the size its algorithm affords), and the
//! exponent `b` of `time ≈ a·nᵇ` fitted by least squares on log-log axes over the sizes that
//! took at least 1 ms (below that, fixed costs dominate). Peak memory is measured by a
//! counting allocator: the most bytes held during the largest fit above those held before it.
//! `python3 benches/sklearn_scaling.py` times scikit-learn on the same shapes.
//! Run: `cargo bench --bench scaling` (`-- forest` for the families whose name matches). A run
//! over every family records its times in `benches/measured/scaling-mlnotes.csv`, which the
//! gallery draws beside scikit-learn's.

mod common;
mod recorded;
mod usage;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mlnotes::bayes::GaussianNb;
use mlnotes::cluster::{Agglomerative, KMeans, Linkage};
use mlnotes::data::Dataset;
use mlnotes::ensemble::{GradientBoosting, RandomForest};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::pca::Pca;
use mlnotes::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use mlnotes::tree::DecisionTree;

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const FEATURES: usize = 10;
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// Seconds (the median of three runs below a second, else one run) and the peak bytes held
/// above the start.
fn measure(mut f: impl FnMut()) -> (f64, usize) {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        let before = HELD.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let start = Instant::now();
        f();
        times.push(start.elapsed().as_secs_f64());
        peak = peak.max(PEAK.load(Ordering::Relaxed).saturating_sub(before));
        if times[0] > 1.0 {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], peak)
}

/// A fit on the regression and classification data of one size.
type FitOn = Box<dyn Fn(&Dataset<f64>, &Dataset<usize>)>;

/// One family: its key in the recorded measurements (the same in `sklearn_scaling.py`), its
/// name, the largest size it is run at, and its fit on the data of a size.
struct Family {
    key: &'static str,
    name: &'static str,
    max_n: usize,
    fit: FitOn,
}

fn families() -> Vec<Family> {
    let family = |key, name, max_n, fit: FitOn| Family {
        key,
        name,
        max_n,
        fit,
    };
    vec![
        family(
            "linear-regression",
            "linear regression (normal equation)",
            1_000_000,
            Box::new(|r, _| {
                LinearRegression::new().fit(r).unwrap();
            }),
        ),
        family(
            "logistic-regression",
            "logistic regression (L-BFGS)",
            1_000_000,
            Box::new(|_, c| {
                LogisticRegression::default().fit(c).unwrap();
            }),
        ),
        family(
            "lasso",
            "lasso (α = 0.01)",
            1_000_000,
            Box::new(|r, _| {
                Lasso::new(0.01).fit(r).unwrap();
            }),
        ),
        family(
            "k-means",
            "k-means (k = 8, one start)",
            1_000_000,
            Box::new(|r, _| {
                KMeans {
                    n_restarts: 1,
                    ..KMeans::new(8)
                }
                .fit(&Dataset::unlabeled(r.features().clone()).unwrap())
                .unwrap();
            }),
        ),
        family(
            "pca",
            "PCA (5 of 10 components)",
            1_000_000,
            Box::new(|r, _| {
                Pca::new(5).fit(r).unwrap();
            }),
        ),
        family(
            "naive-bayes",
            "Gaussian naive Bayes",
            1_000_000,
            Box::new(|_, c| {
                GaussianNb::default().fit(c).unwrap();
            }),
        ),
        family(
            "decision-tree",
            "decision tree (CART)",
            1_000_000,
            Box::new(|_, c| {
                DecisionTree::cart().fit(c).unwrap();
            }),
        ),
        family(
            "random-forest",
            "random forest (20 trees)",
            100_000,
            Box::new(|_, c| {
                RandomForest::new(20).fit(c).unwrap();
            }),
        ),
        family(
            "gradient-boosting",
            "gradient boosting (20 depth-3 trees)",
            1_000_000,
            Box::new(|r, _| {
                GradientBoosting::new(20).fit(r).unwrap();
            }),
        ),
        family(
            "knn",
            "5-NN, fit + 1000 queries (k-d tree)",
            1_000_000,
            Box::new(|_, c| {
                let model = Knn::new(5).fit(c).unwrap();
                let queries = c
                    .features()
                    .slice(ndarray::s![..1000.min(c.n_samples()), ..]);
                model.predict(queries).unwrap();
            }),
        ),
        family(
            "rbf-svm",
            "RBF SVM (SMO)",
            10_000,
            Box::new(|_, c| {
                KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))
                    .fit(c)
                    .unwrap();
            }),
        ),
        family(
            "linear-svm",
            "linear SVM (SGD, 100 epochs)",
            100_000,
            Box::new(|_, c| {
                LinearSvm::new(1.0).fit(c).unwrap();
            }),
        ),
        family(
            "agglomerative",
            "agglomerative (average linkage)",
            10_000,
            Box::new(|r, _| {
                Agglomerative::new(Linkage::Average)
                    .fit(&Dataset::unlabeled(r.features().clone()).unwrap())
                    .unwrap();
            }),
        ),
    ]
}

fn main() {
    usage::help_if_asked(
        "How cost grows with size: fit time, peak memory and the fitted log-log exponent of every \
         classical family at 10^3 to 10^6 rows; a run over every family is recorded in \
         benches/measured/scaling-mlnotes.csv.",
        "cargo bench --bench scaling [-- FILTER]\n\
         \x20 FILTER: run only the families whose name contains it (nothing is recorded then)",
    );
    mlnotes::memory::keep_freed_memory();
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let data: Vec<(usize, Dataset<f64>, Dataset<usize>)> = SIZES
        .iter()
        .map(|&n| {
            let (r, c) = common::synthetic(n, FEATURES, n as u64);
            (n, r, c)
        })
        .collect();
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>10}  {:>8}  {:>12}",
        "family (fit, 10 features)", "1e3 s", "1e4 s", "1e5 s", "1e6 s", "exponent", "peak MiB"
    );
    let mut record = Vec::new();
    for family in families() {
        if filter
            .as_ref()
            .is_some_and(|f| !family.name.contains(f.as_str()))
        {
            continue;
        }
        let mut points = Vec::new();
        let mut cells = Vec::new();
        let mut peak = 0;
        for (n, r, c) in &data {
            if *n > family.max_n {
                cells.push("-".to_string());
                continue;
            }
            let (t, bytes) = measure(|| (family.fit)(r, c));
            points.push((*n, t));
            record.push(format!("{},{n},{t:e}", family.key));
            peak = bytes;
            cells.push(format!("{t:.4}"));
        }
        println!(
            "{:<38} {:>10} {:>10} {:>10} {:>10}  {:>8}  {:>12.1}",
            family.name,
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            mlnotes::metrics::cost_exponent(&points, 0.001)
                .map_or("-".into(), |b| format!("{b:.2}")),
            peak as f64 / 1_048_576.0
        );
    }
    // Only a run over every family replaces the recorded measurements.
    if filter.is_none() {
        recorded::record(
            "scaling-mlnotes.csv",
            &recorded::provenance("mlnotes", "cargo bench --bench scaling"),
            "family,rows,seconds",
            &record,
        );
    }
}
