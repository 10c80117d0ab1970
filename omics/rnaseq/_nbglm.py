"""Negative-binomial GLM pieces of edgeR needed by ComBat-seq (numpy re-implementation).

Counts here are **genes × samples** internally (edgeR's orientation) because every
operation is per gene; the public functions transpose at the boundary.

Implemented: NB GLM fits by Fisher scoring (one-group and general designs), the Cox–Reid
adjusted profile likelihood (``adjustedProfileLik``), the common dispersion
(``estimateGLMCommonDisp``, Brent search as R's ``optimize``), gene-wise dispersions
(``estimateGLMTagwiseDisp`` with ``prior.df = 0``, 11-point grid and FMM spline
maximisation as ``maximizeInterpolant``) and shrunken coefficients (``predFC``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

LOW_VALUE = 1e-10


def design_groups(design: np.ndarray) -> np.ndarray:
    """Group index of each sample when the design is a one-way layout (unique rows)."""
    _, inverse = np.unique(np.round(design, 12), axis=0, return_inverse=True)
    return inverse.reshape(-1)


def fit_nb_glm(y: np.ndarray, design: np.ndarray, offset: np.ndarray, phi: np.ndarray,
               max_iter: int = 100, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood NB GLM per gene by damped Fisher scoring.

    Parameters
    ----------
    y, offset, phi
        genes × samples (offset and dispersion broadcastable).
    design
        samples × p, full column rank.

    Returns
    -------
    beta (genes × p), mu (genes × samples)
    """
    y = np.asarray(y, dtype=float)
    g, n = y.shape
    offset = np.broadcast_to(offset, y.shape)
    phi = np.broadcast_to(phi, y.shape)
    p = design.shape[1]
    groups = design_groups(design)
    if len(np.unique(groups)) == p:
        return _fit_oneway(y, design, offset, phi, groups, max_iter, tol)
    return fit_levenberg(y, design, offset, phi)


def _nb_deviance(y, mu, phi):
    """Gene-wise NB deviance as edgeR (``compute_unit_nb_deviance`` summed): Poisson
    expansion for dispersion < 1e-4, Gamma limit for mu·phi > 1e6, NB otherwise."""
    y_ = y + 1e-8
    mu_ = mu + 1e-8
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        resid = y_ - mu_
        logratio = np.log(y_ / mu_)
        product = mu_ * phi
        poisson = 2 * (y_ * logratio - resid - 0.5 * resid * resid * phi * (1 + phi * (2 / 3 * resid - y_)))
        gamma = 2 * (resid / mu_ - logratio) * mu_ / (1 + product)
        inv = 1 / phi
        nb = 2 * (y_ * logratio + (y_ + inv) * np.log((mu_ + inv) / (y_ + inv)))
    unit = np.where(phi < 1e-4, poisson, np.where(product > 1e6, gamma, nb))
    return unit.sum(axis=1)


def fit_levenberg(y, design, offset, phi, tol: float = 1e-6, max_iter: int = 250):
    """NB GLM by edgeR's damped Newton (Levenberg–Marquardt) iterations (``mglmLevenberg``).

    Same start (the "null" method: a constant fitted on the design), the same damping
    schedule and the same stopping rule (Newton decrement ``dl·dβ < tol``), so that fits
    agree with edgeR at the precision edgeR stops at, not only at the exact MLE.
    """
    g, n = y.shape
    p = design.shape[1]
    off = np.broadcast_to(offset, y.shape)
    ph = np.broadcast_to(phi, y.shape)
    lib = np.exp(off)
    w0 = lib / (1 + ph * lib)
    with np.errstate(divide="ignore"):
        current = np.log((y * w0 / lib).sum(axis=1) / w0.sum(axis=1))
    q, r = np.linalg.qr(design)
    beta = np.linalg.solve(r, q.T @ np.ones(n))[None, :] * current[:, None]
    mu = np.exp(beta @ design.T + off)
    dev = _nb_deviance(y, mu, ph)
    ymax = y.max(axis=1)
    remaining = ymax >= 1e-10
    beta[~remaining] = np.nan
    mu[~remaining] = 0.0
    lam = np.zeros(g)
    eye = np.eye(p)
    for iteration in range(max_iter):
        if not remaining.any():
            break
        idx = np.flatnonzero(remaining)
        denom = 1 + mu[idx] * ph[idx]
        deriv = (y[idx] - mu[idx]) / denom
        wts = mu[idx] / denom
        xtwx = np.einsum("gs,sp,sq->gpq", wts, design, design)
        dl = deriv @ design
        maxinfo = np.einsum("gii->gi", xtwx).max(axis=1)
        if iteration == 0:
            lam[idx] = np.maximum(maxinfo * 1e-6, 1e-13)
        dbeta = np.zeros((len(idx), p))
        lev = np.zeros(len(idx), dtype=int)
        low_dev = np.zeros(len(idx), dtype=bool)
        conv = np.zeros(len(idx), dtype=bool)
        pending = np.ones(len(idx), dtype=bool)
        while pending.any():
            lev[pending] += 1
            pi = np.flatnonzero(pending)
            gi = idx[pi]
            dbeta[pi] = np.linalg.solve(xtwx[pi] + lam[gi, None, None] * eye, dl[pi][:, :, None])[:, :, 0]
            beta_new = beta[gi] + dbeta[pi]
            mu_new = np.exp(beta_new @ design.T + off[gi])
            dev_new = _nb_deviance(y[gi], mu_new, ph[gi])
            with np.errstate(divide="ignore", invalid="ignore"):
                low_dev[pi] |= (dev_new / ymax[gi]) < 1e-13
            accept = (dev_new <= dev[gi]) | low_dev[pi]
            acc = gi[accept]
            beta[acc] = beta_new[accept]
            mu[acc] = mu_new[accept]
            dev[acc] = dev_new[accept]
            pending[pi[accept]] = False
            rej = pi[~accept]
            lam[idx[rej]] *= 2
            lam[idx[rej]] = np.where(lam[idx[rej]] <= 0, 1e-100, lam[idx[rej]])
            with np.errstate(divide="ignore"):
                newly = (lam[idx[rej]] / maxinfo[rej]) > 1e13
            conv[rej[newly]] = True
            pending[rej[newly]] = False
        divergence = (dl * dbeta).sum(axis=1)
        done = conv | low_dev | (divergence < tol)
        remaining[idx[done]] = False
        shrink = ~done & (lev == 1)
        lam[idx[shrink]] /= 10
    return beta, mu


def _fit_oneway(y, design, offset, phi, groups, max_iter, tol):
    """One-way layout: a one-group fit per design level (edgeR ``mglmOneWay``)."""
    levels = np.unique(groups)
    group_beta = np.zeros((y.shape[0], len(levels)))
    for k, level in enumerate(levels):
        cols = groups == level
        group_beta[:, k] = fit_one_group(y[:, cols], offset[:, cols], phi[:, cols], max_iter, tol)
    group_beta = np.maximum(group_beta, -1e8)
    mu = np.exp(group_beta[:, np.searchsorted(levels, groups)] + offset)
    unique_rows = np.vstack([design[groups == level][0] for level in levels])
    beta = np.linalg.solve(unique_rows, group_beta.T).T
    return beta, mu


def fit_one_group(y, offset, phi, max_iter: int = 50, tol: float = 1e-10) -> np.ndarray:
    """NB MLE of a single log-mean per gene (edgeR ``mglmOneGroup``); −inf for all zeros."""
    total = y.sum(axis=1)
    beta = np.full(y.shape[0], -np.inf)
    pos = total > 0
    if not pos.any():
        return beta
    yy, off, ph = y[pos], offset[pos], phi[pos]
    b = np.log(yy.sum(axis=1) / np.exp(off).sum(axis=1))
    for _ in range(max_iter):
        mu = np.exp(b[:, None] + off)
        dl = ((yy - mu) / (1 + ph * mu)).sum(axis=1)
        info = (mu / (1 + ph * mu)).sum(axis=1)
        step = dl / info
        b = b + step
        if np.all(np.abs(step) < tol):
            break
    beta[pos] = b
    return beta


def _nb_loglik(y, mu, phi):
    """NB log-likelihood per gene (Poisson where phi == 0); zero-mean cells contribute 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 / phi
        log_mu_r = np.log(mu + r)
        ll = (y * np.log(mu) - y * log_mu_r + r * np.log(r) - r * log_mu_r
              + gammaln(y + r) - gammaln(y + 1) - gammaln(r))
        pois = y * np.log(mu) - mu - gammaln(y + 1)
    ll = np.where(phi > 0, ll, pois)
    ll = np.where(mu == 0, 0.0, ll)
    return ll.sum(axis=1)


def adjusted_profile_lik(dispersion, y: np.ndarray, design: np.ndarray,
                         offset: np.ndarray) -> np.ndarray:
    """Cox–Reid adjusted profile log-likelihood per gene (edgeR ``adjustedProfileLik``)."""
    phi = np.broadcast_to(np.asarray(dispersion, dtype=float).reshape(-1, 1)
                          if np.ndim(dispersion) == 1 else dispersion, y.shape)
    _, mu = fit_nb_glm(y, design, offset, phi)
    ll = _nb_loglik(y, mu, phi)
    w = np.where(mu == 0, 0.0, mu / (1 + phi * mu))
    if design.shape[1] == 1:
        adj = 0.5 * np.log(np.abs(w.sum(axis=1)))
    else:
        xtwx = np.einsum("gs,sp,sq->gpq", w, design, design)
        d = _ldl_diagonal(xtwx)
        d = np.where((d < LOW_VALUE) | ~np.isfinite(d), LOW_VALUE, d)
        adj = 0.5 * np.log(d).sum(axis=1)
    return ll - adj


def _ldl_diagonal(m: np.ndarray) -> np.ndarray:
    """Diagonals of D in m = L D L' for a stack of symmetric matrices (genes × p × p).

    Without pivoting, which is what LAPACK ``dsytrf`` does on the positive (semi)definite
    information matrices met here; a zero pivot is kept as zero (then floored by the caller).
    """
    g, p, _ = m.shape
    low = np.zeros((g, p, p))
    d = np.zeros((g, p))
    for j in range(p):
        d[:, j] = m[:, j, j] - (low[:, j, :j] ** 2 * d[:, :j]).sum(axis=1)
        safe = np.where(np.abs(d[:, j]) > 0, d[:, j], np.inf)
        for i in range(j + 1, p):
            low[:, i, j] = (m[:, i, j] - (low[:, i, :j] * low[:, j, :j] * d[:, :j]).sum(axis=1)) / safe
    return d


def brent_maximize(f, lower: float, upper: float, tol: float) -> float:
    """R's ``optimize(maximum = TRUE)`` (Brent's ``fmin`` on ``-f``), same iterates."""
    golden = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(np.finfo(float).eps)
    a, b = lower, upper
    v = a + golden * (b - a)
    w = x = v
    d = e = 0.0
    fx = -f(x)
    fv = fw = fx
    tol3 = tol / 3.0
    while True:
        xm = (a + b) * 0.5
        tol1 = eps * abs(x) + tol3
        t2 = tol1 * 2.0
        if abs(x - xm) <= t2 - (b - a) * 0.5:
            break
        p = q = r = 0.0
        if abs(e) > tol1:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = (q - r) * 2.0
            if q > 0.0:
                p = -p
            else:
                q = -q
            r = e
            e = d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            e = (b - x) if x < xm else (a - x)
            d = golden * e
        else:
            d = p / q
            u = x + d
            if u - a < t2 or b - u < t2:
                d = tol1 if x < xm else -tol1
        if abs(d) >= tol1:
            u = x + d
        elif d > 0.0:
            u = x + tol1
        else:
            u = x - tol1
        fu = -f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
    return x


def common_dispersion(y: np.ndarray, design: np.ndarray, offset: np.ndarray,
                      min_row_sum: float = 5, interval=(0.0, 4.0), tol: float = 1e-5) -> float:
    """Common dispersion by maximising the summed APL (edgeR ``dispCoxReid``)."""
    keep = y.sum(axis=1) >= min_row_sum
    if not keep.any():
        raise ValueError("no genes with at least 5 counts to estimate a dispersion")
    yk = y[keep]
    off = np.broadcast_to(offset, y.shape)[keep]
    fun = lambda par: float(adjusted_profile_lik(np.full(yk.shape[0], par ** 4), yk, design, off).sum())  # noqa: E731
    best = brent_maximize(fun, interval[0] ** 0.25, interval[1] ** 0.25, tol)
    return best ** 4


def _fmm_spline(x: np.ndarray, y: np.ndarray):
    """Coefficients b, c, d of R's FMM cubic spline for every row of ``y`` (x shared)."""
    n = len(x)
    g = y.shape[0]
    b = np.zeros((g, n)); c = np.zeros((g, n)); d = np.zeros((g, n))  # noqa: E702
    dx = np.diff(x)
    d[:, 0] = dx[0]
    c[:, 1] = (y[:, 1] - y[:, 0]) / d[:, 0]
    for i in range(1, n - 1):
        d[:, i] = dx[i]
        b[:, i] = 2.0 * (d[:, i - 1] + d[:, i])
        c[:, i + 1] = (y[:, i + 1] - y[:, i]) / d[:, i]
        c[:, i] = c[:, i + 1] - c[:, i]
    nm1 = n - 1
    b[:, 0] = -d[:, 0]
    b[:, n - 1] = -d[:, nm1 - 1]
    c[:, 0] = 0.0
    c[:, n - 1] = 0.0
    if n > 3:
        c[:, 0] = c[:, 2] / (x[3] - x[1]) - c[:, 1] / (x[2] - x[0])
        c[:, n - 1] = c[:, nm1 - 1] / (x[n - 1] - x[n - 3]) - c[:, n - 3] / (x[nm1 - 1] - x[n - 4])
        c[:, 0] = c[:, 0] * d[:, 0] * d[:, 0] / (x[3] - x[0])
        c[:, n - 1] = -c[:, n - 1] * d[:, nm1 - 1] * d[:, nm1 - 1] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[:, i - 1] / b[:, i - 1]
        b[:, i] = b[:, i] - t * d[:, i - 1]
        c[:, i] = c[:, i] - t * c[:, i - 1]
    c[:, n - 1] = c[:, n - 1] / b[:, n - 1]
    for i in range(nm1 - 1, -1, -1):
        c[:, i] = (c[:, i] - d[:, i] * c[:, i + 1]) / b[:, i]
    b[:, n - 1] = (y[:, n - 1] - y[:, n - 2]) / d[:, n - 2] + d[:, n - 2] * (c[:, n - 2] + 2.0 * c[:, n - 1])
    for i in range(nm1):
        b[:, i] = (y[:, i + 1] - y[:, i]) / d[:, i] - d[:, i] * (c[:, i + 1] + 2.0 * c[:, i])
        d[:, i] = (c[:, i + 1] - c[:, i]) / d[:, i]
        c[:, i] = 3.0 * c[:, i]
    c[:, n - 1] = 3.0 * c[:, n - 1]
    d[:, n - 1] = d[:, nm1 - 1]
    return b, c, d


def _segment_max(a, bq, cq):
    """Smaller root of a x^2 + b x + c (edgeR ``quad_solver`` sol1) and solvability."""
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = bq * bq - 4 * a * cq
        root = -bq / (2 * a) - np.sqrt(disc) / (2 * a)
        linear = -cq / bq
    sol = np.where(a == 0, linear, root)
    ok = np.where(a == 0, bq != 0, disc >= 0)
    return sol, ok


def maximize_interpolant(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Maximiser of the FMM spline through each row of ``y`` (edgeR ``maximizeInterpolant``)."""
    g, n = y.shape
    b, c, d = _fmm_spline(x, y)
    at = np.argmax(y, axis=1)
    rows = np.arange(g)
    best = y[rows, at].copy()
    x_max = x[at].copy()
    for side in (-1, 0):
        seg = at + side
        valid = (seg >= 0) & (seg < n - 1)
        s = np.clip(seg, 0, n - 2)
        sol, ok = _segment_max(3 * d[rows, s], 2 * c[rows, s], b[rows, s])
        width = x[s + 1] - x[s]
        inside = valid & ok & (sol > 0) & (sol < width)
        value = ((d[rows, s] * sol + c[rows, s]) * sol + b[rows, s]) * sol + y[rows, s]
        better = inside & (value > best)
        best = np.where(better, value, best)
        x_max = np.where(better, sol + x[s], x_max)
    return x_max


def tagwise_dispersion(y: np.ndarray, design: np.ndarray, offset: np.ndarray,
                       dispersion: float, min_row_sum: float = 5, grid_npts: int = 11,
                       grid_range=(-6.0, 6.0)) -> np.ndarray:
    """Gene-wise dispersions with no prior weight (edgeR ``estimateGLMTagwiseDisp``,
    ``prior.df = 0``): grid of APL values around the common dispersion, spline maximum."""
    disp = np.full(y.shape[0], float(dispersion))
    keep = y.sum(axis=1) >= min_row_sum
    if not keep.any():
        return disp
    yk = y[keep]
    off = np.broadcast_to(offset, y.shape)[keep]
    points = np.linspace(grid_range[0], grid_range[1], grid_npts)
    apl = np.column_stack([adjusted_profile_lik(disp[keep] * 2.0 ** pt, yk, design, off)
                           for pt in points])
    disp[keep] = disp[keep] * 2.0 ** maximize_interpolant(points, apl)
    return disp


def add_prior_count(y: np.ndarray, offset: np.ndarray, prior_count: float):
    """Library-size-scaled prior count (edgeR ``addPriorCount``); returns (y, offset)."""
    libs = np.exp(np.broadcast_to(offset, y.shape))
    prior = prior_count * libs / libs.mean(axis=1, keepdims=True)
    return y + prior, np.log(libs + 2 * prior)
