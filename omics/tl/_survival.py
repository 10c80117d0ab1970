"""Survival and association on an AnnData's ``obs``: ``tl.km``, ``tl.cox``, ``tl.cindex``, ``tl.associate``.

Each function reads its columns (time, event, groupings, covariates) from ``adata.obs``, runs
the DataFrame function of :mod:`omics.survival` / :mod:`omics.stats` and stores the tables in
``adata.uns[key_added]`` (``{"params": {...}, "summary": DataFrame, ...}``) — DataFrames stay
DataFrames, so they survive ``write_h5ad`` / ``write_h5mu``. No statistics are computed here.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from omics.data.errors import InputError
from omics.tl._anndata import finish, obs_column, put_uns, target


def _obs_frame(adata, columns: Sequence[str], source: str) -> pd.DataFrame:
    """The named obs columns as a DataFrame indexed by text IDs; a missing column is named."""
    columns = list(dict.fromkeys(columns))
    return pd.DataFrame({c: obs_column(adata, c, source=source) for c in columns})


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def km(adata, *, groupby: str, time: str, event: str, times: Sequence[float] = (12.0, 36.0, 60.0),
       conf_type: str = "log", key_added: str = "km", copy: bool = False):
    """Kaplan–Meier curves and log-rank tests of the groups in ``obs[groupby]``.

    Runs :func:`omics.survival.kaplan_meier_by` on ``obs[[time, event, groupby]]`` (complete
    cases) and stores ``uns[key_added]``:

    * ``params`` — ``groupby, time, event, times, conf_type``;
    * ``summary`` — the wide summary (per group n, events, median with CI, S(t) at ``times``);
    * ``table`` — the tidy curve (one row per group and time);
    * ``logrank`` — ``grouping, n, dropped, chisq, df, p``;
    * ``pairwise`` — pairwise log-rank tests (BH-adjusted).

    Parameters
    ----------
    adata
        AnnData or one MuData modality; ``time``, ``event`` and ``groupby`` are obs columns.
    times
        Times of the survival probabilities in ``summary``.
    copy
        Work on a copy and return it (otherwise write in place and return None).
    """
    from omics.survival.km import kaplan_meier_by

    adata = target(adata, copy, source="tl.km")
    data = _obs_frame(adata, [time, event, groupby], "tl.km")
    res = kaplan_meier_by(data, [groupby], time, event, times=times, conf_type=conf_type, source="tl.km")
    put_uns(adata, key_added,
            params={"groupby": groupby, "time": time, "event": event, "times": [float(t) for t in times],
                    "conf_type": conf_type},
            summary=res.summary, table=res.to_frame(), logrank=res.logrank_table(),
            pairwise=res.pairwise_table())
    return finish(adata, copy)


def cox(adata, *, time: str, event: str, formula: str | None = None, covariates: Sequence[str] | None = None,
        reference: Mapping[str, str] | None = None, ties: str = "efron", key_added: str = "cox",
        copy: bool = False):
    """Cox model of obs columns, given as a ``formula`` (``"hrf + age"``) or a list of ``covariates``.

    Runs :func:`omics.survival.cox_fit` and stores ``uns[key_added]``: ``params`` (formula,
    time, event, reference, ties, and the rule behind each reference level), ``table``
    (:func:`omics.survival.cox_table`: HRs with reference rows), ``coefficients``
    (``CoxModel.to_frame()``), ``summary`` (n, events, dropped, AIC, C, global tests) and
    ``tests`` (likelihood-ratio, Wald and score tests).
    """
    from omics.survival.cox import cox_fit, cox_table
    from omics.survival.design import additive_formula, parse_formula

    if (formula is None) == (covariates is None):
        raise InputError("tl.cox: give either formula= or covariates=")
    text = formula if formula is not None else additive_formula(_as_list(covariates))
    parsed = parse_formula(text)
    adata = target(adata, copy, source="tl.cox")
    data = _obs_frame(adata, [time, event, *parsed.variables], "tl.cox")
    model = cox_fit(data, parsed, time, event, reference=reference, ties=ties, source="tl.cox")
    put_uns(adata, key_added,
            params={"formula": str(model.formula), "time": time, "event": event,
                    "reference": {str(k): str(v) for k, v in (reference or {}).items()}, "ties": ties,
                    "reference_rules": dict(model.design_.reference_rules)},
            table=cox_table(model), coefficients=model.to_frame(), summary=model.summary,
            tests=model.global_tests())
    return finish(adata, copy)


def cindex(adata, *, models: Mapping[str, str] | Sequence[str] | str, time: str, event: str,
           comparisons: Sequence[tuple[str, str]] | None = None, reference: Mapping[str, str] | None = None,
           folds: int = 5, repeats: int = 1, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0,
           n_jobs: int = 1, interval: str = "percentile", key_added: str = "cindex", copy: bool = False):
    """Cross-validated C-index of Cox models of obs columns, with paired-bootstrap comparisons.

    Runs :func:`omics.survival.cindex_models` and stores ``uns[key_added]``: ``params``,
    ``summary`` (``CIndexResult.summary``), ``estimates``, ``comparisons``, ``folds`` (per-fold
    C on the observed data) and ``bootstrap`` (CV C-index per replicate and model).
    """
    from omics.survival.cindex import cindex_models
    from omics.survival.design import parse_formula

    if isinstance(models, str):
        models = [models]
    named = dict(models) if isinstance(models, Mapping) else {str(m): str(m) for m in models}
    variables = [v for f in named.values() for v in parse_formula(f).variables]
    adata = target(adata, copy, source="tl.cindex")
    data = _obs_frame(adata, [time, event, *variables], "tl.cindex")
    res = cindex_models(data, named, time, event, comparisons=comparisons, reference=reference, folds=folds,
                        repeats=repeats, n_boot=n_boot, alpha=alpha, seed=seed, n_jobs=n_jobs, interval=interval)
    params = {**res.params, "time": time, "event": event,
              "comparisons": [list(c) for c in (comparisons or [])]}
    put_uns(adata, key_added, params=params, summary=res.summary, estimates=res.estimates,
            comparisons=res.comparisons, folds=res.fold_values, bootstrap=res.boot)
    return finish(adata, copy)


def associate(adata, *, groupby: str | Sequence[str], variables: Sequence[str],
              categorical: Sequence[str] | None = None, categorical_method: str = "auto",
              continuous_method: str = "auto", adjust: str | None = None, seed: int = 0,
              key_added: str = "association", copy: bool = False):
    """Association of obs groupings with obs variables (chi²/Fisher, t/ANOVA or rank tests).

    Runs :func:`omics.stats.association_table` and stores ``uns[key_added]``: ``params``,
    ``summary`` (the wide table: per group ``n/N (%)`` or ``mean ± SD`` and ``p``), ``tests``
    (one row per grouping and variable) and ``cells`` (long format).
    """
    from omics.stats.association import association_table

    groupings = _as_list(groupby)
    variables = _as_list(variables)
    adata = target(adata, copy, source="tl.associate")
    data = _obs_frame(adata, [*groupings, *variables], "tl.associate")
    tab = association_table(data, groupings, variables, categorical=categorical,
                            categorical_method=categorical_method, continuous_method=continuous_method,
                            adjust=adjust, seed=seed)
    params = {"groupby": groupings, "variables": variables, "categorical": list(categorical or []),
              "categorical_method": categorical_method, "continuous_method": continuous_method,
              "adjust": adjust or "none", "seed": seed}
    put_uns(adata, key_added, params=params, summary=tab.wide(), tests=tab.tests, cells=tab.cells)
    return finish(adata, copy)
