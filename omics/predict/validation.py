"""Validation designs (hold-out, k-fold, repeated k-fold, external by centre) and the
factorial grid runner that produces S0's Tables 2–3.

Every split fits a fresh clone of the pipeline on its training rows only. The threshold
that turns probabilities into calls is chosen by Youden's J on training data only: on the
inner-CV (out-of-fold) predictions of the training rows where the design has an inner CV
(hold-out and external designs, ``inner_cv`` folds), otherwise on the apparent training
predictions. Sets reported side by side: ``train`` (apparent), ``cv`` (inner CV of the
training rows, or the out-of-fold predictions of a k-fold design) and ``test`` /
``external:<centre>``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, train_test_split

from omics._result import Result
from omics.data.io import write_table, write_text
from omics.data.validate import InputError
from omics.predict.metrics import metrics_table, youden_threshold
from omics.predict.pipeline import build_pipeline, model_input

THRESHOLD_RULE = ("Youden's J on training data only (inner-CV predictions of the training rows "
                  "where the design has an inner CV, else apparent training predictions)")


@dataclass(frozen=True)
class Design:
    """A validation design.

    kind
        ``holdout`` (stratified, ``test_size``), ``kfold`` (``k`` folds × ``repeats``) or
        ``external`` (train on ``train_groups`` of ``group_column``, test on the others,
        each reported separately).
    """

    kind: str
    k: int = 5
    repeats: int = 1
    test_size: float = 0.25
    train_groups: tuple[str, ...] = ()
    group_column: str = "centre"

    @property
    def name(self) -> str:
        if self.kind == "holdout":
            return f"holdout{int(round(100 * (1 - self.test_size)))}"
        if self.kind == "kfold":
            return f"kfold{self.k}" + (f"x{self.repeats}" if self.repeats > 1 else "")
        return "external:" + "+".join(self.train_groups)

    def splits(self, y: pd.Series, groups: pd.Series | None, seed: int):
        """Yield ``(repeat, fold, train_ids, {set_name: test_ids})``."""
        ids = y.index
        if self.kind == "holdout":
            train, test = train_test_split(ids, test_size=self.test_size, stratify=y, random_state=seed)
            yield 0, 0, pd.Index(train), {"test": pd.Index(test)}
        elif self.kind == "kfold":
            for r, child in enumerate(np.random.SeedSequence(seed).spawn(self.repeats)):
                rs = int(child.generate_state(1)[0])
                folds = StratifiedKFold(self.k, shuffle=True, random_state=rs)
                for f, (tr, te) in enumerate(folds.split(np.zeros(len(y)), y)):
                    yield r, f, ids[tr], {"cv": ids[te]}
        elif self.kind == "external":
            if groups is None:
                raise InputError(f"external design: no {self.group_column!r} column to split by")
            g = groups.astype(str)
            unknown = sorted(set(self.train_groups) - set(g))
            if unknown:
                raise InputError(f"external design: training group(s) {unknown} not found in column "
                                 f"{self.group_column!r} (values: {sorted(set(g))})")
            train = ids[g.isin(self.train_groups).to_numpy()]
            tests = {f"external:{lvl}": ids[(g == lvl).to_numpy()]
                     for lvl in sorted(set(g) - set(self.train_groups))}
            if not tests:
                raise InputError("external design: every group is a training group; nothing left to test on")
            yield 0, 0, train, tests
        else:
            raise InputError(f"design kind must be holdout, kfold or external, got {self.kind!r}")


def parse_design(text: str) -> Design:
    """``holdout`` | ``holdout:0.25`` | ``kfold:5`` | ``repeated:5x10`` | ``external:Lyon+Nantes``."""
    kind, _, arg = str(text).partition(":")
    try:
        if kind == "holdout":
            return Design("holdout", test_size=float(arg) if arg else 0.25)
        if kind == "kfold":
            return Design("kfold", k=int(arg) if arg else 5)
        if kind == "repeated":
            k, _, r = (arg or "5x10").partition("x")
            return Design("kfold", k=int(k), repeats=int(r or 10))
        if kind == "external" and arg:
            return Design("external", train_groups=tuple(t for t in arg.split("+") if t))
    except ValueError:
        pass
    raise InputError(f"design {text!r}: expected holdout[:0.25], kfold[:5], repeated[:5x10] or "
                     "external:CENTRE[+CENTRE]")


def _check_xy(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    if not isinstance(X, pd.DataFrame):
        raise InputError("features: expected a patients × features DataFrame")
    if not isinstance(y, pd.Series):
        y = pd.Series(np.asarray(y), index=X.index)
    elif X.index.map(type).isin([str]).all():
        y = y.rename(index=str)  # feature tables carry text IDs (as_samples_by_features): match them
    missing = X.index.difference(y.index)
    if len(missing):
        raise InputError(f"outcome: missing for {len(missing)} patient(s), e.g. {list(missing[:3])}")
    y = y.loc[X.index]
    if y.isna().any() or not set(pd.unique(y)) <= {0, 1}:
        raise InputError("outcome: expected 0/1 values for every patient (1 = responder)")
    if y.nunique() < 2:
        raise InputError("outcome: only one class present")
    return y.astype(int)


def _fit_predict(pipeline, X, y, train, test_sets, inner_cv, seed):
    from sklearn.model_selection import cross_val_predict
    model = clone(pipeline).fit(X.loc[train], y.loc[train])
    rows = {"train": pd.Series(model.predict_proba(X.loc[train])[:, 1], index=train)}
    if inner_cv:
        folds = StratifiedKFold(inner_cv, shuffle=True, random_state=seed)
        oof = cross_val_predict(clone(pipeline), X.loc[train], y.loc[train], cv=folds, method="predict_proba")
        rows["cv"] = pd.Series(oof[:, 1], index=train)
    for name, ids in test_sets.items():
        rows[name] = pd.Series(model.predict_proba(X.loc[ids])[:, 1], index=ids)
    source = "cv" if inner_cv else "train"
    threshold = youden_threshold(y.loc[train], rows[source].loc[train])
    return model, rows, threshold, source


@dataclass(repr=False)
class Evaluation(Result):
    """Predictions and metrics of one pipeline under one validation design.

    Attributes
    ----------
    predictions : DataFrame
        One row per patient × split × set: ``patient, repeat, fold, set, y, prob,
        threshold, call`` (out-of-fold and external predictions per patient kept).
    metrics : DataFrame
        Metrics per repeat × set (pooled over folds; each prediction called at its own
        fit's threshold).
    """

    design: str
    predictions: pd.DataFrame
    metrics: pd.DataFrame
    threshold_rule: str = THRESHOLD_RULE
    labels: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """Metrics per set, averaged over repeats (SD of the AUC when repeated)."""
        num = self.metrics.drop(columns=["repeat"]).groupby("set", sort=False)
        out = num.mean(numeric_only=True)
        if self.metrics["repeat"].nunique() > 1:
            out["auc_sd"] = num["auc"].std()
        return out.reset_index()

    def to_frame(self) -> pd.DataFrame:
        frame = self.metrics.copy()
        for key, value in reversed(list(self.labels.items())):
            frame.insert(0, key, value)
        frame.insert(len(self.labels), "design", self.design)
        return frame

    def write(self, out_dir) -> dict:
        out = Path(out_dir)
        return {"metrics": write_table(self.to_frame(), out / "metrics.csv", index=False),
                "predictions": write_table(self.predictions, out / "predictions.csv", index=False),
                "threshold_rule": write_text(self.threshold_rule + "\n", out / "threshold_rule.txt")}

    def _short(self) -> str:
        s = self.summary.set_index("set")
        parts = ", ".join(f"{k} AUC {v:.3f}" for k, v in s["auc"].items())
        return f"{self.design}: {parts}"


def evaluate(pipeline, X: pd.DataFrame, y, *, design: Design | str = "holdout", groups: pd.Series | None = None,
             inner_cv: int | None = 5, seed: int = 0, labels: dict | None = None) -> Evaluation:
    """Fit and evaluate a pipeline under a validation design, leakage-safe.

    Parameters
    ----------
    pipeline
        An unfitted pipeline (e.g. from :func:`build_pipeline`); cloned for every fit.
    X
        Pipeline input (:func:`omics.predict.model_input`: features plus batch columns).
    y
        0/1 outcome per patient (1 = good responder).
    design
        A :class:`Design` or its text form (:func:`parse_design`).
    groups
        Centre per patient (external designs).
    inner_cv
        Folds of the inner CV of the training rows (hold-out and external designs; gives
        the ``cv`` set and the threshold). None: no inner CV.
    seed
        Seeds the splits (the pipeline carries its own seeds).
    labels
        Factor values written in front of every metrics row (grid runner).

    Returns
    -------
    Evaluation
    """
    design = parse_design(design) if isinstance(design, str) else design
    y = _check_xy(X, y)
    if groups is not None:
        if X.index.map(type).isin([str]).all():
            groups = groups.rename(index=str)  # text IDs, as the feature table's
        groups = groups.reindex(X.index)
    inner = inner_cv if design.kind != "kfold" else None
    rows = []
    for repeat, fold, train, tests in design.splits(y, groups, seed):
        _, preds, threshold, _ = _fit_predict(pipeline, X, y, train, tests, inner, seed)
        for name, p in preds.items():
            rows.append(pd.DataFrame({"patient": p.index.astype(str), "repeat": repeat, "fold": fold, "set": name,
                                      "y": y.loc[p.index].to_numpy(), "prob": p.to_numpy(),
                                      "threshold": threshold}))
    predictions = pd.concat(rows, ignore_index=True)
    predictions["call"] = (predictions["prob"] >= predictions["threshold"]).astype(int)
    metrics = metrics_table(predictions, by=("repeat", "set"))
    return Evaluation(design.name, predictions, metrics, labels=dict(labels or {}))


@dataclass(repr=False)
class GridResult(Result):
    """Results of a factorial grid (harmonisation × selector × classifier × design …).

    ``to_frame()`` is one row per cell × repeat × set, ``summary`` the repeat means,
    ``write(out)`` the tables of ``omics predict grid`` and :meth:`write_figures` its ROC figures.
    """

    evaluations: list[Evaluation]
    factors: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per cell × repeat × set with every metric."""
        return pd.concat([e.to_frame() for e in self.evaluations], ignore_index=True)

    @property
    def predictions(self) -> pd.DataFrame:
        parts = []
        for e in self.evaluations:
            p = e.predictions.copy()
            for key, value in reversed(list(e.labels.items())):
                p.insert(0, key, value)
            p.insert(len(e.labels), "design", e.design)
            parts.append(p)
        return pd.concat(parts, ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        """Metrics averaged over repeats, one row per cell × set."""
        frame = self.to_frame()
        keys = list(self.factors) + ["design", "set"]
        return frame.drop(columns=["repeat"]).groupby(keys, sort=False).mean(numeric_only=True).reset_index()

    def table(self) -> pd.DataFrame:
        """S0 Table 2/3 layout: one row per cell, AUC (95 % CI)/Se/Sp per set, misclassification
        rate and count on the last test set."""
        from omics.report.predict import performance_grid
        return performance_grid(self.summary, factors=list(self.factors) + ["design"])

    def write(self, out_dir) -> dict:
        from omics.report.predict import write_grid_report
        out = Path(out_dir)
        paths = {"grid": write_table(self.to_frame(), out / "grid_metrics.csv", index=False),
                 "predictions": write_table(self.predictions, out / "grid_predictions.csv", index=False),
                 "threshold_rule": write_text(THRESHOLD_RULE + "\n", out / "threshold_rule.txt")}
        paths.update(write_grid_report(self, out))
        return paths

    def roc_curves(self, evaluation: Evaluation) -> tuple[dict, dict]:
        """ROC curves and AUCs per set (first repeat) of one cell: ``({set: curve}, {set: AUC})``;
        sets with one outcome class only are left out."""
        from omics.predict.roc import roc_auc, roc_curve

        p = evaluation.predictions[evaluation.predictions["repeat"] == 0]
        curves, aucs = {}, {}
        for s, part in p.groupby("set", sort=False):
            if part["y"].nunique() == 2:
                curves[s], aucs[s] = roc_curve(part["y"], part["prob"]), roc_auc(part["y"], part["prob"])
        return curves, aucs

    def write_figures(self, out_dir) -> dict:
        """One ROC figure per cell (training, CV and held-out sets on one plot):
        ``roc_<factors>_<design>.png`` under ``out_dir``."""
        from omics.data.paths import child_path
        from omics.plotting.predict import roc_figure, save_figure

        paths = {}
        for ev in self.evaluations:
            curves, aucs = self.roc_curves(ev)
            label = "_".join(str(v) for v in ev.labels.values())
            title = " / ".join(str(v) for v in ev.labels.values()) + f" / {ev.design}"
            name = f"roc_{label}_{ev.design.replace(':', '_').replace('+', '_')}"
            paths[name] = save_figure(roc_figure(curves, aucs=aucs, title=title),
                                      child_path(out_dir, name, suffix=".png"))
        return paths

    def _short(self) -> str:
        return f"{len(self.evaluations)} cells over {', '.join(self.factors)} × design"


def _cell_designs(designs):
    return [parse_design(d) if isinstance(d, str) else d for d in designs]


def run_grid(features: pd.DataFrame, y, *, batch=None, covariates=None, groups: pd.Series | None = None,
             harmonizations=("none", "combat"), selectors=("relieff", "ttest"), classifiers=("svm", "mlp"),
             designs=("holdout",), feature_sets: dict | None = None, n_features: int = 15,
             inner_cv: int | None = 5, seed: int = 0, n_jobs: int = 1, progress: bool = False) -> GridResult:
    """Run every combination of harmonisation × selector × classifier × design (× feature set).

    Parameters
    ----------
    features
        Patients × radiomic features (DataFrame or AnnData).
    y
        0/1 response (1 = good responder).
    batch, covariates
        ComBat batch (S0: fat-suppression technique) and protected covariates.
    groups
        Centre per patient, for ``external:`` designs.
    harmonizations, selectors, classifiers
        Factor levels (see :mod:`omics.predict.pipeline`).
    designs
        Validation designs (:func:`parse_design` strings or :class:`Design`).
    feature_sets
        Optional ``{name: [columns]}``: an extra factor ``feature_set`` (S1's seven ROIs).
    n_features, inner_cv, seed
        As in :func:`build_pipeline` / :func:`evaluate`; the same seed for every cell, so
        results do not depend on the order or parallelism of the cells.
    n_jobs
        Cells run in parallel with joblib (same results as serial).

    Returns
    -------
    GridResult

    References
    ----------
    Bouhamama A et al. (2022). Radiol Imaging Cancer 4(5), e210107 (Tables 2–3).
    """
    from joblib import Parallel, delayed
    from omics.predict.pipeline import feature_frame
    features = feature_frame(features)
    sets = feature_sets or {"all": list(features.columns)}
    for name, cols in sets.items():
        missing = [c for c in cols if c not in features.columns]
        if missing:
            raise InputError(f"feature set {name!r}: {len(missing)} column(s) not in the feature table, e.g. {missing[:3]}")
    cells = list(itertools.product(sets, harmonizations, selectors, classifiers, _cell_designs(designs)))
    if any(h == "combat" for h in harmonizations) and batch is None:
        raise InputError("harmonization 'combat' needs a batch column (e.g. --batch fat_suppression)")

    def one(fs, h, s, c, d):
        X = model_input(features[sets[fs]], batch=batch, covariates=covariates)
        pipe = build_pipeline(harmonization=h, selector=s, classifier=c, n_features=n_features, seed=seed)
        labels = {"feature_set": fs} if feature_sets else {}
        labels |= {"harmonization": h, "selector": s, "classifier": c}
        return evaluate(pipe, X, y, design=d, groups=groups, inner_cv=inner_cv, seed=seed, labels=labels)

    evals = Parallel(n_jobs=n_jobs)(delayed(one)(*cell) for cell in cells)
    factors = (("feature_set",) if feature_sets else ()) + ("harmonization", "selector", "classifier")
    return GridResult(list(evals), factors)
