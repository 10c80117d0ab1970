"""Hybrid groups (the cross of two groupings) and the agreement between two partitions."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2_contingency

from omics._result import Result
from omics.data.validate import InputError, check_unique_ids

HYBRID_SEPARATOR = "×"
OTHERS = "Others"


def _as_labels(labels: Any, name: str) -> pd.Series:
    if not isinstance(labels, pd.Series):
        raise InputError(f"{name}: labels must be a pandas Series indexed by patient ID")
    check_unique_ids(labels.index, f"{name} labels")
    return labels


def names_grouping(label: str, name: str) -> bool:
    """True when ``label`` already names its grouping ``name`` as a whole ``_``-separated part.

    ``AURKA_high`` names ``AURKA``; ``A_hRF`` names ``hRF``; ``A`` names nothing.
    """
    return label == name or label.startswith(f"{name}_") or label.endswith(f"_{name}")


def _suffixed(labels: pd.Series, name: str) -> pd.Series:
    """The naming rule of hybrid levels: ``A`` → ``A_name``; a label that already names its
    grouping (``A_hRF``, ``AURKA_high`` for ``AURKA``) is kept, so no ``AURKA_high_AURKA``."""
    def rename(value):
        if pd.isna(value) or value == "":
            return np.nan
        text = str(value)
        return text if names_grouping(text, name) else f"{text}_{name}"
    return labels.map(rename)


def _resolve_level(level: str, categories: list[str], names: tuple[str, str], separator: str) -> str:
    """``level`` as one of ``categories``; the short form ``A×B`` is suffixed like the labels."""
    if level in categories:
        return level
    parts = level.split(separator)
    if len(parts) == 2:
        full = separator.join(p if names_grouping(p, n) else f"{p}_{n}" for p, n in zip(parts, names))
        if full in categories:
            return full
    raise InputError(f"hybrid level {level!r} does not exist; the hybrid levels are: "
                     f"{', '.join(categories)}")


def hybrid_groups(a: pd.Series, b: pd.Series, *, names: tuple[str, str] = ("hRF", "RNA"),
                  level: str | None = None, columns: tuple[str, str] | None = None,
                  separator: str = HYBRID_SEPARATOR) -> pd.DataFrame:
    """Cross two groupings into hybrid groups, exhaustive and binarised.

    Parameters
    ----------
    a, b
        Cluster labels (e.g. ``A``, ``B``) indexed by patient ID; missing labels (NaN or empty)
        mean the patient lacks that modality.
    names
        Grouping names appended to the labels: ``A`` of ``a`` becomes ``A_hRF``; a label that
        already names its grouping (``A_hRF``; ``AURKA_high`` for the grouping ``AURKA``)
        is kept as it is.
    level
        The hybrid level contrasted with all others in ``hybrid_binary``; default: the first
        level of each grouping crossed (e.g. ``A_hRF×A_RNA``). The short form ``A×A`` is
        accepted; a level that does not exist raises :class:`InputError` listing the levels.
    columns
        Names of the two label columns (default: the lower-cased ``names``).
    separator
        Between the two labels in a hybrid level.

    Returns
    -------
    DataFrame
        Indexed by ``patient_id`` (patients of ``a``, then those only in ``b``), with the two
        suffixed label columns, ``hybrid`` (categorical over every combination of levels,
        empty unless both labels exist) and ``hybrid_binary`` (``level`` or ``Others``,
        empty where ``hybrid`` is).

    References
    ----------
    Crombé A, Lucchesi C et al. (2024) NPJ Precis Oncol 8 (doi 10.1038/s41698-024-00616-8):
    hybrid groups such as ``A_HSCAE × A_RNA`` versus Others.
    """
    a = _suffixed(_as_labels(a, names[0]), names[0])
    b = _suffixed(_as_labels(b, names[1]), names[1])
    columns = columns or (names[0].lower(), names[1].lower())
    patients = a.index.append(b.index.difference(a.index, sort=False))
    la, lb = a.reindex(patients), b.reindex(patients)
    levels_a, levels_b = sorted(la.dropna().unique()), sorted(lb.dropna().unique())
    if not levels_a or not levels_b:
        raise InputError(f"hybrid groups need labels in both groupings; {names[0]} has "
                         f"{len(levels_a)} level(s), {names[1]} has {len(levels_b)}")
    categories = [f"{x}{separator}{y}" for x in levels_a for y in levels_b]
    both = la.notna() & lb.notna()
    hybrid = pd.Series(np.nan, index=patients, dtype=object)
    hybrid[both] = la[both] + separator + lb[both]
    level = categories[0] if level is None else _resolve_level(str(level), categories, names, separator)
    binary = pd.Series(np.nan, index=patients, dtype=object)
    binary[both] = np.where(hybrid[both] == level, level, OTHERS)
    out = pd.DataFrame({columns[0]: la, columns[1]: lb,
                        "hybrid": pd.Categorical(hybrid, categories=categories),
                        "hybrid_binary": pd.Categorical(binary, categories=[level, OTHERS])},
                       index=patients)
    out.index.name = "patient_id"
    return out


@dataclass(frozen=True, repr=False)
class PartitionAgreement(Result):
    """Agreement of two partitions of the same patients (see :func:`partition_agreement`).

    Attributes
    ----------
    crosstab : DataFrame
        Counts, levels of ``a`` × levels of ``b``.
    chi2, dof, p_value
        Pearson's chi² test of independence (Yates-corrected for 2 × 2 tables, as R
        ``chisq.test``).
    adjusted_rand : float
        Adjusted Rand index (Hubert & Arabie 1985).
    n_discordant : int
        Patients outside the best one-to-one matching of levels (maximum-weight matching
        of the cross-table).
    matching : dict
        Level of ``a`` → matched level of ``b``.
    n_patients, n_dropped : int
        Patients with both labels; patients with only one.
    """

    crosstab: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    adjusted_rand: float
    n_discordant: int
    matching: dict
    n_patients: int
    n_dropped: int

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the numbers (what ``agreement.csv`` holds)."""
        return pd.DataFrame([{"n_patients": self.n_patients, "n_dropped": self.n_dropped,
                              "chi2": self.chi2, "dof": self.dof, "p_value": self.p_value,
                              "adjusted_rand": self.adjusted_rand, "n_discordant": self.n_discordant}])

    @property
    def summary(self) -> pd.DataFrame:
        """The same one-row table as :meth:`to_frame` (the cross-table is ``.crosstab``)."""
        return self.to_frame()

    def write(self, out_dir) -> dict[str, Path]:
        """Write what ``omics hybrid`` writes besides groups.csv: ``agreement.csv`` and
        ``agreement_crosstab.csv``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"agreement": write_table(self.to_frame(), out / "agreement.csv", index=False),
                "crosstab": write_table(self.crosstab, out / "agreement_crosstab.csv")}

    def _short(self) -> str:
        return (f"{self.n_patients} patients, {self.n_dropped} dropped; "
                f"chi2={self.chi2:.3f} (df {self.dof}), p={self.p_value:.3g}, "
                f"ARI={self.adjusted_rand:.3f}, discordant={self.n_discordant}")

    def __repr__(self) -> str:
        # the cross-table below the numbers: what a reader checks first
        return f"PartitionAgreement({self._short()})\n{self.crosstab}"


def partition_agreement(a: pd.Series, b: pd.Series) -> PartitionAgreement:
    """Cross-table, chi² test, adjusted Rand index and discordant patients of two groupings.

    Only patients labelled in both are used; how many were dropped is reported.

    References
    ----------
    Hubert L, Arabie P (1985) Comparing partitions. J Classif 2:193–218.
    Pearson K (1900) Philos Mag 50:157–175 (chi² test).
    """
    from sklearn.metrics import adjusted_rand_score

    a, b = _as_labels(a, "first"), _as_labels(b, "second")
    a = a.replace("", np.nan).dropna()
    b = b.replace("", np.nan).dropna()
    shared = a.index.intersection(b.index, sort=False)
    if len(shared) < 2:
        raise InputError(f"partition agreement needs at least 2 patients labelled in both groupings, "
                         f"got {len(shared)}")
    n_dropped = len(a.index.union(b.index)) - len(shared)
    la, lb = a.loc[shared].astype(str), b.loc[shared].astype(str)
    table = pd.crosstab(la, lb)
    table.index.name, table.columns.name = a.name, b.name
    if min(table.shape) < 2:
        chi2, dof, p_value = np.nan, 0, np.nan
        warnings.warn("partition agreement: one grouping has a single level; no chi² test", UserWarning,
                      stacklevel=2)
    else:
        chi2, p_value, dof, _ = chi2_contingency(table.to_numpy(), correction=True)
    rows, cols = linear_sum_assignment(table.to_numpy(), maximize=True)
    matched = int(table.to_numpy()[rows, cols].sum())
    return PartitionAgreement(
        crosstab=table, chi2=float(chi2), dof=int(dof), p_value=float(p_value),
        adjusted_rand=float(adjusted_rand_score(la, lb)), n_discordant=len(shared) - matched,
        matching={table.index[r]: table.columns[c] for r, c in zip(rows, cols)},
        n_patients=len(shared), n_dropped=n_dropped)
