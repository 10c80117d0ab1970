"""Complete-case survival data for a model: validation, dropping, reporting."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError, check_survival


class DroppedRowsWarning(UserWarning):
    """Patients were left out of an analysis because of missing values."""


@dataclass(frozen=True, repr=False)
class SurvivalData(Result):
    """Time, event and covariates of the patients an analysis used."""

    data: pd.DataFrame     # the used rows (covariates, unmodified values)
    time: np.ndarray
    event: np.ndarray
    n_dropped: int
    dropped: list          # patient IDs dropped for missing values

    _file_stem = "survival_data"

    def to_frame(self) -> pd.DataFrame:
        """The patients used (one row each, the analysed columns)."""
        return self.data.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``n, events, dropped``."""
        return pd.DataFrame([{"n": len(self.time), "events": int(self.event.sum()), "dropped": self.n_dropped}])

    def _short(self) -> str:
        return f"n={len(self.time)}, events={int(self.event.sum())}, dropped={self.n_dropped}"


def complete_cases(data: pd.DataFrame, time: str, event: str, columns: list[str],
                   *, source: str = "data", warn: bool = True) -> SurvivalData:
    """Keep patients with time, event and every column in ``columns`` present.

    Raises
    ------
    InputError
        For a missing column, bad survival values (time < 0, event not 0/1), or when
        no patient is left.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{source}: expected a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(f"{source}: column(s) {missing} not found; available: "
                         f"{', '.join(map(str, data.columns[:20]))}")
    check_survival(data, time, event, source=source, allow_missing=True)
    cols = list(dict.fromkeys([time, event, *columns]))
    sub = data[cols]
    blank = sub.apply(lambda s: s.isna() | (s.astype(str).str.strip() == "") if s.dtype == object
                      else s.isna())
    keep = ~blank.any(axis=1)
    dropped = list(data.index[~keep])
    if dropped and warn:
        warnings.warn(f"{source}: {len(dropped)} patient(s) dropped for missing values in "
                      f"{[c for c in cols if blank[c].any()]} (complete-case analysis)",
                      DroppedRowsWarning, stacklevel=3)
    used = data.loc[keep]
    if used.shape[0] == 0:
        raise InputError(f"{source}: no patient has complete data for {cols}")
    return SurvivalData(data=used,
                        time=pd.to_numeric(used[time]).to_numpy(dtype=float),
                        event=pd.to_numeric(used[event]).to_numpy(dtype=float),
                        n_dropped=len(dropped), dropped=dropped)
