"""Comparing answers where a leak could hide, with what is volatile learned around them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conformance.checks import Verdict
from conformance.checks.alike import differences, learn, same_answer
from conformance.http import Exchange

CONFIRM_SAMPLES = 4  # fresh samples that must all agree before a difference fails


class Bracket:
    """Samples of a reference request (a fresh unknown id) taken just before and just after the answers
    under test, so a clock or counter that moves while they are sent shows as volatile; a difference
    is confirmed by more fresh samples before it counts. Never learned from the answers themselves:
    a value that drifts among them is a difference (TRIPORT-D-VOLATILE)."""

    def __init__(self, sample: Callable[[], Exchange]):
        self.sample = sample
        self.before = sample()

    def verdicts(self, base: Exchange, others: Iterable[Exchange]) -> list[Verdict]:
        others = list(others)
        samples = [self.before, self.sample()]
        volatile = learn(*samples)
        if any(differences(base, other, volatile) for other in others):
            samples += [self.sample() for _ in range(CONFIRM_SAMPLES)]
            volatile = learn(*samples)
        return [same_answer(base, other, volatile) for other in others]
