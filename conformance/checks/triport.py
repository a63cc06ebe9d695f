"""Checks specific to Triport's console billing API."""

from __future__ import annotations

import json

from conformance.checks import Verdict, verdict
from conformance.http import Exchange


def error_envelope(exchange: Exchange) -> Verdict:
    """The flat envelope: a JSON object whose `error` is a string (text and extra members free)."""
    try:
        body = exchange.json()
    except ValueError:
        return verdict(False, 'a JSON object with a string "error"', f"not JSON: {exchange.excerpt(80)}")
    ok = isinstance(body, dict) and isinstance(body.get("error"), str)
    return verdict(ok, 'a JSON object with a string "error"', json.dumps(body)[:120])


def invoice_status(exchange: Exchange, expected: str) -> Verdict:
    """A get answered 200 with the expected status."""
    try:
        status = exchange.json().get("status") if exchange.status == 200 else None
    except (ValueError, AttributeError):
        status = None
    return verdict(status == expected, f"the invoice reads {expected}",
                   f"status {exchange.status}, invoice {status!r}")


def frame(event: str, data: str) -> tuple[str, object]:
    try:
        return event, json.loads(data)
    except ValueError:
        return event, data


def snapshot_first(frames: list[tuple[str, str]], status: str) -> Verdict:
    """The first frame is `snapshot` whose JSON data carries the current status."""
    if not frames:
        return verdict(False, f"a snapshot frame with status {status}", "no frame")
    event, data = frame(*frames[0])
    ok = event == "snapshot" and isinstance(data, dict) and data.get("status") == status
    return verdict(ok, f"a first snapshot frame with status {status}", f"{event}: {data}")


def told_cancelled(frames: list[tuple[str, str]]) -> Verdict:
    """An invoice_cancelled frame with JSON object data; a status, if carried, reads cancelled."""
    for event, data in (frame(*f) for f in frames):
        if event == "invoice_cancelled":
            ok = isinstance(data, dict) and data.get("status", "cancelled") == "cancelled"
            return verdict(ok, "invoice_cancelled with JSON data", f"invoice_cancelled: {data}")
    return verdict(False, "an invoice_cancelled frame", f"frames {[e for e, _ in frames]}")


def only_about(invoice_id: str, others: list[str], before: list[tuple[str, str]],
               after: list[tuple[str, str]]) -> Verdict:
    """One invoice's stream: nothing `before` it changed (only `others` did), no frame naming another
    invoice, and at most one invoice_cancelled `after` its cancel (a cancel is one way)."""
    problems = []
    if before:
        problems.append(f"{len(before)} frame(s) while only other invoices changed: {[e for e, _ in before][:3]}")
    naming = [event for event, data in before + after if any(other in data for other in others)]
    if naming:
        problems.append(f"{len(naming)} frame(s) naming another invoice: {naming[:3]}")
    cancels = [event for event, _ in after if event == "invoice_cancelled"]
    if len(cancels) > 1:
        problems.append(f"{len(cancels)} invoice_cancelled frames for one cancel")
    return verdict(not problems, f"frames about invoice {invoice_id} only", "; ".join(problems) or "only its own")
