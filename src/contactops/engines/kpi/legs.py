"""Legs: one row per contact per queue visit, derived from contact events in one DuckDB query.

A leg is what most KPIs count (service level, ASA, abandonment, AHT, transfers). The rules below
are the documented definition; the SQL carries one comment per rule.

- Order: a contact's events are read by (occurred_at, rank of event_type in ``LIFECYCLE_ORDER``);
  remaining ties by queue, agent, channel, customer_id, target, so input order never matters.
- Legs: each ``entered_queue`` starts a new leg; events before the first one belong to leg 1
  (leg_no = max(running count of entered_queue, 1)). A contact that never queued has one leg.
  ``legs`` = number of legs of the contact.
- Contact-wide (same on all legs): channel = channel of the first event; customer_id = first
  non-null customer_id; arrived_at = first ``arrived``, else the earliest event; resolved = the
  contact has a ``resolved`` event.
- queue = queue of the leg's ``entered_queue``; if none, the first non-null queue of the leg.
  queued_at = the leg's ``entered_queue`` time (null if none).
- answered_at = first ``answered`` of the leg; agent = that event's agent.
- left_queue_at = answered_at, else the leg's first unanswered exit (``UNANSWERED_EXITS``).
- ended_at (answered legs) = first ``transferred`` or ``ended`` of the leg after its answer: talk
  ends at a hand-off (Asterisk logs BLINDTRANSFER with the transferring leg's own calltime,
  apps/app_queue.c).
- hold_s = time on hold between answered_at and ended_at: on hold from a ``hold`` until the next
  ``hold``/``unhold`` or ended_at (a hold with no unhold runs to ended_at).
  talk_s = (ended_at − answered_at) − hold_s. Both null unless the leg was answered and ended.
- wrapup_ended_at = first ``wrapup_ended`` by the leg's answering agent after the leg's ended_at,
  among the wrap-ups attributed to the leg: a wrap-up belongs to the latest leg of the contact
  answered by that agent whose leg_no ≤ the wrap-up's own leg_no (a wrap-up logged after a
  transfer created the next leg still belongs to the agent's leg). wrapup_s = wrapup_ended_at −
  ended_at; null without a wrap-up event (Asterisk's queue_log has no wrap-up line).
- handle_s = talk_s + hold_s + coalesce(wrapup_s, 0) for answered and ended legs, else null.
- wait_s = left_queue_at − queued_at (null when never queued or still queued).
- offers / missed_offers = ``offered`` / ``offer_missed`` events of the leg.
- outcome: ``ignored`` if any event of the contact has ignore = true; else ``answered`` if
  answered; else the type of the leg's first unanswered exit; else ``abandoned`` if the leg
  queued and has an ``ended`` (a source that only logs the hang-up); else ``self_service`` if
  it never queued and has an ``ended``; else ``open``.
- transferred = the leg has a ``transferred`` event; transfer_target = the first one's target.

Durations are float seconds from microsecond epochs, so no result depends on a time zone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from contactops.engines.events import (
    LEG_SCHEMA,
    LIFECYCLE_ORDER,
    UNANSWERED_EXITS,
    ContactEventType,
    LegOutcome,
)

_T = ContactEventType
_O = LegOutcome

# An unanswered exit's event type is also the leg's outcome.
assert {t.value for t in UNANSWERED_EXITS} <= {o.value for o in LegOutcome}

# Time and lifecycle rank in one BIGINT: epoch µs × slots + rank (fits until year ~17,000).
_RANK_SLOTS = len(LIFECYCLE_ORDER) + 1


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _types(types: Iterable[ContactEventType]) -> str:
    return ", ".join(_text(t.value) for t in sorted(types))


def _type_rank_sql() -> str:
    """LIFECYCLE_ORDER as a CASE; an unknown type sorts after every known one at its instant."""
    cases = "".join(f" WHEN {_text(t.value)} THEN {r}" for t, r in LIFECYCLE_ORDER.items())
    return f"CASE event_type{cases} ELSE {len(LIFECYCLE_ORDER)} END"


_LEGS_SQL = f"""
WITH
-- Order: occurred_at, then lifecycle rank, packed in one key; µs epochs keep it zone-free.
ranked AS (
    SELECT contact_id, event_type, channel, queue, agent, customer_id, target,
           coalesce(ignore, false) AS ignore,
           epoch_us(occurred_at) AS at_us,
           epoch_us(occurred_at) * {_RANK_SLOTS} + ({_type_rank_sql()}) AS order_key
    FROM {{events}}
),
-- One pass over each contact in order: position, queue entries and answers seen so far.
sequenced AS (
    SELECT *,
           row_number() OVER contact_order AS seq,
           count(*) FILTER (event_type = '{_T.ENTERED_QUEUE}') OVER contact_order
               AS queue_entries,
           max(order_key) FILTER (event_type = '{_T.ENTERED_QUEUE}') OVER contact_order
               AS last_entry_key,
           max(order_key) FILTER (event_type = '{_T.ANSWERED}') OVER contact_order
               AS last_answer_key
    FROM ranked
    WINDOW contact_order AS (
        PARTITION BY contact_id
        ORDER BY order_key, queue, agent, channel, customer_id, target
        ROWS UNBOUNDED PRECEDING
    )
),
-- Each entered_queue starts a leg; events before the first one belong to leg 1.
-- after_answer: an answer of this leg precedes (or is) the event.
leg_events AS (
    SELECT *,
           greatest(queue_entries, 1)::INTEGER AS leg_no,
           last_answer_key IS NOT NULL
               AND (queue_entries <= 1 OR last_answer_key > last_entry_key) AS after_answer
    FROM sequenced
),
-- One row per leg; "first X" = the X with the lowest seq.
leg_stats AS MATERIALIZED (
    SELECT contact_id, leg_no,
           arg_min(channel, seq) AS first_channel,
           arg_min(customer_id, seq) AS first_customer_id,  -- arg_min skips null values
           min(at_us) AS first_event_us,
           min(at_us) FILTER (event_type = '{_T.ARRIVED}') AS first_arrived_us,
           bool_or(ignore) AS any_ignored,
           bool_or(event_type = '{_T.RESOLVED}') AS any_resolved,
           -- queue: the entry's queue, else the first queue named in the leg
           coalesce(
               arg_min(queue, seq) FILTER (event_type = '{_T.ENTERED_QUEUE}'),
               arg_min(queue, seq)
           ) AS queue,
           min(at_us) FILTER (event_type = '{_T.ENTERED_QUEUE}') AS queued_us,
           min(at_us) FILTER (event_type = '{_T.ANSWERED}') AS answered_us,
           arg_min_null(agent, seq) FILTER (event_type = '{_T.ANSWERED}') AS agent,
           min(at_us) FILTER (event_type IN ({_types(UNANSWERED_EXITS)})) AS exit_us,
           arg_min(event_type, seq) FILTER (event_type IN ({_types(UNANSWERED_EXITS)}))
               AS exit_type,
           -- talk ends at the first hand-off or end after the answer
           min(at_us) FILTER (
               event_type IN ('{_T.TRANSFERRED}', '{_T.ENDED}') AND after_answer
           ) AS ended_us,
           min(seq) FILTER (
               event_type IN ('{_T.TRANSFERRED}', '{_T.ENDED}') AND after_answer
           ) AS ended_seq,
           bool_or(event_type = '{_T.ENDED}') AS has_end,
           bool_or(event_type = '{_T.TRANSFERRED}') AS transferred,
           arg_min_null(target, seq) FILTER (event_type = '{_T.TRANSFERRED}')
               AS transfer_target,
           count(*) FILTER (event_type = '{_T.OFFERED}')::INTEGER AS offers,
           count(*) FILTER (event_type = '{_T.OFFER_MISSED}')::INTEGER AS missed_offers,
           -- hold toggles after the answer, kept for the hold arithmetic below (rare: a list)
           list({{'seq': seq, 'at_us': at_us, 'on_hold': event_type = '{_T.HOLD}'}})
               FILTER (event_type IN ('{_T.HOLD}', '{_T.UNHOLD}') AND after_answer)
               AS hold_toggles,
           list({{'leg_no': leg_no, 'seq': seq, 'at_us': at_us, 'agent': agent}})
               FILTER (event_type = '{_T.WRAPUP_ENDED}' AND agent IS NOT NULL) AS wrapups
    FROM leg_events
    GROUP BY contact_id, leg_no
),
-- Contact-wide values: first channel, first customer, arrival, ignore, resolved, legs.
contacts AS (
    SELECT contact_id,
           count(*)::INTEGER AS legs,
           arg_min(first_channel, leg_no) AS channel,
           arg_min(first_customer_id, leg_no) AS customer_id,
           coalesce(min(first_arrived_us), min(first_event_us)) AS arrived_us,
           bool_or(any_ignored) AS ignored,
           bool_or(any_resolved) AS resolved,
           flatten(list(wrapups) FILTER (wrapups IS NOT NULL)) AS wrapups,
           list({{'leg_no': leg_no, 'agent': agent}}) FILTER (agent IS NOT NULL)
               AS answering_agents
    FROM leg_stats
    GROUP BY contact_id
),
-- Hold toggles inside the talk; the next leg answered by the same agent, which bounds the
-- wrap-ups this leg owns.
talk AS (
    SELECT l.* EXCLUDE (wrapups), c.* EXCLUDE (contact_id),
           list_sort(list_filter(l.hold_toggles, lambda h: h.seq < l.ended_seq))
               AS talk_toggles,
           list_min(list_transform(
               list_filter(c.answering_agents,
                           lambda a: a.agent = l.agent AND a.leg_no > l.leg_no),
               lambda a: a.leg_no
           )) AS next_leg_of_agent
    FROM leg_stats AS l
    JOIN contacts AS c USING (contact_id)
),
-- Hold: on hold from each hold to the next toggle or the end of talk.
-- Wrap-up: the first one by the answering agent, after ended_at, in legs this leg owns.
timed AS (
    SELECT *,
           CASE WHEN ended_us IS NOT NULL THEN coalesce(list_sum(list_transform(
               talk_toggles,
               lambda h, i: CASE WHEN h.on_hold
                   THEN coalesce(talk_toggles[i + 1].at_us, ended_us) - h.at_us ELSE 0 END
           )), 0) END AS hold_us,
           CASE WHEN ended_us IS NOT NULL THEN list_min(list_transform(
               list_filter(wrapups, lambda w: w.agent = agent
                   AND w.leg_no >= leg_no
                   AND w.leg_no < coalesce(next_leg_of_agent, legs + 1)
                   AND w.seq > ended_seq),
               lambda w: w.at_us
           )) END AS wrapup_ended_us
    FROM talk
),
-- Durations in seconds.
durations AS (
    SELECT *,
           coalesce(answered_us, exit_us) AS left_queue_us,
           (coalesce(answered_us, exit_us) - queued_us) / 1e6 AS wait_s,
           hold_us / 1e6 AS hold_s,
           (ended_us - answered_us - hold_us) / 1e6 AS talk_s,
           (wrapup_ended_us - ended_us) / 1e6 AS wrapup_s
    FROM timed
)
SELECT contact_id, leg_no, legs, channel, customer_id, queue,
       arrived_us AS arrived_at, queued_us AS queued_at, answered_us AS answered_at,
       left_queue_us AS left_queue_at, ended_us AS ended_at,
       wrapup_ended_us AS wrapup_ended_at, agent, offers, missed_offers,
       wait_s, talk_s, hold_s, wrapup_s,
       talk_s + hold_s + coalesce(wrapup_s, 0) AS handle_s,
       -- outcome, first rule that applies
       CASE
           WHEN ignored THEN '{_O.IGNORED}'
           WHEN answered_us IS NOT NULL THEN '{_O.ANSWERED}'
           WHEN exit_type IS NOT NULL THEN exit_type
           WHEN has_end AND queued_us IS NOT NULL THEN '{_O.ABANDONED}'
           WHEN has_end THEN '{_O.SELF_SERVICE}'
           ELSE '{_O.OPEN}'
       END AS outcome,
       transferred, transfer_target, resolved
FROM durations
ORDER BY contact_id, leg_no
"""


def derive_legs(events: pa.Table, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Legs of every contact in ``events`` (``CONTACT_EVENT_SCHEMA``, any order), as a table of
    exactly ``LEG_SCHEMA`` sorted by (contact_id, leg_no); rules in the module docstring."""
    con = duckdb.connect() if connection is None else connection
    view = f"contact_events_{uuid.uuid4().hex}"
    con.register(view, events)
    try:
        result = con.sql(_LEGS_SQL.replace("{events}", view)).to_arrow_table()
    finally:
        con.unregister(view)
        if connection is None:
            con.close()
    # Instants leave DuckDB as µs epochs (BIGINT) and become UTC timestamps in this cast.
    return result.cast(LEG_SCHEMA)
