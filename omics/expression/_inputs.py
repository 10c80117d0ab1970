"""Input checks shared by the expression modules."""

from __future__ import annotations

import pandas as pd

from omics.data.validate import check_features


def check_expression(expr: pd.DataFrame, source: str) -> None:
    """Refuse empty, non-numeric or non-finite expression (samples × genes)."""
    check_features(expr, source=source)
