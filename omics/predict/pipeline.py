"""Leakage-safe modelling pipelines: harmonisation, filters, selectors and classifiers.

Every data-dependent step is a scikit-learn transformer inside one ``Pipeline`` (an
imbalanced-learn ``Pipeline`` when SMOTE is used), so cross-validation and external
validation fit each step on the training rows only and merely apply it to held-out rows.

The ComBat batch (and any protected covariates) travel *with* the feature table as
reserved columns (:data:`BATCH_COLUMN`, ``__covariate__<name>``, added by
:func:`model_input`); the first step, :class:`Harmonizer`, consumes and drops them. ComBat
is applied before the z-score: ComBat is equivariant to per-feature affine maps, so
ComBat-then-z-score equals S0's z-score-then-ComBat while keeping the batch step first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import StratifiedKFold

from omics.data.validate import InputError

BATCH_COLUMN = "__batch__"
COVARIATE_PREFIX = "__covariate__"
HARMONIZATIONS = ("none", "combat")
SELECTORS = ("none", "relieff", "ttest", "mrmr", "lasso", "mrmr+lasso")
CLASSIFIERS = ("svm", "mlp", "rf", "logistic")


def feature_frame(features, *, source: str = "feature table") -> pd.DataFrame:
    """Patients × features as a float DataFrame with text patient IDs, finite values only.

    DataFrame, AnnData (or one MuData modality) and 2-D arrays are accepted through the one
    input converter :func:`omics.data.convert.as_samples_by_features`.
    """
    from omics.data.convert import as_samples_by_features

    return as_samples_by_features(features, source=source).astype(float)


def model_input(features: pd.DataFrame, *, batch=None, covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pipeline's input: features plus the reserved batch/covariate columns.

    Parameters
    ----------
    features
        Patients × features (numeric).
    batch
        Batch label per patient (Series aligned by patient ID), needed for ComBat.
    covariates
        Covariates ComBat must protect (patients × columns); they must be known for new
        patients too (never the outcome).
    """
    X = feature_frame(features).copy()
    reserved = [c for c in X.columns if str(c) == BATCH_COLUMN or str(c).startswith(COVARIATE_PREFIX)]
    if reserved:
        raise InputError(f"feature table: column name(s) {reserved} are reserved for the batch/covariates")
    if batch is not None:
        b = (batch.rename(index=str).reindex(X.index) if isinstance(batch, pd.Series)
             else pd.Series(np.asarray(batch), index=X.index))
        if b.isna().any():
            raise InputError(f"batch: missing for {int(b.isna().sum())} patient(s), e.g. {list(b.index[b.isna()][:3])}")
        X[BATCH_COLUMN] = b.astype(str).to_numpy()
    if covariates is not None:
        cov = covariates.rename(index=str).reindex(X.index)
        if cov.isna().any().any():
            raise InputError(f"covariates: missing values for patient(s) {list(cov.index[cov.isna().any(axis=1)][:3])}")
        for col in cov.columns:
            X[f"{COVARIATE_PREFIX}{col}"] = cov[col].to_numpy()
    return X


def _split_meta(X: pd.DataFrame):
    if not isinstance(X, pd.DataFrame):
        raise InputError("the pipeline needs a DataFrame (patients × features); use model_input()")
    meta = [c for c in X.columns if str(c) == BATCH_COLUMN or str(c).startswith(COVARIATE_PREFIX)]
    return X.drop(columns=meta).astype(float), X[meta]


class Harmonizer(TransformerMixin, BaseEstimator):
    """First pipeline step: ComBat on the training rows (or nothing), then drop batch columns.

    Parameters
    ----------
    method
        ``"combat"`` (``omics.harmonize.ComBat`` fitted on the rows seen in ``fit``, applied
        frozen to new rows) or ``"none"``.
    parametric
        Parametric empirical-Bayes priors (ComBat).

    References
    ----------
    Johnson WE, Li C, Rabinovic A (2007). Biostatistics 8, 118–127.
    Bouhamama A et al. (2022). Radiol Imaging Cancer 4(5), e210107 (batch = fat suppression).
    """

    def __init__(self, method: str = "none", parametric: bool = True):
        self.method = method
        self.parametric = parametric

    def _parts(self, X):
        features, meta = _split_meta(X)
        batch = meta[BATCH_COLUMN] if BATCH_COLUMN in meta else None
        cov = meta.drop(columns=[BATCH_COLUMN], errors="ignore")
        cov.columns = [str(c)[len(COVARIATE_PREFIX):] for c in cov.columns]
        return features, batch, (cov if cov.shape[1] else None)

    def fit(self, X, y=None):
        if self.method not in HARMONIZATIONS:
            raise InputError(f"harmonization must be one of {HARMONIZATIONS}, got {self.method!r}")
        features, batch, cov = self._parts(X)
        self.feature_names_in_ = np.asarray(features.columns, dtype=object)
        if self.method == "combat":
            if batch is None:
                raise InputError("ComBat needs the batch: build the input with model_input(features, batch=...)")
            from omics.harmonize import ComBat
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # constant-within-batch features stay unadjusted
                self.combat_ = ComBat(parametric=self.parametric).fit(features, batch, cov)
        return self

    def transform(self, X):
        features, batch, cov = self._parts(X)
        if self.method == "combat":
            return self.combat_.transform(features, batch, cov)
        return features

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_in_


class _ColumnSelector(TransformerMixin, BaseEstimator):
    """Base: keep the columns in ``self.columns_`` (a DataFrame in, a DataFrame out)."""

    def transform(self, X):
        if isinstance(X, pd.DataFrame):
            return X.loc[:, self.columns_]
        raise InputError("expected a DataFrame")

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.columns_, dtype=object)


class VarianceFilter(_ColumnSelector):
    """Drop features whose training variance is ≤ ``threshold`` (zero-variance filter)."""

    def __init__(self, threshold: float = 0.0):
        self.threshold = threshold

    def fit(self, X, y=None):
        var = X.var(axis=0, ddof=0)
        self.columns_ = list(X.columns[var > self.threshold])
        if not self.columns_:
            raise InputError("every feature is constant in the training rows")
        return self


class ZScore(_ColumnSelector):
    """Centre and scale each feature with the training mean and SD (DataFrame kept)."""

    def fit(self, X, y=None):
        self.columns_ = list(X.columns)
        self.mean_ = X.mean(axis=0)
        sd = X.std(axis=0, ddof=0)
        self.scale_ = sd.where(sd > 0, 1.0)
        return self

    def transform(self, X):
        return (X.loc[:, self.columns_] - self.mean_) / self.scale_


class CorrelationFilter(_ColumnSelector):
    """Drop a feature whose |Pearson r| with an already kept feature exceeds ``threshold``.

    Features are visited in decreasing order of their univariable relevance (|t| between
    classes) when ``y`` is given, so the more relevant member of a correlated pair is kept.
    """

    def __init__(self, threshold: float = 0.9):
        self.threshold = threshold

    def fit(self, X, y=None):
        order = list(X.columns)
        if y is not None:
            order = list(X.columns[np.argsort(-np.abs(_t_statistics(X, y)), kind="stable")])
        corr = np.abs(np.corrcoef(X[order].to_numpy(), rowvar=False))
        corr = np.nan_to_num(np.atleast_2d(corr))
        kept: list[int] = []
        for i in range(len(order)):
            if all(corr[i, j] <= self.threshold for j in kept):
                kept.append(i)
        chosen = {order[i] for i in kept}
        self.columns_ = [c for c in X.columns if c in chosen]
        return self


def _t_statistics(X: pd.DataFrame, y) -> np.ndarray:
    yy = np.asarray(y).astype(int)
    a, b = X.to_numpy()[yy == 1], X.to_numpy()[yy == 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.ttest_ind(a, b, equal_var=False, axis=0).statistic
    return np.nan_to_num(t)


class TTestSelector(_ColumnSelector):
    """Keep the ``k`` features with the largest |Welch t| between the classes (S0)."""

    def __init__(self, k: int = 15):
        self.k = k

    def fit(self, X, y):
        t = np.abs(_t_statistics(X, y))
        self.scores_ = pd.Series(t, index=X.columns)
        top = np.argsort(-t, kind="stable")[:min(self.k, X.shape[1])]
        self.columns_ = list(X.columns[np.sort(top)])
        return self


class ReliefFSelector(_ColumnSelector):
    """Keep the ``k`` features with the highest ReliefF weights (skrebate; S0: 10 neighbours).

    References
    ----------
    Kononenko I (1994). Estimating attributes: analysis and extensions of RELIEF. ECML.
    Urbanowicz RJ et al. (2018). Benchmarking relief-based feature selection methods for
    bioinformatics data mining. J Biomed Inform 85, 168–188 (skrebate).
    """

    def __init__(self, k: int = 15, n_neighbors: int = 10):
        self.k = k
        self.n_neighbors = n_neighbors

    def fit(self, X, y):
        from skrebate import ReliefF
        yy = np.asarray(y).astype(int)
        n_nb = min(self.n_neighbors, int(np.bincount(yy).min()) - 1)
        relief = ReliefF(n_features_to_select=min(self.k, X.shape[1]), n_neighbors=max(n_nb, 1), n_jobs=1)
        relief.fit(X.to_numpy(dtype=float), yy)
        self.scores_ = pd.Series(relief.feature_importances_, index=X.columns)
        top = np.argsort(-relief.feature_importances_, kind="stable")[:min(self.k, X.shape[1])]
        self.columns_ = list(X.columns[np.sort(top)])
        return self


class MRMRSelector(_ColumnSelector):
    """Minimum-redundancy maximum-relevance selection of ``k`` features (FCQ variant).

    Greedy: start with the feature of largest relevance (F statistic between classes);
    then repeatedly add the feature maximising relevance / mean |Pearson r| with the
    features already chosen. Written here (a short greedy loop) because the PyPI packages
    are not scikit-learn transformers and add dependencies for no gain.

    References
    ----------
    Ding C, Peng H (2005). Minimum redundancy feature selection from microarray gene
    expression data. J Bioinform Comput Biol 3(2), 185–205.
    Zhao Z, Anand R, Wang M (2019). Maximum relevance and minimum redundancy feature
    selection methods for a marketing machine learning platform. IEEE DSAA.
    """

    def __init__(self, k: int = 15):
        self.k = k

    def fit(self, X, y):
        relevance = _t_statistics(X, y) ** 2          # F = t² for two groups
        k = min(self.k, X.shape[1])
        corr = np.abs(np.nan_to_num(np.atleast_2d(np.corrcoef(X.to_numpy(dtype=float), rowvar=False))))
        chosen = [int(np.argmax(relevance))]
        redundancy = corr[chosen[0]].copy()
        while len(chosen) < k:
            score = relevance / np.maximum(redundancy / len(chosen), 1e-12)
            score[chosen] = -np.inf
            nxt = int(np.argmax(score))
            chosen.append(nxt)
            redundancy += corr[nxt]
        self.order_ = list(X.columns[chosen])
        self.columns_ = [c for c in X.columns if c in set(self.order_)]
        return self


class LassoSelector(_ColumnSelector):
    """Keep the features with non-zero L1-logistic coefficients, λ chosen by CV.

    The penalty is chosen by ``cv``-fold stratified cross-validation minimising the mean
    squared error of the predicted probability (the Brier score; S1 chose λ "to minimise
    the mean squared error"). ``C_`` is scikit-learn's inverse penalty; ``lambda_`` =
    1/(C·n) is the glmnet-scale λ. If no coefficient survives, the feature with the
    largest |t| is kept (and ``fallback_`` is True).

    References
    ----------
    Tibshirani R (1996). Regression shrinkage and selection via the lasso. JRSS B 58, 267–288.
    """

    def __init__(self, n_cs: int = 20, cv: int = 5, seed: int = 0):
        self.n_cs = n_cs
        self.cv = cv
        self.seed = seed

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegressionCV
        from sklearn.svm import l1_min_c
        yy = np.asarray(y).astype(int)
        cs = l1_min_c(X.to_numpy(), yy, loss="log") * np.logspace(0, 3, self.n_cs)
        model = LogisticRegressionCV(Cs=cs, l1_ratios=(1.0,), solver="liblinear", scoring="neg_brier_score",
                                     cv=StratifiedKFold(self.cv, shuffle=True, random_state=self.seed),
                                     max_iter=5000, random_state=self.seed, use_legacy_attributes=False) \
            if _new_logistic_cv() else \
            LogisticRegressionCV(Cs=cs, penalty="l1", solver="liblinear", scoring="neg_brier_score",
                                 cv=StratifiedKFold(self.cv, shuffle=True, random_state=self.seed),
                                 max_iter=5000, random_state=self.seed)
        model.fit(X, yy)
        coef = np.ravel(model.coef_)
        self.C_ = float(np.ravel(model.C_)[0])
        self.lambda_ = 1.0 / (self.C_ * len(yy))
        self.coef_ = pd.Series(coef, index=X.columns)
        self.fallback_ = not np.any(coef != 0)
        if self.fallback_:
            keep = [X.columns[int(np.argmax(np.abs(_t_statistics(X, yy))))]]
        else:
            keep = list(X.columns[coef != 0])
        self.columns_ = keep
        return self


def _new_logistic_cv() -> bool:
    import inspect
    from sklearn.linear_model import LogisticRegressionCV
    return "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters


class ICCFilter(_ColumnSelector):
    """Keep features reproducible across repeated segmentations (ICC ≥ ``threshold``).

    ``first`` and ``repeat`` are the features of the same patients segmented twice; only
    the patients among the training rows are used in ``fit`` (so a held-out patient's
    repeat never influences the filter). Uses ``omics.imaging.feature_icc``.

    References
    ----------
    Shrout PE, Fleiss JL (1979). Psychol Bull 86, 420–428.
    """

    def __init__(self, first: pd.DataFrame | None = None, repeat: pd.DataFrame | None = None,
                 threshold: float = 0.75, icc_type: str = "ICC2"):
        self.first = first
        self.repeat = repeat
        self.threshold = threshold
        self.icc_type = icc_type

    def fit(self, X, y=None):
        from omics.imaging import feature_icc
        if self.first is None or self.repeat is None:
            raise InputError("ICCFilter needs the first and repeat segmentation feature tables")
        train = [p for p in X.index.astype(str) if p in set(self.first.index.astype(str))]
        cols = [c for c in X.columns if c in self.first.columns]
        first = self.first.rename(index=str).loc[train, cols]
        result = feature_icc(first, self.repeat.rename(index=str), icc_type=self.icc_type, threshold=self.threshold)
        self.icc_ = result.table.set_index("feature")["icc"]
        kept = set(result.retained)
        self.columns_ = [c for c in X.columns if c in kept]
        if not self.columns_:
            raise InputError(f"ICC filter: no feature reaches ICC ≥ {self.threshold} in the training patients")
        return self


def make_selector(name: str, *, k: int = 15, seed: int = 0):
    """A selector step by name (see :data:`SELECTORS`); ``None`` for ``"none"``."""
    if name == "none":
        return None
    if name == "relieff":
        return ReliefFSelector(k=k, n_neighbors=10)
    if name == "ttest":
        return TTestSelector(k=k)
    if name == "mrmr":
        return MRMRSelector(k=k)
    if name == "lasso":
        return LassoSelector(seed=seed)
    if name == "mrmr+lasso":
        return "mrmr+lasso"
    raise InputError(f"selector must be one of {SELECTORS}, got {name!r}")


def make_classifier(name: str, *, seed: int = 0):
    """A classifier by name (see :data:`CLASSIFIERS`).

    ``svm``: linear SVM, C = 1, probabilities by Platt scaling in 5-fold CV (S0);
    ``mlp``: hidden layers 15-12-9 (S0); ``rf``: random forest tuned by 5-fold grid search
    on AUC (S1); ``logistic``: L2 logistic regression (C = 1).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    if name == "svm":
        return CalibratedClassifierCV(SVC(kernel="linear", C=1.0), method="sigmoid", cv=folds)
    if name == "mlp":
        return MLPClassifier(hidden_layer_sizes=(15, 12, 9), max_iter=2000, random_state=seed)
    if name == "rf":
        grid = {"max_depth": [3, None], "min_samples_leaf": [1, 5]}
        return GridSearchCV(RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1), grid, cv=folds,
                            scoring="roc_auc")
    if name == "logistic":
        return LogisticRegression(max_iter=5000)
    raise InputError(f"classifier must be one of {CLASSIFIERS}, got {name!r}")


def build_pipeline(*, harmonization: str = "none", selector: str = "relieff", classifier: str = "svm",
                   n_features: int = 15, correlation: float | None = None, smote: bool = False,
                   icc: tuple[pd.DataFrame, pd.DataFrame] | None = None, icc_threshold: float = 0.75,
                   seed: int = 0):
    """The whole modelling chain as one leakage-safe pipeline.

    Steps: harmonise (ComBat or none; drops the batch columns) → [ICC filter] →
    zero-variance filter → z-score → [correlation filter] → selector → [SMOTE] → classifier.

    Parameters
    ----------
    harmonization
        ``"none"`` or ``"combat"`` (input built with :func:`model_input` and a batch).
    selector
        ``relieff`` (k neighbours = 10), ``ttest``, ``mrmr``, ``lasso`` (λ by CV),
        ``mrmr+lasso`` (S1: mRMR to ``n_features`` then LASSO) or ``none``.
    classifier
        ``svm``, ``mlp``, ``rf`` or ``logistic`` (see :func:`make_classifier`).
    n_features
        Features kept by ReliefF / t-test / mRMR (S0: 15).
    correlation
        |r| threshold of the correlation filter (off when None).
    smote
        Oversample the minority class with SMOTE on the training rows (imbalanced-learn).
    icc
        ``(first, repeat)`` feature tables of repeated segmentations for the ICC filter.
    seed
        Seeds every random step.

    Returns
    -------
    sklearn.pipeline.Pipeline or imblearn.pipeline.Pipeline
    """
    steps = [("harmonize", Harmonizer(method=harmonization))]
    if icc is not None:
        steps.append(("icc", ICCFilter(icc[0], icc[1], threshold=icc_threshold)))
    steps += [("variance", VarianceFilter()), ("zscore", ZScore())]
    if correlation is not None:
        steps.append(("correlation", CorrelationFilter(threshold=correlation)))
    sel = make_selector(selector, k=n_features, seed=seed)
    if sel == "mrmr+lasso":
        steps += [("mrmr", MRMRSelector(k=n_features)), ("lasso", LassoSelector(seed=seed))]
    elif sel is not None:
        steps.append(("select", sel))
    if smote:
        from imblearn.over_sampling import SMOTE
        steps.append(("smote", SMOTE(random_state=seed)))
    steps.append(("classify", make_classifier(classifier, seed=seed)))
    if smote:
        from imblearn.pipeline import Pipeline as ImbPipeline
        return ImbPipeline(steps)
    from sklearn.pipeline import Pipeline
    return Pipeline(steps)


def selected_features(pipeline) -> list[str]:
    """The features that reach the classifier of a fitted pipeline."""
    last = None
    for name, step in pipeline.steps[:-1]:
        if hasattr(step, "columns_"):
            last = step.columns_
    return list(last) if last is not None else []


def describe_pipeline(pipeline) -> str:
    """``harmonize(combat) → zscore → select(relieff, k=15) → svm``-style one-liner."""
    parts = []
    for name, step in pipeline.steps:
        parts.append(f"{name}:{type(step).__name__}")
    return " → ".join(parts)


__all__ = ["BATCH_COLUMN", "CLASSIFIERS", "COVARIATE_PREFIX", "CorrelationFilter", "HARMONIZATIONS", "Harmonizer",
           "ICCFilter", "LassoSelector", "MRMRSelector", "ReliefFSelector", "SELECTORS", "TTestSelector",
           "VarianceFilter", "ZScore", "build_pipeline", "describe_pipeline", "make_classifier",
           "make_selector", "model_input", "selected_features"]
