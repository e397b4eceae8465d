"""scikit-learn on the shapes of `cargo bench --bench scaling`: fit seconds at 10^3..10^6 rows of
10 features (each family up to the same size as the Rust bench), the log-log exponent over the
sizes that took at least 1 ms, and the peak memory of the largest fit (tracemalloc, numpy's
allocations included; measured in a separate run, as tracing slows the fit).

    python3 benches/sklearn_scaling.py

The fit times are recorded in benches/measured/scaling-scikit-learn.csv, which the gallery that
`all` writes draws beside the Rust bench's.
"""
import os
import pathlib
import time
import tracemalloc

import numpy as np
import sklearn
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

SIZES = [1_000, 10_000, 100_000, 1_000_000]


def synthetic(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(-1, 1, (n, 10))
    s = x @ rng.uniform(-1, 1, 10)
    return x, s + 0.1 * rng.uniform(-1, 1, n), (s > 0).astype(int)


def cpu():
    """The processor's name and the thread count, for the recording's first line."""
    try:
        with open("/proc/cpuinfo") as f:
            name = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        name = "unknown processor"
    return f"{name}, {os.cpu_count()} threads"


def knn(x, y):
    KNeighborsClassifier(5, algorithm="kd_tree").fit(x, y).predict(x[:1000])


FAMILIES = [
    ("linear-regression", "linear regression", 10**6, lambda x, r, c: LinearRegression().fit(x, r)),
    ("logistic-regression", "logistic regression (lbfgs)", 10**6, lambda x, r, c: LogisticRegression().fit(x, c)),
    ("lasso", "lasso (alpha = 0.01)", 10**6, lambda x, r, c: Lasso(alpha=0.01).fit(x, r)),
    ("k-means", "k-means (k = 8, one start)", 10**6, lambda x, r, c: KMeans(8, n_init=1).fit(x)),
    ("pca", "PCA (5 of 10 components)", 10**6, lambda x, r, c: PCA(5).fit(x)),
    ("naive-bayes", "Gaussian naive Bayes", 10**6, lambda x, r, c: GaussianNB().fit(x, c)),
    ("decision-tree", "decision tree (CART)", 10**6, lambda x, r, c: DecisionTreeClassifier().fit(x, c)),
    ("random-forest", "random forest (20 trees)", 10**5, lambda x, r, c: RandomForestClassifier(20).fit(x, c)),
    ("gradient-boosting", "gradient boosting (20 depth-3 trees)", 10**6,
     lambda x, r, c: GradientBoostingRegressor(n_estimators=20, max_depth=3).fit(x, r)),
    ("knn", "5-NN, fit + 1000 queries (k-d tree)", 10**6, lambda x, r, c: knn(x, c)),
    ("rbf-svm", "RBF SVM", 10**4, lambda x, r, c: SVC().fit(x, c)),
    ("linear-svm", "linear SVM (SGD hinge, 100 epochs)", 10**5,
     lambda x, r, c: SGDClassifier(loss="hinge", max_iter=100, tol=None).fit(x, c)),
    ("agglomerative", "agglomerative (average linkage)", 10**4,
     lambda x, r, c: AgglomerativeClustering(linkage="average").fit(x)),
]


def seconds(f):
    times = []
    for _ in range(3):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
        if times[0] > 1.0:
            break
    return sorted(times)[len(times) // 2]


def exponent(points):
    pts = [(np.log(n), np.log(t)) for n, t in points if t >= 0.001]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def main():
    print(f"scikit-learn {sklearn.__version__}")
    data = {n: synthetic(n) for n in SIZES}
    print(f"{'family (fit, 10 features)':<38} " + " ".join(f"{f'1e{len(str(n)) - 1} s':>10}" for n in SIZES)
          + f"  {'exponent':>8}  {'peak MiB':>10}")
    record = []
    for key, name, max_n, fit in FAMILIES:
        points, cells = [], []
        for n in SIZES:
            if n > max_n:
                cells.append("-")
                continue
            x, r, c = data[n]
            t = seconds(lambda: fit(x, r, c))
            points.append((n, t))
            record.append(f"{key},{n},{t:.6e}")
            cells.append(f"{t:.4f}")
        x, r, c = data[max(n for n, _ in points)]
        tracemalloc.start()
        fit(x, r, c)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        b = exponent(points)
        print(f"{name:<38} " + " ".join(f"{cell:>10}" for cell in cells)
              + f"  {'-' if b is None else f'{b:.2f}':>8}  {peak / 2**20:10.1f}")
    path = pathlib.Path(__file__).parent / "measured" / "scaling-scikit-learn.csv"
    header = (f"# scikit-learn {sklearn.__version__}: python3 benches/sklearn_scaling.py "
              f"({cpu()})\nfamily,rows,seconds\n")
    path.write_text(header + "\n".join(record) + "\n")
    print(f"recorded {path}")


if __name__ == "__main__":
    main()
