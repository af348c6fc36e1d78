"""The KPI catalog: every metric ContactOps shows, defined once, with the vendor it agrees with.

Pages, exports, the API and reports read names, formulas and definitions from here, and
:mod:`contactops.engines.kpi.compute` computes exactly these ids; ``docs/metrics.md`` is generated
from this module (``python -m contactops.engines.kpi.docs``). Vendors disagree on most contact
center metrics, so each definition says which convention it follows and where others differ.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Literal

from contactops.engines.kpi.adherence import ACTIVITIES

Unit = Literal["count", "ratio", "seconds", "hours", "per_hour", "currency", "score"]
Better = Literal["higher", "lower", "neutral"]
Source = Literal["legs", "agent_states", "surveys", "schedules", "tickets"]
Group = Literal[
    "volume", "speed", "service_level", "handling", "quality", "workforce", "cost", "experience"
]
GROUPS: tuple[Group, ...] = (
    "volume",
    "speed",
    "service_level",
    "handling",
    "quality",
    "workforce",
    "cost",
    "experience",
)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; the web layer translates it when it renders."""
    return message


@dataclass(frozen=True, slots=True)
class KpiParameters:
    """The thresholds a center chooses; every figure shows the values it was computed with."""

    service_level_threshold_s: float = 20  # T: answered within T seconds meets service level
    short_abandon_s: float = 5  # S: an abandon after waiting less than S seconds is short
    repeat_window_h: float = 72  # a further contact within this many hours is a repeat
    include_flow_outs: bool = True  # timed out, overflowed, callback legs count against SL
    cost_per_agent_hour: float | None = None  # currency units; cost KPIs are null without it
    csat_satisfied_min: float = 4  # a CSAT score (1–5) at or above this is satisfied
    neutral_activities: tuple[str, ...] = ()  # activities left out of adherence (Calabrio)

    def __post_init__(self) -> None:
        _require_number("service_level_threshold_s", self.service_level_threshold_s, low=0)
        _require_number("short_abandon_s", self.short_abandon_s, low=0)
        _require_number("repeat_window_h", self.repeat_window_h, low=0, strict=True)
        if not isinstance(self.include_flow_outs, bool):
            raise ValueError(
                f"include_flow_outs must be true or false, got {self.include_flow_outs!r}"
            )
        if self.cost_per_agent_hour is not None:
            _require_number("cost_per_agent_hour", self.cost_per_agent_hour, low=0)
        _require_number("csat_satisfied_min", self.csat_satisfied_min, low=1, high=5)
        object.__setattr__(
            self, "neutral_activities", _activities("neutral_activities", self.neutral_activities)
        )


def _activities(name: str, value: object) -> tuple[str, ...]:
    """Known activity names, in the order given, each once (a list or set is accepted)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a list of activities, got {value!r}")
    unknown = [a for a in value if a not in ACTIVITIES]
    if unknown:
        raise ValueError(
            f"{name} must be known activities, got unknown {unknown[0]!r}; known activities: "
            f"{', '.join(ACTIVITIES)}"
        )
    return tuple(dict.fromkeys(value))


def _require_number(
    name: str, value: object, *, low: float, high: float | None = None, strict: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or (strict and value == low) or (high is not None and value > high):
        bound = f"> {low:g}" if strict else f">= {low:g}"
        if high is not None:
            bound = f"between {low:g} and {high:g}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


PARAMETER_NAMES = frozenset(f.name for f in fields(KpiParameters))
PARAMETER_DOCS: dict[str, str] = {
    "service_level_threshold_s": "T, seconds: a leg answered (or abandoned) after waiting at "
    "most T is within the service level threshold.",
    "short_abandon_s": "S, seconds: an abandon after waiting less than S is a short abandon "
    "(misdial, hang-up during the greeting).",
    "repeat_window_h": "Hours after a contact's arrival in which a further contact of the same "
    "customer makes it a repeat (FCR and repeat rate).",
    "include_flow_outs": "Whether timed-out, overflowed and callback legs count as missed in "
    "the abandons-count-against service level.",
    "cost_per_agent_hour": "Loaded cost of one logged-in agent hour, in the report's currency; "
    "cost KPIs are null when it is not set.",
    "csat_satisfied_min": "Lowest CSAT score (1–5 scale) that counts as satisfied.",
    "neutral_activities": "Scheduled activities left out of adherence on both sides (neither "
    "scheduled nor adherent time), as Calabrio's neutral activities; none by default.",
}


@dataclass(frozen=True, slots=True)
class Kpi:
    """One metric: what it counts, how, in which unit, and which way is good."""

    id: str
    name: str
    short: str
    definition: str
    formula: str
    unit: Unit
    better: Better
    group: Group
    source: Source = "legs"
    parameters: tuple[str, ...] = ()


# Sentences shared by many definitions: the attribution rules, stated once.
LEG_TIME = (
    "A leg counts in the local interval of its queue entry (queued_at; the contact's arrival "
    "when it never queued), and in the report when start ≤ that time < end."
)
FIRST_ANSWERED_TIME = (
    "A contact counts where its first answered leg counts: that leg's queue, channel, agent and "
    "queue-entry interval, within [start, end)."
)
FIRST_LEG_TIME = (
    "A contact counts where its first leg counts: leg 1's queue, channel, answering agent and "
    "queue-entry interval (its arrival when it never queued), within [start, end)."
)
REPEAT_SEARCH = (
    "The customer's next contact is searched in the whole legs table given, not only in "
    "[start, end), so a repeat just after the report's end still counts; contacts are compared "
    "arrival to arrival (another contact arriving at the same instant counts as a further "
    "one), and records the source marks as virtual (ignored) are no contacts."
)
AGENT_TIME = (
    "Agent time comes from the agent-state log: each event opens a state that lasts until the "
    "agent's next event (events at one instant take effect in the log's order), logged_out "
    "closes it and the last open state is cut at the report's end; time is clipped to "
    "[start, end) and split at local interval boundaries, so intervals add up exactly. Agent "
    "time is not per queue: null when grouped by queue or channel."
)
SCHEDULE_TIME = (
    "Scheduled time comes from the published schedule: each activity lasts from its start to "
    "its end, time with no activity is not scheduled, and it is clipped to [start, end) and "
    "split at local interval boundaries, so intervals add up exactly. The agent's state during "
    "it comes from the agent-state log as agent time does, except that logged_out is a state "
    "and an agent is logged out before its first event. Adherent states per activity: work — "
    "ready, on_contact, wrapup; break and lunch — break, logged_out; meeting, training and "
    "offline — not_ready, break. Null without a schedule, and when grouped by queue or channel."
)
SURVEY_TIME = (
    "A response counts where the contact's last answered leg counts (its queue, channel, agent "
    "and queue-entry interval within [start, end)), whenever the response came; responses for "
    "contacts without an answered leg are left out."
)
TICKET_TIME = (
    "Tickets come from the ticket event log, one fact row per ticket (rules in "
    "engines/kpi/tickets.py): a ticket counts in the local interval of its opening, in its "
    "queue and channel, and for its first agent (who sent the first reply), within [start, "
    "end) — whenever it was answered, escalated or solved."
)
ANSWERED_LEGS = (
    "A leg counts as answered from its answer on, also when the conversation is still going on "
    "when the log ends (its handle time is then unknown)."
)


def _volume() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "arrivals",
            N_("Arrivals"),
            N_("Contacts that arrived, whatever happened to them."),
            "Every contact the source recorded, counted once on its first leg: answered, "
            "abandoned, timed out, blocked, self-service, still open, and records the source "
            "marks as virtual (outcome ignored), which count here and nowhere else. Forecasts "
            "read this volume; offered leaves out blocked and self-service contacts and counts "
            "each queue visit. " + LEG_TIME,
            "legs with leg_no = 1",
            "count",
            "neutral",
            "volume",
        ),
        Kpi(
            "offered",
            N_("Offered"),
            N_("Queue visits: legs that entered a queue."),
            "A leg is one visit of a contact to a queue, so a contact transferred or overflowed "
            "to a second queue is offered once in each (Genesys counts offered per queue the "
            "same way). Counts legs answered, abandoned, timed out, overflowed, sent to callback "
            "and still waiting when the log ends; leaves out blocked contacts "
            "(refused before queueing), self-service contacts (ended in the IVR or bot) and "
            "virtual records (ignored). " + LEG_TIME,
            "legs with outcome ∉ {ignored, blocked, self_service}",
            "count",
            "neutral",
            "volume",
        ),
        Kpi(
            "answered",
            N_("Answered"),
            N_("Queue visits an agent answered."),
            "Legs an agent answered, whatever happened after (a transfer makes a new leg in "
            "the next queue). " + ANSWERED_LEGS + " " + LEG_TIME,
            "legs with outcome answered",
            "count",
            "higher",
            "volume",
        ),
        Kpi(
            "abandoned",
            N_("Abandoned"),
            N_("Queue visits the customer gave up while waiting."),
            "Legs that ended because the customer hung up or left the chat while queued, short "
            "abandons included. Time-outs, overflows, callback requests and blocked contacts "
            "are not abandons and have counts of their own; Asterisk's live 'abandoned' counter "
            "also counts time-outs, empty-queue exits and withdrawals, so it is larger than "
            "its ABANDON lines and than this count. " + LEG_TIME,
            "legs with outcome abandoned",
            "count",
            "lower",
            "volume",
        ),
        Kpi(
            "short_abandoned",
            N_("Short abandons"),
            N_("Abandons after waiting less than the short-abandon threshold."),
            "Abandoned legs whose wait was strictly less than short_abandon_s (S): misdials and "
            "customers who hang up during the greeting. Genesys, Talkdesk and RingCentral can "
            "leave them out of service level, Google CCAI out of the abandonment rate. An "
            "abandoned leg with an unknown wait is not short. " + LEG_TIME,
            "abandoned legs with wait_s < S",
            "count",
            "neutral",
            "volume",
            parameters=("short_abandon_s",),
        ),
        Kpi(
            "abandoned_excl_short",
            N_("Abandoned, short abandons excluded"),
            N_("Abandons after waiting at least the short-abandon threshold."),
            "Abandoned legs that waited S seconds or more (S = short_abandon_s), or whose wait "
            "is unknown: the abandons a center is accountable for when it excludes short "
            "abandons, as Genesys, Talkdesk and RingCentral allow. " + LEG_TIME,
            "abandoned − short abandons",
            "count",
            "lower",
            "volume",
            parameters=("short_abandon_s",),
        ),
        Kpi(
            "abandon_rate",
            N_("Abandon rate"),
            N_("Share of queue visits abandoned."),
            "Abandoned legs divided by offered legs, so time-outs, overflows, callbacks and legs "
            "still waiting are in the denominator; short abandons count. Amazon Connect divides "
            "by contacts queued and Genesys by offered including flow-outs (both as here), "
            "Google CCAI by handled + abandoned without short abandons (closer to "
            "abandon_rate_excl_short). Callbacks are not abandons. Null when nothing was "
            "offered. " + LEG_TIME,
            "abandoned ÷ offered",
            "ratio",
            "lower",
            "volume",
        ),
        Kpi(
            "abandon_rate_excl_short",
            N_("Abandon rate, short abandons excluded"),
            N_("Share of queue visits abandoned, short abandons left out of both sides."),
            "Short abandons (wait < short_abandon_s) are removed from the numerator and the "
            "denominator, as if those contacts had never queued: the Genesys / Talkdesk / "
            "RingCentral switch applied to abandonment, close to Google CCAI's rate. Null when "
            "every offered leg was a short abandon or nothing was offered. " + LEG_TIME,
            "(abandoned − short abandons) ÷ (offered − short abandons)",
            "ratio",
            "lower",
            "volume",
            parameters=("short_abandon_s",),
        ),
        Kpi(
            "timed_out",
            N_("Timed out"),
            N_("Queue visits ended because the queue's maximum wait was reached."),
            "Legs that left the queue unanswered when its maximum wait expired (Asterisk "
            "EXITWITHTIMEOUT). A flow-out: offered, neither answered nor abandoned; when the "
            "contact is routed on, its next queue visit is a new leg. " + LEG_TIME,
            "legs with outcome timed_out",
            "count",
            "lower",
            "volume",
        ),
        Kpi(
            "overflowed",
            N_("Overflowed"),
            N_("Queue visits routed out of the queue unanswered."),
            "Legs that left the queue unanswered for another reason than a time-out: no agents "
            "logged in, a key pressed, withdrawn (Asterisk EXITEMPTY, EXITWITHKEY, WITHDRAW). "
            "A flow-out: offered, neither answered nor abandoned; where the contact lands in "
            "another queue, that visit is a new leg there. " + LEG_TIME,
            "legs with outcome overflowed",
            "count",
            "neutral",
            "volume",
        ),
        Kpi(
            "callbacks_requested",
            N_("Callbacks requested"),
            N_("Queue visits that ended with a request to be called back."),
            "Legs whose customer left the queue asking to be called back. Callbacks are not "
            "abandons; Amazon Connect counts them as removed from queue for its service level, "
            "here they are flow-outs (see sl_abandons_against). The call back itself is a new "
            "contact on the callback channel. " + LEG_TIME,
            "legs with outcome callback_requested",
            "count",
            "neutral",
            "volume",
        ),
        Kpi(
            "blocked",
            N_("Blocked"),
            N_("Contacts refused at the door: no line, queue full, closed."),
            "Contacts that never entered a queue because none could take them: no free line, "
            "queue full, outside opening hours. They are arrivals but not offered. " + LEG_TIME,
            "legs with outcome blocked",
            "count",
            "lower",
            "volume",
        ),
        Kpi(
            "blocked_rate",
            N_("Blocked rate"),
            N_("Share of contacts wanting a queue that were refused."),
            "Blocked legs divided by the legs that wanted a queue (offered + blocked): the "
            "measured counterpart of the Erlang B blocking probability. Null when no leg wanted "
            "a queue. " + LEG_TIME,
            "blocked ÷ (offered + blocked)",
            "ratio",
            "lower",
            "volume",
        ),
        Kpi(
            "self_service",
            N_("Self-service"),
            N_("Contacts that ended before reaching a queue or an agent."),
            "Contacts that ended in the IVR or with a bot, before any queue: contained by self "
            "service, or given up in the menu (the event log cannot tell which). Arrivals but "
            "not offered. " + LEG_TIME,
            "legs with outcome self_service",
            "count",
            "neutral",
            "volume",
        ),
    )


def _speed() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "asa",
            N_("Average speed of answer"),
            N_("Mean wait of answered queue visits."),
            "Mean time from entering the queue to answer (ringing included), over answered "
            "legs whose wait is known, as Amazon Connect and Genesys define it. Each queue "
            "visit has its own clock: a transferred contact starts a new wait in the next "
            "queue. Genesys attributes ASA to the answer interval; here it counts in the "
            "queue-entry interval, like every leg KPI. " + LEG_TIME,
            "Σ wait_s of answered legs ÷ answered legs",
            "seconds",
            "lower",
            "speed",
        ),
        Kpi(
            "avg_wait",
            N_("Average wait"),
            N_("Mean wait of every queue visit that left the queue."),
            "Mean time in queue of every leg that left it — answered, abandoned, timed out, "
            "overflowed or sent to callback — so, unlike ASA, the waits of customers who gave up "
            "count too. Legs still waiting when the log ends are left out. " + LEG_TIME,
            "Σ wait_s ÷ legs that left the queue",
            "seconds",
            "lower",
            "speed",
        ),
        Kpi(
            "longest_wait",
            N_("Longest wait"),
            N_("Longest time any queue visit waited before leaving the queue."),
            "The maximum wait of any leg that left the queue, answered or not. Legs still "
            "waiting when the log ends are left out (a wallboard shows the oldest contact "
            "waiting separately). Null when no leg left the queue. " + LEG_TIME,
            "max wait_s of legs that left the queue",
            "seconds",
            "lower",
            "speed",
        ),
        Kpi(
            "avg_abandon_wait",
            N_("Average abandon wait"),
            N_("How long customers waited before giving up."),
            "Mean wait of abandoned legs whose wait is known, short abandons included: the "
            "patience of customers who gave up. Null without abandons. " + LEG_TIME,
            "Σ wait_s of abandoned legs ÷ abandoned legs",
            "seconds",
            "neutral",
            "speed",
        ),
    )


def _service_level() -> tuple[Kpi, ...]:
    sl = "answered within T means a wait ≤ service_level_threshold_s (T), as Asterisk tests it"
    return (
        Kpi(
            "sl_answered",
            N_("Service level (answered only)"),
            N_("Share of answered queue visits answered within T."),
            "Asterisk's SL (queues.conf servicelevel): only answered legs appear, so abandons, "
            "time-outs and overflows change nothing — the most flattering variant. Here "
            + sl
            + " (apps/app_queue.c: wait <= servicelevel). Null without answered legs. "
            + LEG_TIME,
            "answered within T ÷ answered",
            "ratio",
            "higher",
            "service_level",
            parameters=("service_level_threshold_s",),
        ),
        Kpi(
            "sl_abandons_met",
            N_("Service level (abandons within T met)"),
            N_("Answered or abandoned within T, over answered and abandoned."),
            "Asterisk's SL2: an abandon within T counts as met, like an answer within T, and "
            "both sides hold only answered and abandoned legs. Amazon Connect's 'Service level "
            "X' is the same idea over every contact removed from queue (callbacks counted as "
            "removed); here time-outs, overflows and callbacks stay out of both sides. "
            "Abandoned within T means a wait ≤ T. Null without answered or abandoned legs. "
            + LEG_TIME,
            "(answered within T + abandoned within T) ÷ (answered + abandoned)",
            "ratio",
            "higher",
            "service_level",
            parameters=("service_level_threshold_s",),
        ),
        Kpi(
            "sl_abandons_against",
            N_("Service level (abandons count against)"),
            N_("Answered within T, over answered and abandoned (and flow-outs)."),
            "Genesys Cloud's default (Vonage alike): every abandon counts as missed, even "
            "one within T. With include_flow_outs (the default) timed-out, overflowed and "
            "callback legs also count as missed. Legs still waiting are not in it. Here "
            + sl
            + ". "
            "Null when the denominator is 0. " + LEG_TIME,
            "answered within T ÷ (answered + abandoned [+ timed out + overflowed + callbacks])",
            "ratio",
            "higher",
            "service_level",
            parameters=("service_level_threshold_s", "include_flow_outs"),
        ),
        Kpi(
            "sl_excl_short_abandons",
            N_("Service level (short abandons excluded)"),
            N_("Answered within T, over offered minus short abandons."),
            "The Genesys / Talkdesk / RingCentral switch: short abandons (wait < "
            "short_abandon_s) are dropped as if they never queued; every other offered leg "
            "counts — longer abandons, flow-outs and legs still waiting count as missed. Here "
            + sl
            + ". Null when nothing but short abandons was offered. "
            + LEG_TIME,
            "answered within T ÷ (offered − short abandons)",
            "ratio",
            "higher",
            "service_level",
            parameters=("service_level_threshold_s", "short_abandon_s"),
        ),
    )


def _handling() -> tuple[Kpi, ...]:
    answered_mean = (
        "Mean over answered legs where it is known (a conversation still going on has none). "
    )
    return (
        Kpi(
            "aht",
            N_("Average handle time"),
            N_("Mean talk + hold + after-contact work per answered queue visit."),
            answered_mean + "Handle time is talk + hold + wrap-up of the leg's agent; a leg "
            "without a wrap-up end (Asterisk's queue_log has none) counts talk + hold. Vendors "
            "differ on custom statuses and outbound dialing (inbound queue legs only here) and "
            "on the interval: Genesys counts handle time at wrap-up end, here it counts in the "
            "queue-entry interval so that it matches the volume it comes with. " + LEG_TIME,
            "Σ handle_s ÷ answered legs with handle_s known",
            "seconds",
            "neutral",
            "handling",
        ),
        Kpi(
            "avg_talk",
            N_("Average talk time"),
            N_("Mean conversation time per answered queue visit, hold excluded."),
            answered_mean + "Talk runs from answer to the end of the conversation (or the "
            "hand-off of a transfer), minus time on hold. " + LEG_TIME,
            "Σ talk_s ÷ answered legs with talk_s known",
            "seconds",
            "neutral",
            "handling",
        ),
        Kpi(
            "avg_hold",
            N_("Average hold time"),
            N_("Mean time on hold per answered queue visit."),
            answered_mean + "Legs never put on hold count with 0. " + LEG_TIME,
            "Σ hold_s ÷ answered legs with hold_s known",
            "seconds",
            "lower",
            "handling",
        ),
        Kpi(
            "avg_wrapup",
            N_("Average wrap-up time"),
            N_("Mean after-contact work per answered queue visit."),
            answered_mean + "Wrap-up runs from the end of the conversation to the agent's "
            "wrap-up end; legs without a wrap-up end event are left out. " + LEG_TIME,
            "Σ wrapup_s ÷ answered legs with wrapup_s known",
            "seconds",
            "lower",
            "handling",
        ),
        Kpi(
            "transfer_rate",
            N_("Transfer rate"),
            N_("Share of answered queue visits the agent transferred."),
            "Answered legs that ended in a transfer (blind or attended, to a queue, an "
            "extension or an agent), divided by answered legs. Overflows are not transfers. "
            + ANSWERED_LEGS
            + " "
            + LEG_TIME,
            "transferred answered legs ÷ answered",
            "ratio",
            "lower",
            "handling",
        ),
    )


def _quality() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "fcr",
            N_("First-contact resolution"),
            N_("Answered contacts not transferred and not repeated within the window."),
            "Contact level, for contacts with a known customer and at least one answered leg: "
            "resolved at first contact when no leg of the contact was transferred and the same "
            "customer did not contact again within repeat_window_h hours of its arrival. This "
            "is the repeat-based FCR that needs no survey; a resolved event is not required "
            "(see resolution_rate). " + REPEAT_SEARCH + " " + FIRST_ANSWERED_TIME,
            "answered contacts of known customers, not transferred, no repeat within the window "
            "÷ answered contacts of known customers",
            "ratio",
            "higher",
            "quality",
            parameters=("repeat_window_h",),
        ),
        Kpi(
            "resolution_rate",
            N_("Resolution rate"),
            N_("Share of answered contacts marked resolved."),
            "Contact level: contacts with a resolved event (set by the agent or the customer) "
            "divided by contacts with at least one answered leg; unanswered contacts are in "
            "neither side. " + FIRST_ANSWERED_TIME,
            "answered contacts with a resolved event ÷ answered contacts",
            "ratio",
            "higher",
            "quality",
        ),
        Kpi(
            "repeat_rate",
            N_("Repeat contact rate"),
            N_("Share of contacts followed by another one from the same customer."),
            "Contact level, for contacts with a known customer whatever their outcome: the "
            "customer contacted again within repeat_window_h hours of this contact's arrival. "
            + REPEAT_SEARCH
            + " "
            + FIRST_LEG_TIME,
            "contacts followed by another within the window ÷ contacts of known customers",
            "ratio",
            "lower",
            "quality",
            parameters=("repeat_window_h",),
        ),
    )


def _workforce() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "agent_hours",
            N_("Agent hours"),
            N_("Hours agents were logged in."),
            "Logged-in time in hours: every state but logged_out (logged in, ready, not ready, "
            "on contact, wrap-up, break). Grouped by agent or team, that agent's or team's time "
            "(team from the agent → team mapping given). " + AGENT_TIME,
            "Σ time in states ≠ logged_out ÷ 3600",
            "hours",
            "neutral",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "ready_hours",
            N_("Ready hours"),
            N_("Hours agents were ready and waiting for a contact."),
            "Time in the ready state, in hours: logged in, available and idle. " + AGENT_TIME,
            "Σ time in ready ÷ 3600",
            "hours",
            "neutral",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "not_ready_hours",
            N_("Not-ready hours"),
            N_("Hours agents were logged in but unavailable (not ready or on break)."),
            "Time in not_ready (any reason) and break (breaks and lunch), in hours. " + AGENT_TIME,
            "Σ time in not_ready and break ÷ 3600",
            "hours",
            "lower",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "occupancy",
            N_("Occupancy"),
            N_("Share of available time spent handling contacts."),
            "Time on contacts and in wrap-up divided by that time plus ready (idle) time: not "
            "ready, breaks and the bare logged-in state are out of both sides. Chat concurrency "
            "is ignored (one contact or three, the agent is on contact), as Amazon Connect does; "
            "Calabrio offers a blended-channel variant. " + AGENT_TIME,
            "(on_contact + wrapup) ÷ (on_contact + wrapup + ready)",
            "ratio",
            "neutral",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "utilisation",
            N_("Utilisation"),
            N_("Share of logged-in time spent handling contacts."),
            "Time on contacts and in wrap-up divided by all logged-in time, not ready and "
            "breaks included: lower than occupancy by the share of unavailable time. " + AGENT_TIME,
            "(on_contact + wrapup) ÷ logged-in time",
            "ratio",
            "neutral",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "contacts_per_agent_hour",
            N_("Contacts per agent hour"),
            N_("Answered queue visits per logged-in agent hour."),
            "Answered legs (counted as in answered) divided by agent hours of the same group; "
            "grouped by agent, the legs that agent answered over that agent's hours. Null "
            "without agent time. " + AGENT_TIME,
            "answered ÷ agent hours",
            "per_hour",
            "higher",
            "workforce",
            source="agent_states",
        ),
        Kpi(
            "adherence",
            N_("Schedule adherence"),
            N_("Share of scheduled time the agent was in the scheduled state."),
            "State-matching adherence, as Amazon Connect computes it: scheduled time during "
            "which the agent's state was one the activity asks for, divided by scheduled time; "
            "a late login, an early lunch or a break taken during work all count against it. "
            "Genesys Cloud reports the same figure as 1 − out-of-adherence ÷ scheduled; "
            "activities named in neutral_activities are left out of both sides, as Calabrio's "
            "neutral activities. Adherence does not look at what the agent did outside the "
            "schedule (see conformance). Null without the agent-state log. " + SCHEDULE_TIME,
            "adherent scheduled time ÷ scheduled time",
            "ratio",
            "higher",
            "workforce",
            source="schedules",
            parameters=("neutral_activities",),
        ),
        Kpi(
            "conformance",
            N_("Schedule conformance"),
            N_("On-queue hours worked over on-queue hours scheduled; can be above 1."),
            "Time in ready, on_contact and wrapup anywhere in the period, scheduled or not, "
            "divided by the scheduled time of on-queue activities (work): did the agents work "
            "the hours they were scheduled, whenever they worked them. Overtime and unscheduled "
            "agents push it above 1. Neutral activities do not change it. Null without the "
            "agent-state log or scheduled work. " + SCHEDULE_TIME,
            "(ready + on_contact + wrapup) ÷ scheduled work time",
            "ratio",
            "neutral",
            "workforce",
            source="schedules",
        ),
        Kpi(
            "scheduled_hours",
            N_("Scheduled hours"),
            N_("Hours of scheduled activities, neutral activities excluded."),
            "Scheduled time of every activity (work, breaks, lunch, meetings, training, offline) "
            "in hours, leaving out the neutral_activities: the denominator of adherence. "
            + SCHEDULE_TIME,
            "Σ scheduled time ÷ 3600",
            "hours",
            "neutral",
            "workforce",
            source="schedules",
            parameters=("neutral_activities",),
        ),
        Kpi(
            "out_of_adherence_hours",
            N_("Out-of-adherence hours"),
            N_("Scheduled hours the agent was not in the scheduled state."),
            "Scheduled hours minus adherent hours: the exceptions Genesys Cloud counts, "
            "whose share of scheduled time is 1 − adherence. Null without the agent-state "
            "log. " + SCHEDULE_TIME,
            "(scheduled time − adherent scheduled time) ÷ 3600",
            "hours",
            "lower",
            "workforce",
            source="schedules",
            parameters=("neutral_activities",),
        ),
    )


def _cost() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "agent_cost",
            N_("Agent cost"),
            N_("Logged-in agent hours priced at the cost per agent hour."),
            "Agent hours times cost_per_agent_hour, in the currency that parameter is given "
            "in; null when it is not set. A loaded hourly cost (salary, overhead, seats) "
            "makes this the cost of the center's agent time. " + AGENT_TIME,
            "agent hours × cost_per_agent_hour",
            "currency",
            "lower",
            "cost",
            source="agent_states",
            parameters=("cost_per_agent_hour",),
        ),
        Kpi(
            "cost_per_contact",
            N_("Cost per contact"),
            N_("Agent cost divided by answered queue visits."),
            "Agent cost (agent hours × cost_per_agent_hour) divided by answered legs of the same "
            "group; null when the cost is not set or nothing was answered. Idle and unavailable "
            "time is part of the cost, as it is of a center's bill. " + AGENT_TIME,
            "agent hours × cost_per_agent_hour ÷ answered",
            "currency",
            "lower",
            "cost",
            source="agent_states",
            parameters=("cost_per_agent_hour",),
        ),
    )


def _experience() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "csat",
            N_("Customer satisfaction (CSAT)"),
            N_("Share of CSAT answers at or above the satisfied score."),
            "CSAT survey answers on a 1–5 scale scoring csat_satisfied_min or more (4 and 5 by "
            "default: the 'top-two-box' convention), divided by CSAT answers. Some tools report "
            "the mean score instead. " + SURVEY_TIME,
            "CSAT answers ≥ csat_satisfied_min ÷ CSAT answers",
            "ratio",
            "higher",
            "experience",
            source="surveys",
            parameters=("csat_satisfied_min",),
        ),
        Kpi(
            "csat_responses",
            N_("CSAT responses"),
            N_("Number of CSAT answers behind the CSAT figure."),
            "CSAT survey answers with a score; the sample size to read CSAT against. "
            + SURVEY_TIME,
            "CSAT answers",
            "count",
            "neutral",
            "experience",
            source="surveys",
        ),
        Kpi(
            "nps",
            N_("Net Promoter Score"),
            N_("Promoters minus detractors, in points from −100 to 100."),
            "NPS survey answers on the 0–10 scale: promoters score 9 or 10, detractors 0 to 6; "
            "NPS is the percentage of promoters minus the percentage of detractors, a number "
            "from −100 to 100 (not a fraction). " + SURVEY_TIME,
            "100 × (promoters − detractors) ÷ NPS answers",
            "score",
            "higher",
            "experience",
            source="surveys",
        ),
        Kpi(
            "nps_responses",
            N_("NPS responses"),
            N_("Number of NPS answers behind the NPS figure."),
            "NPS survey answers with a score. " + SURVEY_TIME,
            "NPS answers",
            "count",
            "neutral",
            "experience",
            source="surveys",
        ),
        Kpi(
            "ces",
            N_("Customer effort score (CES)"),
            N_("Mean customer effort score."),
            "Mean score of CES survey answers, on the scale the survey uses (commonly 1–7, "
            "where higher means easier; read it the other way on a scale that rates the effort "
            "itself). " + SURVEY_TIME,
            "Σ CES scores ÷ CES answers",
            "score",
            "higher",
            "experience",
            source="surveys",
        ),
        Kpi(
            "ces_responses",
            N_("CES responses"),
            N_("Number of CES answers behind the CES figure."),
            "CES survey answers with a score. " + SURVEY_TIME,
            "CES answers",
            "count",
            "neutral",
            "experience",
            source="surveys",
        ),
    )


def _tickets() -> tuple[Kpi, ...]:
    return (
        Kpi(
            "tickets_opened",
            N_("Tickets opened"),
            N_("Tickets (work orders) opened."),
            "Every ticket opened, on any channel. " + TICKET_TIME,
            "tickets",
            "count",
            "neutral",
            "volume",
            source="tickets",
        ),
        Kpi(
            "tickets_resolved",
            N_("Tickets resolved"),
            N_("Tickets opened in the period that are solved now."),
            "Tickets whose last solve was not followed by a reopening, counted where they were "
            "opened: a cohort figure, so a period's number can still grow. " + TICKET_TIME,
            "tickets resolved",
            "count",
            "higher",
            "volume",
            source="tickets",
        ),
        Kpi(
            "resolution_by_first_agent",
            N_("Resolution by first agent"),
            N_("Share of resolved tickets solved by the agent who answered first."),
            "Resolved tickets whose solve was recorded by the same agent who sent the first "
            "reply, divided by resolved tickets. The ticket-world counterpart of FCR: under "
            "first-contact ownership it should be near 100 %; under tiered escalation it shows "
            "how much the first line closes itself. " + TICKET_TIME,
            "resolved by the first agent ÷ resolved tickets",
            "ratio",
            "higher",
            "quality",
            source="tickets",
        ),
        Kpi(
            "escalation_rate",
            N_("Escalation rate"),
            N_("Share of tickets escalated to a higher tier."),
            "Tickets with at least one escalation to a higher tier (second line, back office), "
            "divided by tickets opened; moves back down are not escalations. " + TICKET_TIME,
            "escalated tickets ÷ tickets",
            "ratio",
            "lower",
            "handling",
            source="tickets",
        ),
        Kpi(
            "ticket_sla_breach_rate",
            N_("Ticket SLA breach rate"),
            N_("Share of tickets that missed an SLA target."),
            "Tickets with at least one SLA breach (first response, next response or resolution "
            "past its deadline in business time, the clock paused while waiting for the "
            "customer), divided by tickets opened. " + TICKET_TIME,
            "tickets with a breach ÷ tickets",
            "ratio",
            "lower",
            "service_level",
            source="tickets",
        ),
    )


# Grouped in display order; the ticket KPIs close their groups.
CATALOG: tuple[Kpi, ...] = tuple(
    sorted(
        (
            *_volume(),
            *_speed(),
            *_service_level(),
            *_handling(),
            *_quality(),
            *_workforce(),
            *_cost(),
            *_experience(),
            *_tickets(),
        ),
        key=lambda k: GROUPS.index(k.group),
    )
)
_BY_ID = {k.id: k for k in CATALOG}


def kpi(kpi_id: str) -> Kpi:
    """The catalog entry ``kpi_id``; KeyError listing the known ids when there is none."""
    try:
        return _BY_ID[kpi_id]
    except KeyError:
        known = ", ".join(k.id for k in CATALOG)
        raise KeyError(f"unknown KPI id {kpi_id!r}; known ids: {known}") from None
