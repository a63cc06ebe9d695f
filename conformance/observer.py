"""The observer: every answer the targeted tests receive, judged against the whole-API rules."""

from __future__ import annotations

from conformance.checks.common import below_500, framing
from conformance.checks.contract import contract_for
from conformance.http import Exchange, Redactor


class Observer:
    """Judges every answer the targeted tests receive: the 5xx rule (ROBUST-01) and the document,
    each part of an answer charged to the requirement the catalogue says grades it."""

    def __init__(self, api: str, redact: Redactor):
        self.contract, self.redact = contract_for(api), redact
        self.robust = f"{self.contract.prefix}-ROBUST-01"
        self.framed = f"{self.contract.prefix}-HTTP-01"
        self.found: dict[str, list[str]] = {}  # requirement id -> what broke it

    def see(self, exchange: Exchange) -> None:
        if exchange.retried is not None:  # a 429 the client waited out and sent again: throttling, not an answer
            return
        if exchange.status is not None and not below_500(exchange).ok:
            self._add(self.robust, f"{exchange.method} {exchange.url} -> {exchange.status}")
        if exchange.status is not None and not (result := framing(exchange)).ok:
            self._add(self.framed, f"{exchange.method} {exchange.url}: {result.actual}")
        for breach in self.contract.breaches(exchange):
            self._add(breach.requirement, f"expected {breach.expected}; got {breach.actual}")

    def _add(self, requirement_id: str, text: str) -> None:
        seen = self.found.setdefault(requirement_id, [])
        if len(seen) < 50:  # enough to show and count; a hostile target cannot grow it without bound
            seen.append(self.redact(text))


def observed_failure(requirement_id: str, observed: list[str]) -> str:
    """A failure reason for answers an observer found wanting (also used for a worker's answers)."""
    shown = " | ".join(observed[:3])
    return f"expected every answer as {requirement_id} says; got {len(observed)} finding(s): {shown}"
