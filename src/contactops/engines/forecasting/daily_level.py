"""Daily totals: a log-linear calendar regression with an exponentially smoothed level.

For each open day d (its weekday is open and it is not a known closure):

    log(1 + T_d) = β₀ + ω_{w(d)} + Σ_k [a_k cos(2πkφ_d) + b_k sin(2πkφ_d)]
                   + γ_first·first_d + γ_last·last_d + γ_after·after_d + ℓ_d + ε_d

- ω: weekday effects (the weekly seasonality);
- φ_d = (day of month − 1) / days in month: a smooth monthly cycle, K = 2 harmonics (Fourier
  terms as in dynamic harmonic regression; paydays and statements drive bank calls);
- first/last: first and last business day of the month; after: the first open day after a
  closure (a holiday's backlog). "Business day" means open weekday not known to be closed;
  missing days of the history count as closures;
- ℓ_d: the local level, a simple exponential smoothing of the regression residuals r_d:
  ℓ_{t+1} = ℓ_t + α (r_t − ℓ_t), ℓ_0 = 0, α on a grid minimising the 1…5-step-ahead squared
  errors (the forecast is for days to weeks ahead, not for the next day).

The calendar terms are used only with at least ``CALENDAR_MIN_SPAN_DAYS`` of history (three
monthly cycles); they are ridge-penalised (λ = ``RIDGE``), weekday effects and intercept are
not. The forecast is T̂_d = exp(x_d·β + ℓ_T + s²/2) − 1 (s² the smoothed residuals' mean square:
the log-normal mean), 0 on closed days. Fitting uses the last ``FIT_WEEKS`` weeks.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from .series import BoolArray, FloatArray, History
from .weekly import Horizon, open_weekdays

FIT_WEEKS = 52
CALENDAR_MIN_SPAN_DAYS = 91
HARMONICS = 2
RIDGE = 1.0
ALPHA_GRID = np.round(np.arange(0.0, 0.61, 0.05), 2)
SMOOTHING_STEPS = 5


@dataclass(frozen=True)
class DailyFit:
    """What the daily model found (for reports and tests)."""

    alpha: float
    coefficients: dict[str, float]
    residual_ms: float


def daily_totals(
    history: History, horizon: Horizon, *, calendar_terms: bool
) -> tuple[FloatArray, DailyFit | None]:
    """T̂_d for each day of ``horizon``, and the fit (None when there was nothing to fit)."""
    span = _Span(history, horizon)
    fit_rows = span.fit_rows()
    if len(fit_rows) == 0:
        return np.zeros(horizon.days), None
    names, columns = _design(span, calendar_terms, fit_rows)
    while len(names) > 1 and len(fit_rows) < len(names) + 3:
        names, columns = names[:-1], columns[:, :-1]  # drop the least important terms first
    target = np.log1p(history.daily_calls[fit_rows])
    penalised = np.array([_penalised(name) for name in names])
    design = columns[fit_rows]
    gram = design.T @ design + np.diag(np.where(penalised, RIDGE, 1e-9))
    beta = np.linalg.solve(gram, design.T @ target)
    residuals = target - design @ beta
    alpha, level, mean_square = _smoothed_level(residuals)
    future = span.horizon_rows
    log_mean = columns[future] @ beta + level + mean_square / 2.0
    totals = np.where(span.expected_open[future], np.expm1(log_mean), 0.0)
    fit = DailyFit(alpha, dict(zip(names, beta.tolist(), strict=True)), mean_square)
    return np.asarray(np.maximum(totals, 0.0), dtype=np.float64), fit


def _penalised(name: str) -> bool:
    return not (name == "intercept" or name.startswith("weekday"))


class _Span:
    """The calendar from the first day of the history to the end of the horizon's last month."""

    def __init__(self, history: History, horizon: Horizon) -> None:
        self.history = history
        self.gap = max(0, (horizon.start - history.end_date).days)
        self.horizon_rows = np.arange(horizon.days) + history.days + self.gap
        # to the end of the horizon's last month, so "last business day" is known
        last = horizon.start + timedelta(days=horizon.days - 1)
        month_end = last.replace(day=gregorian.monthrange(last.year, last.month)[1])
        self.days = history.days + self.gap + horizon.days + (month_end - last).days
        self.dates = [history.first_date + timedelta(days=k) for k in range(self.days)]
        self.weekdays = np.array([d.weekday() for d in self.dates])
        self.open_weekdays = open_weekdays(history)
        expected = self.open_weekdays[self.weekdays].copy()
        expected[: history.days] &= history.observed
        for k, day in enumerate(self.dates[history.days :], start=history.days):
            expected[k] &= day not in horizon.closed
        self.expected_open: BoolArray = expected

    def fit_rows(self) -> np.ndarray:
        history = self.history
        rows = np.flatnonzero(self.expected_open[: history.days])
        return rows[rows >= history.days - 7 * FIT_WEEKS]


def _design(
    span: _Span, calendar_terms: bool, fit_rows: np.ndarray
) -> tuple[list[str], FloatArray]:
    """Column names and the design matrix over the whole span, most important terms first."""
    names = ["intercept"]
    columns = [np.ones(span.days)]
    seen_weekdays = sorted(set(span.weekdays[fit_rows].tolist()))
    for weekday in seen_weekdays[1:]:
        names.append(f"weekday_{weekday}")
        columns.append((span.weekdays == weekday).astype(float))
    fit_span_days = int(fit_rows[-1] - fit_rows[0]) + 1
    if calendar_terms and fit_span_days >= CALENDAR_MIN_SPAN_DAYS:
        first, last = _business_day_flags(span)
        names += ["first_business_day", "last_business_day"]
        columns += [first, last]
        phase = np.array(
            [(d.day - 1) / gregorian.monthrange(d.year, d.month)[1] for d in span.dates]
        )
        for k in range(1, HARMONICS + 1):
            names += [f"month_cos_{k}", f"month_sin_{k}"]
            columns += [np.cos(2 * np.pi * k * phase), np.sin(2 * np.pi * k * phase)]
    if calendar_terms:
        after = _after_closure(span)
        if after[fit_rows].any():
            names.append("after_closure")
            columns.append(after)
    return names, np.column_stack(columns)


def _business_day_flags(span: _Span) -> tuple[FloatArray, FloatArray]:
    """1.0 on the first / last expected-open day of each calendar month."""
    first = np.zeros(span.days)
    last = np.zeros(span.days)
    months = np.array([d.year * 12 + d.month for d in span.dates])
    for month in np.unique(months):
        rows = np.flatnonzero((months == month) & span.expected_open)
        if len(rows):
            first[rows[0]] = 1.0
            last[rows[-1]] = 1.0
    return first, last


def _after_closure(span: _Span) -> FloatArray:
    """1.0 on an expected-open day whose previous open weekday was closed."""
    flags = np.zeros(span.days)
    previous_open_weekday: int | None = None
    for row in range(span.days):
        if not span.open_weekdays[span.weekdays[row]]:
            continue
        if (
            span.expected_open[row]
            and previous_open_weekday is not None
            and not span.expected_open[previous_open_weekday]
        ):
            flags[row] = 1.0
        previous_open_weekday = row
    return flags


def _smoothed_level(residuals: FloatArray) -> tuple[float, float, float]:
    """(α, ℓ_T, mean square of the 1…5-step errors) of SES on ``residuals``, best α on the grid.

    ℓ_{t+1} = ℓ_t + α (r_t − ℓ_t); the h-step forecast from t is ℓ_t; the criterion is
    Σ_h Σ_t (r_{t+h−1} − ℓ_t)² over h = 1 … SMOOTHING_STEPS.
    """
    best: tuple[float, float, float, float] | None = None
    for alpha in ALPHA_GRID.tolist():
        levels = _levels(residuals, alpha)
        errors = [
            residuals[h - 1 :] - levels[: len(residuals) - h + 1]
            for h in range(1, SMOOTHING_STEPS + 1)
        ]
        squares = np.concatenate(errors) ** 2
        score = float(squares.sum())
        if best is None or score < best[0] - 1e-12:
            best = (score, alpha, float(levels[-1]), float(squares.mean()))
    assert best is not None
    return best[1], best[2], best[3]


def _levels(residuals: FloatArray, alpha: float) -> FloatArray:
    """ℓ_0 … ℓ_T: ℓ_t is the level known before residual t (ℓ_0 = 0)."""
    levels = np.zeros(len(residuals) + 1)
    for t, value in enumerate(residuals.tolist()):
        levels[t + 1] = levels[t] + alpha * (value - levels[t])
    return levels
