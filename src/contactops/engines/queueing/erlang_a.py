"""Erlang A (Palm's M/M/N+M): Erlang C plus exponentially distributed customer patience.

Arrivals Poisson(λ), handle times exponential (mean ``aht_s``, μ = 1/aht), N agents, each
waiting contact abandons at rate θ = 1/``patience_s``. Abandonment keeps the queue finite, so
every load is stable, including A = λ·aht ≥ N.

Notation (Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance measures", 2009,
§M/M/n+M; Garnett, Mandelbaum & Reiman, MSOM 2002): x = λ/θ, y = Nμ/θ, a = y + 1,
P(a, x) = γ(a, x)/Γ(a) the regularised lower incomplete gamma function, d(a, x) = xᵃe⁻ˣ/Γ(a + 1)
and R = P(a, x)/d(a, x). With πₙ the probability that all N agents are busy and nobody waits:

- P(wait)        = S·B / ((1 − B) + S·B),  S = 1 + (x/a)·R,  B = Erlang B(N, A)
- P(abandon)     = πₙ·(1 − (y − x)·R/a) = πₙ·G/a,  πₙ = P(wait)/S,  G = Σₖ (k + 1)·tₖ
- P(served late) = πₙ·(y/a)·R  (served after a positive wait)

Definitions (the platform's one definition of each KPI for this model):

- ``service_level`` = P(answered within T) over *all* arrivals: abandons count against it, an
  abandon before T is not "met". Answered within T = no wait, or served after waiting ≤ T:
  SL = (1 − P(wait)) + P(served late)·(1 − P(a, x·e^(−θT)) / P(a, x)).
- ``asa_s`` = mean wait of *answered* contacts (the industry's ASA), not of all arrivals
  (that one is P(abandon)·patience_s by Little's law). It has no closed form: the served waits
  have density ∝ exp(x·(1 − e^(−θt)) − aθt) (Baccelli & Hebuterne 1981), whose mean is taken by
  64-point Gauss–Legendre quadrature on the window where the integrand exceeds e⁻⁴⁰ of its peak.
- ``occupancy`` = λ·(1 − P(abandon))·aht / N, the busy share of agent time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]  # no stubs in the environment

from .erlang import FloatArray, as_count_array, as_float_array, log_erlang_b, poisson_log_density

_DEEP_TAIL_LOG = -600.0
_SERIES_TOLERANCE = 1e-17
_SERIES_BLOCK = 1024
_WINDOW_LOG = 40.0
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(64)
_NODES: FloatArray = np.asarray(_GAUSS_LEGENDRE[0], dtype=np.float64)
_WEIGHTS: FloatArray = np.asarray(_GAUSS_LEGENDRE[1], dtype=np.float64)


@dataclass(frozen=True)
class ErlangAMetrics:
    """Steady-state M/M/N+M performance per row (definitions in the module docstring)."""

    p_wait: FloatArray
    p_abandon: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray


def log_lower_gamma(a: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(ln P(a, x), ln R, G) for a ≥ 1, x ≥ 0, with R = P(a, x)/d(a, x) = Σₖ tₖ and
    G = a − (a − 1 − x)·R = Σₖ (k + 1)·tₖ, tₖ = xᵏ/((a + 1)···(a + k)).

    The series (Abramowitz & Stegun 6.5.29) is summed directly below x = min(¾a, a − 4√a) or
    where P(a, x) would underflow; elsewhere SciPy's P (1 − Q above x = a, for full precision).
    G — whose closed form cancels when x < a − 1 — is returned only where summed, else NaN.
    """
    log_p = np.full_like(x, -np.inf)
    log_r = np.zeros_like(x)
    g = np.full_like(x, np.nan)
    g[x == 0.0] = 1.0
    rows = np.flatnonzero(x > 0.0)
    ar, xr = a[rows], x[rows]
    log_d = poisson_log_density(ar, xr)
    upper = xr >= ar
    # SciPy's P is exact within 4.5σ of a (Temme's expansion) but truncates its own series
    # after 2000 terms further out, so the series is summed here below a − 4√a.
    series = ~upper & ((xr < 0.75 * ar) | (xr < ar - 4.0 * np.sqrt(ar)) | (log_d < _DEEP_TAIL_LOG))
    middle = ~upper & ~series
    lp = np.empty_like(xr)
    lr = np.empty_like(xr)
    gr = np.full_like(xr, np.nan)
    lp[upper] = np.log1p(-special.gammaincc(ar[upper], xr[upper]))
    lp[middle] = np.log(special.gammainc(ar[middle], xr[middle]))
    lr[upper | middle] = lp[upper | middle] - log_d[upper | middle]
    total, weighted = _lower_gamma_series(ar[series], xr[series])
    lr[series] = np.log(total)
    gr[series] = weighted
    lp[series] = log_d[series] + lr[series]
    log_p[rows] = lp
    log_r[rows] = lr
    g[rows] = gr
    return log_p, log_r, g


def _lower_gamma_series(a: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(Σₖ tₖ, Σₖ (k + 1)·tₖ), t₀ = 1, tₖ = tₖ₋₁·x/(a + k); positive terms, ratio < x/a < 1.

    Summed in blocks of up to 1024 terms (a cumulative product each) until every row converges:
    about min(37/(1 − x/a), 9·√a) terms, so thousands for the largest centres.
    """
    total = np.zeros_like(a)
    weighted = np.zeros_like(a)
    last = np.ones_like(a)  # t at the start of the block
    rows = np.arange(a.size)
    start, block = 0, 32
    while rows.size:
        k = start + np.arange(block, dtype=np.float64)
        ratios = x[rows, None] / (a[rows, None] + k[None, :])
        ratios[:, 0] = 1.0  # the block starts from t_start itself
        terms = last[rows, None] * np.cumprod(ratios, axis=1)
        total[rows] += terms.sum(axis=1)
        weighted[rows] += (terms * (k + 1.0)[None, :]).sum(axis=1)
        start += block
        last[rows] = terms[:, -1] * x[rows] / (a[rows] + start)
        rows = rows[(start + 1.0) * last[rows] > _SERIES_TOLERANCE * weighted[rows]]
        block = min(2 * block, _SERIES_BLOCK)
    return total, weighted


def _mean_served_wait_scaled(x: FloatArray, a: FloatArray) -> FloatArray:
    """E[θ·W | served after waiting] = ∫ s·e^ψ ds / ∫ e^ψ ds, ψ(s) = x(1 − e⁻ˢ) − a·s, s ≥ 0.

    ψ is concave with its peak at s* = ln(max(x/a, 1)); in u = s − s* the integrand is
    g(u) = c·(1 − e⁻ᵘ) − a·u, c = x·e^(−s*). The window where g ≥ −40 is found by Newton's
    method (monotone for a concave function) and integrated by Gauss–Legendre.
    """
    peak = np.log(np.maximum(x / a, 1.0))
    c = np.minimum(x, a)

    def g(u: FloatArray) -> FloatArray:
        return c * -np.expm1(-u) - a * u

    def slope(u: FloatArray) -> FloatArray:
        return c * np.exp(-u) - a

    high = 1.0 / np.sqrt(np.maximum(c, 1e-300))
    high = np.minimum(high, 1.0 + _WINDOW_LOG / np.maximum(a - c, 1e-300))
    low = -peak
    needs_low = g(low) < -_WINDOW_LOG
    for _ in range(100):
        step_high = (g(high) + _WINDOW_LOG) / slope(high)
        high = high - step_high
        step_low = np.where(
            needs_low, (g(low) + _WINDOW_LOG) / np.where(needs_low, slope(low), 1.0), 0.0
        )
        low = low - step_low
        if np.all(np.abs(step_high) <= 1e-13 * (1.0 + high)) and np.all(
            np.abs(step_low) <= 1e-13 * (1.0 + np.abs(low))
        ):
            break
    half = 0.5 * (high - low)
    nodes = (0.5 * (high + low))[:, None] + half[:, None] * _NODES[None, :]
    weights = np.exp(c[:, None] * -np.expm1(-nodes) - a[:, None] * nodes) * _WEIGHTS[None, :]
    mean_u = (weights * nodes).sum(axis=1) / weights.sum(axis=1)
    return np.asarray(peak + mean_u, dtype=np.float64)


def erlang_a(
    agents: npt.ArrayLike,
    arrival_rate_per_s: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    patience_s: npt.ArrayLike,
    target_s: npt.ArrayLike,
) -> ErlangAMetrics:
    """M/M/N+M metrics per row (formulas in the module docstring); all arguments broadcast.

    No traffic: P(wait) = P(abandon) = 0, SL = 1, ASA = 0, occupancy 0. No agents (traffic > 0):
    everyone waits and abandons, SL = 0, ASA = +∞ (nobody is ever answered), occupancy 0.
    """
    n_in, lam_in, aht_in, patience_in, target_in = np.broadcast_arrays(
        as_count_array("agents", agents),
        as_float_array("arrival_rate_per_s", arrival_rate_per_s),
        as_float_array("aht_s", aht_s, positive=True),
        as_float_array("patience_s", patience_s, positive=True),
        as_float_array("target_s", target_s),
    )
    shape = n_in.shape
    n = n_in.astype(np.float64).ravel()
    lam, aht, patience, target = (v.ravel() for v in (lam_in, aht_in, patience_in, target_in))
    idle = lam == 0.0
    unstaffed = ~idle & (n == 0.0)
    p_wait = np.where(unstaffed, 1.0, 0.0)
    p_abandon = p_wait.copy()
    service_level = np.where(unstaffed, 0.0, 1.0)
    asa_s = np.where(unstaffed, np.inf, 0.0)
    busy = np.zeros_like(n)
    rows = np.flatnonzero(~idle & ~unstaffed)
    if rows.size:
        metrics = _erlang_a_rows(n[rows], lam[rows], aht[rows], patience[rows], target[rows])
        for out, value in zip(
            (p_wait, p_abandon, service_level, asa_s, busy), metrics, strict=True
        ):
            out[rows] = value
    return ErlangAMetrics(
        p_wait=p_wait.reshape(shape),
        p_abandon=p_abandon.reshape(shape),
        service_level=service_level.reshape(shape),
        asa_s=asa_s.reshape(shape),
        occupancy=busy.reshape(shape),
    )


def _erlang_a_rows(
    n: FloatArray, lam: FloatArray, aht: FloatArray, patience: FloatArray, target: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The formulas for rows with λ > 0 and N ≥ 1, in log space where terms can overflow."""
    load = lam * aht
    x = lam * patience
    y = n * patience / aht
    a = y + 1.0
    log_b = log_erlang_b(n.astype(np.int64), load)
    log_p_x, log_r, g = log_lower_gamma(a, x)
    log_s_minus_1 = np.log(x / a) + log_r  # S − 1 = (x/a)·R
    log_s = np.logaddexp(0.0, log_s_minus_1)
    # ln(S/R) without forming the sum of two huge logarithms when R is astronomically large.
    log_s_over_r = np.where(
        log_s_minus_1 > 0.0,
        np.log(x / a) + np.log1p(np.exp(-np.abs(log_s_minus_1))),
        log_s - log_r,
    )
    with np.errstate(over="ignore"):
        # P(wait) = 1/(1 + q), q = (1 − B)/(S·B); q = +∞ means nobody ever waits.
        q = -np.expm1(log_b) * np.exp(-(log_s + log_b))
    p_wait = 1.0 / (1.0 + q)
    with np.errstate(invalid="ignore"):
        no_wait = np.where(np.isinf(q), 1.0, q / (1.0 + q))
    pi_n = np.exp(-np.log1p(q) - log_s)
    pi_n_r = np.exp(-np.log1p(q) - log_s_over_r)  # πₙ·R
    p_served_late = y / a * pi_n_r
    # P(abandon) = πₙ·G/a; where G was not summed, πₙ + ((x − y)/a)·πₙR (cancels only if x < y).
    p_abandon = np.where(np.isnan(g), pi_n + (x - y) / a * pi_n_r, pi_n * g / a)
    p_abandon = np.clip(p_abandon, 0.0, p_wait)
    theta_t = target / patience
    z = x * np.exp(-theta_t)
    log_p_z, log_r_z, _ = log_lower_gamma(a, z)
    # ln P(a, z) − ln P(a, x); where P underflows, via R: ln d(a, z) − ln d(a, x) = −aθT + x − z.
    with np.errstate(invalid="ignore"):
        log_ratio = log_p_z - log_p_x
    underflow = ~np.isfinite(log_p_x)
    log_ratio[underflow] = (-a * theta_t + x - z + log_r_z - log_r)[underflow]
    late_within_target = -np.expm1(log_ratio)
    service_level = np.minimum(no_wait + p_served_late * late_within_target, 1.0)
    served = 1.0 - p_abandon
    mean_late_wait_s = np.zeros_like(x)
    waits = p_served_late > 0.0
    mean_late_wait_s[waits] = patience[waits] * _mean_served_wait_scaled(x[waits], a[waits])
    with np.errstate(invalid="ignore", divide="ignore"):
        asa_s = np.where(served > 0.0, p_served_late * mean_late_wait_s / served, np.inf)
    occupancy = np.minimum(load * served / n, 1.0)
    return p_wait, p_abandon, service_level, asa_s, occupancy
