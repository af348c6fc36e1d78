"""queue_log through the legs derivation: a call leaving one queue and entering the next in the
same logged second keeps the file's order (queue_log stamps whole seconds)."""

from __future__ import annotations

import pytest

from contactops.connectors.asterisk_queue_log import parse_queue_log
from contactops.connectors.records import ParsedLine
from contactops.engines.events import contact_events_table
from contactops.engines.kpi.legs import derive_legs

TRANSFER_SAME_SECOND = """\
1772442000|c1|q1|NONE|ENTERQUEUE||5551234|1
1772442010|c1|q1|Agent/100|CONNECT|10|c1.2|2
1772442100|c1|q1|Agent/100|BLINDTRANSFER|200|default|10|90|1
1772442100|c1|q2|NONE|ENTERQUEUE||5551234|1
1772442120|c1|q2|Agent/200|CONNECT|20|c1.3|2
1772442200|c1|q2|Agent/200|COMPLETECALLER|20|80|1
"""
TIMEOUT_SAME_SECOND = """\
1772442000|c1|q1|NONE|ENTERQUEUE||5551234|1
1772442060|c1|q1|NONE|EXITWITHTIMEOUT|1|1|60
1772442060|c1|q2|NONE|ENTERQUEUE||5551234|1
1772442080|c1|q2|Agent/200|CONNECT|20|c1.3|2
1772442200|c1|q2|Agent/200|COMPLETECALLER|20|120|1
"""


def _legs(text: str) -> list[dict[str, object]]:
    items = parse_queue_log(text.splitlines())
    events = [e for i in items if isinstance(i, ParsedLine) for e in i.contact_events]
    return derive_legs(contact_events_table(events)).to_pylist()  # type: ignore[no-any-return]


def test_a_transfer_and_the_next_queue_entry_in_one_second_make_two_legs() -> None:
    first, second = _legs(TRANSFER_SAME_SECOND)
    # leg 1: queued 0 s, answered at 10 s, transferred at 100 s: 90 s of talk
    assert (first["queue"], first["outcome"], first["transferred"]) == ("q1", "answered", True)
    assert (first["wait_s"], first["talk_s"]) == (10.0, 90.0)
    # leg 2: entered 1 µs after the transfer (the file's order), answered 20 s later
    assert (second["queue"], second["outcome"], second["transferred"]) == ("q2", "answered", False)
    assert second["wait_s"] == pytest.approx(20.0, abs=1e-5) and second["talk_s"] == 80.0


def test_a_timeout_and_the_next_queue_entry_in_one_second_make_two_legs() -> None:
    first, second = _legs(TIMEOUT_SAME_SECOND)
    assert (first["queue"], first["outcome"], first["wait_s"]) == ("q1", "timed_out", 60.0)
    assert (second["queue"], second["outcome"]) == ("q2", "answered")
