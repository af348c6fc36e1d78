"""What ends a wait, and when a callback is offered."""

from __future__ import annotations

import math

from contactops.engines.routing import WaitExit, expected_wait_s, offer_callback, wait_exit


def test_the_first_limit_ends_the_wait() -> None:
    assert wait_exit(100.0, 190.0) == (190.0, WaitExit.ABANDON)
    assert wait_exit(100.0, 190.0, max_wait_s=60.0) == (160.0, WaitExit.TIME_OUT)
    assert wait_exit(100.0, 190.0, 60.0, overflow_after_s=30.0) == (130.0, WaitExit.OVERFLOW)
    assert wait_exit(100.0, math.inf) is None


def test_at_one_instant_hanging_up_comes_first_then_the_time_limit() -> None:
    assert wait_exit(0.0, 60.0, 60.0, 60.0) == (60.0, WaitExit.ABANDON)
    assert wait_exit(0.0, math.inf, 60.0, 60.0) == (60.0, WaitExit.TIME_OUT)


def test_callbacks_are_offered_when_the_expected_wait_is_too_long() -> None:
    assert expected_wait_s(5, 300.0, 10) == 150.0
    assert expected_wait_s(1, 300.0, 0) == math.inf
    assert offer_callback(5, 300.0, 10, offer_after_s=120.0)
    assert not offer_callback(3, 300.0, 10, offer_after_s=120.0)
    assert not offer_callback(50, 300.0, 1, offer_after_s=None)
