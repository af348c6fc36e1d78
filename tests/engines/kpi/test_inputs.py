"""Inputs as they come: chunked, dictionary-encoded or large strings, empty, ties in time."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from contactops.engines.kpi.compute import compute_kpis

from .sample_center import (
    END,
    START,
    TEAMS,
    agent_states_table,
    at,
    leg,
    legs_table,
    sample_agent_states,
    sample_legs,
    sample_surveys,
)

OFFERED_BY_QUEUE = [
    {"queue": "billing", "offered": 7},
    {"queue": "sales", "offered": 6},
    {"queue": None, "offered": 0},
]


def offered_by_queue(legs: pa.Table) -> list[dict[str, object]]:
    table = compute_kpis(legs, start=START, end=END, group_by=["queue"], kpi_ids=["offered"])
    return table.to_pylist()


@pytest.mark.parametrize(
    "convert",
    [
        lambda column: column.cast(pa.large_string()),
        lambda column: column.dictionary_encode(),
    ],
    ids=["large strings", "dictionary"],
)
def test_string_columns_in_other_arrow_layouts_give_the_same_result(
    convert: Callable[[pa.ChunkedArray], pa.ChunkedArray],
):
    legs = sample_legs()
    index = legs.schema.get_field_index("queue")
    assert offered_by_queue(legs.set_column(index, "queue", convert(legs["queue"]))) == (
        OFFERED_BY_QUEUE
    )


def test_a_table_in_many_small_chunks_gives_the_same_result():
    legs = pa.Table.from_batches(sample_legs().to_batches(max_chunksize=3))
    assert offered_by_queue(legs) == OFFERED_BY_QUEUE
    states = pa.Table.from_batches(sample_agent_states().to_batches(max_chunksize=4))
    table = compute_kpis(
        legs, start=START, end=END, group_by=["agent"], agent_states=states,
        kpi_ids=["agent_hours"],
    )  # fmt: skip
    assert table.to_pylist()[:3] == [
        {"agent": "a1", "agent_hours": 2.0},
        {"agent": "a2", "agent_hours": pytest.approx(65 / 60)},
        {"agent": "a3", "agent_hours": 0.5},
    ]


@pytest.mark.parametrize("group_by", [[], ["queue"], ["agent", "interval"], ["team", "day"]])
def test_an_empty_log_gives_typed_results(group_by: list[str]):
    table = compute_kpis(
        sample_legs().slice(0, 0), start=START, end=END, group_by=group_by,
        surveys=sample_surveys().slice(0, 0), agent_teams=TEAMS,
    )  # fmt: skip
    assert table.num_rows == (0 if group_by else 1)
    assert table.column_names[: len(group_by)] == group_by
    assert table.schema.field("answered").type == pa.int64()


def test_agent_time_without_legs_still_reports_the_agents():
    table = compute_kpis(
        sample_legs().slice(0, 0), start=START, end=END, group_by=["team"],
        agent_states=sample_agent_states(), agent_teams=TEAMS,
        kpi_ids=["agent_hours", "answered"],
    )  # fmt: skip
    assert table.to_pylist() == [
        {"team": "blue", "agent_hours": pytest.approx(65 / 60), "answered": 0},
        {"team": "red", "agent_hours": 2.5, "answered": 0},
    ]


def test_events_at_one_instant_take_effect_in_the_log_order():
    # a3 logs in and becomes ready at 10:30: as logged, ready lasts to 11:00.
    def ready_hours(states: pa.Table) -> float:
        table = compute_kpis(
            sample_legs(), start=START, end=END, agent_states=states, kpi_ids=["ready_hours"]
        )
        return float(table.to_pylist()[0]["ready_hours"])

    assert ready_hours(sample_agent_states()) == pytest.approx(89 / 60)
    rows = sample_agent_states().to_pylist()
    rows[15], rows[16] = rows[16], rows[15]  # ready, then logged in: ready lasts 0 s
    swapped = pa.Table.from_pylist(rows, schema=sample_agent_states().schema)
    assert ready_hours(swapped) == pytest.approx(59 / 60)


def test_simultaneous_contacts_of_one_customer_repeat_each_other():
    legs = legs_table(
        [
            leg("x1", "answered", queued=at(9), wait_s=5, customer="u1", agent="a1",
                talk_s=60, hold_s=0),
            leg("x2", "answered", queued=at(9), wait_s=5, customer="u1", agent="a2",
                talk_s=60, hold_s=0, channel="chat"),
            leg("x3", "answered", queued=at(9, 30), wait_s=5, customer="u2", agent="a1",
                talk_s=60, hold_s=0),
        ]
    )  # fmt: skip
    table = compute_kpis(legs, start=START, end=END, kpi_ids=["repeat_rate", "fcr"])
    # x1 and x2 arrive together: each is a further contact of the other, whatever the order.
    assert table.to_pylist() == [{"repeat_rate": pytest.approx(2 / 3), "fcr": pytest.approx(1 / 3)}]
    reversed_rows = legs.take([2, 1, 0])
    again = compute_kpis(reversed_rows, start=START, end=END, kpi_ids=["repeat_rate", "fcr"])
    assert again.to_pylist() == table.to_pylist()


def test_an_open_leg_with_an_answer_time_counts_as_answered():
    row = leg("y1", "answered", queued=at(9), wait_s=12, agent="a1")
    row["outcome"] = "open"
    table = compute_kpis(
        legs_table([row]), start=START, end=END, kpi_ids=["answered", "offered", "asa"]
    )
    assert table.to_pylist() == [{"answered": 1, "offered": 1, "asa": 12.0}]


def test_an_empty_kpi_list_is_refused():
    with pytest.raises(ValueError, match="name at least one KPI"):
        compute_kpis(sample_legs(), start=START, end=END, kpi_ids=[])


def test_states_after_the_end_do_not_extend_time_and_before_the_start_open_it():
    states = agent_states_table(
        [(at(8, 30), "a7", "ready"), (at(9, 15), "a7", "on_contact"), (at(12), "a7", "ready")]
    )
    table = compute_kpis(
        sample_legs().slice(0, 0), start=START, end=END, agent_states=states,
        kpi_ids=["ready_hours", "agent_hours", "occupancy"],
    )  # fmt: skip
    # ready 09:00–09:15 (opened at 08:30), on contact 09:15–11:00 (cut at the end)
    assert table.to_pylist() == [
        {"ready_hours": 0.25, "agent_hours": 2.0, "occupancy": pytest.approx(105 / 120)}
    ]
