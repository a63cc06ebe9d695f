"""Bracket: what is volatile is learned around the answers compared, and a difference is confirmed."""

from __future__ import annotations

import itertools

from conformance.http import Exchange
from conformance.suite.compare import CONFIRM_SAMPLES, Bracket


def answer(**headers: str) -> Exchange:
    return Exchange("GET", "http://t/x", {}, None, 404, headers, b'{"error":"not found"}')


def test_a_clock_that_ticks_between_the_answers_is_set_aside() -> None:
    """Samples read Date 1 before and Date 2 after; the answers read Date 1 and Date 2.
    Expects them the same (a clock, not a leak), with no extra samples needed."""
    clock = iter(["1", "2"])
    calls = itertools.count()

    def sample() -> Exchange:
        next(calls)
        return answer(Date=next(clock))

    bracket = Bracket(sample)
    assert all(v.ok for v in bracket.verdicts(answer(Date="1"), [answer(Date="2")]))
    assert next(calls) == 2


def test_a_value_stable_across_samples_that_differs_is_confirmed_then_fails() -> None:
    """Every sample reads ETag a; the foreign answer reads ETag b.
    Expects the difference to fail after the confirming samples."""
    calls = itertools.count()

    def sample() -> Exchange:
        next(calls)
        return answer(ETag="a")

    verdicts = Bracket(sample).verdicts(answer(ETag="a"), [answer(ETag="b")])
    assert not verdicts[0].ok and "etag" in verdicts[0].actual
    assert next(calls) == 2 + CONFIRM_SAMPLES


def test_a_value_that_varies_now_and_then_is_learned_from_the_confirming_samples() -> None:
    """The first two samples agree on a served-by header, a later one does not.
    Expects the answers that differ in it to be the same."""
    nodes = iter(["n1", "n1", "n2", "n1", "n1", "n1"])
    verdicts = Bracket(lambda: answer(Served_By=next(nodes))).verdicts(answer(Served_By="n1"),
                                                                       [answer(Served_By="n2")])
    assert verdicts[0].ok
