"""What-if simulations: read scenario files, build a scenario from a tenant's own history, run
and compare variants. Every figure comes from the simulator's events through the KPI engine
(:mod:`contactops.engines.simulation.report`).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.engines.routing import AgentSelection
from contactops.engines.simulation.config import ScenarioError, scenario_from_mapping
from contactops.engines.simulation.report import (
    ALL,
    CONFIDENCE,
    SUMMARY_KPIS,
    SUMMARY_NAMES,
    SimulationReport,
    simulate,
)
from contactops.engines.simulation.scenario import Scenario
from contactops.platform.auth import Principal
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

MAX_REPLICATIONS = 50
# Work a request may ask for (expected contacts × replications); the CLI has no such limit.
MAX_INTERACTIVE_CONTACTS = 1_000_000
HISTORY_WEEKS = 4


@dataclass(frozen=True)
class Variant:
    """A scenario ready to run: the mapping it came from and the validated scenario."""

    mapping: dict[str, Any]
    scenario: Scenario


def parse_scenario(text: str, base_dir: Path | None = None) -> Variant:
    """A scenario file's text (YAML, or JSON, which is YAML) → a validated variant.

    A queue's ``arrivals: {forecast: FILE.csv}`` reads a forecast file (columns ``start``,
    local ISO time, ``queue`` and ``calls``, as ``contactops forecast run`` writes it) relative
    to ``base_dir``; without a ``base_dir`` (requests over the web) files are refused.
    Raises InvalidInput naming the line (syntax) or the field (content) that is wrong.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        message = _("The scenario is not valid YAML{where}.").format(where=where)
        raise InvalidInput("scenario", message) from None
    if isinstance(data, dict):
        data = _with_forecasts(data, base_dir)
    return variant_of(data)


def _with_forecasts(data: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    """Replace each ``arrivals.forecast`` file by the ``per_interval`` list it gives: the calls
    of the forecast rows of that queue starting within each interval of the horizon."""
    queues = data.get("queues")
    if not isinstance(queues, list) or not any(
        isinstance(q, dict) and isinstance(q.get("arrivals"), dict) and "forecast" in q["arrivals"]
        for q in queues
    ):
        return data
    data = copy.deepcopy(data)
    try:
        probe = scenario_from_mapping(_without_forecasts(data))
    except ScenarioError as error:
        raise InvalidInput(error.path or "scenario", str(error)) from None
    zone = ZoneInfo(probe.time_zone)
    for index, queue in enumerate(data["queues"]):
        arrivals = queue.get("arrivals") if isinstance(queue, dict) else None
        if not isinstance(arrivals, dict) or "forecast" not in arrivals:
            continue
        field = f"queues[{index}].arrivals.forecast"
        if base_dir is None:
            raise InvalidInput(field, _("Forecast files can only be read by the command line."))
        path = base_dir / str(arrivals.pop("forecast"))
        arrivals["per_interval"] = _forecast_intervals(
            path, field, str(queue.get("code")), probe, zone
        )
    return data


def _without_forecasts(data: dict[str, Any]) -> dict[str, Any]:
    """A copy with forecast arrivals replaced by a placeholder, to read the rest first."""
    probe = copy.deepcopy(data)
    for queue in probe["queues"]:
        arrivals = queue.get("arrivals") if isinstance(queue, dict) else None
        if isinstance(arrivals, dict) and "forecast" in arrivals:
            arrivals.pop("forecast")
            arrivals["per_interval"] = [0.0]
    return probe


def _forecast_intervals(
    path: Path, field: str, queue: str, scenario: Scenario, zone: ZoneInfo
) -> list[float]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise InvalidInput(
            field, _("Cannot read {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    origin = scenario.start.timestamp()
    per_interval = [0.0] * scenario.intervals
    for line, row in enumerate(rows, start=2):
        if row.get("queue") != queue:
            continue
        try:
            start = datetime.fromisoformat(str(row["start"]))
            calls = float(row["calls"])
        except (KeyError, TypeError, ValueError):
            message = _("{path}, line {line}: needs start (ISO time) and calls (a number).")
            raise InvalidInput(field, message.format(path=path.name, line=line)) from None
        local = start if start.tzinfo else start.replace(tzinfo=zone)
        slot = math.floor((local.timestamp() - origin) / scenario.interval_s)
        if 0 <= slot < scenario.intervals:
            per_interval[slot] += calls
    return per_interval


def variant_of(data: object) -> Variant:
    try:
        scenario = scenario_from_mapping(data)
    except ScenarioError as error:
        raise InvalidInput(error.path or "scenario", str(error)) from None
    assert isinstance(data, dict)
    return Variant(data, scenario)


def expected_contacts(scenario: Scenario) -> float:
    return sum(sum(q.arrivals) for q in scenario.queues)


def check_interactive_size(scenario: Scenario, replications: int) -> None:
    """Refuse requests too big to answer while a person waits; name the limit."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InvalidInput(
            "replications",
            _("Replications must be between 1 and {limit}.").format(limit=MAX_REPLICATIONS),
        )
    work = expected_contacts(scenario) * replications
    if work > MAX_INTERACTIVE_CONTACTS:
        raise InvalidInput(
            "replications",
            _(
                "This run would simulate about {work:,.0f} contacts; the limit here is {limit:,}. "
                "Use fewer replications or a shorter horizon, or run it with the command line."
            ).format(work=work, limit=MAX_INTERACTIVE_CONTACTS),
        )


def run(
    variant: Variant,
    replications: int,
    *,
    interactive: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    if interactive:
        check_interactive_size(variant.scenario, replications)
    return simulate_scenario(variant.scenario, replications, progress=progress)


def simulate_scenario(
    scenario: Scenario,
    replications: int,
    *,
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    """Replications of ``scenario`` measured by the KPI engine (no size limit: the CLI's)."""
    return simulate(scenario, replications, engine=engine, progress=progress)


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    return dataclasses.replace(scenario, seed=seed)


# --- changes for a what-if ------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What a what-if changes in a base scenario: agents per group, agent selection and
    overflow per queue (``None`` keeps the base; an overflow of after_s ≤ 0 removes it)."""

    agents: Mapping[str, int] | None = None
    selection: Mapping[str, str] | None = None
    overflow: Mapping[str, tuple[float, str]] | None = None


def apply_changes(base: Mapping[str, Any], changes: Changes) -> Variant:
    """A copy of ``base`` with ``changes`` applied, validated."""
    mapping = copy.deepcopy(dict(base))
    groups = {str(g.get("group")): g for g in mapping.get("agents") or [] if isinstance(g, dict)}
    queues = {str(q.get("code")): q for q in mapping.get("queues") or [] if isinstance(q, dict)}
    for name, count in (changes.agents or {}).items():
        if name not in groups:
            raise InvalidInput("agents", _("Unknown agent group {name}.").format(name=name))
        if count < 0:
            raise InvalidInput(f"agents.{name}", _("Agents cannot be negative."))
        groups[name]["count"] = int(count)
        groups[name].pop("codes", None)  # named agents no longer match the count
    for code, selection in (changes.selection or {}).items():
        if code not in queues:
            raise InvalidInput("selection", _("Unknown queue {code}.").format(code=code))
        if selection not in {s.value for s in AgentSelection}:
            raise InvalidInput(f"selection.{code}", _("Unknown agent selection."))
        queues[code]["selection"] = selection
    for code, (after_s, target) in (changes.overflow or {}).items():
        if code not in queues:
            raise InvalidInput("overflow", _("Unknown queue {code}.").format(code=code))
        if after_s <= 0 or not target:
            queues[code].pop("overflow", None)
        else:
            queues[code]["overflow"] = {"after_s": after_s, "to": target}
    return variant_of(mapping)


def to_yaml(mapping: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(mapping), sort_keys=False, allow_unicode=True, width=100)


# --- reports as plain data --------------------------------------------------------------------


def report_dict(report: SimulationReport) -> dict[str, Any]:
    """A report as JSON-ready data: KPIs per scope (mean, 95% half-width), the summary under
    plain names (service_level, asa_s, abandon_rate, occupancy, ...; each names its KPI) and
    the interval rows."""
    scenario = report.scenario
    zone = ZoneInfo(scenario.time_zone)
    intervals = [
        {
            **row,
            "interval": row["interval"].astimezone(zone).isoformat()
            if isinstance(row["interval"], datetime)
            else row["interval"],
        }
        for row in report.intervals.to_pylist()
    ]
    return {
        "scenario": scenario.name,
        "engine": report.engine,
        "replications": report.replications,
        "seeds": list(report.seeds),
        "contacts": list(report.contacts),
        "events": list(report.events),
        "contacts_per_second": _finite(report.contacts_per_second),
        "time_zone": scenario.time_zone,
        "scopes": [ALL, *(q.code for q in scenario.queues)],
        "kpis": {
            scope: {
                kpi_id: {"mean": _finite(e.mean), "half_width": _finite(e.half_width)}
                for kpi_id, e in kpis.items()
            }
            for scope, kpis in report.kpis.items()
        },
        "kpi_ids": list(SUMMARY_KPIS),
        "confidence": CONFIDENCE,
        "summary": {
            scope: {
                name: {
                    "kpi": SUMMARY_NAMES[name],
                    "mean": _finite(e.mean),
                    "half_width": _finite(e.half_width),
                }
                for name, e in report.summary(scope).items()
            }
            for scope in report.kpis
        },
        "intervals": intervals,
    }


def compare_reports(
    base: Mapping[str, Any], variant: Mapping[str, Any]
) -> tuple[dict[str, dict[str, float | None]], dict[str, dict[str, bool]]]:
    """Per scope and KPI: variant mean − base mean, and whether the two 95% intervals are
    disjoint (|m_B − m_A| > h_A + h_B; never with one replication, which has no interval)."""
    differences: dict[str, dict[str, float | None]] = {}
    distinct: dict[str, dict[str, bool]] = {}
    for scope in base["scopes"]:
        a_kpis = base["kpis"].get(scope, {})
        b_kpis = variant["kpis"].get(scope, {})
        differences[scope], distinct[scope] = {}, {}
        for kpi_id in base["kpi_ids"]:
            a = a_kpis.get(kpi_id) or {}
            b = b_kpis.get(kpi_id) or {}
            a_mean, b_mean = a.get("mean"), b.get("mean")
            a_half, b_half = a.get("half_width"), b.get("half_width")
            if a_mean is None or b_mean is None:
                differences[scope][kpi_id], distinct[scope][kpi_id] = None, False
                continue
            differences[scope][kpi_id] = b_mean - a_mean
            distinct[scope][kpi_id] = (
                a_half is not None and b_half is not None and abs(b_mean - a_mean) > a_half + b_half
            )
    return differences, distinct


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


# --- a scenario from the tenant's own history -------------------------------------------------


def tenant_scenario(
    db: Database, principal: Principal, time_zone: str, day: date | None = None
) -> dict[str, Any]:
    """A one-day scenario mapping built from the tenant: its queues and agents (skills as
    configured), and per queue, from the last four weeks of legs on the same weekday as ``day``
    (default: tomorrow): expected arrivals per 30-minute interval, mean talk and wrap-up, and
    the patience estimate θ̂⁻¹ = total time waited / abandons (the maximum-likelihood estimate
    for exponential patience; Brown et al., JASA 2005). Agents are logged in over the day's
    busy hours, as many per group as were logged in on average then.
    """
    zone = ZoneInfo(time_zone)
    day = day or (datetime.now(zone).date() + timedelta(days=1))
    queues = organization.list_queues(db, principal)
    agents = [a for a in organization.list_agents(db, principal) if a.is_active]
    history_start = datetime.combine(day - timedelta(weeks=HISTORY_WEEKS), time(), zone)
    history_end = datetime.combine(day, time(), zone)
    with db.session(tenant_id=principal.tenant_id) as session:
        legs = events.legs_table_in(session, history_start, history_end)
        states = events.agent_states_table_in(session, history_start, history_end)
    same_weekday = [day - timedelta(weeks=w) for w in range(1, HISTORY_WEEKS + 1)]
    profile = _weekday_profile(legs, zone, same_weekday)
    open_slots = [
        slot for slot in range(48) if any(profile.get(q.code, [0] * 48)[slot] for q in queues)
    ]
    first, last = (min(open_slots), max(open_slots) + 1) if open_slots else (16, 36)
    # An agent serves a queue through the queue's skill (or a skill named like the queue).
    skill_to_queue = {q.skill_code or q.code: q.code for q in queues}
    queue_specs = [
        _queue_mapping(q.code, q.channel, q.service_level_threshold_s, legs, profile, first, last)
        for q in queues
        if q.is_active
    ]
    skills_of: dict[str, tuple[tuple[str, int], ...]] = {}
    for agent in agents:
        skills = tuple(
            sorted(
                (skill_to_queue[s.skill_code], s.level)
                for s in agent.skills
                if s.skill_code in skill_to_queue
            )
        )
        if skills:
            skills_of[agent.code] = skills
    agent_groups = _roster_groups(states, zone, same_weekday, skills_of) or [
        {"group": spec["code"], "count": 0, "skills": {spec["code"]: 5}} for spec in queue_specs
    ]  # nobody to copy yet: one empty group per queue, for the planner to fill
    return {
        "name": _("{day} from the last {weeks} weeks").format(
            day=day.isoformat(), weeks=HISTORY_WEEKS
        ),
        "start": (datetime.combine(day, time()) + timedelta(minutes=30 * first)).isoformat(),
        "time_zone": time_zone,
        "interval_minutes": 30,
        "intervals": last - first,
        "seed": 1,
        "queues": queue_specs,
        "agents": agent_groups,
    }


def _weekday_profile(legs: pa.Table, zone: ZoneInfo, days: list[date]) -> dict[str, list[float]]:
    """Mean first-leg arrivals per queue and local half hour over those of ``days`` that have
    any (a day before the history began is not a day without contacts)."""
    counts: dict[str, list[float]] = {}
    if legs.num_rows == 0:
        return counts
    first_legs = legs.filter(pc.equal(legs["leg_no"], 1))
    wanted = set(days)
    seen: set[date] = set()
    for queue, arrived in zip(
        first_legs["queue"].to_pylist(), first_legs["arrived_at"].to_pylist(), strict=True
    ):
        if queue is None or arrived is None:
            continue
        local = arrived.astimezone(zone)
        if local.date() not in wanted:
            continue
        seen.add(local.date())
        slot = local.hour * 2 + local.minute // 30
        counts.setdefault(queue, [0.0] * 48)[slot] += 1
    return {queue: [c / len(seen) for c in slots] for queue, slots in counts.items()}


def _queue_mapping(
    code: str,
    channel: str,
    threshold_s: int,
    legs: pa.Table,
    profile: dict[str, list[float]],
    first: int,
    last: int,
) -> dict[str, Any]:
    mine = legs.filter(pc.equal(legs["queue"], code)) if legs.num_rows else legs
    answered = mine.filter(pc.equal(mine["outcome"], "answered")) if mine.num_rows else mine
    talk_s = _mean(answered, "talk_s", 300.0) + _mean(answered, "hold_s", 0.0)
    wrapup_s = _mean(answered, "wrapup_s", 0.0)
    waited = float(pc.sum(mine["wait_s"]).as_py() or 0.0) if mine.num_rows else 0.0
    abandons = mine.filter(pc.equal(mine["outcome"], "abandoned")).num_rows if mine.num_rows else 0
    per_interval = [round(x, 2) for x in (profile.get(code) or [0.0] * 48)[first:last]]
    spec: dict[str, Any] = {
        "code": code,
        "channel": channel,
        "service_level_s": threshold_s,
        "arrivals": {"per_interval": per_interval or [0.0]},
        "talk": {"distribution": "lognormal", "mean_s": round(talk_s, 1), "cv": 1.0},
    }
    if wrapup_s > 0:
        spec["wrapup"] = {"distribution": "exponential", "mean_s": round(wrapup_s, 1)}
    if abandons:
        spec["patience"] = {"mean_s": round(waited / abandons, 1)}
    if channel in ("chat", "social"):
        spec["concurrency"] = 2
    return spec


def _mean(table: pa.Table, column: str, default: float) -> float:
    if table.num_rows == 0:
        return default
    value = pc.mean(table[column]).as_py()
    return default if value is None else float(value)


def _roster_groups(
    states: pa.Table,
    zone: ZoneInfo,
    days: list[date],
    skills_of: dict[str, tuple[tuple[str, int], ...]],
) -> list[dict[str, Any]]:
    """Agent groups that repeat the most recent of ``days`` with agents logged in: each agent's
    first login and last logout that day (to the nearest half hour) is a shift; agents skilled for
    the same queues with the same shift form a group, with their mean skill levels (rounded)
    and the breaks its first agent took. Without such a day, every configured agent is on all
    day."""
    events: dict[date, dict[str, list[tuple[datetime, str]]]] = {}
    wanted = set(days)
    for agent, at, state in zip(
        states["agent"].to_pylist(),
        states["occurred_at"].to_pylist(),
        states["state"].to_pylist(),
        strict=True,
    ):
        local = at.astimezone(zone)
        if local.date() in wanted and agent in skills_of:
            events.setdefault(local.date(), {}).setdefault(agent, []).append((local, state))
    # (queues, shift start, shift end) -> members as (skill levels, breaks)
    groups: dict[tuple[Any, ...], list[tuple[dict[str, int], list[dict[str, Any]]]]] = {}
    if events:
        for agent, changes in events[max(events)].items():
            changes.sort(key=lambda change: change[0])
            begin, end = _half_hour(changes[0][0]), _half_hour(changes[-1][0])
            key = (tuple(q for q, _level in skills_of[agent]), begin, end)
            groups.setdefault(key, []).append((dict(skills_of[agent]), _breaks(changes)))
    else:
        for skills in skills_of.values():
            key = (tuple(q for q, _level in skills), None, None)
            groups.setdefault(key, []).append((dict(skills), []))
    result = []
    for (queues, begin, end), members in sorted(groups.items(), key=str):
        levels = {q: round(sum(m[0][q] for m in members) / len(members)) for q in queues}
        name = "+".join(queues) + (f" {begin}-{end}" if begin is not None else "")
        group: dict[str, Any] = {"group": name, "count": len(members), "skills": levels}
        if begin is not None and begin != end:
            group["shifts"] = [{"start": begin, "end": end}]
            if members[0][1]:  # the breaks the group's first agent took
                group["shifts"][0]["breaks"] = members[0][1]
        result.append(group)
    return result


def _breaks(changes: list[tuple[datetime, str]]) -> list[dict[str, Any]]:
    """Breaks of one agent's day: each ``break`` state until the next change, to 5 minutes."""
    breaks = []
    for (at, state), (after, _next) in pairwise(changes):
        minutes = round((after - at).total_seconds() / 300) * 5
        if state == "break" and minutes > 0:
            breaks.append({"at": f"{at.hour:02d}:{at.minute // 5 * 5:02d}", "minutes": minutes})
    return breaks


def _half_hour(at: datetime) -> str:
    """A local time as "HH:MM", to the nearest half hour: a logout a few minutes after the
    shift's end (finishing a contact) still reads as the planned end."""
    minutes = at.hour * 60 + at.minute + at.second / 60
    nearest = min(round(minutes / 30) * 30, 24 * 60 - 30)
    return f"{nearest // 60:02d}:{nearest % 60:02d}"
