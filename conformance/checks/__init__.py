"""Small named checks, one rule each: an exchange (and prior state) in, a Verdict out, no I/O.

The targeted pytest cases and the Schemathesis custom checks call the same functions.
"""

from __future__ import annotations

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
