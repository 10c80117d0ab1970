"""The study's choice of the imaging grouping for the hybrid with RNA.

Crombé, Lucchesi et al. (2024) ran a backward stepwise Cox regression minimising AIC
"including all d-RF clusters and the covariables" to choose "the most relevant" of its
imaging groupings (h-RF, CAE, HSCAE; it kept HSCAE), then compared 5-fold CV Harrell
C-indices of each grouping, RNA, and their combination by a 1000-replicate paired bootstrap.
:func:`choose_grouping` does both with :func:`omics.survival.stepwise_cox` (covariates are
always kept) and :func:`omics.survival.cindex_models`.

Rule when several groupings survive the stepwise search: the one whose model
``grouping + covariates`` has the lowest AIC on the same complete cases; when none survives,
the same rule over all groupings, flagged ``retained=False``.

References
----------
Crombé A, Lucchesi C et al. NPJ Precis Oncol 2024;8. doi:10.1038/s41698-024-00616-8
Akaike H. IEEE TAC 1974;19:716–723. Harrell FE et al. Stat Med 1996;15:361–387.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from omics._result import Result
from omics.data.validate import InputError


@dataclass(repr=False)
class GroupingChoice(Result):
    """Result of :func:`choose_grouping`.

    Attributes
    ----------
    chosen : name of the chosen grouping column.
    retained : whether it survived the backward stepwise AIC search.
    aic : per grouping, AIC of ``grouping + covariates`` and whether stepwise kept it.
    stepwise : the :class:`~omics.survival.StepwiseResult`.
    cindex : CV C-index estimates (per grouping: alone, RNA alone, grouping + RNA) or None.
    comparisons : bootstrap ΔC of grouping + RNA vs each part, or None.
    """

    chosen: str
    retained: bool
    aic: pd.DataFrame
    stepwise: object
    cindex: pd.DataFrame | None
    comparisons: pd.DataFrame | None

    def to_frame(self) -> pd.DataFrame:
        return self.aic.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"chosen": [self.chosen], "retained_by_stepwise": [self.retained],
                             "final_formula": [str(self.stepwise.model.formula)]})

    def write(self, out_dir: str | os.PathLike) -> dict:
        """Write ``choice.csv``, ``grouping_aic.csv``, ``stepwise_path.csv`` (and the C-index
        tables when computed) under ``out_dir``, as ``omics deep choose`` does."""
        from omics.data.io import write_table

        out = Path(out_dir)
        paths = {"choice": write_table(self.summary, out / "choice.csv", index=False),
                 "aic": write_table(self.aic, out / "grouping_aic.csv", index=False),
                 "stepwise": write_table(self.stepwise.path, out / "stepwise_path.csv", index=False)}
        if self.cindex is not None:
            paths["cindex"] = write_table(self.cindex, out / "cindex.csv", index=False)
            paths["comparisons"] = write_table(self.comparisons, out / "cindex_comparisons.csv", index=False)
        return paths

    def _short(self) -> str:
        return f"chosen={self.chosen!r}, retained={self.retained}, AIC {self.aic.aic.round(1).tolist()}"


def choose_grouping(data: pd.DataFrame, groupings: Sequence[str], *, time: str, event: str,
                    covariates: Sequence[str] = (), rna: str | None = None,
                    reference: Mapping[str, str] | None = None, folds: int = 5, n_boot: int = 1000,
                    seed: int = 0, n_jobs: int = 1) -> GroupingChoice:
    """Choose the imaging grouping (stepwise Cox AIC) and compare C-indices with RNA.

    Parameters
    ----------
    data
        One row per patient: the grouping columns, covariates, survival and (optional) RNA groups.
    groupings
        Imaging grouping columns (e.g. ``hrf``, ``cae``, ``hscae``).
    covariates
        Adjustment covariates (never dropped), e.g. ``age, grade, size_mm``.
    rna
        RNA grouping column; when given, the CV C-index of RNA, each grouping and grouping + RNA
        (patients with RNA groups only) and the bootstrap ΔC of the combination vs each part.
    reference
        Reference levels of categorical columns.
    """
    from omics.survival import additive_formula, cindex_models, cox_fit, quote_name, stepwise_cox

    missing = [c for c in [*groupings, *covariates, time, event, *([rna] if rna else [])] if c not in data.columns]
    if missing:
        raise InputError(f"choose_grouping: no column(s) {', '.join(missing)} in the data")
    if len(groupings) < 1:
        raise InputError("choose_grouping: give at least one grouping")
    full = additive_formula([*groupings, *covariates])      # odd column names in backticks
    step = stepwise_cox(data, full, time, event, reference=reference, keep=list(covariates))
    kept = {t[0] for t in step.model.formula.terms if len(t) == 1}
    complete = data.dropna(subset=[*groupings, *covariates, time, event])
    rows = []
    for g in groupings:
        model = cox_fit(complete, additive_formula([g, *covariates]), time, event, reference=reference)
        rows.append({"grouping": g, "aic": model.aic_, "kept_by_stepwise": g in kept})
    aic = pd.DataFrame(rows)
    pool = aic[aic.kept_by_stepwise] if aic.kept_by_stepwise.any() else aic
    chosen = str(pool.sort_values("aic", kind="stable").iloc[0]["grouping"])
    cindex = comparisons = None
    if rna:
        sub = data.dropna(subset=[rna])
        models = {"RNA": quote_name(rna)}
        pairs = []
        for g in groupings:
            models[g] = quote_name(g)
            models[f"{g} + RNA"] = additive_formula([g, rna])
            pairs += [(f"{g} + RNA", g), (f"{g} + RNA", "RNA")]
        res = cindex_models(sub, models, time, event, comparisons=pairs, reference=reference, folds=folds, n_boot=n_boot,
                            seed=seed, n_jobs=n_jobs)
        cindex, comparisons = res.estimates, res.comparisons
    return GroupingChoice(chosen, bool(chosen in kept), aic, step, cindex, comparisons)
