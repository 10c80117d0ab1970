"""One result vocabulary for every omics result object.

Every result class inherits :class:`Result` and defines

* ``to_frame()`` — the tidy table (one row per feature/patient/term/model…);
* ``summary`` — a *property* returning a small DataFrame (the headline numbers);
* ``write(out_dir)`` — the files the matching CLI command writes; returns ``{name: path}``;
* ``__repr__`` — one line a user can read (``_short()``), shared here.

The mixin supplies ``_repr_html_`` (a heading plus the summary as an HTML table, so a
notebook cell shows the result as a table) and a default ``write`` that writes
``to_frame()`` and ``summary`` as CSV, atomically, through :mod:`omics.data.io`.
"""

from __future__ import annotations

import html
from pathlib import Path

#: Rows of ``summary`` shown by ``_repr_html_``; the full table is one ``.summary`` away.
HTML_MAX_ROWS = 20


class Result:
    """Mixin: ``to_frame()``, ``summary``, ``write(out_dir)``, ``repr`` and ``_repr_html_``."""

    #: File stem used by the default :meth:`write` (``<stem>.csv``, ``<stem>_summary.csv``).
    _file_stem = "result"

    def to_frame(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def summary(self):
        """Headline numbers as a DataFrame (default: the tidy table itself)."""
        return self.to_frame()

    def write(self, out_dir) -> dict:
        """Write ``to_frame()`` and ``summary`` as CSV files under ``out_dir``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        frame = self.to_frame()
        paths = {"table": write_table(frame, out / f"{self._file_stem}.csv", index=_keep_index(frame))}
        summary = self.summary
        if summary is not frame and not summary.equals(frame):
            paths["summary"] = write_table(summary, out / f"{self._file_stem}_summary.csv",
                                           index=_keep_index(summary))
        return paths

    def _short(self) -> str:
        """One-line description used by ``repr``; subclasses override."""
        return ""

    def __repr__(self) -> str:
        detail = self._short()
        return f"{type(self).__name__}({detail})"

    def _repr_html_(self) -> str:
        summary = self.summary
        table = summary.to_html(max_rows=HTML_MAX_ROWS, float_format=lambda v: f"{v:.4g}", border=0)
        heading = f"{type(self).__name__}: {self._short()}" if self._short() else type(self).__name__
        return f"<p><b>{html.escape(heading)}</b></p>{table}"


class EstimatorResult(Result):
    """A scikit-learn estimator that is also a result once fitted: unfitted, a notebook shows
    its parameters; fitted, the summary table. ``_fitted_attribute`` names the attribute
    ``fit`` sets. Overrides ``_repr_mimebundle_`` because scikit-learn's estimator diagram
    would otherwise win over ``_repr_html_`` in Jupyter."""

    _fitted_attribute = ""

    def _repr_html_(self) -> str:
        if not hasattr(self, self._fitted_attribute):
            return f"<pre>{html.escape(repr(self))}</pre>"
        return Result._repr_html_(self)

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


def _keep_index(frame) -> bool:
    """Write the index only when it carries labels (not a plain 0…n-1 range)."""
    import pandas as pd

    return not isinstance(frame.index, pd.RangeIndex)
