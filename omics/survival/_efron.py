"""Batched Newton–Raphson for the Cox partial likelihood with Efron ties (numpy only).

One call fits many Cox models at once: ``B`` data sets that share the number of rows
``n`` and covariates ``p``, each given as rows sorted by time with a 0/1 (or integer)
case-weight mask. Bootstrap replicates and cross-validation folds become masks, so
thousands of small fits cost a few vectorised passes instead of thousands of Python loops.

The Efron approximation is written per death: for a death ranked ``l`` (0-based) among the
``d`` deaths tied at its time, the risk-set sums are reduced by ``l/d`` of the tied deaths'
sums. Summed over the deaths of a tie group this is exactly Efron's formula, and with 0/1
weights it equals fitting the selected rows alone (integer weights equal duplicated rows).

References
----------
Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557–565.
Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Convergence: relative change of the log partial likelihood (R coxph uses 1e-9).
EPS = 1e-10
MAX_ITER = 30
#: R coxph's toler.inf: a coefficient whose next Newton step exceeds this fraction of
#: itself after convergence is reported as possibly infinite (monotone likelihood).
TOLER_INF = np.sqrt(1e-9)


@dataclass
class BatchFit:
    """Result of :func:`fit_batch` (arrays have a leading batch axis)."""

    coef: np.ndarray        # (B, p); 0 for inactive columns
    loglik: np.ndarray      # (B,) at coef
    loglik0: np.ndarray     # (B,) at coef = 0
    score0: np.ndarray      # (B, p) score at 0
    info0: np.ndarray       # (B, p, p) information at 0
    info: np.ndarray        # (B, p, p) information at coef
    score: np.ndarray       # (B, p) score at coef
    active: np.ndarray      # (B, p) False where the column is constant in that data set
    iterations: np.ndarray  # (B,)
    converged: np.ndarray   # (B,)


def tie_groups(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each row's tie group; ``time`` sorted ascending on the last axis."""
    time = np.asarray(time)
    n = time.shape[-1]
    idx = np.broadcast_to(np.arange(n), time.shape)
    new_group = np.ones(time.shape, dtype=bool)
    new_group[..., 1:] = time[..., 1:] != time[..., :-1]
    start = np.maximum.accumulate(np.where(new_group, idx, 0), axis=-1)
    last_of_group = np.ones(time.shape, dtype=bool)
    last_of_group[..., :-1] = new_group[..., 1:]
    end_rev = np.minimum.accumulate(np.where(last_of_group, idx, n - 1)[..., ::-1], axis=-1)[..., ::-1]
    return start, end_rev


class _Data:
    """Coefficient-independent pieces of a batch, flattened to the death rows.

    The risk-set sums are needed only at rows with a death: ``s*`` at the first row of
    the row's tie group (reverse cumulative sums) and ``d*`` over the tied deaths of the
    group (forward cumulative sums with a leading zero, differenced).
    """

    def __init__(self, x, event, weight, start, end, efron=True):
        b, n, p = x.shape
        self.shape = (b, n, p)
        self.x = x                                   # (B, n, p), centred
        self.w = weight                              # (B, n)
        dw = weight * event
        self.dw_full = dw
        self.is_death = dw > 0
        self.efron = 1.0 if efron else 0.0
        flat = np.flatnonzero(self.is_death)         # death rows, sorted by batch
        bat = flat // n
        self.gs = bat * n + start.reshape(-1)[flat]                # into (B·n) reverse cumsums
        self.ge1 = bat * (n + 1) + end.reshape(-1)[flat] + 1       # into (B·(n+1)) forward cumsums
        self.gs0 = bat * (n + 1) + start.reshape(-1)[flat]
        self.dw = dw.reshape(-1)[flat]
        cum_d = _fwd_cumsum_flat(dw)
        self.d_group = cum_d[self.ge1] - cum_d[self.gs0]
        self.rank_first = cum_d[flat + bat + 1] - cum_d[self.gs0] - self.dw  # deaths ranked before
        self.xx = x[..., :, None] * x[..., None, :]              # (B, n, p, p)
        self.sum_dx = np.einsum("bn,bnp->bp", dw, x)
        counts = np.bincount(bat, minlength=b)
        self.seg_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self.has_death = counts > 0

    def segment_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum per batch of values given per death row (first axis)."""
        b = self.shape[0]
        out = np.zeros((b,) + values.shape[1:])
        if values.shape[0] == 0:
            return out
        starts = np.minimum(self.seg_start, values.shape[0] - 1)
        sums = np.add.reduceat(values, starts, axis=0)
        out[self.has_death] = sums[self.has_death]
        return out


def _rev_cumsum_flat(a: np.ndarray) -> np.ndarray:
    b, n = a.shape[:2]
    return np.cumsum(a[:, ::-1], axis=1)[:, ::-1].reshape((b * n,) + a.shape[2:])


def _fwd_cumsum_flat(a: np.ndarray) -> np.ndarray:
    b, n = a.shape[:2]
    pad = np.zeros((b, 1) + a.shape[2:])
    return np.concatenate([pad, np.cumsum(a, axis=1)], axis=1).reshape((b * (n + 1),) + a.shape[2:])


def _evaluate(data: _Data, beta: np.ndarray, need_info: bool = True):
    """Log partial likelihood, score and information at ``beta`` (B, p)."""
    x = data.x
    eta = np.einsum("bnp,bp->bn", x, beta)
    shift = np.max(np.where(data.w > 0, eta, -np.inf), axis=1, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    eta = eta - shift   # the partial likelihood is invariant to a shift of eta
    r = data.w * np.exp(eta)
    rd = r * data.is_death
    s0 = _rev_cumsum_flat(r)[data.gs]
    c0 = _fwd_cumsum_flat(rd)
    d0 = c0[data.ge1] - c0[data.gs0]
    s1 = _rev_cumsum_flat(r[..., None] * x)[data.gs]
    c1 = _fwd_cumsum_flat(rd[..., None] * x)
    d1 = c1[data.ge1] - c1[data.gs0]
    if need_info:
        s2 = _rev_cumsum_flat(r[..., None, None] * data.xx)[data.gs]
        c2 = _fwd_cumsum_flat(rd[..., None, None] * data.xx)
        d2 = c2[data.ge1] - c2[data.gs0]
    dw = data.dw
    dg = np.where(data.d_group > 0, data.d_group, 1.0)
    loglik = np.einsum("bn,bn->b", data.dw_full, eta)
    score = data.sum_dx.copy()
    info = np.zeros(beta.shape + beta.shape[-1:]) if need_info else None
    maxm = int(np.max(dw)) if dw.size else 0
    # A death row of weight m stands for m tied deaths ranked rank_first … rank_first + m − 1.
    for k in range(maxm):
        m = (dw > k).astype(float)
        f = (data.rank_first + k) / dg * data.efron
        den = np.where(m > 0, s0 - f * d0, 1.0)
        loglik -= data.segment_sum(m * np.log(den))
        a = (s1 - f[:, None] * d1) / den[:, None]
        score -= data.segment_sum(m[:, None] * a)
        if need_info:
            c = (s2 - f[:, None, None] * d2) / den[:, None, None]
            info += data.segment_sum(m[:, None, None] * (c - a[:, :, None] * a[:, None, :]))
    return loglik, score, info


def _solve(info: np.ndarray, score: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton step ``info⁻¹ score`` with inactive columns held at zero.

    Singular systems (aliased columns) fall back to the pseudo-inverse for that data set
    only, so a batch's results never depend on which other data sets share it. Returns the
    step and a flag per data set whose system could not be solved at all (a non-finite
    information matrix, as under complete separation once the coefficients diverge); those
    get a zero step.
    """
    p = info.shape[-1]
    eye = np.eye(p)
    mat = np.where(active[:, :, None] & active[:, None, :], info, 0.0) + eye * (~active)[:, :, None]
    rhs = np.where(active, score, 0.0)
    failed = ~(np.isfinite(mat).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1))
    mat[failed], rhs[failed] = eye, 0.0
    try:
        step = np.linalg.solve(mat, rhs[..., None])[..., 0]
        bad = ~np.all(np.isfinite(step), axis=1)
    except np.linalg.LinAlgError:
        step = np.empty_like(rhs)
        bad = np.zeros(len(rhs), dtype=bool)
        for i in range(len(rhs)):
            try:
                step[i] = np.linalg.solve(mat[i], rhs[i])
            except np.linalg.LinAlgError:
                bad[i] = True
    for i in np.flatnonzero(bad):
        try:
            step[i] = np.linalg.pinv(mat[i], hermitian=True) @ rhs[i]
        except np.linalg.LinAlgError:
            step[i], failed[i] = 0.0, True
    return step, failed


def invert_information(info: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Covariance of the coefficients: inverse information on active columns, NaN elsewhere."""
    p = info.shape[-1]
    mat = np.where(active[:, :, None] & active[:, None, :], info, 0.0) + np.eye(p) * (~active)[:, :, None]
    try:
        var = np.linalg.inv(mat)
    except np.linalg.LinAlgError:
        var = np.linalg.pinv(mat, hermitian=True)
    mask = active[:, :, None] & active[:, None, :]
    return np.where(mask, var, np.nan)


def fit_batch(x: np.ndarray, time: np.ndarray, event: np.ndarray,
              weight: np.ndarray | None = None, eps: float = EPS,
              max_iter: int = MAX_ITER, ties: str = "efron") -> BatchFit:
    """Fit ``B`` Cox models (Efron ties) by Newton–Raphson with step halving.

    Parameters
    ----------
    x
        ``(B, n, p)`` covariates; rows of each data set sorted by ``time`` ascending.
    time, event
        ``(B, n)`` times (sorted ascending per data set) and 0/1 events.
    weight
        ``(B, n)`` non-negative integer case weights (1 = row used once, 0 = row left out).
    ties
        ``"efron"`` (default, as R ``coxph``) or ``"breslow"``.
    eps
        Convergence when the relative change of the log-likelihood is below ``eps``.

    Returns
    -------
    BatchFit

    Notes
    -----
    As R ``coxph``: start at zero, Newton–Raphson, halve the step while the
    log-likelihood decreases; columns that are constant among the used rows are held at
    zero (R reports them as NA).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[..., None]
    b, n, p = x.shape
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    w = np.ones((b, n)) if weight is None else np.asarray(weight, dtype=float)
    wsum = w.sum(axis=1, keepdims=True)
    mean = np.einsum("bn,bnp->bp", w, x) / np.where(wsum > 0, wsum, 1.0)
    xc = (x - mean[:, None, :]) * (w > 0)[..., None]
    var = np.einsum("bn,bnp->bp", w, xc ** 2)
    scale = np.maximum(np.abs(mean), 1.0)
    active = var > (1e-12 * scale ** 2 * np.maximum(wsum, 1.0))
    xc = xc * active[:, None, :]
    start, end = tie_groups(time)
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    efron = ties == "efron"
    data = _Data(xc, event, w, start, end, efron=efron)

    def subset(idx):
        if idx.size == b:
            return data
        return _Data(xc[idx], event[idx], w[idx], start[idx], end[idx], efron=efron)

    beta = np.zeros((b, p))
    ll, score, info = _evaluate(data, beta)
    ll0, score0, info0 = ll.copy(), score.copy(), info.copy()
    converged = np.zeros(b, dtype=bool)
    iterations = np.zeros(b, dtype=int)
    todo = np.ones(b, dtype=bool)
    if p == 0 or not active.any():
        converged[:] = True
        todo[:] = False
    for it in range(1, max_iter + 1):
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        sub = subset(idx)
        step, failed = _solve(info[idx], score[idx], active[idx])
        if failed.any():  # diverging (e.g. separation): keep the last finite fit, not converged
            todo[idx[failed]] = False
            keep = ~failed
            idx, step = idx[keep], step[keep]
            if idx.size == 0:
                break
            sub = subset(idx)
        cand = beta[idx] + step
        ll_new, sc_new, in_new = _evaluate(sub, cand)
        # step halving where the likelihood got worse (or became non-finite)
        for _ in range(30):
            worse = ~(np.isfinite(ll_new) & (ll_new >= ll[idx] - 1e-12 * np.abs(ll[idx])))
            if not worse.any():
                break
            cand[worse] = (cand[worse] + beta[idx][worse]) / 2
            w_idx = np.flatnonzero(worse)
            l2, s2, i2 = _evaluate(subset(idx[w_idx]), cand[worse])
            ll_new[worse], sc_new[worse], in_new[worse] = l2, s2, i2
        done = np.abs(ll_new - ll[idx]) <= eps * np.maximum(np.abs(ll[idx]), 1e-300)
        beta[idx], ll[idx], score[idx], info[idx] = cand, ll_new, sc_new, in_new
        iterations[idx] = it
        converged[idx[done]] = True
        todo[idx[done]] = False
    return BatchFit(coef=beta, loglik=ll, loglik0=ll0, score0=score0, info0=info0,
                    info=info, score=score, active=active, iterations=iterations,
                    converged=converged)


