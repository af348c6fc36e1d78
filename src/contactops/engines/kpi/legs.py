"""Legs: one row per contact per queue visit, derived from contact events in one DuckDB query.

A leg is what most KPIs count (service level, ASA, abandonment, AHT, transfers). The rules below
are the documented definition; the SQL carries one comment per rule.

- Order: a contact's events are read by (occurred_at, rank of event_type in ``LIFECYCLE_ORDER``).
  Two ``entered_queue`` at one instant go by queue; where a rule takes "the first" of events
  tied on both, the value with the smallest hash wins. Input order never matters. An event type
  outside the vocabulary ranks last at its instant and counts for nothing else. Because
  ``entered_queue`` ranks before the exits and ``transferred``, an exit logged at the very
  instant of the next queue entry reads as part of the next leg.
- Legs: each ``entered_queue`` starts a new leg; events before the first one belong to leg 1
  (leg_no = max(running count of entered_queue, 1)). A contact that never queued has one leg.
  ``legs`` = number of legs of the contact.
- Contact-wide (same on all legs): channel = channel of the first event; customer_id = first
  non-null customer_id; arrived_at = first ``arrived``, else the earliest event; resolved = the
  contact has a ``resolved`` event.
- queue = queue of the leg's ``entered_queue``; if none, the first non-null queue of the leg.
  queued_at = the leg's ``entered_queue`` time (null if none).
- answered_at = first ``answered`` of the leg; agent = that event's agent.
- left_queue_at = answered_at, else the leg's first unanswered exit (``UNANSWERED_EXITS``),
  else, for a queued leg, its first ``ended`` (a source that only logs the hang-up).
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

# LIFECYCLE_ORDER ranks are 0, 1, 2, ...: an ENUM listing the types in that order has the rank as
# its code (and takes one byte a row instead of a string).
assert sorted(LIFECYCLE_ORDER.values()) == list(range(len(LIFECYCLE_ORDER)))
# Time and lifecycle rank in one BIGINT: epoch µs × slots + rank (fits until year ~17,000);
# an unknown event type ranks last.
_UNKNOWN_RANK = len(LIFECYCLE_ORDER)
_RANK_SLOTS = _UNKNOWN_RANK + 1


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _types(types: Iterable[ContactEventType]) -> str:
    return ", ".join(_text(t.value) for t in sorted(types))


def _first(value: str, *, keep_null: bool = False) -> str:
    """SQL aggregate: ``value`` of the earliest event (by order_key) whose value is not null, or
    of the earliest event even if null (``keep_null``). Events tied on order_key go by a 64-bit
    hash of the value, so the pick never depends on input order."""
    aggregate = "arg_min_null" if keep_null else "arg_min"
    return f"{aggregate}({value}, order_key::HUGEINT * {2**64} + hash({value}))"


_EVENT_TYPE_ENUM = "ENUM({})".format(
    ", ".join(_text(t.value) for t in sorted(LIFECYCLE_ORDER, key=LIFECYCLE_ORDER.__getitem__))
)


# Order: occurred_at, then lifecycle rank, packed in one BIGINT key (µs epoch: zone-free).
# Read twice below (per contact, per leg); written out at each use, since a common table
# expression over a registered Arrow table would be materialised.
_RANKED_EVENTS = f"""(
    SELECT *,
           epoch_us(occurred_at) AS at_us,
           epoch_us(occurred_at) * {_RANK_SLOTS} + coalesce(enum_code(event_type), {_UNKNOWN_RANK})
               AS order_key
    FROM (SELECT * REPLACE (try_cast(event_type AS {_EVENT_TYPE_ENUM}) AS event_type)
          FROM {{events}})
) AS ranked"""

_LEGS_SQL = f"""
WITH
-- Contact-wide values, the same on every leg: legs, first channel and customer, arrival,
-- ignore, resolved.
contacts AS (
    SELECT contact_id,
           greatest(count(*) FILTER (event_type = '{_T.ENTERED_QUEUE}'), 1)::INTEGER AS legs,
           {_first("channel")} AS channel,
           {_first("customer_id")} AS customer_id,
           coalesce(min(at_us) FILTER (event_type = '{_T.ARRIVED}'), min(at_us)) AS arrived_us,
           bool_or(coalesce(ignore, false)) AS ignored,
           bool_or(event_type = '{_T.RESOLVED}') AS resolved
    FROM {_RANKED_EVENTS}
    GROUP BY contact_id
),
-- Legs: a running count of entered_queue numbers them (two entries at one instant: by queue);
-- the latest entry and answer so far tell whether this leg has been answered yet.
running AS (
    SELECT *,
           count(*) FILTER (event_type = '{_T.ENTERED_QUEUE}') OVER contact_order
               AS queue_entries,
           max(order_key) FILTER (event_type = '{_T.ENTERED_QUEUE}') OVER contact_order
               AS last_entry_key,
           max(order_key) FILTER (event_type = '{_T.ANSWERED}') OVER contact_order
               AS last_answer_key
    FROM {_RANKED_EVENTS}
    WINDOW contact_order AS (
        PARTITION BY contact_id ORDER BY order_key, queue ROWS UNBOUNDED PRECEDING
    )
),
-- Events before the first entered_queue belong to leg 1.
leg_events AS (
    SELECT *,
           greatest(queue_entries, 1)::INTEGER AS leg_no,
           -- an answer of this leg is at or before the event
           last_answer_key IS NOT NULL
               AND (queue_entries <= 1 OR last_answer_key > last_entry_key) AS after_answer
    FROM running
),
-- One row per leg.
leg_stats AS MATERIALIZED (
    SELECT contact_id, leg_no,
           -- queue: the entry's queue, else the first queue named in the leg
           coalesce(
               min(queue) FILTER (event_type = '{_T.ENTERED_QUEUE}'), {_first("queue")}
           ) AS queue,
           min(at_us) FILTER (event_type = '{_T.ENTERED_QUEUE}') AS queued_us,
           -- the first answer, and its agent
           min(at_us) FILTER (event_type = '{_T.ANSWERED}') AS answered_us,
           {_first("agent", keep_null=True)} FILTER (event_type = '{_T.ANSWERED}') AS agent,
           -- the first unanswered exit
           min(at_us) FILTER (event_type IN ({_types(UNANSWERED_EXITS)})) AS exit_us,
           arg_min(event_type, order_key) FILTER (event_type IN ({_types(UNANSWERED_EXITS)}))
               AS exit_type,
           -- talk ends at the first hand-off or end after the answer
           min(order_key) FILTER (
               event_type IN ('{_T.TRANSFERRED}', '{_T.ENDED}') AND after_answer
           ) AS ended_key,
           min(at_us) FILTER (
               event_type IN ('{_T.TRANSFERRED}', '{_T.ENDED}') AND after_answer
           ) AS ended_us,
           min(at_us) FILTER (event_type = '{_T.ENDED}') AS first_end_us,
           bool_or(event_type = '{_T.TRANSFERRED}') AS transferred,
           {_first("target", keep_null=True)} FILTER (event_type = '{_T.TRANSFERRED}')
               AS transfer_target,
           count(*) FILTER (event_type = '{_T.OFFERED}')::INTEGER AS offers,
           count(*) FILTER (event_type = '{_T.OFFER_MISSED}')::INTEGER AS missed_offers,
           -- hold toggles after the answer and wrap-ups: few, kept as lists for later rules
           list({{'key': order_key, 'at_us': at_us, 'on_hold': event_type = '{_T.HOLD}'}})
               FILTER (event_type IN ('{_T.HOLD}', '{_T.UNHOLD}') AND after_answer)
               AS hold_toggles,
           list({{'leg_no': leg_no, 'key': order_key, 'at_us': at_us, 'agent': agent}})
               FILTER (event_type = '{_T.WRAPUP_ENDED}' AND agent IS NOT NULL) AS wrapups
    FROM leg_events
    GROUP BY contact_id, leg_no
),
-- Wrap-up attribution: a wrap-up belongs to the latest leg up to its own answered by its
-- agent. A wrap-up in leg 1, or by its own leg's agent, stays in its leg (below); one logged in
-- a later leg (after a transfer) is looked up here.
later_wrapups AS (
    SELECT contact_id, unnest(wrapups) AS wrapup
    FROM leg_stats
    WHERE leg_no > 1 AND wrapups IS NOT NULL
),
wrapup_owners AS (
    SELECT w.contact_id, w.wrapup,
           arg_max({{'leg_no': l.leg_no, 'ended_key': l.ended_key}}, l.leg_no) AS owner
    FROM later_wrapups AS w
    JOIN leg_stats AS l
        ON l.contact_id = w.contact_id
        AND l.agent = w.wrapup.agent
        AND l.leg_no <= w.wrapup.leg_no
    GROUP BY w.contact_id, w.wrapup
),
carried_wrapups AS (
    SELECT contact_id, owner.leg_no AS leg_no, min(wrapup.at_us) AS carried_wrapup_us
    FROM wrapup_owners
    WHERE wrapup.key > owner.ended_key
    GROUP BY contact_id, owner.leg_no
),
-- Hold: on hold from each hold to the next toggle or the end of talk.
-- Wrap-up: the first one after ended_at by the answering agent, logged in this leg or carried.
timed AS (
    SELECT *,
           CASE WHEN ended_us IS NOT NULL THEN coalesce(list_sum(list_transform(
               talk_toggles,
               lambda h, i: CASE WHEN h.on_hold
                   THEN coalesce(talk_toggles[i + 1].at_us, ended_us) - h.at_us ELSE 0 END
           )), 0) END AS hold_us,
           CASE WHEN ended_us IS NOT NULL THEN least(
               list_min(list_transform(
                   list_filter(wrapups, lambda w: w.agent = agent AND w.key > ended_key),
                   lambda w: w.at_us
               )),
               carried_wrapup_us
           ) END AS wrapup_ended_us
    FROM (
        SELECT *,
               list_sort(list_filter(hold_toggles, lambda h: h.key < ended_key))
                   AS talk_toggles
        FROM leg_stats
        JOIN contacts USING (contact_id)
        LEFT JOIN carried_wrapups USING (contact_id, leg_no)
    )
),
-- Leaving the queue: answered, else the first unanswered exit, else (a queued leg that only
-- ends: the source logs just the hang-up) its end.
left_queue AS (
    SELECT *,
           coalesce(
               answered_us, exit_us, CASE WHEN queued_us IS NOT NULL THEN first_end_us END
           ) AS left_queue_us
    FROM timed
),
-- Durations in seconds.
durations AS (
    SELECT *,
           (left_queue_us - queued_us) / 1e6 AS wait_s,
           hold_us / 1e6 AS hold_s,
           (ended_us - answered_us - hold_us) / 1e6 AS talk_s,
           (wrapup_ended_us - ended_us) / 1e6 AS wrapup_s
    FROM left_queue
)
SELECT contact_id, leg_no, legs, channel, customer_id, queue,
       arrived_us AS arrived_at, queued_us AS queued_at, answered_us AS answered_at,
       left_queue_us AS left_queue_at, ended_us AS ended_at,
       wrapup_ended_us AS wrapup_ended_at, agent, offers, missed_offers,
       wait_s, talk_s, hold_s, wrapup_s,
       talk_s + hold_s + coalesce(wrapup_s, 0) AS handle_s,
       -- outcome: the first rule that applies
       CASE
           WHEN ignored THEN '{_O.IGNORED}'
           WHEN answered_us IS NOT NULL THEN '{_O.ANSWERED}'
           WHEN exit_type IS NOT NULL THEN exit_type::VARCHAR
           WHEN first_end_us IS NOT NULL AND queued_us IS NOT NULL THEN '{_O.ABANDONED}'
           WHEN first_end_us IS NOT NULL THEN '{_O.SELF_SERVICE}'
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
