"""Statistical tests shared by the stages: multiple testing, association tables.

Names are imported on first use (PEP 562): ``import omics.stats`` does not load scipy.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "AssociationTable": "association", "TestResult": "association", "association_table": "association",
    "categorical_test": "association", "characteristics_table": "association",
    "continuous_test": "association",
    "bh_adjust": "multitest", "significance_stars": "multitest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
