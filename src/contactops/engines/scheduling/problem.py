"""What a shift schedule must satisfy: requirements, shift templates, agents, labour rules.

The grid is local wall-clock time: day ``d`` of the horizon starts at local midnight, and every
day has ``1440 / interval_minutes`` slots. A clock change (daylight saving time) is declared by
a :class:`ClockChange`; it does not change the grid, only how many real minutes a slot lasts:

- spring forward (``offset_change_minutes = +60`` at 02:00): the slots 02:00–03:00 do not exist;
  they last 0 real minutes, their requirement must be zero, and a shift covering them is paid and
  counted for one hour less (a 00:00–08:00 shift lasts 7 real hours);
- fall back (``offset_change_minutes = -60`` at 03:00, i.e. 03:00 becomes 02:00 again): the
  slots 02:00–03:00 happen twice; they last twice their length, the caller gives the larger of
  the two requirements, and a shift covering them is paid for one hour more.

Rest between shifts and weekly hours are measured in real minutes. A shift belongs to the day
(and week) it starts on, also when it ends after midnight. Week ``w`` is days ``7w … 7w + 6``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
MINUTES_PER_DAY = 1440
NIGHT_END_MINUTE = 300
"""A shift is a night shift when it covers part of 00:00–05:00 (unless the template says)."""


class ProblemError(ValueError):
    """Invalid scheduling input; ``field`` is the path of the offending field (``agents[3].x``)."""

    def __init__(self, field_path: str, reason: str) -> None:
        super().__init__(f"{field_path}: {reason}")
        self.field = field_path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ClockChange:
    """Local clocks move by ``offset_change_minutes`` (+60 spring, −60 autumn) at
    ``local_minute`` of ``day`` (the wall-clock time before the change: 120 spring, 180 autumn)."""

    day: int
    local_minute: int
    offset_change_minutes: int


@dataclass(frozen=True, slots=True)
class Requirements:
    """Required agents per slot: ``required[skill]`` is a ``days × slots`` integer array.

    ``ANY_SKILL`` ("") as the only key means every agent counts. ``first_weekday`` is the
    weekday of day 0 (0 = Monday), used for weekends.
    """

    interval_minutes: int
    required: Mapping[str, IntArray]
    first_weekday: int = 0
    clock_changes: tuple[ClockChange, ...] = ()

    @property
    def days(self) -> int:
        return int(next(iter(self.required.values())).shape[0])

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def skills(self) -> tuple[str, ...]:
        return tuple(self.required)


ANY_SKILL = ""


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A break inside a shift: starts ``earliest_start_minutes`` … ``latest_start_minutes``
    after the shift start (on the slot grid) and lasts ``length_minutes``; ``paid`` breaks count
    in paid hours, an unpaid lunch does not. The agent is off coverage during any break."""

    length_minutes: int
    earliest_start_minutes: int
    latest_start_minutes: int
    paid: bool = True


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift type: it may start at any of ``start_minutes`` (after local midnight) and lasts
    ``length_minutes`` of wall-clock time (so 17:30 + 450 ends 01:00 the next day).

    ``is_night`` None derives it: a night shift covers part of 00:00–05:00.
    ``cost_per_hour`` is paid per paid hour (length minus unpaid breaks)."""

    code: str
    start_minutes: tuple[int, ...]
    length_minutes: int
    breaks: tuple[BreakRule, ...] = ()
    is_night: bool | None = None
    cost_per_hour: float = 0.0

    @property
    def unpaid_minutes(self) -> int:
        return sum(b.length_minutes for b in self.breaks if not b.paid)

    def night(self, start_minute: int) -> bool:
        if self.is_night is not None:
            return self.is_night
        end = start_minute + self.length_minutes
        return start_minute < NIGHT_END_MINUTE or (
            end > MINUTES_PER_DAY and start_minute < MINUTES_PER_DAY + NIGHT_END_MINUTE
        )


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Minutes ``start_minute`` … ``end_minute`` after local midnight of ``day`` (end may pass
    1440 to reach into the next day)."""

    day: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Preference:
    """``weight`` (positive: wanted, negative: unwanted) for shifts on ``days`` (empty: all)
    of ``template`` (None: any) starting within ``earliest_start_minute`` … ``latest``."""

    weight: int
    days: tuple[int, ...] = ()
    template: str | None = None
    earliest_start_minute: int = 0
    latest_start_minute: int = MINUTES_PER_DAY - 1


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent. ``min_hours_per_week`` / ``max_hours_per_week`` are the contract (paid hours);
    a shift must not touch an ``unavailable`` window, and when ``available`` is not empty it must
    lie inside one of those windows. ``templates`` empty allows every template."""

    code: str
    skills: tuple[str, ...] = ()
    min_hours_per_week: float = 0.0
    max_hours_per_week: float | None = None
    available: tuple[TimeWindow, ...] = ()
    unavailable: tuple[TimeWindow, ...] = ()
    fixed_days_off: tuple[int, ...] = ()
    templates: tuple[str, ...] = ()
    preferences: tuple[Preference, ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    """Labour rules for every agent (an agent's own contract may be stricter).

    At most one shift starts per agent and day (always). ``min_days_off_per_week`` and the
    minimum contracted hours apply to full weeks of the horizon; maxima to every week."""

    max_consecutive_days: int | None = 6
    min_rest_hours: float | None = 11.0
    max_hours_per_week: float | None = 48.0
    min_days_off_per_week: int | None = 1
    fair_weekends: bool = True
    fair_nights: bool = True


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights (integers, CP-SAT): ``contract_shortfall`` per minute below an agent's
    weekly minimum (met whenever possible), ``under_coverage`` and ``over_coverage`` per
    agent-slot, ``cost`` per cent of cost, ``fairness`` per unit of max − min spread of weekend
    days and of night shifts, ``preference`` per unit of preference weight met. The defaults
    make the order lexicographic for centers up to a few hundred agents over a month."""

    contract_shortfall: int = 100_000_000
    under_coverage: int = 1_000_000
    over_coverage: int = 10_000
    cost: int = 1
    fairness: int = 100
    preference: int = 10


METHODS = ("auto", "monolithic", "decomposition")


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """``time_limit_s`` (wall clock: the best schedule found so far is returned) and
    ``deterministic_time_limit`` (CP-SAT's deterministic time units). The same ``seed`` and
    ``workers`` reproduce a result when the search ends by optimality or by the deterministic
    limit; a wall-clock limit can cut the search at a different point on a busier machine.
    ``relative_gap`` stops the search once |objective − bound| / |objective| is that small."""

    time_limit_s: float = 60.0
    deterministic_time_limit: float | None = None
    seed: int = 0
    workers: int = 2
    relative_gap: float = 0.0
    warm_start: bool = True
    """Hint the solver with a greedy schedule (:mod:`.warm_start`)."""
    method: str = "auto"
    """``"monolithic"``: one CP-SAT model of every agent and shift; ``"decomposition"``: the
    shift-count bound, a first schedule from its counts and neighbourhood search
    (:mod:`.decomposition`); ``"auto"``: the decomposition for large problems."""


@dataclass(frozen=True, slots=True)
class Problem:
    requirements: Requirements
    templates: tuple[ShiftTemplate, ...]
    agents: tuple[Agent, ...]
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def weeks(self) -> int:
        return -(-self.requirements.days // 7)


def validate(problem: Problem) -> None:
    """Raise :class:`ProblemError` naming the first invalid field."""
    req = problem.requirements
    step = req.interval_minutes
    if step <= 0 or MINUTES_PER_DAY % step:
        raise ProblemError("interval_minutes", "must divide 1440")
    if not req.required:
        raise ProblemError("requirements", "needs at least one skill")
    shape: tuple[int, ...] | None = None
    for skill, array in req.required.items():
        path = f"requirements[{skill!r}]" if skill else "requirements"
        if array.ndim != 2 or array.shape[1] != req.slots_per_day or array.shape[0] < 1:
            raise ProblemError(path, f"must be days × {req.slots_per_day} slots")
        if shape is not None and array.shape != shape:
            raise ProblemError(path, "every skill needs the same number of days")
        if (array < 0).any():
            raise ProblemError(path, "required agents must be ≥ 0")
        shape = array.shape
    if ANY_SKILL in req.required and len(req.required) > 1:
        raise ProblemError("requirements", "mix of per-skill and any-skill rows")
    for i, change in enumerate(req.clock_changes):
        path = f"clock_changes[{i}]"
        if change.offset_change_minutes % step or change.local_minute % step:
            raise ProblemError(path, "must fall on the slot grid")
        if not 0 <= change.day < req.days:
            raise ProblemError(path + ".day", "outside the horizon")
        if change.offset_change_minutes > 0:
            first = change.local_minute // step
            skipped = slice(first, first + change.offset_change_minutes // step)
            for skill, array in req.required.items():
                if array[change.day, skipped].any():
                    where = f"requirements[{skill!r}]" if skill else "requirements"
                    raise ProblemError(
                        f"{where}[{change.day}]",
                        "must be 0 in the hour skipped by the clock change",
                    )
    codes = [t.code for t in problem.templates]
    if len(set(codes)) != len(codes):
        raise ProblemError("templates", "codes must be unique")
    for i, template in enumerate(problem.templates):
        _validate_template(template, f"templates[{i}]", step)
    agent_codes = [a.code for a in problem.agents]
    if len(set(agent_codes)) != len(agent_codes):
        raise ProblemError("agents", "codes must be unique")
    for i, agent in enumerate(problem.agents):
        path = f"agents[{i}]"
        if agent.min_hours_per_week < 0:
            raise ProblemError(path + ".min_hours_per_week", "must be ≥ 0")
        if (
            agent.max_hours_per_week is not None
            and agent.max_hours_per_week < agent.min_hours_per_week
        ):
            raise ProblemError(path + ".max_hours_per_week", "below min_hours_per_week")
        for j, code in enumerate(agent.templates):
            if code not in codes:
                raise ProblemError(f"{path}.templates[{j}]", f"unknown template {code!r}")
        for j, skill in enumerate(agent.skills):
            if ANY_SKILL not in req.required and skill not in req.required:
                raise ProblemError(f"{path}.skills[{j}]", f"no requirement for skill {skill!r}")
        for j, day in enumerate(agent.fixed_days_off):
            if not 0 <= day < req.days:
                raise ProblemError(f"{path}.fixed_days_off[{j}]", "outside the horizon")
    rules = problem.rules
    if rules.max_consecutive_days is not None and rules.max_consecutive_days < 1:
        raise ProblemError("rules.max_consecutive_days", "must be ≥ 1")
    if rules.min_days_off_per_week is not None and not 0 <= rules.min_days_off_per_week <= 7:
        raise ProblemError("rules.min_days_off_per_week", "must be 0 … 7")


def _validate_template(template: ShiftTemplate, path: str, step: int) -> None:
    if template.length_minutes <= 0 or template.length_minutes % step:
        raise ProblemError(path + ".length_minutes", f"must be a positive multiple of {step}")
    if template.length_minutes > MINUTES_PER_DAY:
        raise ProblemError(path + ".length_minutes", "a shift lasts at most 24 hours")
    if not template.start_minutes:
        raise ProblemError(path + ".start_minutes", "needs at least one start time")
    for j, start in enumerate(template.start_minutes):
        if not 0 <= start < MINUTES_PER_DAY or start % step:
            raise ProblemError(
                f"{path}.start_minutes[{j}]", f"must be 0 … 1439, a multiple of {step}"
            )
    previous_end = 0
    for j, rule in enumerate(template.breaks):
        bpath = f"{path}.breaks[{j}]"
        values = (rule.length_minutes, rule.earliest_start_minutes, rule.latest_start_minutes)
        if any(v % step for v in values) or rule.length_minutes <= 0:
            raise ProblemError(bpath, f"times must be positive multiples of {step}")
        if rule.latest_start_minutes < rule.earliest_start_minutes:
            raise ProblemError(bpath + ".latest_start_minutes", "before earliest_start_minutes")
        if rule.earliest_start_minutes < previous_end:
            # Ordered, non-overlapping windows let counts of breaks be given to agents freely.
            raise ProblemError(bpath + ".earliest_start_minutes", "overlaps the previous break")
        previous_end = rule.latest_start_minutes + rule.length_minutes
        if previous_end > template.length_minutes:
            raise ProblemError(bpath + ".latest_start_minutes", "break ends after the shift")
