"""Validation at the boundary: every check raises :class:`InputError` with a message a
person can act on (which file or table, which column, which patients).

Stages call these helpers on what they receive; nothing is dropped silently.
"""

from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from omics.data.errors import IdentifierWarning, InputError, OrientationWarning, OverlapWarning  # noqa: F401 (re-exported)


def _examples(values: Iterable, k: int = 5) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:k])
    return shown + (f", … ({len(values) - k} more)" if len(values) > k else "")


def clean_ids(ids: Sequence, source: str, *, what: str = "patient ID") -> pd.Index:
    """Identifiers as text: Unicode NFC form, surrounding white space removed.

    Identifiers are never numbers (``007`` stays ``007``); readers read them as text and
    pass them through here. A changed identifier is reported in an
    :class:`IdentifierWarning` naming it, since ``"P1 "`` and ``"P1"`` would otherwise
    silently fail to join. Missing identifiers stay missing (``check_unique_ids`` refuses
    them).

    Raises
    ------
    InputError
        If two different identifiers become the same after cleaning.
    """
    index = pd.Index(ids)
    raw = [None if pd.isna(v) else str(v) for v in index]
    cleaned = [None if v is None else unicodedata.normalize("NFC", v).strip() for v in raw]
    changed = [r for r, c in zip(raw, cleaned) if r != c]
    if changed:
        warnings.warn(f"{source}: removed surrounding white space (and normalised Unicode) in "
                      f"{len(changed)} {what}(s): "
                      f"{_examples(repr(c) for c in changed)}", IdentifierWarning, stacklevel=2)
        seen: dict[str, str] = {}
        for r, c in zip(raw, cleaned):
            if c is not None and seen.setdefault(c, r) != r:
                raise InputError(f"{source}: {what}s {seen[c]!r} and {r!r} are the same after removing "
                                 "white space; make them distinct or merge the rows")
    out = pd.Index([pd.NA if c is None else c for c in cleaned], dtype=object, name=index.name)
    return out


def check_unique_ids(ids: Sequence, source: str, *, what: str = "patient ID") -> None:
    """Refuse duplicated identifiers."""
    index = pd.Index(ids)
    if index.hasnans or (index.astype(str) == "").any():
        n = int(index.isna().sum() + (index.astype(str) == "").sum())
        raise InputError(f"{source}: {n} missing {what}(s) (empty cell in the ID column)")
    dup = index[index.duplicated()].unique()
    if len(dup):
        raise InputError(f"{source}: {len(dup)} duplicated {what}(s): {_examples(dup)}")


@dataclass(frozen=True)
class Overlap:
    """Which patients two tables share, and which only one of them has."""

    shared: list
    only_left: list
    only_right: list
    left: str
    right: str

    def __str__(self) -> str:
        parts = [f"{len(self.shared)} patients in both {self.left} and {self.right}"]
        if self.only_left:
            parts.append(f"{len(self.only_left)} only in {self.left} ({_examples(self.only_left, 3)})")
        if self.only_right:
            parts.append(f"{len(self.only_right)} only in {self.right} ({_examples(self.only_right, 3)})")
        return "; ".join(parts)


def check_overlap(left_ids: Sequence, right_ids: Sequence, left: str, right: str,
                  *, require_all_right: bool = False, warn: bool = True) -> Overlap:
    """Compare two ID sets; refuse no overlap, report (warn) a partial one.

    Parameters
    ----------
    require_all_right
        If true, every ID of ``right`` must be in ``left`` (e.g. every RNA sample must
        have a clinical row).
    """
    left_set = set(map(str, left_ids))
    right_set = set(map(str, right_ids))
    shared = [i for i in map(str, left_ids) if i in right_set]
    ov = Overlap(shared, sorted(left_set - right_set), sorted(right_set - left_set), left, right)
    if not shared:
        raise InputError(
            f"no patient IDs in common between {left} (e.g. {_examples(sorted(left_set), 3)}) "
            f"and {right} (e.g. {_examples(sorted(right_set), 3)}); check the ID column")
    if require_all_right and ov.only_right:
        raise InputError(f"{len(ov.only_right)} IDs of {right} are not in {left}: "
                         f"{_examples(ov.only_right)}")
    if warn and (ov.only_left or ov.only_right):
        warnings.warn(str(ov), OverlapWarning, stacklevel=2)
    return ov


def check_survival(df: pd.DataFrame, time: str, event: str, *, source: str = "clinical table",
                   allow_missing: bool = False) -> None:
    """Check survival columns: present, numeric, time >= 0 (as R's survival), event in {0, 1}.

    Missing values are refused unless ``allow_missing`` (then they are left for a
    complete-case analysis to drop and report).
    """
    missing = [c for c in (time, event) if c not in df.columns]
    if missing:
        raise InputError(f"{source}: missing survival column(s) {missing}; "
                         f"available columns: {_examples(list(df.columns), 12)}")
    t = pd.to_numeric(df[time], errors="coerce")
    e = pd.to_numeric(df[event], errors="coerce")
    bad_t = df.index[t.isna() & df[time].notna()]
    if len(bad_t):
        raise InputError(f"{source}: column {time!r} is not numeric for {_examples(bad_t)}")
    bad_e = df.index[df[event].notna() & ~e.isin([0, 1])]
    if len(bad_e):
        raise InputError(f"{source}: event column {event!r} must be 0/1; "
                         f"{len(bad_e)} patient(s) have other values "
                         f"(e.g. {_examples(df.loc[bad_e, event].astype(str).unique())})")
    if not allow_missing and (t.isna().any() or e.isna().any()):
        ids = df.index[t.isna() | e.isna()]
        raise InputError(f"{source}: missing survival time/event for {len(ids)} patient(s): {_examples(ids)}")
    negative = df.index[(t < 0).fillna(False)]
    if len(negative):  # time 0 is valid, as in R's survival (an event or censoring at once)
        raise InputError(f"{source}: survival time {time!r} must be >= 0; "
                         f"{len(negative)} patient(s) have a negative time: {_examples(negative)}")


def _all_numeric(df: pd.DataFrame) -> bool:
    return all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
               for t in df.dtypes.unique())


#: Largest count accepted: beyond 2**53 floats no longer hold every integer exactly.
MAX_COUNT = float(2 ** 53)


def check_counts(counts: pd.DataFrame, *, source: str = "count matrix") -> None:
    """Counts (samples × genes) must be numeric, finite, non-negative and integer-like."""
    if counts.size == 0:
        raise InputError(f"{source}: the count matrix is empty")
    if _all_numeric(counts):
        numeric = counts      # the common case: no per-column conversion (fast on 20,000 genes)
    else:
        numeric = counts.apply(pd.to_numeric, errors="coerce")
        bad_cols = numeric.columns[(numeric.isna() & counts.notna()).any(axis=0)]
        if len(bad_cols):
            raise InputError(f"{source}: non-numeric counts in {len(bad_cols)} column(s): {_examples(bad_cols)}")
    values = numeric.to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        rows = numeric.index[~finite.all(axis=1)]
        raise InputError(f"{source}: missing or infinite counts for {_examples(rows)}")
    if (values < 0).any():
        rows = numeric.index[(values < 0).any(axis=1)]
        raise InputError(f"{source}: negative counts for {len(rows)} sample(s): {_examples(rows)}")
    if (values > MAX_COUNT).any():  # checked on floats: a cast to int64 would wrap to negative numbers
        rows = numeric.index[(values > MAX_COUNT).any(axis=1)]
        raise InputError(f"{source}: counts too large (> {MAX_COUNT:.3g}, beyond exact integers; e.g. "
                         f"{values.max():.3g}) for {len(rows)} sample(s): {_examples(rows)}; "
                         "are these raw read counts?")
    fractional = np.abs(values - np.round(values)) > 1e-6
    if fractional.any():
        rows = numeric.index[fractional.any(axis=1)]
        raise InputError(f"{source}: counts must be integers (raw read counts, not normalised values); "
                         f"non-integer values for {len(rows)} sample(s): {_examples(rows)}")


def check_features(features: pd.DataFrame, *, source: str = "feature table",
                   allow_constant: bool = True) -> None:
    """Features (samples × features) must be numeric and finite (no NaN/inf)."""
    if features.shape[0] == 0 or features.shape[1] == 0:
        raise InputError(f"{source}: the feature table is empty ({features.shape[0]} × {features.shape[1]})")
    non_numeric = [c for c, t in features.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
    if non_numeric:
        raise InputError(f"{source}: non-numeric feature column(s): {_examples(non_numeric)}")
    values = features.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        cols = features.columns[bad.any(axis=0)]
        rows = features.index[bad.any(axis=1)]
        raise InputError(f"{source}: NaN or infinite values in {len(cols)} feature(s) "
                         f"({_examples(cols, 3)}) for {len(rows)} patient(s) ({_examples(rows, 3)}); "
                         "impute or drop them explicitly first")
    if not allow_constant:
        const = features.columns[np.nanstd(values, axis=0) == 0]
        if len(const):
            raise InputError(f"{source}: {len(const)} constant (zero-variance) feature(s): {_examples(const)}")


def select_patients(clinical: pd.DataFrame, selector: str, *, source: str = "clinical table") -> pd.Index:
    """Patients whose clinical ``COLUMN`` equals ``VALUE``, from a ``"COLUMN=VALUE"`` selector.

    Used to fit on a subset only (e.g. ``"cohort=training"``); values compare as text.
    """
    column, sep, value = selector.partition("=")
    if not sep or not column:
        raise InputError(f"a patient selector must look like COLUMN=VALUE (e.g. cohort=training), got {selector!r}")
    if column not in clinical.columns:
        raise InputError(f"{source}: no column {column!r} for the selector {selector!r}")
    chosen = clinical.index[clinical[column].astype(str) == value]
    if not len(chosen):
        raise InputError(f"{source}: no patient has {column} == {value!r}")
    return chosen.astype(str)
