"""scikit-learn's scores for the `engines` experiment, on exactly its arrays and folds.

    cargo run --example engine_arrays -p mlnotes-experiments -- /tmp/engine-arrays
    python3 scripts/sklearn_engines.py /tmp/engine-arrays > experiments/data/sklearn_engines.json

Each family is scikit-learn's counterpart of the experiment's model, with the same
hyperparameters; the score is the mean over the experiment's folds (accuracy, or R² for
diabetes).
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

CLASSIFIERS = {
    "logistic regression": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=10_000)),
    "Gaussian naive Bayes": lambda: GaussianNB(),
    "CART": lambda: DecisionTreeClassifier(random_state=0),
    "kernel SVM": lambda: make_pipeline(StandardScaler(), SVC(C=1.0, gamma="scale")),
    "KNN": lambda: KNeighborsClassifier(5),
    "AdaBoost": lambda: AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=50, learning_rate=1.0, random_state=0),
    # the project draws ⌈√n⌉ features per split (scikit-learn's "sqrt" rounds down)
    "random forest": lambda p: RandomForestClassifier(n_estimators=100, max_features=ceil_sqrt(p), random_state=0),
}
REGRESSORS = {
    "least squares": lambda: LinearRegression(),
    "ridge": lambda: Ridge(alpha=1.0),
    "lasso": lambda: Lasso(alpha=0.1, tol=1e-10, max_iter=100_000),
    "regression tree": lambda: DecisionTreeRegressor(max_depth=4, random_state=0),
    "random forest (regression)": lambda p: RandomForestRegressor(n_estimators=100, max_features=ceil_sqrt(p), random_state=0),
    "gradient boosting": lambda: GradientBoostingRegressor(n_estimators=100, learning_rate=0.1, max_depth=3, random_state=0),
}
SETS = {"iris": True, "breast cancer": True, "wine quality": True, "digits": True, "diabetes": False}


def ceil_sqrt(p):
    return int(np.ceil(np.sqrt(p)))


def build(make, p):
    """A model from a factory that may take the number of features."""
    try:
        return make(p)
    except TypeError:
        return make()


def score(make, x, y, folds, classify):
    scores = []
    for test in folds:
        mask = np.zeros(len(y), dtype=bool)
        mask[test] = True
        model = build(make, x.shape[1]).fit(x[~mask], y[~mask])
        scores.append(model.score(x[mask], y[mask]))
    return float(np.mean(scores))


def main(folder):
    out = {"sklearn_version": sklearn.__version__, "script": "scripts/sklearn_engines.py", "scores": {}}
    for name, classify in SETS.items():
        slug = name.replace(" ", "_")
        data = np.loadtxt(f"{folder}/{slug}.csv", delimiter=",")
        x, y = data[:, :-1], data[:, -1]
        if classify:
            y = y.astype(int)
        with open(f"{folder}/{slug}.folds.json") as f:
            folds = json.load(f)
        for family, make in (CLASSIFIERS if classify else REGRESSORS).items():
            out["scores"][f"{family} | {name}"] = round(score(make, x, y, folds, classify), 6)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
