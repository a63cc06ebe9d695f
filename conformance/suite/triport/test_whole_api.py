"""Requirements about every operation: no 5xx, and every answer as the document says."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import below_500, status_in
from conformance.observer import Observer
from conformance.results import Finding
from conformance.suite.whole_api import findings_for, judge, require_none

from .conftest import INVOICES, Provisioner, Triport

requirement = pytest.mark.requirement
ODD_IDS = ["x" * 300, "\x00", "☃", "../../rails", "' OR 1=1 --", "%", "inv_\r\nX-Injected: 1", " "]


@requirement("TRIPORT-ROBUST-01")
@pytest.mark.safe
@pytest.mark.parametrize("odd_id", ODD_IDS, ids=["long", "nul", "unicode", "dot-dot", "sql", "percent",
                                                  "crlf", "space"])
def test_triport_robust_01_odd_ids_are_not_found(triport: Triport, odd_id: str) -> None:
    """Sends cancel and get for an odd id (long, NUL, unicode, traversal, SQL, CRLF).
    Expects no 5xx, and 404 from cancel (no such invoice can be the caller's pending one)."""
    cancel = triport.cancel(odd_id)
    require(below_500(cancel), status_in(cancel, 404), below_500(triport.read(odd_id)))


@requirement("TRIPORT-ROBUST-01")
@pytest.mark.parametrize("body", [b"{", b"[]", b'{"channel": {}}', b"\xff\xfe", b"{" * 5000],
                         ids=["truncated", "array", "object-channel", "not-utf8", "deep"])
def test_triport_robust_01_malformed_create_is_4xx(triport: Triport, provision: Provisioner, body: bytes) -> None:
    """Sends create with a malformed JSON body.
    Expects a 4xx, never a 5xx (and nothing is created to clean up)."""
    exchange = triport.send("POST", INVOICES, headers={"Content-Type": "application/json"}, data=body)
    require(below_500(exchange))
    if exchange.status in (200, 201):  # accepted garbage: still clean up what it made
        provision.created.append(("primary", exchange.json()["id"]))


@requirement("TRIPORT-ROBUST-01")
@pytest.mark.whole_api
def test_triport_robust_01_no_generated_case_gets_a_5xx(findings: list[Finding] | None,
                                                         observer: Observer) -> None:
    """Sends every Schemathesis case (examples, coverage, fuzzing, stateful) within the budget.
    Expects no 5xx there, nor in any answer the targeted tests received."""
    judge("TRIPORT-ROBUST-01", "triport", findings, observer)


@requirement("TRIPORT-SCHEMA-01")
@pytest.mark.whole_api
def test_triport_schema_01_every_answer_is_documented(findings: list[Finding] | None,
                                                       observer: Observer) -> None:
    """Judges every Schemathesis case and every targeted answer against the document.
    Expects documented status codes, media types and bodies that match their schemas."""
    judge("TRIPORT-SCHEMA-01", "triport", findings, observer)


@requirement("TRIPORT-CANCEL-01")
@pytest.mark.whole_api
def test_triport_cancel_01_generated_204s_are_empty(generated: list[Finding]) -> None:
    """Checks every 204 the Schemathesis cases received.
    Expects each with a zero-length body."""
    require_none(findings_for(generated, "TRIPORT-CANCEL-01", "triport"), [], "every 204 without a body")


@requirement("TRIPORT-ERROR-01")
@pytest.mark.whole_api
def test_triport_error_01_generated_errors_use_the_envelope(generated: list[Finding]) -> None:
    """Checks every 401 and 404 the Schemathesis cases received.
    Expects each body to be the flat error envelope."""
    require_none(findings_for(generated, "TRIPORT-ERROR-01", "triport"), [], "every 401/404 in the envelope")


@requirement("TRIPORT-HTTP-01")
@pytest.mark.whole_api
def test_triport_http_01_every_answer_is_framed_one_way(findings: list[Finding] | None, observer: Observer) -> None:
    """Judges the framing of every Schemathesis case's answer and every targeted answer.
    Expects none with both Content-Length and Transfer-Encoding, or with differing Content-Lengths."""
    judge("TRIPORT-HTTP-01", "triport", findings, observer, "one way to read each answer's length")
