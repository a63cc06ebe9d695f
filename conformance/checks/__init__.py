"""Small named checks, one rule each: an exchange (and prior state) in, a Verdict out, no I/O.

The targeted pytest cases and the Schemathesis custom checks call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from conformance.http import CheckFailed


@dataclass(frozen=True)
class Verdict:
    ok: bool
    expected: str
    actual: str

    def __bool__(self) -> bool:
        return self.ok


def verdict(ok: bool, expected: str, actual: str) -> Verdict:
    return Verdict(bool(ok), expected, actual)


def require(*verdicts: Verdict) -> None:
    """Fail the requirement with the first verdict that does not hold."""
    for result in verdicts:
        if not result.ok:
            raise CheckFailed(result.expected, result.actual)


class StepFailed(RuntimeError):
    """A step the suite needs but does not judge (a create, a read-back, the second user's request,
    a subscription it only observes with) did not work: the requirement is undecided, never failed."""

    def __init__(self, what: str, actual: str):
        self.what, self.actual = what, actual
        super().__init__(f"could not {what}: {actual}")


@contextmanager
def step(what: str) -> Iterator[None]:
    """The one place that tells a step from a judged request: whatever fails inside (a check, a
    timeout, a connection error) makes the requirement undecided, with what the target answered."""
    try:
        yield
    except CheckFailed as failed:
        raise StepFailed(what, failed.actual) from None
