"""scikit-learn's fit throughput on the shapes of `cargo bench --bench classical -- engines`,
for the README's four-column table (random draws of the same shapes; digits is sklearn's).

    python3 benches/sklearn_engines.py
"""
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier


def synthetic(n, p, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, p))
    w = rng.uniform(-1, 1, p)
    s = x @ w
    return x, s + 0.1 * rng.uniform(-1, 1, n), (s > 0).astype(int)


def per_second(f, min_secs=1.0):
    start, n = time.perf_counter(), 0
    while n == 0 or time.perf_counter() - start < min_secs:
        f()
        n += 1
    return n / (time.perf_counter() - start)


def knn_fit_predict(x, y):
    KNeighborsClassifier(5).fit(x, y).predict(x)


def main():
    print(f"scikit-learn {sklearn.__version__}")
    x, yr, yc = synthetic(10_000, 100, 11)
    rows = [
        ("least squares 10000x100", lambda: LinearRegression().fit(x, yr)),
        ("ridge (λ = 1) 10000x100", lambda: Ridge(alpha=1.0).fit(x, yr)),
        ("lasso (α = 0.01) 10000x100", lambda: Lasso(alpha=0.01).fit(x, yr)),
        ("logistic regression 10000x100", lambda: LogisticRegression().fit(x, yc)),
    ]
    blobs, _, _ = synthetic(100_000, 16, 4)
    rows.append(("k-means (k=8, 1 restart) 100000x16", lambda: KMeans(8, n_init=1).fit(blobs)))
    wide, _, _ = synthetic(10_000, 256, 5)
    rows.append(("PCA (32 components) 10000x256", lambda: PCA(32).fit(wide)))
    dx, dy = load_digits(return_X_y=True)
    bx, _, by = synthetic(100_000, 10, 7)
    for name, (a, b) in [("1797x64", (dx, dy)), ("100000x10", (bx, by))]:
        rows += [
            (f"Gaussian naive Bayes {name}", lambda a=a, b=b: GaussianNB().fit(a, b)),
            (f"decision tree (CART) {name}", lambda a=a, b=b: DecisionTreeClassifier().fit(a, b)),
            (f"AdaBoost (50 stumps) {name}", lambda a=a, b=b: AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=50).fit(a, b)),
            (f"5-NN (fit + predict itself) {name}", lambda a=a, b=b: knn_fit_predict(a, b)),
        ]
    rows.append(("random forest (100 trees) 1797x64", lambda: RandomForestClassifier(100).fit(dx, dy)))
    gx, gy, _ = synthetic(10_000, 10, 12)
    rows.append(("gradient boosting (100 x depth 3) 10000x10", lambda: GradientBoostingRegressor(n_estimators=100, max_depth=3).fit(gx, gy)))
    rows.append(("RBF SVM 1797x64", lambda: SVC().fit(dx, dy)))
    for name, f in rows:
        print(f"{name:<48} {per_second(f):10.3f} fits/s")
    wine_quality()


def wine_quality():
    """Softmax logistic regression (standardised, C = 1) on 10 stratified folds of the wine
    quality arrays `cargo bench --bench classical` writes: ms per fold and accuracy."""
    import os
    import tempfile

    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    path = os.path.join(tempfile.gettempdir(), "mlnotes-winequality.csv")
    if not os.path.exists(path):
        print("(run `cargo bench --bench classical -- wine` first for the wine quality row)")
        return
    data = np.loadtxt(path, delimiter=",")
    x, y = data[:, :-1], data[:, -1].astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    folds = StratifiedKFold(10, shuffle=True, random_state=0)
    scores = []
    runs = per_second(lambda: scores.append(cross_val_score(model, x, y, cv=folds).mean()), 2.0)
    print(f"{'logistic regression, wine quality, 10-fold CV':<48} {1000 / (runs * 10):10.1f} ms per fold (accuracy {scores[-1]:.4f})")


if __name__ == "__main__":
    main()
