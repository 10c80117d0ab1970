"""Cross-validated C-index of Cox models and paired-bootstrap comparison of models.

Design (DESIGN §4, study S4): for each model (a formula such as ``"rna"``, ``"hrf"``,
``"rna + hrf"``, ``"rna * hrf"``), K-fold cross-validation (default 5, folds stratified by
event): a Cox model (Efron ties) is fitted on K − 1 folds, the linear predictor of the
held-out fold is scored by Harrell's C, and the CV C-index is the mean of the K fold
C-indices (fold predictors come from different fits, so they are not pooled). Optional
repeats of the K-fold split are averaged.

Uncertainty and comparison: a paired bootstrap over patients (default 1000 replicates).
In every replicate the patients are resampled with replacement, the resample is split
into K stratified folds (copies of one patient stay in the same fold, so a patient is
never scored by a model trained on its own copy), and *every* model is refitted on the
same resample and folds. The 95 % interval of a model's C-index is the percentile
interval of its bootstrap CV C-indices (bias-corrected percentile as an option); the
comparison of two models uses the bootstrap distribution of ΔC = C_a − C_b: percentile
interval and the two-sided p-value
``min(1, 2 min((1 + #{ΔC* ≤ 0}) / (B + 1), (1 + #{ΔC* ≥ 0}) / (B + 1)))``.

Every random step comes from one ``numpy.random.SeedSequence(seed)`` spawned into one
child per CV repeat and per bootstrap replicate, so results do not depend on ``n_jobs``
or on how replicates are batched.

All fits of a batch of replicates run at once in the vectorised Newton–Raphson of
:mod:`omics.survival._efron` (a fold is a 0/1 weight mask), which is what makes 1,000
replicates × 5 folds × several models take seconds.

References
----------
Harrell FE, Lee KL, Mark DB. Stat Med 1996;15:361–387.
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall 1993.
Crombé A, Lucchesi C, et al. NPJ Precis Oncol 2024;8 (doi:10.1038/s41698-024-00616-8).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.validate import InputError
from omics.survival import _efron
from omics.survival._prep import complete_cases
from omics.survival.concordance import harrell_c_batch
from omics.survival.design import build_design, parse_formula

#: Replicates fitted together (memory ≈ chunk × folds × n × p² floats).
CHUNK = 100


def stratified_folds(event: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold label (0 … folds − 1) per patient, events and non-events spread evenly.

    Events are shuffled and dealt round-robin to the folds, then non-events continue the
    deal, so fold sizes differ by at most one and each fold has ⌊e/K⌋ or ⌈e/K⌉ events.
    """
    event = np.asarray(event)
    ev = rng.permutation(np.flatnonzero(event == 1))
    ce = rng.permutation(np.flatnonzero(event != 1))
    order = np.concatenate([ev, ce])
    fold = np.empty(event.size, dtype=int)
    fold[order] = np.arange(event.size) % folds
    return fold


def _replicate(child: np.random.SeedSequence, event: np.ndarray, folds: int,
               bootstrap: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rows (indices into the data) and their folds for one repeat or bootstrap replicate."""
    rng = np.random.default_rng(child)
    n = event.size
    rows = rng.integers(0, n, n) if bootstrap else np.arange(n)
    uniq, inv = np.unique(rows, return_inverse=True)
    fold_u = stratified_folds(event[uniq], folds, rng)
    return rows, fold_u[inv]


@dataclass(repr=False)
class CIndexResult(Result):
    """Cross-validated C-indices of several Cox models, with bootstrap intervals.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Per model: ``model, formula, c_index, lower, upper, fold_sd, n, events, folds,
        repeats, n_boot, interval``.
    comparisons : pandas.DataFrame
        Per pair: ``model_a, model_b, c_a, c_b, delta, lower, upper, p, n_boot``.
    fold_values : pandas.DataFrame
        ``model, repeat, fold, c_index`` on the observed data.
    boot : pandas.DataFrame
        CV C-index of each model (columns) in each bootstrap replicate (rows).
    n, events, n_dropped : int
        Patients used (complete cases for all models), their events, patients dropped.
    """

    estimates: pd.DataFrame
    comparisons: pd.DataFrame
    fold_values: pd.DataFrame
    boot: pd.DataFrame
    n: int
    events: int
    n_dropped: int
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Per model: CV C-index with its interval (``estimates``)."""
        return self.estimates.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """Per model ``model, c_index, lower, upper``, then per comparison ``model_a vs
        model_b`` with ΔC as ``c_index`` and its interval and ``p``."""
        est = self.estimates[["model", "c_index", "lower", "upper"]].assign(p=np.nan)
        comp = pd.DataFrame({"model": [f"{a} vs {b}" for a, b in zip(self.comparisons["model_a"],
                                                                     self.comparisons["model_b"])],
                             "c_index": self.comparisons["delta"], "lower": self.comparisons["lower"],
                             "upper": self.comparisons["upper"], "p": self.comparisons["p"]})
        return pd.concat([est, comp], ignore_index=True) if len(comp) else est.reset_index(drop=True)

    def write(self, out_dir) -> dict:
        """Write ``cindex.csv``, ``cindex_comparisons.csv``, ``cindex_folds.csv`` and
        ``cindex_bootstrap.csv`` (the tables of ``omics cindex``)."""
        from pathlib import Path

        from omics.data.io import write_table

        out = Path(out_dir)
        return {"cindex": write_table(self.estimates, out / "cindex.csv", index=False),
                "comparisons": write_table(self.comparisons, out / "cindex_comparisons.csv", index=False),
                "folds": write_table(self.fold_values, out / "cindex_folds.csv", index=False),
                "bootstrap": write_table(self.boot, out / "cindex_bootstrap.csv", index=False)}

    def _short(self) -> str:
        models = "; ".join(f"{r['model']} C={r['c_index']:.3f} ({r['lower']:.3f}–{r['upper']:.3f})"
                           for _, r in self.estimates.iterrows())
        return (f"n={self.n}, events={self.events}, dropped={self.n_dropped}, folds={self.params.get('folds')}, "
                f"n_boot={self.params.get('n_boot')}; {models}")


@dataclass(repr=False)
class CIndexComparison(Result):
    """Paired-bootstrap comparison of two models' CV C-indices (see :func:`compare_cindex`)."""

    model_a: str
    model_b: str
    c_a: float
    c_b: float
    delta: float
    lower: float
    upper: float
    p_value: float
    deltas: np.ndarray
    result: CIndexResult

    def to_frame(self) -> pd.DataFrame:
        """One row: ``model_a, model_b, c_a, c_b, delta, lower, upper, p, n_boot``."""
        return self.result.comparisons.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return self.to_frame()

    def write(self, out_dir) -> dict:
        """The files of :meth:`CIndexResult.write` (estimates, comparison, folds, bootstrap)."""
        return self.result.write(out_dir)

    def _short(self) -> str:
        return (f"{self.model_a} vs {self.model_b}: C {self.c_a:.3f} vs {self.c_b:.3f}, "
                f"ΔC={self.delta:+.3f} ({self.lower:+.3f} to {self.upper:+.3f}), p={self.p_value:.4g}, "
                f"B={self.deltas.size}")


def _cv_batch(xs: list[np.ndarray], time: np.ndarray, event: np.ndarray,
              reps: list[tuple[np.ndarray, np.ndarray]], folds: int) -> np.ndarray:
    """CV C-index per model (rows) and replicate (columns) for a batch of replicates."""
    r = len(reps)
    rows = np.stack([rep[0] for rep in reps])
    fold = np.stack([rep[1] for rep in reps])
    order = np.argsort(time[rows], axis=1, kind="stable")
    rows = np.take_along_axis(rows, order, axis=1)
    fold = np.take_along_axis(fold, order, axis=1)
    n = rows.shape[1]
    # one batch item per (replicate, fold)
    rows_b = np.repeat(rows, folds, axis=0)
    fold_b = np.repeat(fold, folds, axis=0)
    k_b = np.tile(np.arange(folds), r)
    test = fold_b == k_b[:, None]
    train = ~test
    t_b, e_b = time[rows_b], event[rows_b]
    # gather the test rows to the front (padded to the largest fold) for the C-index
    m = int(test.sum(axis=1).max())
    front = np.argsort(~test, axis=1, kind="stable")[:, :m]
    t_test = np.take_along_axis(t_b, front, axis=1)
    e_test = np.take_along_axis(e_b, front, axis=1)
    mask_test = np.take_along_axis(test, front, axis=1).astype(float)
    out = np.empty((len(xs), r))
    for j, x in enumerate(xs):
        xb = x[rows_b]
        fit = _efron.fit_batch(xb, t_b, e_b, weight=train.astype(float))
        risk = np.einsum("bnp,bp->bn", xb, fit.coef)
        risk_test = np.take_along_axis(risk, front, axis=1)
        c = harrell_c_batch(t_test, e_test, risk_test, mask_test).reshape(r, folds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[j] = np.nanmean(c, axis=1)
    return out


def _run(xs, time, event, reps, folds, n_jobs, progress=False, desc="bootstrap"):
    # replicates per batch: CHUNK, fewer for large n·p² (memory ≈ chunk·folds·n·p² floats)
    p = max(max(x.shape[1] for x in xs), 1)
    size = max(1, min(CHUNK, int(4e6 // (folds * time.size * p * p))))
    chunks = [reps[i:i + size] for i in range(0, len(reps), size)]
    if not chunks:
        return np.empty((len(xs), 0))
    if n_jobs == 1 or len(chunks) == 1:
        it = chunks
        if progress:
            from tqdm.auto import tqdm
            it = tqdm(chunks, desc=desc, unit="chunk")
        parts = [_cv_batch(xs, time, event, ch, folds) for ch in it]
    else:
        from joblib import Parallel, delayed
        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_cv_batch)(xs, time, event, ch, folds) for ch in chunks)
    return np.concatenate(parts, axis=1)


def _fold_values(xs, time, event, reps, folds):
    """Per-fold C-indices of the observed-data repeats (for reporting)."""
    rows = []
    for rep_i, rep in enumerate(reps):
        for j, x in enumerate(xs):
            order = np.argsort(time, kind="stable")
            f = rep[1][order]
            xt, tt, et = x[order], time[order], event[order]
            for k in range(folds):
                fit = _efron.fit_batch(xt[None], tt[None], et[None], weight=(f != k)[None].astype(float))
                risk = xt @ fit.coef[0]
                c = harrell_c_batch(tt[None], et[None], risk[None], (f == k)[None].astype(float))[0]
                rows.append((j, rep_i, k, c))
    return rows


def _interval(values: np.ndarray, estimate: float, alpha: float, method: str) -> tuple[float, float]:
    """Percentile or bias-corrected (BC) percentile bootstrap interval."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.nan, np.nan
    probs = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bc":
        below = (np.sum(values < estimate) + 0.5 * np.sum(values == estimate)) / values.size
        below = np.clip(below, 0.5 / values.size, 1 - 0.5 / values.size)
        z0 = stats.norm.ppf(below)
        probs = stats.norm.cdf(2 * z0 + stats.norm.ppf(probs))
    elif method != "percentile":
        raise ValueError(f"interval must be 'bc' or 'percentile', got {method!r}")
    lo, hi = np.quantile(values, probs)
    return float(lo), float(hi)


def cindex_models(data: pd.DataFrame, models: Mapping[str, str] | Sequence[str], time: str, event: str,
                  *, comparisons: Sequence[tuple[str, str]] | None = None,
                  reference: Mapping[str, str] | None = None, folds: int = 5, repeats: int = 1,
                  n_boot: int = 1000, alpha: float = 0.05, seed: int = 0, n_jobs: int = 1,
                  progress: bool = False, interval: str = "percentile") -> CIndexResult:
    """K-fold CV C-index of several Cox models with a shared paired bootstrap.

    Parameters
    ----------
    data
        Patients × covariates with the survival columns.
    models
        ``{name: formula}`` (or a list of formulas, named by themselves).
    time, event
        Survival columns.
    comparisons
        Pairs ``(model_a, model_b)`` to compare by bootstrap ΔC = C_a − C_b.
    reference
        Reference levels of categorical covariates.
    folds, repeats
        K of the K-fold split (stratified by event) and how many splits to average on the
        observed data.
    n_boot
        Bootstrap replicates (0 = none: the interval is then the range over repeats, or
        NaN with one repeat).
    alpha
        1 − confidence level of the intervals.
    interval
        ``"percentile"`` (default): percentile interval of the bootstrap values;
        ``"bc"``: bias-corrected percentile interval (Efron 1981), which re-centres the
        interval on the observed estimate when the bootstrap distribution is shifted (a
        resample's training folds hold only ~63 % distinct patients). With few events
        the bootstrap distribution of a CV C-index is wide and skewed, and BC can then
        widen the interval a lot; it is offered, not the default.
    seed, n_jobs
        Seed of the ``SeedSequence``; parallel threads (results do not depend on it).
    progress
        Show a progress bar for the bootstrap.

    Returns
    -------
    CIndexResult

    Raises
    ------
    InputError
        Unknown model names in ``comparisons``, fewer events than folds, folds < 2.

    References
    ----------
    Harrell FE et al. Stat Med 1996;15:361–387. Efron B, Tibshirani RJ 1993.
    """
    if not isinstance(models, Mapping):
        models = {str(m): str(m) for m in models}
    if not models:
        raise InputError("no model given")
    if folds < 2:
        raise InputError(f"folds must be ≥ 2, got {folds}")
    if repeats < 1 or n_boot < 0:
        raise InputError("repeats must be ≥ 1 and n_boot ≥ 0")
    comparisons = [tuple(c) for c in (comparisons or [])]
    for a, b in comparisons:
        for name in (a, b):
            if name not in models:
                raise InputError(f"comparison {a} vs {b}: unknown model {name!r}; models: {list(models)}")
    formulas = {name: parse_formula(f) for name, f in models.items()}
    variables = list(dict.fromkeys(v for f in formulas.values() for v in f.variables))
    cc = complete_cases(data, time, event, variables, source="cindex")
    n_events = int(cc.event.sum())
    if n_events < folds:
        raise InputError(f"only {n_events} event(s) among {len(cc.event)} patients: fewer events "
                         f"than folds ({folds}); use fewer folds")
    xs = []
    for name, f in formulas.items():
        design = build_design(cc.data, f, reference=reference, time=cc.time, event=cc.event)
        xs.append(design.transform(cc.data).to_numpy(dtype=float))
    children = np.random.SeedSequence(seed).spawn(repeats + n_boot)
    obs_reps = [_replicate(children[i], cc.event, folds, bootstrap=False) for i in range(repeats)]
    boot_reps = [_replicate(children[repeats + i], cc.event, folds, bootstrap=True) for i in range(n_boot)]
    observed = _run(xs, cc.time, cc.event, obs_reps, folds, 1)
    boot = _run(xs, cc.time, cc.event, boot_reps, folds, n_jobs, progress=progress)
    names = list(models)
    fold_rows = _fold_values(xs, cc.time, cc.event, obs_reps, folds)
    fold_values = pd.DataFrame([(names[j], r, k, c) for j, r, k, c in fold_rows],
                               columns=["model", "repeat", "fold", "c_index"])
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    est_rows = []
    for j, name in enumerate(names):
        c_hat = float(np.mean(observed[j]))
        if n_boot > 0:
            lo, hi = _interval(boot[j], c_hat, alpha, interval)
            how = "bootstrap BC percentile" if interval == "bc" else "bootstrap percentile"
        elif repeats > 1:
            lo, hi = np.percentile(observed[j], q)
            how = "percentile over repeats"
        else:
            lo = hi = np.nan
            how = "none"
        fv = fold_values[fold_values.model == name]["c_index"]
        est_rows.append({"model": name, "formula": str(formulas[name]), "c_index": c_hat,
                         "lower": float(lo), "upper": float(hi), "fold_sd": float(fv.std(ddof=1)),
                         "n": len(cc.event), "events": n_events, "folds": folds,
                         "repeats": repeats, "n_boot": n_boot, "interval": how})
    comp_rows = []
    for a, b in comparisons:
        ia, ib = names.index(a), names.index(b)
        delta_hat = float(np.mean(observed[ia] - observed[ib]))
        deltas = boot[ia] - boot[ib]
        deltas = deltas[np.isfinite(deltas)]
        if deltas.size:
            lo, hi = _interval(deltas, delta_hat, alpha, interval)
            nb = deltas.size
            p = min(1.0, 2 * min((1 + np.sum(deltas <= 0)) / (nb + 1), (1 + np.sum(deltas >= 0)) / (nb + 1)))
        else:
            lo = hi = p = np.nan
        comp_rows.append({"model_a": a, "model_b": b, "c_a": float(np.mean(observed[ia])),
                          "c_b": float(np.mean(observed[ib])), "delta": delta_hat,
                          "lower": float(lo), "upper": float(hi), "p": float(p),
                          "n_boot": int(deltas.size)})
    return CIndexResult(
        estimates=pd.DataFrame(est_rows),
        comparisons=pd.DataFrame(comp_rows, columns=["model_a", "model_b", "c_a", "c_b", "delta",
                                                     "lower", "upper", "p", "n_boot"]),
        fold_values=fold_values,
        boot=pd.DataFrame(boot.T, columns=names),
        n=len(cc.event), events=n_events, n_dropped=cc.n_dropped,
        params={"folds": folds, "repeats": repeats, "n_boot": n_boot, "alpha": alpha, "seed": seed,
                "interval": interval,
                "reference": dict(reference or {}), "models": {k: str(v) for k, v in models.items()}})


def cv_cindex(data: pd.DataFrame, model: str | Mapping[str, str], time: str, event: str,
              *, reference: Mapping[str, str] | None = None, folds: int = 5, repeats: int = 1,
              n_boot: int = 1000, alpha: float = 0.05, seed: int = 0, n_jobs: int = 1,
              progress: bool = False, interval: str = "percentile") -> CIndexResult:
    """Cross-validated Harrell's C of one Cox model (or several, ``{name: formula}``).

    See :func:`cindex_models` for the parameters and the method; this is the same without
    comparisons.

    Examples
    --------
    >>> res = cv_cindex(clinical, "rna + hrf", "mfs_time", "mfs_event", n_boot=200)  # doctest: +SKIP
    >>> res.estimates[["model", "c_index", "lower", "upper"]]                       # doctest: +SKIP
    """
    models = model if isinstance(model, Mapping) else {str(model): str(model)}
    return cindex_models(data, models, time, event, comparisons=None, reference=reference, folds=folds,
                         repeats=repeats, n_boot=n_boot, alpha=alpha, seed=seed, n_jobs=n_jobs,
                         progress=progress, interval=interval)


def compare_cindex(data: pd.DataFrame, model_a: str, model_b: str, time: str, event: str,
                   *, reference: Mapping[str, str] | None = None, folds: int = 5, repeats: int = 1,
                   n_boot: int = 1000, alpha: float = 0.05, seed: int = 0, n_jobs: int = 1,
                   names: tuple[str, str] | None = None, progress: bool = False,
                   interval: str = "percentile") -> CIndexComparison:
    """Paired-bootstrap test of ΔC = C(model_a) − C(model_b), both K-fold cross-validated.

    Both models are refitted in every replicate on the same resample and the same folds
    (see :func:`cindex_models`).

    Returns
    -------
    CIndexComparison
        ``delta``, its percentile interval, the two-sided bootstrap p-value and the
        bootstrap ΔC values (``deltas``).

    Examples
    --------
    >>> cmp = compare_cindex(rna_cohort, "rna + hrf", "rna", "mfs_time", "mfs_event",
    ...                      n_boot=1000, seed=1)                              # doctest: +SKIP
    >>> cmp.delta, cmp.p_value                                                  # doctest: +SKIP

    References
    ----------
    Efron B, Tibshirani RJ 1993. Crombé A, Lucchesi C, et al. NPJ Precis Oncol 2024.
    """
    na, nb = names or (str(model_a), str(model_b))
    if na == nb:
        raise InputError("compare_cindex: the two models must differ")
    res = cindex_models(data, {na: model_a, nb: model_b}, time, event, comparisons=[(na, nb)],
                        reference=reference, folds=folds, repeats=repeats, n_boot=n_boot, alpha=alpha,
                        seed=seed, n_jobs=n_jobs, progress=progress, interval=interval)
    row = res.comparisons.iloc[0]
    deltas = (res.boot[na] - res.boot[nb]).to_numpy()
    return CIndexComparison(na, nb, row["c_a"], row["c_b"], row["delta"], row["lower"], row["upper"],
                            row["p"], deltas[np.isfinite(deltas)], res)
