"""Contact volume and handle-time forecasts per queue and wall-clock interval, and backtests.

Public API (see docs/forecasting.md for the models and the choices behind them):

- :mod:`.series` — :class:`History` (days × wall-clock intervals, NaN rows for missing days),
  built from rows with :func:`history_from_rows` / :func:`histories_from_rows`;
- :mod:`.events` — :class:`KnownEvent`: special days left out of fitting and/or scaled;
- :mod:`.models` — the models by name (:data:`MODELS`): baselines, ``level_profile``,
  ``calendar_profile``, ``mstl``;
- :mod:`.forecast` — :func:`forecast` / :func:`forecast_queues` returning :class:`Forecast`
  (start, calls, calls_lo, calls_hi, aht_s per interval);
- :mod:`.backtest` — :func:`backtest` (rolling origin, "auto" included) returning
  :class:`BacktestReport` (WAPE, MASE, bias per queue × model × horizon day),
  :func:`rolling_origins`, :func:`choose_model`, :func:`select_model`;
- :mod:`.metrics` — :func:`wape`, :func:`mase`, :func:`bias`.
"""

from .backtest import (
    BacktestReport,
    BacktestRow,
    ModelChoice,
    Score,
    backtest,
    choose_model,
    rolling_origins,
    select_model,
)
from .events import KnownEvent
from .forecast import Forecast, forecast, forecast_queues
from .metrics import bias, mase, seasonal_naive_scale, wape
from .models import AUTO_CANDIDATES, BASELINES, MODELS, point_forecast
from .series import History, histories_from_rows, history_from_rows
from .weekly import Horizon

__all__ = [
    "AUTO_CANDIDATES",
    "BASELINES",
    "MODELS",
    "BacktestReport",
    "BacktestRow",
    "Forecast",
    "History",
    "Horizon",
    "KnownEvent",
    "ModelChoice",
    "Score",
    "backtest",
    "bias",
    "choose_model",
    "forecast",
    "forecast_queues",
    "histories_from_rows",
    "history_from_rows",
    "mase",
    "point_forecast",
    "rolling_origins",
    "seasonal_naive_scale",
    "select_model",
    "wape",
]
