"""Every catalog KPI in plain pandas: the peer the KPI engine is measured against.

Written the way an analyst would write it from the catalog's definitions
(``contactops.engines.kpi.catalog``): Arrow → pandas, boolean columns, groupby / agg, merge, sort
and shift for repeat contacts. Same parameters (:class:`KpiParameters`), same attribution rules:
a leg counts in the local interval of its queue entry (its arrival when it never queued), a
contact where its first answered leg (FCR, resolution) or its first leg (repeats) counts, a
survey answer where the contact's last answered leg counts; agent time is cut at interval bounds
and null when grouped by queue or channel. Ratios are Σ numerator ÷ Σ denominator, null on 0.

Usage: ``kpis_pandas(legs, start=..., end=..., group_by=("queue", "interval"))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import reduce

import numpy as np
import pandas as pd
import pyarrow as pa

from contactops.engines.kpi.catalog import CATALOG, KpiParameters

DIMENSIONS = ("interval", "queue", "channel", "agent")
NOT_OFFERED = ["ignored", "blocked", "self_service"]
EXITS = ["abandoned", "timed_out", "overflowed", "callback_requested"]
LEG_COLUMNS = [
    "contact_id", "leg_no", "channel", "customer_id", "queue", "agent", "arrived_at",
    "queued_at", "answered_at", "outcome", "wait_s", "talk_s", "hold_s", "wrapup_s", "handle_s",
    "transferred", "resolved",
]  # fmt: skip
SURVEY_COLUMNS = ["n_csat", "n_csat_satisfied", "n_nps", "n_promoters", "n_detractors", "n_ces"]
AGENT_COLUMNS = ["logged_in_h", "ready_h", "not_ready_h", "on_contact_h", "wrapup_h"]


def kpis_pandas(
    legs: pa.Table,
    *,
    start: datetime,
    end: datetime,
    group_by: Sequence[str] = ("queue", "interval"),
    timezone: str = "UTC",
    interval_minutes: int = 30,
    params: KpiParameters = KpiParameters(),
    agent_states: pa.Table | None = None,
    surveys: pa.Table | None = None,
) -> pd.DataFrame:
    """Catalog KPIs of [start, end) per group: the group columns, then one column per KPI."""
    keys = list(group_by)
    unknown = set(keys) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"group_by: this peer groups by {DIMENSIONS} only, not {unknown}")
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    df = legs.select(LEG_COLUMNS).to_pandas()
    df["t"] = df["queued_at"].fillna(df["arrived_at"])
    df["is_answered"] = (df["outcome"] == "answered") | (
        (df["outcome"] == "open") & df["answered_at"].notna()
    )
    df["left_queue"] = df["is_answered"] | df["outcome"].isin(EXITS)

    def within(frame: pd.DataFrame, t: str = "t") -> pd.DataFrame:
        frame = frame[(frame[t] >= lo) & (frame[t] < hi)]
        if "interval" in keys:
            frame = frame.assign(interval=local_interval(frame[t], timezone, interval_minutes))
        return frame

    contacts = contact_table(df, params)
    # Answered contacts count where their first answered leg counts.
    answered = contacts[contacts["a_t"].notna()]
    answered = answered.assign(**{k: answered[f"a_{k}"] for k in keys if k != "interval"})
    parts = [
        leg_sums(within(df), keys, params),
        answered_contact_sums(within(answered, "a_t"), keys),
        first_leg_sums(within(contacts), keys),
    ]
    if surveys is not None:
        parts.append(survey_sums(within(survey_rows(df, surveys)), keys, params))
    # Agent time is not per queue or channel: null when grouped by either.
    with_agent_time = not {"queue", "channel"} & set(keys)
    if agent_states is not None and with_agent_time:
        parts.append(agent_time_sums(agent_states, keys, lo, hi, timezone, interval_minutes))
    on = keys or ["all"]
    totals = reduce(lambda a, b: a.merge(b, on=on, how="outer"), parts)
    sums = [c for c in totals.columns if c not in [*on, "wait_max_s"]]
    totals[sums] = totals[sums].fillna(0)
    # Sources not given are null, not zero.
    if surveys is None:
        totals[[*SURVEY_COLUMNS, "ces_sum"]] = np.nan
    if agent_states is None or not with_agent_time:
        totals[AGENT_COLUMNS] = np.nan
    result = pd.concat([totals[keys], kpi_columns(totals, params)], axis=1)
    if keys:
        result = result.sort_values(keys, na_position="last")
    return result.reset_index(drop=True)


def local_interval(t: pd.Series, timezone: str, interval_minutes: int) -> pd.Series:
    """The local interval each UTC instant falls in, as its start instant in ``timezone``.

    Floors the wall-clock time and steps back by the same wall-clock distance; exact whenever
    the zone changes its clock on an interval boundary (true of 30-minute intervals in the
    zones in use today, which change on the hour or the half hour).
    """
    local = t.dt.tz_convert(timezone)
    wall = local.dt.tz_localize(None)
    since = wall - wall.dt.floor(f"{interval_minutes}min")
    return (t - since).dt.tz_convert(timezone)


def _group(frame: pd.DataFrame, keys: list[str], **aggregations: tuple[str, str]) -> pd.DataFrame:
    if not keys:
        frame = frame.assign(all=0)
    return frame.groupby(keys or ["all"], dropna=False).agg(**aggregations).reset_index()


def leg_sums(legs: pd.DataFrame, keys: list[str], params: KpiParameters) -> pd.DataFrame:
    """Counts, sums and the maximum of the leg KPIs, per group."""
    o, wait = legs["outcome"], legs["wait_s"]
    answered, abandoned = legs["is_answered"], o == "abandoned"
    t, s = params.service_level_threshold_s, params.short_abandon_s
    frame = legs[keys].assign(
        n_arrivals=legs["leg_no"] == 1,
        n_offered=~o.isin(NOT_OFFERED),
        n_answered=answered,
        n_abandoned=abandoned,
        n_short_abandoned=abandoned & (wait < s),
        n_timed_out=o == "timed_out",
        n_overflowed=o == "overflowed",
        n_callbacks=o == "callback_requested",
        n_blocked=o == "blocked",
        n_self_service=o == "self_service",
        n_answered_in_t=answered & (wait <= t),
        n_abandoned_in_t=abandoned & (wait <= t),
        n_transferred=answered & legs["transferred"],
        answer_wait=wait.where(answered),
        wait=wait.where(legs["left_queue"]),
        abandon_wait=wait.where(abandoned),
        handle=legs["handle_s"].where(answered),
        talk=legs["talk_s"].where(answered),
        hold=legs["hold_s"].where(answered),
        wrapup=legs["wrapup_s"].where(answered),
    )
    counts = {c: (c, "sum") for c in frame.columns if c.startswith("n_")}
    means = {}
    for name in ("answer_wait", "wait", "abandon_wait", "handle", "talk", "hold", "wrapup"):
        means[f"{name}_sum_s"] = (name, "sum")
        means[f"{name}_n"] = (name, "count")
    return _group(frame, keys, **counts, **means, wait_max_s=("wait", "max"))


def contact_table(legs: pd.DataFrame, params: KpiParameters) -> pd.DataFrame:
    """One row per contact from its leg 1 (virtual records left out): where it counts, where its
    first answered leg counts (``a_*``), whether any leg was transferred, and repeats."""
    per_contact = legs.groupby("contact_id", sort=False).agg(
        any_transferred=("transferred", "any"), resolved=("resolved", "any")
    )
    where = ["t", "queue", "channel", "agent"]
    firsts = legs.loc[
        (legs["leg_no"] == 1) & (legs["outcome"] != "ignored"),
        ["contact_id", "customer_id", "arrived_at", *where],
    ]
    first_answers = (
        legs.loc[legs["is_answered"], ["contact_id", "leg_no", *where]]
        .sort_values(["contact_id", "leg_no"])
        .drop_duplicates("contact_id")
        .drop(columns="leg_no")
        .rename(columns={c: f"a_{c}" for c in where})
    )
    contacts = firsts.merge(per_contact, on="contact_id").merge(
        first_answers, on="contact_id", how="left"
    )
    # Repeat: the customer's next contact arrives within the window; a contact arriving at the
    # same instant counts as a further one for both, whichever order they are read in.
    contacts["known"] = contacts["customer_id"].notna()
    ordered = contacts[contacts["known"]].sort_values(["customer_id", "arrived_at"])
    arrivals = ordered.groupby("customer_id", sort=False)["arrived_at"]
    window = pd.Timedelta(hours=params.repeat_window_h)
    repeated = (arrivals.shift(-1) - ordered["arrived_at"] <= window) | (
        arrivals.shift(1) == ordered["arrived_at"]
    )
    contacts["repeated"] = repeated.reindex(contacts.index, fill_value=False)
    return contacts


def answered_contact_sums(contacts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    fcr = contacts["known"] & ~contacts["any_transferred"] & ~contacts["repeated"]
    frame = contacts[keys].assign(
        n_answered_contacts=1,
        n_resolved_contacts=contacts["resolved"],
        n_fcr_eligible=contacts["known"],
        n_fcr_met=fcr,
    )
    return _group(frame, keys, **{c: (c, "sum") for c in frame.columns if c.startswith("n_")})


def first_leg_sums(contacts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = contacts[keys].assign(
        n_known_contacts=contacts["known"],
        n_repeat_contacts=contacts["known"] & contacts["repeated"],
    )
    return _group(
        frame,
        keys,
        n_known_contacts=("n_known_contacts", "sum"),
        n_repeat_contacts=("n_repeat_contacts", "sum"),
    )


def survey_rows(legs: pd.DataFrame, surveys: pa.Table) -> pd.DataFrame:
    """Survey answers placed on the contact's last answered leg (inner join: none, no row)."""
    last_answers = (
        legs.loc[legs["is_answered"], ["contact_id", "leg_no", "t", "queue", "channel", "agent"]]
        .sort_values(["contact_id", "leg_no"])
        .drop_duplicates("contact_id", keep="last")
    )
    answers = surveys.select(["contact_id", "survey", "score"]).to_pandas()
    return answers.merge(last_answers, on="contact_id")


def survey_sums(rows: pd.DataFrame, keys: list[str], params: KpiParameters) -> pd.DataFrame:
    kind, score = rows["survey"], rows["score"]
    csat, nps, ces = kind == "csat", kind == "nps", kind == "ces"
    frame = rows[keys].assign(
        n_csat=csat & score.notna(),
        n_csat_satisfied=csat & (score >= params.csat_satisfied_min),
        n_nps=nps & score.notna(),
        n_promoters=nps & (score >= 9),
        n_detractors=nps & (score <= 6),
        n_ces=ces & score.notna(),
        ces_sum=score.where(ces),
    )
    return _group(frame, keys, **{c: (c, "sum") for c in [*SURVEY_COLUMNS, "ces_sum"]})


def agent_time_sums(
    agent_states: pa.Table,
    keys: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
    interval_minutes: int,
) -> pd.DataFrame:
    """Hours per state: each event's state lasts until the agent's next event (the log's order
    breaks ties), logged_out is no time, the last state runs to ``end``; clipped to [start, end)
    and cut at interval bounds."""
    states = agent_states.select(["occurred_at", "agent", "state"]).to_pandas()
    states["row"] = np.arange(len(states))
    states = states[states["occurred_at"] < end].sort_values(["agent", "occurred_at", "row"])
    states["next_at"] = states.groupby("agent", sort=False)["occurred_at"].shift(-1)
    spans = states[states["state"] != "logged_out"].assign(
        a=lambda f: f["occurred_at"].clip(lower=start),
        b=lambda f: f["next_at"].fillna(end).clip(upper=end),
    )
    spans = spans[spans["b"] > spans["a"]].reset_index(drop=True)
    if "interval" in keys:
        spans = _cut_at_intervals(spans, start, end, timezone, interval_minutes)
    hours = (spans["b"] - spans["a"]).dt.total_seconds() / 3600
    state = spans["state"]
    frame = spans[keys].assign(
        logged_in_h=hours,
        ready_h=hours.where(state == "ready", 0.0),
        not_ready_h=hours.where(state.isin(["not_ready", "break"]), 0.0),
        on_contact_h=hours.where(state == "on_contact", 0.0),
        wrapup_h=hours.where(state == "wrapup", 0.0),
    )
    return _group(frame, keys, **{c: (c, "sum") for c in AGENT_COLUMNS})


def _cut_at_intervals(
    spans: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, timezone: str, minutes: int
) -> pd.DataFrame:
    """One row per (span, interval it overlaps), with ``a``/``b`` cut to that interval."""
    every_minute = pd.Series(pd.date_range(start, end, freq="1min", inclusive="left"))
    starts = local_interval(every_minute, timezone, minutes).dt.tz_convert("UTC").unique()
    bounds = pd.DatetimeIndex([*starts, end.tz_convert("UTC")])
    first = bounds.searchsorted(spans["a"], side="right") - 1
    last = bounds.searchsorted(spans["b"], side="left") - 1
    pieces = spans.loc[spans.index.repeat(last - first + 1)]
    i = np.repeat(first, last - first + 1) + pieces.groupby(level=0).cumcount().to_numpy()
    pieces = pieces.reset_index(drop=True)
    lower = pd.Series(bounds[i], index=pieces.index)
    upper = pd.Series(bounds[i + 1], index=pieces.index)
    pieces["a"] = pieces["a"].where(pieces["a"] > lower, lower)
    pieces["b"] = pieces["b"].where(pieces["b"] < upper, upper)
    pieces["interval"] = bounds[i].tz_convert(timezone)
    return pieces


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator / denominator.where(denominator != 0)


def kpi_columns(s: pd.DataFrame, params: KpiParameters) -> pd.DataFrame:
    """Each catalog KPI from the summed components (the catalog's formula column)."""
    cost = np.nan if params.cost_per_agent_hour is None else params.cost_per_agent_hour
    busy = s["on_contact_h"] + s["wrapup_h"]
    flow_outs = s["n_timed_out"] + s["n_overflowed"] + s["n_callbacks"]
    against = s["n_answered"] + s["n_abandoned"] + (flow_outs if params.include_flow_outs else 0)
    excl_short = s["n_offered"] - s["n_short_abandoned"]
    agent_cost = s["logged_in_h"] * cost
    kpis = {
        "arrivals": s["n_arrivals"],
        "offered": s["n_offered"],
        "answered": s["n_answered"],
        "abandoned": s["n_abandoned"],
        "short_abandoned": s["n_short_abandoned"],
        "abandoned_excl_short": s["n_abandoned"] - s["n_short_abandoned"],
        "abandon_rate": _ratio(s["n_abandoned"], s["n_offered"]),
        "abandon_rate_excl_short": _ratio(s["n_abandoned"] - s["n_short_abandoned"], excl_short),
        "timed_out": s["n_timed_out"],
        "overflowed": s["n_overflowed"],
        "callbacks_requested": s["n_callbacks"],
        "blocked": s["n_blocked"],
        "blocked_rate": _ratio(s["n_blocked"], s["n_offered"] + s["n_blocked"]),
        "self_service": s["n_self_service"],
        "asa": _ratio(s["answer_wait_sum_s"], s["answer_wait_n"]),
        "avg_wait": _ratio(s["wait_sum_s"], s["wait_n"]),
        "longest_wait": s["wait_max_s"],
        "avg_abandon_wait": _ratio(s["abandon_wait_sum_s"], s["abandon_wait_n"]),
        "sl_answered": _ratio(s["n_answered_in_t"], s["n_answered"]),
        "sl_abandons_met": _ratio(
            s["n_answered_in_t"] + s["n_abandoned_in_t"], s["n_answered"] + s["n_abandoned"]
        ),
        "sl_abandons_against": _ratio(s["n_answered_in_t"], against),
        "sl_excl_short_abandons": _ratio(s["n_answered_in_t"], excl_short),
        "aht": _ratio(s["handle_sum_s"], s["handle_n"]),
        "avg_talk": _ratio(s["talk_sum_s"], s["talk_n"]),
        "avg_hold": _ratio(s["hold_sum_s"], s["hold_n"]),
        "avg_wrapup": _ratio(s["wrapup_sum_s"], s["wrapup_n"]),
        "transfer_rate": _ratio(s["n_transferred"], s["n_answered"]),
        "fcr": _ratio(s["n_fcr_met"], s["n_fcr_eligible"]),
        "resolution_rate": _ratio(s["n_resolved_contacts"], s["n_answered_contacts"]),
        "repeat_rate": _ratio(s["n_repeat_contacts"], s["n_known_contacts"]),
        "agent_hours": s["logged_in_h"],
        "ready_hours": s["ready_h"],
        "not_ready_hours": s["not_ready_h"],
        "occupancy": _ratio(busy, busy + s["ready_h"]),
        "utilisation": _ratio(busy, s["logged_in_h"]),
        "contacts_per_agent_hour": _ratio(s["n_answered"], s["logged_in_h"]),
        "adherence": pd.Series(np.nan, index=s.index),  # no schedules yet: always null
        "agent_cost": agent_cost,
        "cost_per_contact": _ratio(agent_cost, s["n_answered"]),
        "csat": _ratio(s["n_csat_satisfied"], s["n_csat"]),
        "csat_responses": s["n_csat"],
        "nps": 100.0 * _ratio(s["n_promoters"] - s["n_detractors"], s["n_nps"]),
        "nps_responses": s["n_nps"],
        "ces": _ratio(s["ces_sum"], s["n_ces"]),
        "ces_responses": s["n_ces"],
    }
    out = pd.DataFrame({k.id: kpis[k.id] for k in CATALOG}, index=s.index)
    for k in CATALOG:
        out[k.id] = out[k.id].astype("Int64" if k.unit == "count" else "float64")
    return out
