"""Final models: fit on all training patients, freeze with a model card, apply to new
patients; LASSO coefficient paths and SHAP values of a fitted pipeline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from omics._result import Result
from omics.data.io import atomic_path, write_text
from omics.data.validate import InputError
from omics.predict.metrics import youden_threshold
from omics.predict.pipeline import build_pipeline, describe_pipeline, model_input, selected_features

CARD_VERSION = 1


def training_hash(X: pd.DataFrame, y: pd.Series) -> str:
    """SHA-256 of the training table and outcome (IDs, column names and values)."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())
    h.update("\x1f".join(map(str, X.columns)).encode())
    h.update(pd.util.hash_pandas_object(y, index=True).to_numpy().tobytes())
    return h.hexdigest()


@dataclass(repr=False)
class FrozenModel(Result):
    """A fitted pipeline with its model card (features, steps, threshold, versions, hash).

    ``to_frame()`` lists the selected features, ``summary`` the card's scalar entries,
    ``write(out)`` (= :meth:`save`) writes ``model.joblib`` and ``model_card.json``.
    """

    pipeline: object
    card: dict

    @property
    def features(self) -> list[str]:
        return list(self.card["input_features"])

    def apply(self, features: pd.DataFrame, *, batch=None, covariates: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predict new patients: ``prob`` and ``call`` (prob ≥ the frozen threshold).

        Raises
        ------
        InputError
            If the table lacks any feature the model was trained on (all are listed), or
            the model needs a batch that is not given.
        """
        missing = [f for f in self.features if f not in features.columns]
        if missing:
            raise InputError(f"feature table lacks {len(missing)} feature(s) the model was trained on: "
                             f"{', '.join(missing)}")
        if self.card.get("needs_batch") and batch is None:
            raise InputError("this model harmonises with ComBat: give the batch (e.g. --batch fat_suppression)")
        X = model_input(features[self.features], batch=batch if self.card.get("needs_batch") else None,
                        covariates=covariates)
        prob = self.pipeline.predict_proba(X)[:, 1]
        thr = float(self.card["threshold"])
        return pd.DataFrame({"prob": prob, "call": (prob >= thr).astype(int)}, index=features.index.rename("patient_id"))

    def predict_proba(self, features: pd.DataFrame, *, batch=None, covariates: pd.DataFrame | None = None) -> pd.Series:
        """Predicted probability per patient (Series ``prob`` indexed by patient ID); see :meth:`apply`."""
        return self.apply(features, batch=batch, covariates=covariates)["prob"]

    def predict(self, features: pd.DataFrame, *, batch=None, covariates: pd.DataFrame | None = None) -> pd.Series:
        """0/1 call per patient at the frozen threshold (Series ``call`` indexed by patient ID)."""
        return self.apply(features, batch=batch, covariates=covariates)["call"]

    def save(self, out_dir) -> dict:
        """Write ``model.joblib`` and ``model_card.json`` (atomically)."""
        import joblib
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "model.joblib") as tmp:
            joblib.dump(self.pipeline, tmp)
        card = write_text(json.dumps(self.card, indent=2, default=str) + "\n", out / "model_card.json")
        return {"model": out / "model.joblib", "card": card}

    write = save

    @classmethod
    def load(cls, path) -> "FrozenModel":
        """Load a model folder written by :meth:`save`."""
        import joblib
        path = Path(path)
        folder = path if path.is_dir() else path.parent
        if not (folder / "model.joblib").exists() or not (folder / "model_card.json").exists():
            raise InputError(f"{folder}: expected model.joblib and model_card.json (from `omics predict fit`)")
        card = json.loads((folder / "model_card.json").read_text())
        return cls(joblib.load(folder / "model.joblib"), card)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": self.card["selected_features"]})

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.card.items() if not isinstance(v, (list, dict))}])

    def _short(self) -> str:
        c = self.card
        return (f"{c['harmonization']}/{c['selector']}/{c['classifier']}, "
                f"{len(c['selected_features'])} selected of {len(c['input_features'])} features, "
                f"threshold {c['threshold']:.3f}, trained on {c['n_train']}")


def fit_model(features: pd.DataFrame, y, *, batch=None, covariates=None, harmonization: str = "none",
              selector: str = "relieff", classifier: str = "svm", n_features: int = 15, inner_cv: int = 5,
              seed: int = 0) -> FrozenModel:
    """Fit the final model on all given patients and freeze it with a model card.

    The threshold is Youden's J on ``inner_cv``-fold out-of-fold predictions of these
    patients (training data only); the card records it with the selected features, the
    steps, package versions and a hash of the training data.
    """
    from omics.data.provenance import package_versions
    from omics.predict.pipeline import feature_frame
    from omics.predict.validation import _check_xy
    features = feature_frame(features)
    y = _check_xy(features, y)
    X = model_input(features, batch=batch if harmonization == "combat" else None, covariates=covariates)
    pipe = build_pipeline(harmonization=harmonization, selector=selector, classifier=classifier,
                          n_features=n_features, seed=seed)
    folds = StratifiedKFold(inner_cv, shuffle=True, random_state=seed)
    oof = cross_val_predict(clone(pipe), X, y, cv=folds, method="predict_proba")[:, 1]
    threshold = youden_threshold(y, oof)
    fitted = clone(pipe).fit(X, y)
    card = {
        "card_version": CARD_VERSION, "harmonization": harmonization, "selector": selector,
        "classifier": classifier, "n_features": n_features, "seed": seed,
        "input_features": list(map(str, features.columns)),
        "selected_features": selected_features(fitted),
        "steps": describe_pipeline(fitted), "needs_batch": harmonization == "combat",
        "batches": list(fitted.named_steps["harmonize"].combat_.batches_) if harmonization == "combat" else [],
        "covariates": [] if covariates is None else list(map(str, covariates.columns)),
        "threshold": threshold, "threshold_rule": f"Youden's J on {inner_cv}-fold out-of-fold training predictions",
        "n_train": int(len(y)), "n_cases": int(y.sum()),
        "training_hash": training_hash(features, y),
        "versions": package_versions(packages=("omics", "numpy", "pandas", "scikit-learn", "scipy", "imbalanced-learn",
                                      "skrebate", "joblib")),
    }
    return FrozenModel(fitted, card)


def lasso_path(features: pd.DataFrame, y, *, n_cs: int = 30, cv: int = 5, seed: int = 0) -> pd.DataFrame:
    """L1-logistic coefficient path on z-scored features, with the CV Brier score per λ.

    Returns a tidy table ``lambda, C, feature, coef, cv_brier`` (λ = 1/(C·n), glmnet scale);
    the chosen λ (lowest CV Brier score) is flagged in ``chosen``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import l1_min_c
    from omics.predict.validation import _check_xy
    y = _check_xy(features, y)
    Z = (features - features.mean()) / features.std(ddof=0).replace(0, 1)
    cs = l1_min_c(Z.to_numpy(), y.to_numpy(), loss="log") * np.logspace(0, 3, n_cs)
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(Z, y))
    rows = []
    for c in cs:
        model = LogisticRegression(C=c, l1_ratio=1.0, solver="liblinear", max_iter=5000, random_state=seed) \
            if "l1_ratio" in LogisticRegression().get_params() else \
            LogisticRegression(C=c, penalty="l1", solver="liblinear", max_iter=5000, random_state=seed)
        briers = []
        for tr, te in folds:
            m = clone(model).fit(Z.iloc[tr], y.iloc[tr])
            briers.append(np.mean((m.predict_proba(Z.iloc[te])[:, 1] - y.iloc[te]) ** 2))
        coef = clone(model).fit(Z, y).coef_.ravel()
        for f, b in zip(Z.columns, coef):
            rows.append({"lambda": 1 / (c * len(y)), "C": c, "feature": f, "coef": b, "cv_brier": np.mean(briers)})
    path = pd.DataFrame(rows)
    best = path.loc[path["cv_brier"].idxmin(), "lambda"]
    path["chosen"] = path["lambda"] == best
    return path


def shap_values(model: FrozenModel | object, features: pd.DataFrame, *, batch=None, background: int = 50,
                seed: int = 0) -> pd.DataFrame:
    """SHAP values of the final model's selected features (permutation explainer, seeded).

    The pipeline's steps up to the classifier transform the patients; the classifier's
    probability is explained over the selected features with a background of up to
    ``background`` training patients. Returns a tidy table ``patient, feature, value,
    shap``.

    References
    ----------
    Lundberg SM, Lee S-I (2017). A unified approach to interpreting model predictions. NeurIPS.
    """
    import shap
    pipe = model.pipeline if isinstance(model, FrozenModel) else model
    needs_batch = isinstance(model, FrozenModel) and model.card.get("needs_batch")
    cols = model.features if isinstance(model, FrozenModel) else list(features.columns)
    X = model_input(features[cols], batch=batch if needs_batch else None)
    Z = X
    for _, step in pipe.steps[:-1]:
        if hasattr(step, "transform"):
            Z = step.transform(Z)
    clf = pipe.steps[-1][1]
    rng = np.random.default_rng(seed)
    bg = Z.iloc[np.sort(rng.choice(len(Z), min(background, len(Z)), replace=False))]
    explainer = shap.PermutationExplainer(lambda a: clf.predict_proba(pd.DataFrame(a, columns=Z.columns))[:, 1],
                                          shap.maskers.Independent(bg, max_samples=len(bg)), seed=seed)
    values = explainer(Z.to_numpy(), max_evals=2 * Z.shape[1] + 1, silent=True).values
    long = pd.DataFrame(values, index=Z.index, columns=Z.columns).stack().rename("shap").reset_index()
    long.columns = ["patient", "feature", "shap"]
    long["value"] = Z.stack().to_numpy()
    return long
