"""Cox proportional-hazards models: fit, tables, global tests, stepwise AIC selection.

The fit is a numpy Newton–Raphson with Efron ties (:mod:`omics.survival._efron`), checked
against R ``survival::coxph`` on committed reference outputs (coefficients, standard
errors, log-likelihoods and the three global tests to 1e-6).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.validate import InputError
from omics.survival import _efron
from omics.survival._prep import complete_cases
from omics.survival.design import Formula, build_design, parse_formula, quote_name


class CoxConvergenceWarning(UserWarning):
    """A coefficient may be infinite (monotone likelihood), e.g. a group with no events
    or a covariate that separates events from non-events completely."""


@dataclass(frozen=True)
class GlobalTest:
    """A global test of all coefficients = 0."""

    statistic: float
    df: int
    p_value: float


class CoxModel(Result):
    """Cox proportional-hazards model given by a formula (Efron ties by default).

    Parameters
    ----------
    formula
        Covariates, e.g. ``"rna + hrf"``, ``"rna * hrf"`` (see :mod:`omics.survival.design`).
    reference
        Explicit reference levels for categorical covariates, ``{"histotype": "M/RC LPS"}``.
    ties
        ``"efron"`` (R ``coxph`` default) or ``"breslow"``.

    Attributes
    ----------
    coef_, se_ : pandas.Series
        Coefficients (log hazard ratios) and standard errors per design column.
    var_ : pandas.DataFrame
        Covariance matrix of the coefficients (inverse information).
    loglik_, loglik0_ : float
        Log partial likelihood at the estimate and at zero.
    lr_test_, wald_test_, score_test_ : GlobalTest
        Likelihood-ratio, Wald and score (log-rank) global tests, as ``summary.coxph``.
    aic_ : float
        ``-2 loglik + 2 × number of estimated coefficients`` (R ``AIC(coxph)``).
    n_, n_events_, n_dropped_ : int
        Patients used, events among them, patients dropped for missing values.
    dropped_ : list
        IDs of the dropped patients.
    design_ : DesignInfo
        The coding (reference levels, columns).
    concordance_ : Concordance
        Harrell's C of the linear predictor on the fitting data.

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187–220.
    Efron B. JASA 1977;72:557–565.
    Therneau TM. A Package for Survival Analysis in R (``survival::coxph``).
    """

    def __init__(self, formula: str | Formula, *, reference: Mapping[str, str] | None = None,
                 ties: str = "efron"):
        self.formula = parse_formula(formula)
        self.reference = dict(reference or {})
        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
        self.ties = ties

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame, time: str, event: str, *, source: str = "data") -> "CoxModel":
        """Fit on the complete cases of ``data``.

        Raises
        ------
        InputError
            Missing columns, bad survival values, a categorical covariate with one level,
            a constant numeric covariate, or no events.
        """
        cc = complete_cases(data, time, event, self.formula.variables, source=source)
        design = build_design(cc.data, self.formula, reference=self.reference, time=cc.time, event=cc.event)
        x = design.transform(cc.data)
        if cc.event.sum() == 0:
            raise InputError(f"{source}: no events among the {len(cc.event)} patients used; "
                             "a Cox model cannot be fitted")
        const = [c for c in x.columns if np.ptp(x[c].to_numpy()) == 0]
        if const:
            raise InputError(f"{source}: design column(s) {const} are constant among the "
                             f"{len(x)} patients used (formula {self.formula.text!r})")
        self._fit_arrays(x, cc.time, cc.event)
        self.design_ = design
        self.time_column, self.event_column = time, event
        self.n_dropped_ = cc.n_dropped
        self.dropped_ = cc.dropped
        self.index_ = cc.data.index
        self.data_ = cc.data
        from omics.survival.concordance import harrell_c
        self.concordance_ = harrell_c(cc.time, cc.event, self.linear_predictor_)
        return self

    def _fit_arrays(self, x: pd.DataFrame, time: np.ndarray, event: np.ndarray) -> None:
        order = np.argsort(time, kind="stable")
        xv = x.to_numpy(dtype=float)
        res = _efron.fit_batch(xv[order][None], time[order][None], event[order][None],
                               ties=self.ties)
        cols = list(x.columns)
        active = res.active[0]
        coef = np.where(active, res.coef[0], np.nan)
        var = _efron.invert_information(res.info, res.active)[0]
        self.coef_ = pd.Series(coef, index=cols, name="coef")
        self.var_ = pd.DataFrame(var, index=cols, columns=cols)
        self.se_ = pd.Series(np.sqrt(np.diag(var)), index=cols, name="se")
        self.loglik_ = float(res.loglik[0])
        self.loglik0_ = float(res.loglik0[0])
        self.converged_ = bool(res.converged[0])
        self.n_iter_ = int(res.iterations[0])
        self.n_ = int(len(time))
        self.n_events_ = int(event.sum())
        k = int(active.sum())
        b = np.nan_to_num(coef)
        info = res.info[0][np.ix_(active, active)]
        lr = 2 * (self.loglik_ - self.loglik0_)
        wald = float(b[active] @ info @ b[active]) if k else 0.0
        u0 = res.score0[0][active]
        i0 = res.info0[0][np.ix_(active, active)]
        try:
            score = float(u0 @ np.linalg.solve(i0, u0)) if k else 0.0
        except np.linalg.LinAlgError:
            score = float(u0 @ np.linalg.pinv(i0) @ u0)
        self.lr_test_ = GlobalTest(lr, k, float(stats.chi2.sf(lr, k)) if k else np.nan)
        self.wald_test_ = GlobalTest(wald, k, float(stats.chi2.sf(wald, k)) if k else np.nan)
        self.score_test_ = GlobalTest(score, k, float(stats.chi2.sf(score, k)) if k else np.nan)
        self.aic_ = -2 * self.loglik_ + 2 * k
        self.linear_predictor_ = xv @ b - float(np.mean(xv, axis=0) @ b) if k else np.zeros(len(time))
        self.x_ = x
        # R coxph's check for infinite coefficients: the next Newton step after convergence.
        step = var[np.ix_(active, active)] @ res.score[0][active] if k else np.zeros(0)
        infinite = (np.abs(step) > 1e-9) & (np.abs(step) > _efron.TOLER_INF * np.abs(b[active]))
        big = np.abs(b[active]) * x.to_numpy()[:, active].std(axis=0) > 10
        flagged = [c for c, f in zip(np.array(cols)[active], infinite | big) if f]
        self.possibly_infinite_ = flagged
        if flagged:
            warnings.warn(f"Cox model {self.formula.text!r}: coefficient(s) {flagged} may be infinite "
                          "(monotone likelihood: a group with no events, or complete separation); "
                          "their HR, CI and Wald p are not reliable — use the likelihood-ratio test",
                          CoxConvergenceWarning, stacklevel=3)
        if not self.converged_ and not flagged:
            warnings.warn(f"Cox model {self.formula.text!r}: Newton–Raphson did not converge in "
                          f"{_efron.MAX_ITER} iterations", CoxConvergenceWarning, stacklevel=3)

    # ------------------------------------------------------------------ use
    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise RuntimeError("fit the CoxModel first")

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Linear predictor (log relative hazard; a risk: higher = worse) for new patients.

        Centred at the fitting data's covariate means, as R ``predict(type = "lp")``.
        """
        self._check_fitted()
        x = self.design_.transform(data)
        b = np.nan_to_num(self.coef_.to_numpy())
        centre = float(self.x_.mean(axis=0).to_numpy() @ b)
        return pd.Series(x.to_numpy(dtype=float) @ b - centre, index=data.index, name="risk")

    @property
    def hazard_ratios_(self) -> pd.Series:
        return np.exp(self.coef_).rename("hr")

    def estimable(self, column: str) -> bool:
        """Whether the HR of a design column can be reported.

        The one place that decides it: a coefficient flagged as possibly infinite at the fit
        (monotone likelihood: a level without events, complete separation) or not estimated
        at all (aliased, NaN) is *not estimable* — its HR, CI and Wald p are shown as NaN
        (``NE`` in the formatted reports) by :meth:`to_frame` and :func:`cox_table` alike.
        """
        self._check_fitted()
        return column not in self.possibly_infinite_ and bool(np.isfinite(self.coef_.get(column, np.nan)))

    def to_frame(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """Coefficient table: one row per design column (R ``summary(coxph)``).

        Columns: ``term, column, variable, level, coef, se, hr, hr_lower, hr_upper, z, p,
        estimable``. Where :meth:`estimable` is False, ``hr, hr_lower, hr_upper, z, p`` are
        NaN (``coef`` and ``se`` keep the values where the fit stopped), as in :func:`cox_table`.
        """
        self._check_fitted()
        z = stats.norm.ppf(1 - alpha / 2)
        coef, se = self.coef_.to_numpy(), self.se_.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            wald_z = coef / se
        rows = []
        with np.errstate(over="ignore"):  # a possibly infinite coefficient (flagged at fit)
            for col, term, b, s, zz in zip(self.coef_.index, self.design_.term_of_column, coef, se, wald_z):
                variable, level = _split_column(col)
                ok = self.estimable(col)
                nan = float("nan")
                rows.append({"term": term, "column": col, "variable": variable, "level": level,
                             "coef": b, "se": s, "hr": np.exp(b) if ok else nan,
                             "hr_lower": np.exp(b - z * s) if ok else nan,
                             "hr_upper": np.exp(b + z * s) if ok else nan, "z": zz if ok else nan,
                             "p": 2 * stats.norm.sf(abs(zz)) if ok and np.isfinite(zz) else nan,
                             "estimable": ok})
        return pd.DataFrame(rows)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``formula, n, events, dropped, loglik, aic, concordance`` and the three
        global tests (``lr_*``, ``wald_*``, ``score_*``: statistic, df, p)."""
        self._check_fitted()
        row = {"formula": str(self.formula), "n": self.n_, "events": self.n_events_,
               "dropped": self.n_dropped_, "loglik": self.loglik_, "aic": self.aic_,
               "concordance": self.concordance_.c_index}
        for name, t in (("lr", self.lr_test_), ("wald", self.wald_test_), ("score", self.score_test_)):
            row.update({f"{name}_statistic": t.statistic, f"{name}_df": t.df, f"{name}_p": t.p_value})
        return pd.DataFrame([row])

    def write(self, out_dir, *, name: str = "cox", ph_test: bool = False) -> dict:
        """Write ``<name>.csv`` (:func:`cox_table`), ``<name>_tests.csv`` (global tests) and,
        with ``ph_test=True``, ``<name>_ph.csv`` (:meth:`ph_test`) — the files of ``omics cox``."""
        from pathlib import Path

        from omics.data.io import write_table
        from omics.data.paths import child_path

        out = Path(out_dir)
        paths = {"table": write_table(cox_table(self), child_path(out, name, suffix=".csv", what="name"),
                                      index=False),
                 "tests": write_table(self.global_tests(), child_path(out, f"{name}_tests", suffix=".csv",
                                                                      what="name"), index=False)}
        if ph_test:
            paths["ph"] = write_table(self.ph_test(), child_path(out, f"{name}_ph", suffix=".csv", what="name"),
                                      index=False)
        return paths

    def global_tests(self) -> pd.DataFrame:
        """Likelihood-ratio, Wald and score tests of all coefficients = 0."""
        self._check_fitted()
        return pd.DataFrame(
            [{"test": name, "statistic": t.statistic, "df": t.df, "p": t.p_value}
             for name, t in (("likelihood_ratio", self.lr_test_), ("wald", self.wald_test_),
                             ("score", self.score_test_))])

    def _short(self) -> str:
        if not hasattr(self, "coef_"):
            return f"{self.formula.text!r}, unfitted"
        return (f"{self.formula.text!r}: n={self.n_}, events={self.n_events_}, dropped={self.n_dropped_}, "
                f"AIC={self.aic_:.2f}, LR p={self.lr_test_.p_value:.4g}, C={self.concordance_.c_index:.4f}")

    def _repr_html_(self) -> str:
        if not hasattr(self, "coef_"):
            return f"<p><b>{repr(self)}</b></p>"
        import html
        return (f"<p><b>{html.escape(repr(self))}</b></p>"
                + cox_table(self).to_html(float_format=lambda v: f"{v:.4g}", border=0))

    # ------------------------------------------------------------------ PH test
    def ph_test(self, *, transform: str = "km") -> pd.DataFrame:
        """Schoenfeld-residual test of proportional hazards (R ``cox.zph``, survival ≥ 3.0).

        For each term (and globally) a score test of adding ``g(t) × covariate`` to the model,
        with ``g`` the time transform (``"km"``: 1 − left-continuous KM; ``"rank"``;
        ``"identity"``; ``"log"``), computed at the fitted coefficients.

        Returns
        -------
        pandas.DataFrame
            Rows per term plus ``GLOBAL``; columns ``chisq, df, p``.

        References
        ----------
        Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
        weighted residuals. Biometrika 1994;81:515–526.
        """
        self._check_fitted()
        from omics.survival.ph import zph_test
        return zph_test(self, transform=transform)


def _split_column(col: str) -> tuple[str, str]:
    if ":" in col:
        return col, ""
    if col.endswith("]") and "[" in col:
        var, level = col[:-1].split("[", 1)
        return var, level
    return col, ""


def cox_fit(data: pd.DataFrame, formula: str | Formula, time: str, event: str,
            *, reference: Mapping[str, str] | None = None, ties: str = "efron",
            source: str = "data") -> CoxModel:
    """Fit a Cox model; shorthand for ``CoxModel(formula, reference=…, ties=…).fit(...)``.

    Examples
    --------
    >>> model = cox_fit(clinical, "hrf + age", time="mfs_time", event="mfs_event",
    ...                 reference={"hrf": "C_hRF"})          # doctest: +SKIP
    >>> model.to_frame()[["column", "hr", "hr_lower", "hr_upper", "p"]]  # doctest: +SKIP
    """
    return CoxModel(formula, reference=reference, ties=ties).fit(data, time, event, source=source)


def cox_table(model: CoxModel, *, alpha: float = 0.05) -> pd.DataFrame:
    """HR table with the reference level of each categorical covariate as a row.

    Columns: ``variable, level, reference (bool), n, events, hr, hr_lower, hr_upper, p,
    coef, se, estimable``; ``n``/``events`` per level for categorical main effects.
    Interaction rows follow. A coefficient that may be infinite (monotone likelihood, e.g.
    a level without events) is not estimable (:meth:`CoxModel.estimable`, shared with
    :meth:`CoxModel.to_frame`): its HR, CI and Wald p are NaN (``coef`` and ``se`` keep the
    values where the fit stopped). ``table.attrs["reference_rules"]`` says
    why each reference level was chosen (see :func:`omics.survival.design.choose_reference`).
    """
    model._check_fitted()
    coefs = model.to_frame(alpha=alpha)
    data = model.data_
    ev = pd.to_numeric(data[model.event_column]).to_numpy()
    rows = []
    for term in model.formula.terms:
        label = ":".join(term)
        part = coefs[coefs["term"] == label]
        if len(term) == 1 and term[0] in model.design_.levels:
            var = term[0]
            values = data[var].astype(str).to_numpy()
            for i, level in enumerate(model.design_.levels[var]):
                sel = values == level
                base = {"variable": var, "level": level, "reference": i == 0,
                        "n": int(sel.sum()), "events": int(ev[sel].sum())}
                if i == 0:
                    rows.append({**base, "hr": 1.0, "hr_lower": np.nan, "hr_upper": np.nan,
                                 "p": np.nan, "coef": 0.0, "se": np.nan, "estimable": True})
                else:
                    r = part[part["level"] == level].iloc[0]
                    rows.append({**base, **_estimate(r, model)})
        else:
            for _, r in part.iterrows():
                rows.append({"variable": r["column"] if len(term) > 1 else r["variable"],
                             "level": r["level"], "reference": False,
                             "n": model.n_, "events": model.n_events_, **_estimate(r, model)})
    table = pd.DataFrame(rows, columns=["variable", "level", "reference", "n", "events", "hr",
                                        "hr_lower", "hr_upper", "p", "coef", "se", "estimable"])
    table.attrs["reference_rules"] = dict(model.design_.reference_rules)
    return table


def _estimate(row, model: CoxModel) -> dict:
    """HR, CI and p of one :meth:`CoxModel.to_frame` row (already NaN where not estimable)."""
    return {k: row[k] for k in ("hr", "hr_lower", "hr_upper", "p", "coef", "se", "estimable")}


@dataclass(repr=False)
class StepwiseResult(Result):
    """Backward stepwise selection by AIC.

    Attributes
    ----------
    model
        The selected model (refitted on the complete cases of the full model).
    path
        One row per step: ``step, removed, aic, formula`` (step 0 = the full model),
        followed by the candidate drops of each step in ``candidates``.
    candidates
        ``step, term, aic`` for every drop considered (R ``step()``'s table).
    """

    model: CoxModel
    path: pd.DataFrame
    candidates: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The selection path: ``step, removed, aic, formula``."""
        return self.path.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """HR table of the selected model (:func:`cox_table`)."""
        return cox_table(self.model)

    def write(self, out_dir) -> dict:
        """Write ``stepwise_path.csv``, ``stepwise_candidates.csv`` and ``stepwise_model.csv``."""
        from pathlib import Path

        from omics.data.io import write_table

        out = Path(out_dir)
        return {"path": write_table(self.path, out / "stepwise_path.csv", index=False),
                "candidates": write_table(self.candidates, out / "stepwise_candidates.csv", index=False),
                "model": write_table(cox_table(self.model), out / "stepwise_model.csv", index=False)}

    def _short(self) -> str:
        return f"final={self.model.formula!s}, AIC={self.model.aic_:.2f}, steps={len(self.path) - 1}"


def stepwise_cox(data: pd.DataFrame, formula: str | Formula, time: str, event: str,
                 *, reference: Mapping[str, str] | None = None, keep: Sequence[str] = (),
                 ties: str = "efron") -> StepwiseResult:
    """Backward stepwise Cox selection minimising AIC (R ``step(coxph(...), direction="backward")``).

    All candidate models are fitted on the complete cases of the full model, so their AICs
    are comparable. A main effect is not dropped while an interaction containing it
    remains (marginality, as R's ``drop1``). Terms in ``keep`` are never dropped. The
    search stops when no drop lowers the AIC.

    References
    ----------
    Akaike H. A new look at the statistical model identification. IEEE TAC 1974;19:716–723.
    Venables WN, Ripley BD. Modern Applied Statistics with S (``stepAIC``). Springer 2002.
    """
    formula = parse_formula(formula)
    cc = complete_cases(data, time, event, formula.variables, source="stepwise_cox")
    data = cc.data
    terms = list(formula.terms)

    def fit(ts):
        text = _formula_text(ts) if ts else None
        if text is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CoxConvergenceWarning)
            return CoxModel(parse_formula(text), reference=reference, ties=ties).fit(data, time, event)

    def aic(model):
        if model is None:  # null model: no coefficients
            return -2 * current_null
        return model.aic_

    current = fit(terms)
    current_null = current.loglik0_
    path = [{"step": 0, "removed": "", "aic": current.aic_, "formula": _formula_text(terms)}]
    cands = []
    step = 0
    while terms:
        step += 1
        options = []
        for t in terms:
            if ":".join(t) in keep or (len(t) == 1 and t[0] in keep):
                continue
            if any(len(o) > len(t) and set(t) <= set(o) for o in terms):
                continue  # marginality
            rest = [o for o in terms if o != t]
            m = fit(rest)
            options.append((aic(m), t, rest, m))
            cands.append({"step": step, "term": ":".join(t), "aic": aic(m)})
        cands.append({"step": step, "term": "<none>", "aic": aic(current)})
        if not options:
            break
        best = min(options, key=lambda o: o[0])
        if best[0] >= aic(current) - 1e-12:
            break
        terms, current = best[2], best[3]
        path.append({"step": step, "removed": ":".join(best[1]), "aic": best[0],
                     "formula": _formula_text(terms) if terms else "<null>"})
        if current is None:
            break
    if current is None:
        raise InputError("stepwise_cox: the null model (no covariates) has the lowest AIC; "
                         "no model to return")
    return StepwiseResult(model=current, path=pd.DataFrame(path), candidates=pd.DataFrame(cands))


def _formula_text(terms) -> str:
    """Formula text of term tuples, names quoted in backticks where needed."""
    return " + ".join(":".join(quote_name(v) for v in t) for t in terms)
