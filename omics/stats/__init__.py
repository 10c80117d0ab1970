"""Statistical tests shared by the stages: multiple testing, association tables.

Names are imported on first use (PEP 562): ``import omics.stats`` does not load scipy.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "AssociationTable": "association", "TestResult": "association", "association_table": "association",
    "categorical_test": "association", "characteristics_table": "association",
    "continuous_test": "association",
    "bh_adjust": "multitest", "significance_stars": "multitest",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
