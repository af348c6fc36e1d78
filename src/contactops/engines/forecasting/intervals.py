"""Prediction intervals: a Poisson–gamma (negative binomial) law around the point forecast.

Calls in an interval are Poisson given their rate, and the rate itself is uncertain (the daily
level and the profile are estimates, days differ): a gamma-distributed rate gives the negative
binomial, with

    E[Y] = μ,   Var[Y] = μ + φ·μ²     (φ = 0: Poisson).

φ is estimated by the method of moments from out-of-sample errors of the chosen model (the
rolling-origin backtest): φ̂ = max(0, Σ[(y − ŷ)² − ŷ] / Σŷ²). The interval at level p is
[F⁻¹((1 − p)/2), F⁻¹((1 + p)/2)] of that law, per interval (marginal coverage).
"""

from __future__ import annotations

import numpy as np
from scipy import stats  # type: ignore[import-untyped]  # no stubs in the environment

from .series import FloatArray

DEFAULT_DISPERSION = 0.05  # when no out-of-sample error exists yet: ±22 % sd on the rate
MIN_DISPERSION = 1e-6


def dispersion(actual: FloatArray, forecast: FloatArray) -> float | None:
    """φ̂ = max(0, Σ[(y − ŷ)² − ŷ] / Σŷ²) over known cells with ŷ > 0; None without any."""
    known = ~np.isnan(actual) & (forecast > 0)
    if not known.any():
        return None
    y, mean = actual[known], forecast[known]
    excess = float(((y - mean) ** 2 - mean).sum())
    return max(0.0, excess / float((mean**2).sum()))


def prediction_interval(
    mean: FloatArray, phi: float, level: float
) -> tuple[FloatArray, FloatArray]:
    """(lo, hi): the (1 − level)/2 and (1 + level)/2 quantiles of NB(μ = mean, φ)."""
    if not 0 < level < 1:
        raise ValueError(f"level: {level} must be between 0 and 1")
    lower_q, upper_q = (1 - level) / 2, (1 + level) / 2
    mu = np.maximum(np.asarray(mean, dtype=np.float64), 0.0)
    if phi < MIN_DISPERSION:
        lo, hi = stats.poisson.ppf(lower_q, mu), stats.poisson.ppf(upper_q, mu)
    else:
        size = 1.0 / phi
        p = size / (size + mu)
        lo, hi = stats.nbinom.ppf(lower_q, size, p), stats.nbinom.ppf(upper_q, size, p)
    zero = mu <= 0
    return (
        np.asarray(np.where(zero, 0.0, lo), dtype=np.float64),
        np.asarray(np.where(zero, 0.0, hi), dtype=np.float64),
    )
