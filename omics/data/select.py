"""Choosing patients: subsets by rule, patients with a value, clinical table joined with groups.

What ``omics km/cox/cindex/associate/characteristics`` do with ``--groups``, ``--require``
and ``--subset``, as functions a notebook can call on a DataFrame.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from omics.data.errors import InputError


def _has_value(column: pd.Series) -> pd.Series:
    return column.notna() & (column.astype(str).str.strip() != "")


def subset_mask(data: pd.DataFrame, rule: str, *, source: str = "data") -> pd.Series:
    """Boolean mask of the patients a rule selects.

    Rules: ``"all"``; ``"COLUMN"`` — patients with a (non-blank) value in COLUMN;
    ``"COLUMN=VALUE"`` — patients whose COLUMN equals VALUE as text, or as a number
    (``has_rna=1`` matches ``1``, ``1.0`` and ``"1"``).

    Raises
    ------
    InputError
        The column does not exist.
    """
    if rule == "all":
        return pd.Series(True, index=data.index)
    col, sep, value = rule.partition("=")
    if col not in data.columns:
        raise InputError(f"{source}: no column {col!r} for the subset rule {rule!r}; available: "
                         f"{', '.join(map(str, data.columns[:20]))}")
    if not sep:
        return _has_value(data[col])
    text = data[col].astype(str).str.strip()
    try:
        number = pd.to_numeric(data[col], errors="coerce") == float(value)
    except ValueError:
        number = pd.Series(False, index=data.index)
    return (text == value) | number


def subset_masks(data: pd.DataFrame, rules: Mapping[str, str] | Sequence[str], *,
                 source: str = "data") -> dict[str, pd.Series]:
    """``{name: mask}`` from ``{name: rule}`` or from ``"NAME=RULE"`` strings (see :func:`subset_mask`).

    ``["All=all", "RNA-seq=has_rna=1", "Training=cohort=training"]`` is the CLI's ``--subset``.
    """
    if not isinstance(rules, Mapping):
        parsed = {}
        for item in rules:
            name, sep, rule = str(item).partition("=")
            if not sep or not name.strip() or not rule:
                raise InputError(f"subset: expected NAME=all, NAME=COLUMN or NAME=COLUMN=VALUE, got {item!r}")
            parsed[name.strip()] = rule
        rules = parsed
    return {name: subset_mask(data, rule, source=f"{source}: subset {name!r}") for name, rule in rules.items()}


def with_values(data: pd.DataFrame, columns: Sequence[str], *, source: str = "data") -> pd.DataFrame:
    """The patients with a (non-blank) value in every one of ``columns`` (e.g. the RNA sub-cohort).

    Raises
    ------
    InputError
        A column does not exist, or no patient is left.
    """
    out = data
    for col in columns:
        if col not in out.columns:
            raise InputError(f"{source}: no column {col!r} to require a value in")
        out = out[_has_value(out[col])]
    if out.empty:
        raise InputError(f"{source}: no patient has a value in {list(columns)}")
    return out


def join_groups(clinical: pd.DataFrame, groups: pd.DataFrame, *, clinical_source: str = "clinical",
                groups_source: str = "groups") -> pd.DataFrame:
    """Clinical table with the group label columns joined on the patient ID.

    Group columns replace clinical columns of the same name; patients without a label get
    NaN. The overlap of the two ID sets is checked (an :class:`OverlapWarning` when partial,
    an :class:`InputError` when none).
    """
    from omics.data.validate import check_overlap

    check_overlap(clinical.index, groups.index, clinical_source, groups_source)
    out = clinical.drop(columns=[c for c in groups.columns if c in clinical.columns])
    return out.join(groups, how="left")
