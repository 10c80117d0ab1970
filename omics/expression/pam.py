"""Nearest shrunken centroids (PAM; Tibshirani et al. 2002, R ``pamr``).

For gene *i* and class *k* (samples × genes in, as everywhere in omics)::

    s_i      pooled within-class SD (df n − K);  s0 = median_i s_i   (offset_percent = 50)
    m_k      sqrt(1/n_k − 1/n)
    d_ik     (x̄_ik − x̄_i) / (m_k (s_i + s0))
    d'_ik    sign(d_ik) (|d_ik| − Δ)_+                       (soft thresholding)
    x̄'_ik    x̄_i + m_k (s_i + s0) d'_ik                      (shrunken centroid)
    δ_k(x*)  −½ Σ_i (x*_i − x̄'_ik)² / (s_i + s0)² + log π_k   (genes with any d' ≠ 0)

and the posterior is ``softmax_k δ_k``. The threshold grid is 30 values from 0 to
``max |d_ik|``; the threshold is chosen by balanced K-fold cross-validation (each fold
refits centroids and SDs on its training part with the full-data grid, priors and
``m_k``, as ``pamr.cv``): minimum CV error, ties broken towards the **largest** threshold
(the smallest signature). This is not scikit-learn's ``NearestCentroid``, which has no
``s0``, no class priors and no ``m_k`` scaling.

An imbalanced contrast (say 18 vs 140 samples) is where this rule can return nothing: with
class-proportion priors the CV error of "always the majority class" (18/158) often ties
the best signature, and the tie goes to zero genes. So the fit **warns** (:class:`PAMWarning`,
saying what to do) when the chosen CV error is no better than the majority-class rate or
the signature is empty; ``prior="uniform"`` (every class 1/K, pamr's ``prior``) and
``error="balanced"`` (mean of per-class error rates for the threshold choice) are the
usual remedies. ``folds=`` takes pamr.cv's folds, so a pamr analysis can be replayed fold
for fold.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from omics._result import EstimatorResult
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError

__all__ = ["NearestShrunkenCentroids", "PAMWarning", "balanced_folds", "soft_threshold", "pam_signature"]

#: Threshold-choice error measures: the misclassification rate (pamr) or the mean of the
#: per-class error rates.
ERRORS = ("overall", "balanced")


class PAMWarning(UserWarning):
    """The PAM threshold choice found no signal (no better than the majority class, or no gene)."""


def soft_threshold(delta: np.ndarray, threshold: float) -> np.ndarray:
    """Soft thresholding ``sign(d) · (|d| − threshold)_+`` (pamr ``soft.shrink``)."""
    dif = np.abs(delta) - threshold
    return np.sign(delta) * dif * (dif > 0)


def balanced_folds(y, *, n_folds: int | None = None, random_state=None) -> list[np.ndarray]:
    """Class-balanced cross-validation folds, as pamr's ``balanced.folds``.

    The samples of each class are shuffled and dealt to the folds in turn, starting at
    the first fold for every class, so each fold holds ``floor`` or ``ceil`` of
    ``n_k / n_folds`` samples of class *k*. The default number of folds is
    ``min(smallest class size, 10)``; it never exceeds the largest class size.

    Parameters
    ----------
    y
        Class labels.
    n_folds
        Number of folds (default: pamr's).
    random_state
        Seed or ``numpy.random.Generator``.

    Returns
    -------
    list of numpy.ndarray
        Sorted sample positions of each fold.
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if n_folds is None:
        n_folds = min(int(counts.min()), 10)
    n_folds = min(int(n_folds), int(counts.max()))
    if n_folds < 2:
        raise InputError(f"balanced folds need at least 2 folds; got {n_folds} "
                         f"(class sizes {dict(zip(classes.tolist(), counts.tolist()))})")
    rng = np.random.default_rng(random_state)
    folds: list[list[int]] = [[] for _ in range(n_folds)]
    for cls in classes:
        members = rng.permutation(np.flatnonzero(y == cls))
        for i, sample in enumerate(members):
            folds[i % n_folds].append(int(sample))
    return [np.sort(np.asarray(f, dtype=int)) for f in folds]


@dataclass
class _Centroids:
    """Centroid statistics of one training set (genes in columns)."""

    centroids: np.ndarray        # K × p
    overall: np.ndarray          # p
    sd: np.ndarray               # p, s_i + s0
    offset: float                # s0
    delta: np.ndarray            # K × p, d_ik


def _centroid_stats(x: np.ndarray, codes: np.ndarray, n_classes: int, offset_percent: float,
                    se_scale: np.ndarray | None = None) -> tuple[_Centroids, np.ndarray]:
    n = x.shape[0]
    indicator = np.zeros((n, n_classes))
    indicator[np.arange(n), codes] = 1.0
    n_k = indicator.sum(axis=0)
    if np.any(n_k < 2):
        raise InputError("PAM: each class needs at least 2 samples in every training set; "
                         f"class sizes {n_k.astype(int).tolist()}")
    centroids = (indicator.T @ x) / n_k[:, None]
    residual = x - indicator @ centroids
    s = np.sqrt((residual ** 2).sum(axis=0) / (n - n_classes))
    offset = float(np.percentile(s, offset_percent))
    sd = s + offset
    overall = x.mean(axis=0)
    if se_scale is None:
        se_scale = np.sqrt(1.0 / n_k - 1.0 / n)
    delta = (centroids - overall) / sd / se_scale[:, None]
    return _Centroids(centroids, overall, sd, offset, delta), se_scale


def _discriminant(z: np.ndarray, shrunk: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """δ_k for standardised samples ``z`` (n × p) and shrunken differences (K × p)."""
    active = np.any(shrunk != 0, axis=0)
    if not active.any():
        return np.tile(log_prior, (z.shape[0], 1))
    c = shrunk[:, active]
    return z[:, active] @ c.T - 0.5 * (c ** 2).sum(axis=1) + log_prior


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class NearestShrunkenCentroids(EstimatorResult, ClassifierMixin, BaseEstimator):
    """PAM classifier: nearest shrunken centroids with a cross-validated threshold.

    Parameters
    ----------
    n_threshold
        Number of thresholds in the grid ``linspace(0, max|d_ik|, n_threshold)``.
    thresholds
        An explicit threshold grid instead.
    threshold
        Use this threshold for prediction and the signature instead of the CV choice.
    offset_percent
        ``s0`` is this percentile of the gene SDs (50: the median, Tibshirani 2002).
    prior
        Class priors π_k: ``None`` or ``"class"`` for the class proportions (pamr's
        default), ``"uniform"`` (1/K each), a mapping class → prior, or a sequence in the
        order of the sorted classes (as pamr's ``prior`` vector, e.g. ``[0.5, 0.5]``).
        Priors must be positive and sum to 1.
    n_folds
        CV folds (default ``min(smallest class, 10)`` as pamr); ``0`` skips CV.
    random_state
        Seed of the balanced folds.
    error
        ``"overall"`` (misclassification rate, pamr) or ``"balanced"`` (mean of the
        per-class error rates) for the threshold choice.
    folds
        Explicit CV folds instead of balanced random ones (pamr.cv's ``folds``): a list with
        one array of 0-based sample positions per fold (every sample in exactly one fold;
        R's 1-based indices minus 1), or a Series sample → fold ID aligned on ``X``.

    A scikit-learn classifier (``BaseEstimator`` + ``ClassifierMixin``: ``get_params``,
    ``set_params``, ``clone``, ``score``) and, once fitted, a result: ``to_frame()`` is
    the signature, ``summary`` the cross-validation table, ``write(out_dir)`` writes
    ``pam_signature.csv`` and ``pam_cv.csv`` (as ``omics pam``). ``X`` is samples × genes
    (DataFrame, AnnData or array, through :func:`omics.data.convert.as_samples_by_features`).

    Attributes
    ----------
    classes_, prior_, centroids_, overall_centroid_, sd_, offset_, se_scale_, delta_
        Training statistics (``sd_`` includes ``s0 = offset_``; ``delta_`` is d_ik,
        classes × genes).
    thresholds_, n_genes_, train_errors_
        The grid, the number of genes kept and the training error rate per threshold.
    folds_, cv_errors_, cv_balanced_errors_, cv_probabilities_
        Folds, CV error rate and balanced CV error rate per threshold, CV posteriors
        (n × K × thresholds).
    majority_error_
        The error of always predicting the largest class (``1 − max n_k / n``; for
        ``error="balanced"`` it is ``1 − 1/K``): the rate a useful signature must beat.
    threshold_
        The threshold used by :meth:`predict` (CV choice unless ``threshold`` given).

    References
    ----------
    Tibshirani R, Hastie T, Narasimhan B, Chu G (2002). Diagnosis of multiple cancer
    types by shrunken centroids of gene expression. PNAS 99, 6567–6572.
    Tibshirani R et al. (2003). Class prediction by nearest shrunken centroids, with
    applications to DNA microarrays. Stat Sci 18, 104–117.
    """

    def __init__(self, *, n_threshold: int = 30, thresholds=None, threshold: float | None = None,
                 offset_percent: float = 50.0, prior=None, n_folds: int | None = None,
                 random_state=0, error: str = "overall", folds=None):
        self.n_threshold = n_threshold
        self.thresholds = thresholds
        self.threshold = threshold
        self.offset_percent = offset_percent
        self.prior = prior
        self.n_folds = n_folds
        self.random_state = random_state
        self.error = error
        self.folds = folds

    # -- fitting -------------------------------------------------------------------------
    def _prior(self, y: np.ndarray) -> np.ndarray:
        n_k = np.array([(y == c).sum() for c in self.classes_], dtype=float)
        prior = self.prior
        if prior is None or (isinstance(prior, str) and prior == "class"):
            return n_k / n_k.sum()
        if isinstance(prior, str):
            if prior != "uniform":
                raise InputError(f"prior must be 'class', 'uniform', a mapping class → prior or a "
                                 f"list in class order {self.classes_.tolist()}; got {prior!r}")
            return np.full(len(self.classes_), 1.0 / len(self.classes_))
        if hasattr(prior, "keys"):
            missing = [c for c in self.classes_ if c not in prior]
            if missing:
                raise InputError(f"prior: no value for class(es) {missing}; classes {self.classes_.tolist()}")
            values = np.array([float(prior[c]) for c in self.classes_])
        else:
            values = np.asarray(prior, dtype=float).ravel()
            if len(values) != len(self.classes_):
                raise InputError(f"prior: {len(values)} value(s) for {len(self.classes_)} classes "
                                 f"(in order {self.classes_.tolist()})")
        if np.any(values <= 0) or not np.isclose(values.sum(), 1.0):
            raise InputError(f"prior must be positive and sum to 1; got {values.tolist()}")
        return values

    def fit(self, X: pd.DataFrame, y) -> "NearestShrunkenCentroids":
        """Fit centroids, the threshold grid and (unless ``n_folds=0``) the CV errors.

        Parameters
        ----------
        X
            Expression, samples × genes (e.g. voom log2-CPM).
        y
            Class label per sample (Series aligned on ``X.index``, or array-like).
        """
        X, y = self._validate(X, y)
        self.genes_ = X.columns
        x = X.to_numpy(dtype=float)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise InputError(f"PAM needs at least 2 classes; got {self.classes_.tolist()}")
        self.prior_ = self._prior(y)
        stats, self.se_scale_ = _centroid_stats(x, codes, len(self.classes_), self.offset_percent)
        self.centroids_ = stats.centroids
        self.overall_centroid_ = stats.overall
        self.sd_ = stats.sd
        self.offset_ = stats.offset
        self.delta_ = stats.delta
        if self.thresholds is not None:
            grid = np.asarray(self.thresholds, dtype=float)
        else:
            grid = np.linspace(0.0, np.abs(stats.delta).max(), self.n_threshold)
        self.thresholds_ = grid
        self.n_genes_ = np.array([self._n_active(t) for t in grid])
        train_prob = self._posteriors(x, stats, grid)
        self.train_errors_ = (train_prob.argmax(axis=1) != codes[:, None]).mean(axis=0)
        self._codes = codes
        if self.error not in ERRORS:
            raise InputError(f"error must be one of {ERRORS}, got {self.error!r}")
        shares = np.bincount(codes) / len(codes)
        self.majority_error_ = float(1 - 1 / len(shares) if self.error == "balanced" else 1 - shares.max())
        self._fit_cv(x, codes, stats, X.index)
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif self.cv_errors_ is not None:
            errors = self._choice_errors()
            best = np.flatnonzero(np.isclose(errors, errors.min(), rtol=0, atol=1e-12))
            self.threshold_ = float(grid[best.max()])
            self._warn_if_no_signal(errors[best.max()])
        else:
            raise InputError("PAM: without cross-validation (n_folds=0) give `threshold`")
        return self

    def _choice_errors(self) -> np.ndarray:
        return self.cv_balanced_errors_ if self.error == "balanced" else self.cv_errors_

    def _warn_if_no_signal(self, chosen_error: float) -> None:
        n_genes = self._n_active(self.threshold_)
        remedy = ("" if self.error == "balanced" and isinstance(self.prior, str) and self.prior == "uniform"
                  else "; try prior='uniform' with error='balanced' (CLI: --prior uniform --balanced-error)")
        remedy += ", or give a threshold from the CV table (cv_table(), pam_cv.csv)"
        if n_genes == 0:
            warnings.warn(f"PAM: the chosen threshold {self.threshold_:.4g} keeps no gene (empty "
                          f"signature; CV {self.error} error {chosen_error:.3f}, majority-class rate "
                          f"{self.majority_error_:.3f}){remedy}", PAMWarning, stacklevel=3)
        elif chosen_error >= self.majority_error_ - 1e-12:
            warnings.warn(f"PAM: the CV {self.error} error of the chosen signature ({chosen_error:.3f}, "
                          f"{n_genes} genes) is no better than always predicting the largest class "
                          f"({self.majority_error_:.3f}){remedy}", PAMWarning, stacklevel=3)

    def _validate(self, X, y) -> tuple[pd.DataFrame, np.ndarray]:
        X = as_samples_by_features(X, source="PAM expression",
                                   sample_ids=y.index if isinstance(y, pd.Series) else None)
        if isinstance(y, pd.Series):
            y = y.set_axis(y.index.map(str))
            if not y.index.equals(X.index):
                missing = X.index.difference(y.index)
                if len(missing):
                    raise InputError(f"PAM: {len(missing)} sample(s) have no class label "
                                     f"(e.g. {', '.join(map(str, missing[:3]))})")
                y = y.reindex(X.index)
            y = y.to_numpy()
        y = np.asarray(y)
        if len(y) != X.shape[0]:
            raise InputError(f"PAM: {len(y)} labels for {X.shape[0]} samples")
        if pd.isna(y).any():
            raise InputError("PAM: missing class labels; drop those samples first")
        return X, y.astype(str)

    def _n_active(self, threshold: float) -> int:
        return int(np.any(np.abs(self.delta_) - threshold > 0, axis=0).sum())

    def _posteriors(self, x_test: np.ndarray, stats: _Centroids, grid: np.ndarray) -> np.ndarray:
        """Posteriors n_test × K × len(grid) of a centroid fit at every threshold."""
        z = (x_test - stats.overall) / stats.sd
        log_prior = np.log(self.prior_)
        out = np.empty((x_test.shape[0], len(self.classes_), len(grid)))
        for j, t in enumerate(grid):
            shrunk = soft_threshold(stats.delta, t) * self.se_scale_[:, None]
            out[:, :, j] = _softmax(_discriminant(z, shrunk, log_prior))
        return out

    def _given_folds(self, index: pd.Index) -> list[np.ndarray]:
        """``folds`` as sorted position arrays; every sample in exactly one fold."""
        n = len(index)
        if isinstance(self.folds, pd.Series):
            ids = self.folds.copy()
            ids.index = ids.index.map(str)
            missing = index.map(str).difference(ids.index)
            if len(missing):
                raise InputError(f"PAM folds: {len(missing)} sample(s) have no fold "
                                 f"(e.g. {', '.join(missing[:3])})")
            ids = ids.reindex(index.map(str)).to_numpy()
            folds = [np.flatnonzero(ids == f) for f in pd.unique(ids)]
        else:
            folds = [np.sort(np.asarray(f, dtype=np.int64).ravel()) for f in self.folds]
        flat = np.concatenate(folds) if folds else np.array([], dtype=np.int64)
        if len(folds) < 2 or flat.min(initial=0) < 0 or flat.max(initial=0) >= n \
                or len(flat) != n or len(np.unique(flat)) != n:
            raise InputError(f"PAM folds: give at least 2 folds that hold every one of the {n} samples "
                             "exactly once (0-based positions; R's pamr.cv indices minus 1)")
        return [np.sort(f) for f in folds]

    def _fit_cv(self, x: np.ndarray, codes: np.ndarray, full: _Centroids, index: pd.Index) -> None:
        self.folds_, self.cv_errors_, self.cv_probabilities_ = [], None, None
        self.cv_balanced_errors_ = None
        if self.folds is not None:
            self.folds_ = self._given_folds(index)
        elif self.n_folds == 0:
            return
        else:
            self.folds_ = balanced_folds(codes, n_folds=self.n_folds, random_state=self.random_state)
        prob = np.empty((x.shape[0], len(self.classes_), len(self.thresholds_)))
        for test in self.folds_:
            train = np.setdiff1d(np.arange(x.shape[0]), test)
            stats, _ = _centroid_stats(x[train], codes[train], len(self.classes_),
                                       self.offset_percent, se_scale=self.se_scale_)
            prob[test] = self._posteriors(x[test], stats, self.thresholds_)
        self.cv_probabilities_ = prob
        wrong = prob.argmax(axis=1) != codes[:, None]
        self.cv_errors_ = wrong.mean(axis=0)
        self.cv_balanced_errors_ = np.mean([wrong[codes == k].mean(axis=0)
                                            for k in range(len(self.classes_))], axis=0)

    # -- prediction ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise InputError("PAM: call fit() first")

    def _standardised(self, X) -> tuple[np.ndarray, pd.Index]:
        frame = as_samples_by_features(X, source="PAM new data")
        if not isinstance(X, pd.DataFrame) and not hasattr(X, "obs_names"):
            frame.columns = self.genes_[:frame.shape[1]] if frame.shape[1] == len(self.genes_) else frame.columns
        missing = self.genes_.difference(frame.columns)
        if len(missing):
            raise InputError(f"PAM: {len(missing)} training gene(s) missing from the new data "
                             f"(e.g. {', '.join(map(str, missing[:3]))})")
        x = frame[self.genes_].to_numpy(dtype=float)
        return (x - self.overall_centroid_) / self.sd_, frame.index

    def shrunken_differences(self, *, threshold: float | None = None) -> pd.DataFrame:
        """``(x̄'_ik − x̄_i) / (s_i + s0)`` per gene and class (pamr's gene scores)."""
        self._check_fitted()
        t = self.threshold_ if threshold is None else float(threshold)
        shrunk = soft_threshold(self.delta_, t) * self.se_scale_[:, None]
        return pd.DataFrame(shrunk.T, index=self.genes_, columns=self.classes_)

    def decision_function(self, X, *, threshold: float | None = None) -> pd.DataFrame:
        """Discriminant scores δ_k (higher = closer to class *k*'s shrunken centroid), samples × classes."""
        self._check_fitted()
        shrunk = self.shrunken_differences(threshold=threshold).to_numpy().T
        z, index = self._standardised(X)
        scores = _discriminant(z, shrunk, np.log(self.prior_))
        return pd.DataFrame(scores, index=index, columns=self.classes_)

    def predict_proba(self, X, *, threshold: float | None = None) -> pd.DataFrame:
        """Posterior class probabilities, samples × classes (index: sample IDs)."""
        scores = self.decision_function(X, threshold=threshold)
        return pd.DataFrame(_softmax(scores.to_numpy()), index=scores.index, columns=scores.columns)

    def predict(self, X, *, threshold: float | None = None) -> pd.Series:
        """The class of largest posterior (the first class on ties, as pamr), indexed by sample ID."""
        scores = self.decision_function(X, threshold=threshold)
        return pd.Series(self.classes_[scores.to_numpy().argmax(axis=1)], index=scores.index,
                         name="predicted")

    # -- reporting -----------------------------------------------------------------------
    def cv_table(self) -> pd.DataFrame:
        """Per threshold: genes kept, training error, CV error and balanced CV error (the pamr.cv plot)."""
        self._check_fitted()
        table = pd.DataFrame({"threshold": self.thresholds_, "n_genes": self.n_genes_,
                              "train_error": self.train_errors_})
        if self.cv_errors_ is not None:
            table["cv_error"] = self.cv_errors_
            table["cv_balanced_error"] = self.cv_balanced_errors_
        table["chosen"] = np.isclose(table["threshold"], self.threshold_)
        return table

    def signature(self, *, threshold: float | None = None) -> pd.DataFrame:
        """The signature genes: shrunken centroid difference per class and direction.

        Returns
        -------
        pandas.DataFrame
            One row per gene with a non-zero shrunken difference, sorted by the largest
            absolute difference (as ``pamr.listgenes``): ``gene``, ``score_<class>`` for
            every class, ``max_abs_score``, ``class`` (the class whose centroid moves
            most) and ``direction`` (``up``/``down`` in that class).
        """
        diff = self.shrunken_differences(threshold=threshold)
        diff = diff.loc[(diff != 0).any(axis=1)]
        top = diff.abs().to_numpy().argmax(axis=1)
        table = diff.add_prefix("score_")
        table["max_abs_score"] = diff.abs().max(axis=1)
        table["class"] = diff.columns.to_numpy()[top]
        values = diff.to_numpy()[np.arange(len(diff)), top]
        table["direction"] = np.where(values > 0, "up", "down")
        table.index.name = "gene"
        order = np.lexsort((np.arange(len(table)), -table["max_abs_score"].to_numpy()))
        return table.iloc[order].reset_index()

    # -- result vocabulary ---------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The signature at the chosen threshold (:meth:`signature`)."""
        return self.signature()

    @property
    def summary(self) -> pd.DataFrame:
        """The cross-validation table (:meth:`cv_table`): genes and errors per threshold."""
        return self.cv_table()

    def write(self, out_dir) -> dict:
        """Write ``pam_signature.csv`` and ``pam_cv.csv`` (the tables of ``omics pam``)."""
        from pathlib import Path

        from omics.data.io import write_table

        out = Path(out_dir)
        return {"signature": write_table(self.signature(), out / "pam_signature.csv", index=False),
                "cv": write_table(self.cv_table(), out / "pam_cv.csv", index=False)}

    _fitted_attribute = "threshold_"

    def _short(self) -> str:
        if not hasattr(self, "threshold_"):
            return f"n_threshold={self.n_threshold}, unfitted"
        return (f"classes={self.classes_.tolist()}, threshold={self.threshold_:.4g}, "
                f"genes={self._n_active(self.threshold_)}")



def pam_signature(expr, groups, *, n_folds: int | None = 10,
                  random_state=0, **kwargs) -> tuple[NearestShrunkenCentroids, pd.DataFrame]:
    """Fit PAM with a cross-validated threshold and return ``(model, signature table)``.

    Samples without a group label are left out, with a warning. Keyword options
    (``prior``, ``error``, ``folds``, ``threshold``…) go to :class:`NearestShrunkenCentroids`,
    which describes the method, its warnings and its references. ``folds`` given as
    positions refer to the samples kept (those with a label), in the order of ``expr``.

    ``expr`` is **samples × genes** (DataFrame, AnnData or array); ``groups`` a Series of
    labels indexed by sample, or an ``obs`` column name of an AnnData ``expr``.
    """
    from omics.expression.dge import _group_labels

    groups = _group_labels(expr, groups)
    if not isinstance(groups, pd.Series):
        raise InputError("groups: expected a pandas Series of labels indexed by sample")
    labels = groups.copy()
    labels.index = labels.index.map(str)
    expr = as_samples_by_features(expr, source="PAM expression", sample_ids=labels.index)
    labels = labels.reindex(expr.index)
    keep = labels.notna() & (labels.astype(str).str.strip() != "")
    if not keep.any():
        raise InputError("groups: no sample of the expression table has a group label")
    if not keep.all():
        dropped = list(expr.index[~keep])
        warnings.warn(f"groups: {len(dropped)} sample(s) without a group label were left out "
                      f"(e.g. {', '.join(dropped[:3])})", stacklevel=2)
    model = NearestShrunkenCentroids(n_folds=n_folds, random_state=random_state, **kwargs)
    model.fit(expr.loc[keep], labels[keep].astype(str))
    return model, model.signature()
