"""The ACD rules: who gets a new contact, which contact a freed agent takes, capacity."""

from __future__ import annotations

import pytest

from contactops.engines.routing import AgentSelection, Router, RoutingAgent, RoutingQueue


def _router(
    queues: list[RoutingQueue], skills: list[dict[str, int]], **agent_options: int
) -> Router:
    agents = [RoutingAgent(f"a{i}", s, **agent_options) for i, s in enumerate(skills)]
    router = Router(queues, agents)
    for agent in range(len(agents)):
        router.make_available(agent, 0.0)
    return router


def test_new_contact_goes_to_the_longest_idle_agent() -> None:
    router = _router([RoutingQueue("q")], [{"q": 5}, {"q": 5}, {"q": 5}])
    assert router.arrive("c1", 0, 1.0) == 0  # all idle since 0: the first listed
    assert router.arrive("c2", 0, 2.0) == 1
    router.release(1, 0, 10.0)
    router.release(0, 0, 20.0)
    # Agent 2 has been idle since 0, agent 1 since 10, agent 0 since 20.
    assert [router.arrive(f"n{i}", 0, 30.0) for i in range(3)] == [2, 1, 0]


def test_best_skill_prefers_the_highest_level_then_the_longest_idle() -> None:
    queue = RoutingQueue("q", selection=AgentSelection.BEST_SKILL)
    router = _router([queue], [{"q": 3}, {"q": 9}, {"q": 9}])
    assert router.arrive("c1", 0, 1.0) == 1
    assert router.arrive("c2", 0, 1.0) == 2
    assert router.arrive("c3", 0, 1.0) == 0


def test_freed_agent_takes_its_best_skill_first_then_priority_then_age() -> None:
    queues = [RoutingQueue("low"), RoutingQueue("high", priority=1), RoutingQueue("main")]
    router = _router(queues, [{"low": 5, "high": 5, "main": 8}])
    assert router.arrive("busy", 2, 0.0) == 0
    router.arrive("old-low", 0, 1.0)
    router.arrive("new-high", 1, 5.0)
    router.arrive("newest-main", 2, 9.0)
    assert router.release(0, 2, 10.0) == [("newest-main", 2)]  # level 8 beats level 5
    assert router.release(0, 2, 11.0) == [("new-high", 1)]  # equal level: priority wins
    assert router.release(0, 1, 12.0) == [("old-low", 0)]


def test_head_start_lets_an_old_contact_of_an_equal_queue_go_first() -> None:
    queues = [RoutingQueue("a", head_start_s=60.0), RoutingQueue("b")]
    router = _router(queues, [{"a": 5, "b": 5}])
    router.arrive("busy", 1, 0.0)
    router.arrive("b-first", 1, 10.0)
    router.arrive("a-later", 0, 50.0)  # counts as arrived at -10
    assert router.release(0, 1, 100.0) == [("a-later", 0)]


def test_chat_agent_holds_up_to_the_queue_concurrency_and_phone_blocks_everything() -> None:
    queues = [RoutingQueue("chat", concurrency=2), RoutingQueue("phone")]
    router = _router(queues, [{"chat": 5, "phone": 5}])
    assert router.arrive("chat1", 0, 0.0) == 0
    assert router.arrive("phone1", 1, 0.0) is None  # an agent with a chat open takes no call
    assert router.arrive("chat2", 0, 0.0) == 0
    assert router.arrive("chat3", 0, 0.0) is None
    assert router.release(0, 0, 5.0) == [("chat3", 0)]  # the call needs a free agent
    assert router.release(0, 0, 6.0) == []
    assert router.release(0, 0, 7.0) == [("phone1", 1)]  # all chats done: now the call
    assert router.open_contacts(0) == 1


def test_max_contacts_caps_concurrency() -> None:
    router = _router([RoutingQueue("chat", concurrency=3)], [{"chat": 5}], max_contacts=2)
    assert router.arrive("c1", 0, 0.0) == 0
    assert router.arrive("c2", 0, 0.0) == 0
    assert router.arrive("c3", 0, 0.0) is None


def test_unavailable_agents_get_nothing_and_withdrawn_contacts_leave() -> None:
    router = _router([RoutingQueue("q")], [{"q": 5}])
    router.make_unavailable(0)
    assert router.arrive("c1", 0, 0.0) is None
    assert router.arrive("c2", 0, 1.0) is None
    assert router.withdraw("c1") == 0
    assert router.withdraw("c1") is None
    assert router.waiting(0) == 1
    assert router.make_available(0, 5.0) == [("c2", 0)]
    assert router.waiting(0) == 0


def test_moved_contact_keeps_its_age() -> None:
    router = _router([RoutingQueue("a"), RoutingQueue("b")], [{"a": 5, "b": 5}])
    router.arrive("busy", 0, 0.0)
    router.arrive("b-new", 1, 50.0)
    router.arrive("moved", 1, 60.0, routed_s=5.0)  # overflowed from a, waiting since 5
    assert router.release(0, 0, 70.0) == [("moved", 1)]


def test_configuration_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        Router([RoutingQueue("q")], [RoutingAgent("a", {"nope": 1})])
    with pytest.raises(ValueError, match="unique"):
        Router([RoutingQueue("q"), RoutingQueue("q")], [])
    with pytest.raises(ValueError, match="concurrency"):
        RoutingQueue("q", concurrency=0)


def test_can_take_needs_the_agent_available_with_room_and_the_queue_skill() -> None:
    queues = [RoutingQueue("chat", concurrency=2), RoutingQueue("phone"), RoutingQueue("mail")]
    router = _router(queues, [{"chat": 5, "phone": 5}])
    assert [router.can_take(0, q) for q in range(3)] == [True, True, False]  # no mail skill
    router.assign(0, 0)
    assert [router.can_take(0, q) for q in range(3)] == [True, False, False]  # a chat is open
    router.make_unavailable(0)
    assert not router.can_take(0, 0)


def test_assign_counts_against_capacity_and_a_release_frees_it() -> None:
    queues = [RoutingQueue("chat", concurrency=2)]
    router = _router(queues, [{"chat": 5}, {"chat": 5}])
    router.assign(1, 0)
    router.assign(1, 0)
    assert router.open_contacts(1) == 2
    assert not router.can_take(1, 0)
    assert router.arrive("c1", 0, 1.0) == 0  # agent 1 is full
    assert router.arrive("c2", 0, 2.0) == 0
    assert router.arrive("c3", 0, 3.0) is None
    assert router.release(1, 0, 4.0) == [("c3", 0)]
    assert router.open_contacts(1) == 2


def test_assign_without_force_refuses_naming_agent_and_queue() -> None:
    router = _router([RoutingQueue("sales"), RoutingQueue("billing")], [{"sales": 5}])
    with pytest.raises(ValueError, match=r"agent 0 \('a0'\).*queue 1 \('billing'\)"):
        router.assign(0, 1)  # no skill
    router.assign(0, 0)
    with pytest.raises(ValueError, match=r"agent 0 .*queue 0"):
        router.assign(0, 0)  # a call already open
    assert router.open_contacts(0) == 1


def test_forced_contacts_count_beyond_the_limit_and_the_agent_gets_nothing_until_below() -> None:
    queues = [RoutingQueue("chat", concurrency=2), RoutingQueue("phone")]
    router = _router(queues, [{"chat": 5, "phone": 5}])
    router.make_unavailable(0)
    router.assign(0, 0, force=True)  # recovered while not ready
    router.make_available(0, 1.0)
    router.assign(0, 0)
    router.assign(0, 1, force=True)
    assert router.open_contacts(0) == 3
    assert router.arrive("chat", 0, 2.0) is None
    assert router.release(0, 1, 3.0) == []  # two chats open: at the chat limit
    assert router.release(0, 0, 4.0) == [("chat", 0)]
    assert router.release(0, 0, 5.0) == []
    assert router.release(0, 0, 6.0) == []
    assert router.open_contacts(0) == 0
    assert router.arrive("call", 1, 7.0) == 0


def test_a_forced_contact_outside_the_skills_still_bounds_the_agent_until_released() -> None:
    queues = [RoutingQueue("chat", concurrency=3), RoutingQueue("phone")]
    router = _router(queues, [{"chat": 5}])
    router.assign(0, 1, force=True)  # a call the agent had before its skills changed
    router.assign(0, 0, force=True)
    router.release(0, 0, 1.0)
    assert not router.can_take(0, 0)  # the call still blocks chats
    router.release(0, 1, 2.0)
    assert router.can_take(0, 0)


def test_a_sticky_contact_goes_to_its_preferred_agent_when_that_agent_can_take_it() -> None:
    router = _router([RoutingQueue("q")], [{"q": 5}, {"q": 5}, {"q": 5}])
    assert router.arrive("c1", 0, 1.0, preferred=2) == 2  # not the longest idle (agent 0)
    assert router.arrive("c2", 0, 2.0, preferred=2) == 0  # agent 2 is busy: the usual rule
    assert router.arrive("c3", 0, 3.0) == 1
    assert router.arrive("c4", 0, 4.0, preferred=1) is None  # nobody free: it waits
    assert router.waiting_in(0) == ["c4"]
    assert router.release(2, 0, 5.0) == [("c4", 0)]


def test_a_sticky_contact_skips_a_preferred_agent_without_the_skill_or_not_ready() -> None:
    router = _router([RoutingQueue("a"), RoutingQueue("b")], [{"a": 5}, {"a": 5, "b": 5}])
    assert router.arrive("c1", 1, 1.0, preferred=0) == 1
    router.make_unavailable(0)
    assert router.arrive("c2", 0, 2.0, preferred=0) is None
    with pytest.raises(ValueError, match="already waiting"):
        router.arrive("c2", 0, 3.0, preferred=0)


def test_waiting_in_lists_contacts_in_the_order_they_are_served() -> None:
    router = _router([RoutingQueue("q"), RoutingQueue("r")], [{"q": 5, "r": 5}])
    router.make_unavailable(0)
    router.arrive("second", 0, 10.0)
    router.arrive("third", 0, 10.0)  # same age: the order of arrival
    router.arrive("first", 0, 20.0, routed_s=5.0)  # overflowed, waiting since 5
    router.arrive("fourth", 0, 30.0)
    router.arrive("other", 1, 1.0)
    router.withdraw("fourth")
    assert router.waiting_in(0) == ["first", "second", "third"]
    assert router.waiting_in(1) == ["other"]
    assert router.waiting(0) == 3
    assert router.make_available(0, 40.0) == [("other", 1)]
    assert router.release(0, 1, 50.0) == [("first", 0)]
    assert router.waiting_in(0) == ["second", "third"]


def test_agent_and_queue_numbers_are_checked() -> None:
    router = _router([RoutingQueue("q")], [{"q": 5}])
    with pytest.raises(ValueError, match="agent 3"):
        router.can_take(3, 0)
    with pytest.raises(ValueError, match="queue 1"):
        router.assign(0, 1)
    with pytest.raises(ValueError, match="agent -1"):
        router.arrive("c", 0, 0.0, preferred=-1)
    with pytest.raises(ValueError, match="queue 2"):
        router.waiting_in(2)
