"""Queueing models for staffing: Erlang B, C and A, chat concurrency, required-agent solvers.

Public API (vectorised: every argument broadcasts as a NumPy array):

- :mod:`.erlang` — ``erlang_b``, ``erlang_c`` (all Erlang C metrics at once, as
  :class:`ErlangCMetrics`), ``erlang_c_wait_probability``, ``erlang_c_service_level``,
  ``erlang_c_asa_s``, ``occupancy``;
- :mod:`.erlang_a` — ``erlang_a`` (M/M/N+M) returning :class:`ErlangAMetrics`;
- :mod:`.chat` — the concurrency model: ``slots``, ``agents_for_slots``;
- :mod:`.staffing` — ``evaluate`` and ``required_agents`` for any :class:`Model`, with
  :class:`Targets`, returning :class:`Performance`; ``scheduled_agents`` after shrinkage.
"""

from .chat import agents_for_slots, slots
from .erlang import (
    ErlangCMetrics,
    erlang_b,
    erlang_c,
    erlang_c_asa_s,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
)
from .erlang_a import ErlangAMetrics, erlang_a
from .staffing import Model, Performance, Targets, evaluate, required_agents, scheduled_agents

__all__ = [
    "ErlangAMetrics",
    "ErlangCMetrics",
    "Model",
    "Performance",
    "Targets",
    "agents_for_slots",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa_s",
    "erlang_c_service_level",
    "erlang_c_wait_probability",
    "evaluate",
    "occupancy",
    "required_agents",
    "scheduled_agents",
    "slots",
]
