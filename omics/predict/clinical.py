"""Clinical logistic models (S1 rule: univariable P < 0.1 → multivariable) and nomograms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError


def _design(data: pd.DataFrame, variables, levels: dict | None = None):
    """Treatment-coded design (first sorted level = reference) and the term → variable map."""
    parts, owner, levels = [], {}, dict(levels or {})
    for var in variables:
        col = data[var]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            parts.append(col.astype(float).rename(var))
            owner[var] = var
            continue
        lv = levels.get(var) or sorted(col.astype(str).unique())
        levels[var] = lv
        for level in lv[1:]:
            name = f"{var}[{level}]"
            parts.append((col.astype(str) == level).astype(float).rename(name))
            owner[name] = var
    return pd.concat(parts, axis=1), owner, levels


def _logit(y, X):
    import statsmodels.api as sm
    return sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=0, maxiter=200)


@dataclass(repr=False)
class ClinicalModel(Result):
    """A multivariable logistic model chosen by univariable screening.

    Attributes
    ----------
    table : DataFrame
        One row per term: univariable OR (95 % CI) and Wald P, and multivariable OR (95 %
        CI) and P (NaN where the variable did not enter).
    selected : list of str
        Variables that entered the multivariable model (screening P < ``screen_p``).
    result
        The fitted statsmodels ``Logit`` results of the multivariable model.
    """

    table: pd.DataFrame
    selected: list
    result: object
    outcome: str
    levels: dict
    screen_p: float

    def predict_proba(self, data: pd.DataFrame) -> pd.Series:
        """Predicted probability of the outcome for new patients."""
        missing = [v for v in self.selected if v not in data.columns]
        if missing:
            raise InputError(f"clinical model: the table lacks variable(s) {missing}")
        X, _, _ = _design(data, self.selected, self.levels)
        import statsmodels.api as sm
        X = sm.add_constant(X.reindex(columns=self.result.params.index[1:], fill_value=0.0), has_constant="add")
        return pd.Series(np.asarray(self.result.predict(X)), index=data.index, name="prob")

    @property
    def summary(self) -> pd.DataFrame:
        return self.table

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def write(self, out_dir) -> dict:
        from omics.report.predict import odds_ratio_report, write_tables
        return write_tables({"logistic_or": (odds_ratio_report(self.table),
                                             f"Logistic regression for {self.outcome} (univariable P < "
                                             f"{self.screen_p} enters the multivariable model)")}, out_dir)

    def _short(self) -> str:
        return f"{self.outcome} ~ {' + '.join(self.selected) or '1'}; screened at P < {self.screen_p}"


def clinical_logistic(data: pd.DataFrame, *, outcome: str, variables, screen_p: float = 0.1) -> ClinicalModel:
    """Univariable logistic screening, then a multivariable logistic model (S1).

    Each variable is fitted alone; a variable enters the multivariable model when its
    likelihood-ratio P (all its terms together) is below ``screen_p``. Odds ratios with
    Wald 95 % CIs (statsmodels ``Logit``). Categorical variables are treatment-coded with the
    first sorted level as reference. Complete cases only (the number dropped is refused
    rather than hidden: missing values raise).

    References
    ----------
    Zheng T et al. MRI-based intratumoral and peritumoral radiomics predicting neoadjuvant
    chemotherapy response in osteosarcoma (Table 4).
    Hosmer DW, Lemeshow S (2000). Applied Logistic Regression, 2nd ed. (purposeful selection).
    """
    from scipy import stats
    variables = list(variables)
    missing = [v for v in [outcome] + variables if v not in data.columns]
    if missing:
        raise InputError(f"clinical table lacks column(s) {missing}")
    na = data[[outcome] + variables].isna().any(axis=1)
    if na.any():
        raise InputError(f"clinical table: missing values for {int(na.sum())} patient(s) "
                         f"(e.g. {list(data.index[na][:3])}); impute or drop them first")
    y = data[outcome].astype(float)
    if not set(y.unique()) <= {0.0, 1.0}:
        raise InputError(f"outcome {outcome!r}: expected 0/1 values")
    X, owner, levels = _design(data, variables)
    null_llf = _logit(y, X.iloc[:, :0]).llf
    rows, screen = [], {}
    for var in variables:
        terms = [t for t, v in owner.items() if v == var]
        fit = _logit(y, X[terms])
        lr = 2 * (fit.llf - null_llf)
        screen[var] = float(stats.chi2.sf(lr, len(terms)))
        ci = fit.conf_int()
        for t in terms:
            rows.append({"variable": var, "term": t, "uni_or": np.exp(fit.params[t]),
                         "uni_lower": np.exp(ci.loc[t, 0]), "uni_upper": np.exp(ci.loc[t, 1]),
                         "uni_p": float(fit.pvalues[t]), "screen_p": screen[var]})
    table = pd.DataFrame(rows)
    selected = [v for v in variables if screen[v] < screen_p]
    terms = [t for t, v in owner.items() if v in selected]
    result = _logit(y, X[terms])
    ci = result.conf_int()
    for col in ("multi_or", "multi_lower", "multi_upper", "multi_p"):
        table[col] = np.nan
    for t in terms:
        i = table.index[table["term"] == t]
        table.loc[i, ["multi_or", "multi_lower", "multi_upper", "multi_p"]] = [
            np.exp(result.params[t]), np.exp(ci.loc[t, 0]), np.exp(ci.loc[t, 1]), float(result.pvalues[t])]
    return ClinicalModel(table, selected, result, outcome, levels, screen_p)


@dataclass(repr=False)
class Nomogram(Result):
    """Points scales of a logistic model: each predictor's value → points (0–100 for the
    predictor with the widest effect), total points → predicted probability.

    ``axes``: tidy table ``variable, value, points``; ``total``: ``points, probability``.
    ``to_frame()`` is ``axes``, ``summary`` one row per predictor (its points range),
    ``write(out)`` writes ``nomogram_axes.csv`` and ``nomogram_total.csv``.
    """

    axes: pd.DataFrame
    total: pd.DataFrame
    scale: float
    lp0: float

    def probability(self, total_points):
        """Probability for a total number of points: a Series (same index, name ``prob``)
        for a Series of points (e.g. :meth:`points`), a float for a number, else an array."""
        values = 1 / (1 + np.exp(-(self.lp0 + np.asarray(total_points, dtype=float) / self.scale)))
        if isinstance(total_points, pd.Series):
            return pd.Series(values, index=total_points.index, name="prob")
        return float(values) if np.ndim(values) == 0 else values

    def predict_proba(self, data: pd.DataFrame) -> pd.Series:
        """Predicted probability of each patient (index of ``data``), read off the nomogram."""
        return self.probability(self.points(data))

    def points(self, data: pd.DataFrame) -> pd.Series:
        """Total points of each patient (numeric predictors)."""
        tot = np.zeros(len(data))
        for var, part in self.axes.groupby("variable", sort=False):
            beta, base = part["beta"].iloc[0], part["base"].iloc[0]
            tot += self.scale * beta * (data[var].to_numpy(dtype=float) - base)
        return pd.Series(tot, index=data.index, name="points")

    def to_frame(self) -> pd.DataFrame:
        return self.axes.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """One row per predictor: its smallest and largest points."""
        return (self.axes.groupby("variable", sort=False)["points"].agg(["min", "max"])
                .rename(columns={"min": "points_min", "max": "points_max"}).reset_index())

    def write(self, out_dir) -> dict:
        """Write ``nomogram_axes.csv`` (value → points) and ``nomogram_total.csv`` (points → probability)."""
        from pathlib import Path

        from omics.data.io import write_table

        out = Path(out_dir)
        return {"axes": write_table(self.axes, out / "nomogram_axes.csv", index=False),
                "total": write_table(self.total, out / "nomogram_total.csv", index=False)}

    def _short(self) -> str:
        return f"{self.axes['variable'].nunique()} predictors, {self.scale:.2f} points per logit unit"


def nomogram(result, data: pd.DataFrame, *, n_ticks: int = 6) -> Nomogram:
    """Build the nomogram of a fitted logistic model with numeric (0/1 or continuous) terms.

    Parameters
    ----------
    result
        statsmodels ``Logit`` results (e.g. ``ClinicalModel.result`` or a combined model).
    data
        The training data (ranges of the predictors).

    References
    ----------
    Iasonos A et al. (2008). How to build and interpret a nomogram for cancer prognosis.
    J Clin Oncol 26, 1364–1370. Harrell FE, rms::nomogram.
    """
    params = result.params
    names = [n for n in params.index if n != "const"]
    missing = [n for n in names if n not in data.columns]
    if missing:
        raise InputError(f"nomogram: predictor(s) {missing} are not columns of the data")
    lo = data[names].min()
    hi = data[names].max()
    effect = (params[names].abs() * (hi - lo))
    if not (effect > 0).any():
        raise InputError("nomogram: no predictor has an effect over its range")
    scale = 100.0 / effect.max()
    rows = []
    lp0 = float(params.get("const", 0.0))
    for n in names:
        beta = float(params[n])
        base = lo[n] if beta >= 0 else hi[n]
        lp0 += beta * base
        values = np.unique(np.r_[lo[n], hi[n]]) if set(data[n].unique()) <= {0, 1} \
            else np.linspace(lo[n], hi[n], n_ticks)
        for v in values:
            rows.append({"variable": n, "value": float(v), "points": scale * beta * (v - base),
                         "beta": beta, "base": float(base)})
    axes = pd.DataFrame(rows)
    max_total = axes.groupby("variable")["points"].max().sum()
    pts = np.linspace(0, max_total, 11)
    nomo = Nomogram(axes, pd.DataFrame(), float(scale), lp0)
    nomo.total = pd.DataFrame({"points": pts, "probability": nomo.probability(pts)})
    return nomo


def combined_logistic(data: pd.DataFrame, *, outcome: str, predictors) -> object:
    """Multivariable logistic model on given numeric predictors (e.g. rad-score + ALP + PF)."""
    predictors = list(predictors)
    missing = [v for v in [outcome] + predictors if v not in data.columns]
    if missing:
        raise InputError(f"combined model: table lacks column(s) {missing}")
    return _logit(data[outcome].astype(float), data[predictors].astype(float))
