"""Erlang B (M/M/N/N) and Erlang C (M/M/N): blocking, waiting, service level, speed of answer.

Every function broadcasts NumPy arrays: ``servers``/``agents`` are integer counts N ≥ 0 and
``load`` is the offered load A = λ·aht in Erlangs. Blocking is computed in log space from the
Poisson density and the regularised incomplete gamma function — no factorials, no recursion over
N — so a centre with a million agents costs about as much as one with three and never overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]  # no stubs in the environment

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Below exp(-600) the Poisson tail P(X ≤ N) may underflow: sum 1/B term by term there instead.
_DEEP_TAIL_LOG = -600.0
_SERIES_TOLERANCE = 1e-17


def as_float_array(name: str, value: npt.ArrayLike, *, positive: bool = False) -> FloatArray:
    """``value`` as a float array, every element finite and ≥ 0 (> 0 if ``positive``)."""
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers (got NaN or infinity)")
    if np.any(array <= 0.0) if positive else np.any(array < 0.0):
        bound = "> 0" if positive else "≥ 0"
        raise ValueError(f"{name} must be {bound} (got {array.min():g})")
    return array


def as_count_array(name: str, value: npt.ArrayLike) -> IntArray:
    """``value`` as an int64 array of whole numbers ≥ 0; else ValueError naming ``name``."""
    array = as_float_array(name, value)
    if np.any(array != np.floor(array)):
        raise ValueError(f"{name} must be whole numbers")
    return array.astype(np.int64)


def stirling_error(n: FloatArray) -> FloatArray:
    """δ(n) = ln Γ(n + 1) − ((n + ½)·ln n − n + ½·ln 2π), n ≥ 1 real (Loader 2000, §2)."""
    out = np.empty_like(n)
    small = n <= 15.0
    ns = n[small]
    out[small] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _HALF_LOG_2PI
    nl = n[~small]
    inv2 = 1.0 / (nl * nl)
    # Asymptotic series 1/12n − 1/360n³ + 1/1260n⁵ − 1/1680n⁷ + 1/1188n⁹: < 1e-17 for n > 15.
    series = 1 / 1188.0 * inv2
    for coefficient in (1 / 1680.0, 1 / 1260.0, 1 / 360.0, 1 / 12.0):
        series = coefficient - series * inv2
    out[~small] = series / nl
    return out


def deviance(x: FloatArray, mean: FloatArray) -> FloatArray:
    """D(x, m) = x·ln(x/m) + m − x ≥ 0, accurate near x = m (Loader 2000, "bd0")."""
    gap = x - mean
    total = x + mean
    with np.errstate(divide="ignore", over="ignore"):
        out = x * np.log(x / mean) + mean - x
    close = np.abs(gap) < 0.1 * total
    v = gap[close] / total[close]
    term = 2.0 * x[close] * v
    result = gap[close] * v
    v2 = v * v
    for j in range(1, 10):  # |v| < 0.1: nine terms of the odd series reach 1e-18 relative
        term = term * v2
        result = result + term / (2 * j + 1)
    out[close] = result
    return out


def poisson_log_density(k: FloatArray, mean: FloatArray) -> FloatArray:
    """ln(mᵏ·e⁻ᵐ / Γ(k + 1)) = −δ(k) − D(k, m) − ½·ln 2πk for real k ≥ 1, m > 0 (Loader 2000).

    The saddle-point form keeps the full relative precision of the density even when mᵏ and k!
    are astronomically large (Loader, "Fast and accurate computation of binomial probabilities").
    """
    return -stirling_error(k) - deviance(k, mean) - 0.5 * np.log(k) - _HALF_LOG_2PI


def log_erlang_b(servers: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """ln B(N, A), B = p(N; A) / P(X ≤ N), X ~ Poisson(A); −∞ where A = 0, else 0 where N = 0.

    P(X ≤ N) = Q(N + 1, A), the regularised upper incomplete gamma function (Jagerman 1974).
    Where that tail underflows or A > 4N/3, 1/B = Σⱼ₌₀ᴺ N!/((N − j)!·Aʲ) is summed directly
    instead: its terms shrink at least as fast as (N/A)ʲ there.
    """
    n_in, a_in = np.broadcast_arrays(
        as_count_array("servers", servers), as_float_array("load", load)
    )
    n = n_in.astype(np.float64).ravel()
    a = a_in.ravel()
    out = np.zeros(n.shape)
    out[a == 0.0] = -np.inf
    rows = np.flatnonzero((a > 0.0) & (n > 0))
    nr, ar = n[rows], a[rows]
    log_p = poisson_log_density(nr, ar)
    log_b = np.empty_like(nr)
    lower = ar <= nr + 1.0  # the cdf is ≳ ½ here: take it as 1 − P(N + 1, A) for full precision
    log_b[lower] = log_p[lower] - np.log1p(-special.gammainc(nr[lower] + 1.0, ar[lower]))
    # Far above capacity the series converges fast (ratio ≤ ¾) and beats the gamma tail's 1e-11.
    upper = ~lower & (log_p >= _DEEP_TAIL_LOG) & (nr > 0.75 * ar)
    log_b[upper] = log_p[upper] - np.log(special.gammaincc(nr[upper] + 1.0, ar[upper]))
    deep = ~lower & ~upper
    log_b[deep] = -np.log(_inverse_erlang_b_series(nr[deep], ar[deep]))
    out[rows] = log_b
    return out.reshape(n_in.shape)


def _inverse_erlang_b_series(n: FloatArray, a: FloatArray) -> FloatArray:
    """1/B(N, A) = Σⱼ₌₀ᴺ tⱼ, t₀ = 1, tⱼ = tⱼ₋₁·(N − j + 1)/A; only for A > N + 1."""
    total = np.ones_like(n)
    term = np.ones_like(n)
    j = 1
    while term.size and np.any(term > _SERIES_TOLERANCE * total):
        term = term * np.maximum(n - j + 1.0, 0.0) / a
        total += term
        j += 1
    return total


def erlang_b(servers: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """B(N, A) = (Aᴺ/N!) / Σₖ₌₀ᴺ Aᵏ/k!: the share of arrivals blocked with N lines.

    0 where A = 0 (nothing offered, nothing blocked); 1 where N = 0 < A. Computed as exp(ln B),
    see :func:`log_erlang_b`.
    """
    return np.exp(log_erlang_b(servers, load))


@dataclass(frozen=True)
class ErlangCMetrics:
    """M/M/N performance per row; ``stable`` = N > A or A = 0 (a steady state exists)."""

    p_wait: FloatArray
    service_level: FloatArray | None
    asa_s: FloatArray
    occupancy: FloatArray
    stable: npt.NDArray[np.bool_]


def erlang_c(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    target_s: npt.ArrayLike | None = None,
) -> ErlangCMetrics:
    """All Erlang C metrics from one Erlang B evaluation (``service_level`` needs ``target_s``).

    C = N·B / ((N − A) + A·B) and 1 − C = (N − A)·(1 − B) / ((N − A) + A·B), so neither
    loses digits to cancellation; the single-metric functions below state each formula.
    """
    n_in, a, aht = np.broadcast_arrays(
        as_count_array("agents", agents),
        as_float_array("load", load),
        as_float_array("aht_s", aht_s, positive=True),
    )
    n = n_in.astype(np.float64)
    stable = (n > a) | (a == 0.0)
    idle = a == 0.0
    log_b = log_erlang_b(n_in, a)
    b = np.exp(log_b)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spare = n - a
        denominator = spare + a * b
        wait = np.where(stable, n * b / denominator, 1.0)
        wait[idle] = 0.0
        asa = np.where(stable, np.where(wait > 0.0, wait * aht / spare, 0.0), np.inf)
        busy = np.where(idle, 0.0, np.minimum(a / n, 1.0))
    service_level = None
    if target_s is not None:
        target = as_float_array("target_s", target_s)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            no_wait = np.where(stable, spare * -np.expm1(log_b) / denominator, 0.0)
            answered_late = wait * -np.expm1(-spare * target / aht)
            service_level = np.where(stable, np.minimum(no_wait + answered_late, 1.0), 0.0)
        service_level = np.where(idle, 1.0, service_level)
    return ErlangCMetrics(wait, service_level, asa, busy, stable)


def erlang_c_wait_probability(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """P(wait) = N·B / (N − A·(1 − B)), B = Erlang B(N, A); 1 where A ≥ N, 0 where A = 0."""
    return erlang_c(agents, load, 1.0).p_wait


def erlang_c_service_level(
    agents: npt.ArrayLike, load: npt.ArrayLike, aht_s: npt.ArrayLike, target_s: npt.ArrayLike
) -> FloatArray:
    """SL = P(W ≤ T) = 1 − C·exp(−(N − A)·T/aht); 0 where A ≥ N, 1 where A = 0.

    Evaluated as (1 − C) + C·(1 − exp(−(N − A)·T/aht)) so that no digits cancel.
    """
    service_level = erlang_c(agents, load, aht_s, target_s).service_level
    assert service_level is not None
    return service_level


def erlang_c_asa_s(agents: npt.ArrayLike, load: npt.ArrayLike, aht_s: npt.ArrayLike) -> FloatArray:
    """ASA = E[W] = C·aht / (N − A) seconds; +∞ where A ≥ N (the queue grows without bound)."""
    return erlang_c(agents, load, aht_s).asa_s


def occupancy(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Occupancy = min(A/N, 1), the busy share of agent time; 0 where N = 0 and A = 0."""
    n_in, a = np.broadcast_arrays(as_count_array("agents", agents), as_float_array("load", load))
    n = n_in.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        busy = np.minimum(a / n, 1.0)
    return np.where(a == 0.0, 0.0, busy)
