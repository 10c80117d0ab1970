"""Harrell's concordance index for right-censored data.

Convention (DESIGN §4): the score is a *risk* — higher means worse (earlier event). A pair
``(i, j)`` is *comparable* when the patient with the shorter time had the event:
``t_i < t_j`` with ``event_i = 1``, or ``t_i = t_j`` with ``event_i = 1`` and
``event_j = 0`` (a patient censored at a death time was still at risk then, as in the
Kaplan–Meier estimator). Pairs tied in time with both events are not comparable; in
``survival::concordance`` they are counted as ``tied.y`` and left out of C. Among
comparable pairs, the pair is *concordant* when ``risk_i > risk_j``, *discordant* when
``risk_i < risk_j``, and counts ½ when the risks are tied::

    C = (concordant + tied_risk / 2) / (concordant + discordant + tied_risk)

This is ``survival::concordance(Surv(time, event) ~ risk, reverse = TRUE)`` with the
default ``timewt = "n"`` (Harrell's C), which the tests check on reference outputs.

References
----------
Harrell FE, Lee KL, Mark DB. Multivariable prognostic models: issues in developing models,
evaluating assumptions and adequacy, and measuring and reducing errors. Stat Med
1996;15:361–387.
Therneau TM, Atkinson EJ. Concordance. Vignette of the R package survival.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omics._result import Result
from omics.data.validate import InputError

#: Rows per block in the pairwise computation (memory ~ block × n).
_BLOCK = 2048


@dataclass(frozen=True, repr=False)
class Concordance(Result):
    """Harrell's C with its pair counts."""

    _file_stem = "concordance"

    c_index: float
    concordant: float
    discordant: float
    tied_risk: float
    tied_time: float

    @property
    def comparable(self) -> float:
        return self.concordant + self.discordant + self.tied_risk

    def __float__(self) -> float:
        return float(self.c_index)

    def to_frame(self):
        """One row: ``c_index, concordant, discordant, tied_risk, tied_time, comparable``."""
        import pandas as pd
        return pd.DataFrame([{"c_index": self.c_index, "concordant": self.concordant,
                              "discordant": self.discordant, "tied_risk": self.tied_risk,
                              "tied_time": self.tied_time, "comparable": self.comparable}])

    def _short(self) -> str:
        return (f"C={self.c_index:.4f}, concordant={self.concordant:g}, "
                f"discordant={self.discordant:g}, tied_risk={self.tied_risk:g}, "
                f"tied_time={self.tied_time:g}")


def _validate(time, event, risk):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    risk = np.asarray(risk, dtype=float)
    if not (time.shape == event.shape == risk.shape) or time.ndim != 1:
        raise InputError(f"harrell_c: time, event and risk must be 1-D and of equal length "
                         f"(got {time.shape}, {event.shape}, {risk.shape})")
    bad = ~(np.isfinite(time) & np.isfinite(event) & np.isfinite(risk))
    if bad.any():
        raise InputError(f"harrell_c: {int(bad.sum())} missing or infinite value(s) in time/event/risk; "
                         "drop those patients first")
    if not np.isin(event, (0, 1)).all():
        raise InputError("harrell_c: event must be 0/1")
    return time, event, risk


def harrell_c(time, event, risk) -> Concordance:
    """Harrell's C of a risk score (higher = worse) for right-censored survival times.

    Parameters
    ----------
    time, event
        Follow-up times and 0/1 event indicators.
    risk
        Risk scores, e.g. a Cox linear predictor.

    Returns
    -------
    Concordance
        ``c_index`` and the pair counts (``concordant``, ``discordant``,
        ``tied_risk``; ``tied_time`` = pairs of deaths at the same time, not used).

    Notes
    -----
    Vectorised over blocks of pairs: O(n²) work, O(block × n) memory.

    References
    ----------
    Harrell FE et al. Stat Med 1996;15:361–387.
    """
    time, event, risk = _validate(time, event, risk)
    conc = disc = tied = tied_t = 0.0
    deaths = np.flatnonzero(event == 1)
    for lo in range(0, deaths.size, _BLOCK):
        i = deaths[lo:lo + _BLOCK]
        ti, ri = time[i, None], risk[i, None]
        later = (time[None, :] > ti) | ((time[None, :] == ti) & (event[None, :] == 0))
        conc += np.count_nonzero(later & (ri > risk[None, :]))
        disc += np.count_nonzero(later & (ri < risk[None, :]))
        tied += np.count_nonzero(later & (ri == risk[None, :]))
        same = (time[None, :] == ti) & (event[None, :] == 1)
        tied_t += (np.count_nonzero(same) - i.size) / 2.0
    total = conc + disc + tied
    c = (conc + tied / 2.0) / total if total > 0 else float("nan")
    return Concordance(c, conc, disc, tied, tied_t)


def harrell_c_batch(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                    mask: np.ndarray) -> np.ndarray:
    """Harrell's C for many data sets at once (same convention as :func:`harrell_c`).

    Parameters
    ----------
    time, event, risk, mask
        ``(B, n)`` arrays; only rows with ``mask > 0`` are used, and a row with an integer
        weight ``m`` counts as ``m`` identical patients.

    Returns
    -------
    numpy.ndarray
        ``(B,)`` C-indices (NaN where no pair is comparable).
    """
    m = np.asarray(mask, dtype=float)
    ev = np.asarray(event, dtype=float) * (m > 0)
    t = np.asarray(time, dtype=float)
    r = np.asarray(risk, dtype=float)
    ti, tj = t[:, :, None], t[:, None, :]
    later = (tj > ti) | ((tj == ti) & (ev[:, None, :] == 0))
    pair_w = (m * ev)[:, :, None] * m[:, None, :] * later
    ri, rj = r[:, :, None], r[:, None, :]
    conc = np.einsum("bij,bij->b", pair_w, (ri > rj).astype(float))
    tied = np.einsum("bij,bij->b", pair_w, (ri == rj).astype(float))
    total = pair_w.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (conc + tied / 2.0) / total, np.nan)


def _influence(time, event, risk) -> tuple[float, np.ndarray]:
    """Harrell's C and its infinitesimal-jackknife influence per patient.

    With case weights w, C(w) = N(w) / D(w), N = Σ w_i w_j s_ij over comparable pairs
    (s = 1, ½, 0 for concordant, tied, discordant), D = Σ w_i w_j. The influence of
    patient i is ∂C/∂w_i at w = 1: (∂N/∂w_i − C ∂D/∂w_i) / D.
    """
    n = time.size
    d_n = np.zeros(n)
    d_d = np.zeros(n)
    deaths = np.flatnonzero(event == 1)
    for lo in range(0, deaths.size, _BLOCK):
        i = deaths[lo:lo + _BLOCK]
        ti, ri = time[i, None], risk[i, None]
        later = (time[None, :] > ti) | ((time[None, :] == ti) & (event[None, :] == 0))
        s = later * np.where(ri > risk[None, :], 1.0, np.where(ri == risk[None, :], 0.5, 0.0))
        d_n[i] += s.sum(axis=1)
        d_n += s.sum(axis=0)
        d_d[i] += later.sum(axis=1)
        d_d += later.sum(axis=0)
    total_n, total_d = d_n.sum() / 2.0, d_d.sum() / 2.0
    if total_d == 0:
        return float("nan"), np.full(n, np.nan)
    c = total_n / total_d
    return c, (d_n - c * d_d) / total_d


def concordance_variance(time, event, risk) -> float:
    """Infinitesimal-jackknife variance of Harrell's C (``survival::concordance``'s ``var``)."""
    time, event, risk = _validate(time, event, risk)
    _, u = _influence(time, event, risk)
    return float(np.sum(u ** 2))


@dataclass(frozen=True, repr=False)
class ConcordanceComparison(Result):
    """Two risk scores' Harrell C on the same patients and the test of their difference."""

    _file_stem = "concordance_comparison"

    c_a: float
    c_b: float
    var_a: float
    var_b: float
    cov: float
    delta: float
    se: float
    z: float
    p_value: float

    def to_frame(self):
        """One row: ``c_a, c_b, var_a, var_b, cov, delta, se, z, p``."""
        import pandas as pd
        return pd.DataFrame([{"c_a": self.c_a, "c_b": self.c_b, "var_a": self.var_a, "var_b": self.var_b,
                              "cov": self.cov, "delta": self.delta, "se": self.se, "z": self.z,
                              "p": self.p_value}])

    def _short(self) -> str:
        return (f"C_a={self.c_a:.4f}, C_b={self.c_b:.4f}, ΔC={self.delta:+.4f} "
                f"± {self.se:.4f}, z={self.z:.3f}, p={self.p_value:.4g}")


def compare_concordance(time, event, risk_a, risk_b) -> ConcordanceComparison:
    """Test H0: C(risk_a) = C(risk_b) on the same patients (apparent, not cross-validated).

    The two C-indices are correlated U-statistics; their covariance matrix is estimated by
    the infinitesimal jackknife, as ``survival::concordance(fit_a, fit_b)`` (checked to
    1e-12), and ΔC is tested with a Wald z-test. A second opinion to the cross-validated
    bootstrap of :func:`omics.survival.compare_cindex`, in the spirit of compareC (Kang
    2015); note that with risk scores fitted on the same data it measures apparent, not
    validated, discrimination.

    References
    ----------
    Kang L, Chen W, Petrick NA, Gallas BD. Comparing two correlated C indices with
    right-censored survival outcome: a one-shot nonparametric approach. Stat Med 2015;34:685–703.
    Therneau TM, Atkinson EJ. Concordance (vignette of the R package survival).
    """
    time, event, risk_a = _validate(time, event, risk_a)
    _, _, risk_b = _validate(time, event, risk_b)
    from scipy import stats
    c_a, u_a = _influence(time, event, risk_a)
    c_b, u_b = _influence(time, event, risk_b)
    var_a, var_b, cov = float(u_a @ u_a), float(u_b @ u_b), float(u_a @ u_b)
    delta = c_a - c_b
    se = float(np.sqrt(max(var_a + var_b - 2 * cov, 0.0)))
    z = delta / se if se > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")
    return ConcordanceComparison(c_a, c_b, var_a, var_b, cov, delta, se, z, p)
