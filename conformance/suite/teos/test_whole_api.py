"""Requirements about every operation: no 5xx, and every answer as the document says."""

from __future__ import annotations

import pytest

from conformance.checks import Verdict, require, verdict
from conformance.checks.common import below_500, status_in
from conformance.checks.contract import contract_for
from conformance.http import Exchange
from conformance.observer import Observer
from conformance.results import Finding
from conformance.suite.whole_api import judge
from conformance.target import Target

from .conftest import CANCEL, INVOICES, Provisioner, Teos

requirement = pytest.mark.requirement
UNKNOWN = "{unknown}"  # replaced by a GUID no invoice has
ODD_KEYS = {
    "long": "a" * 300,
    "nul": "\x00",
    "quoted-guid": f"'{UNKNOWN}'",
    "named-key": f"Id={UNKNOWN}",
    "non-guid": "not-a-guid",
    "empty": "",
    "unicode": "☃",
    "sql": "' OR 1=1 --",
    "dot-dot": "../Transactions",
    "percent": "%",
    "crlf": f"{UNKNOWN}\r\nX-Injected: 1",
    "braced-guid": f"{{{UNKNOWN}}}",
}
MALFORMED_CANCELS = {
    "truncated": b"{",
    "array": b"[]",
    "deep": b'{"invoiceIds": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "not-utf8": b"\xff\xfe\xfd",
    "huge-number": b'{"invoiceIds": [1e999999]}',
    "long-integer": b'{"invoiceIds": [' + b"9" * 5000 + b"]}",
    "nul-id": b'{"invoiceIds": ["\\u0000"]}',
    "lone-surrogate": b'{"invoiceIds": ["\\ud800"]}',
    "long-id": b'{"invoiceIds": ["' + b"a" * 20000 + b'"]}',
    "duplicate-member": b'{"invoiceIds": [], "invoiceIds": "x"}',
}


@requirement("TEOS-ROBUST-01")
@pytest.mark.safe
@pytest.mark.parametrize("key", list(ODD_KEYS.values()), ids=list(ODD_KEYS))
def test_teos_robust_01_odd_keys_are_not_5xx(teos: Teos, key: str) -> None:
    """Sends get-invoice and get-transaction for an odd key (long, NUL, quotes, non-GUID, CRLF, ...).
    Expects no 5xx from either."""
    key = key.replace(UNKNOWN, teos.unknown())
    require(below_500(teos.read(key)), below_500(teos.transaction(key)))


@requirement("TEOS-ROBUST-01")
@pytest.mark.safe
@pytest.mark.parametrize("body", list(MALFORMED_CANCELS.values()), ids=list(MALFORMED_CANCELS))
def test_teos_robust_01_malformed_cancels_are_not_5xx(teos: Teos, body: bytes) -> None:
    """Sends a cancel with a malformed or hostile body that names no invoice (deep, huge, NUL, ...).
    Expects no 5xx."""
    require(below_500(teos.cancel_raw(body)))


@requirement("TEOS-ROBUST-01")
@pytest.mark.safe
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None],
                         ids=["text-plain", "form", "none"])
def test_teos_robust_01_other_media_types_are_not_5xx(teos: Teos, content_type: str | None) -> None:
    """Sends a cancel of an empty batch labelled with another media type, or none.
    Expects no 5xx."""
    require(below_500(teos.cancel_raw(b'{"invoiceIds": []}', content_type=content_type)))


@requirement("TEOS-ROBUST-01")
@pytest.mark.safe
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"], ids=["get", "put", "patch", "delete"])
def test_teos_robust_01_other_methods_on_cancel_are_not_5xx(teos: Teos, method: str) -> None:
    """Sends GET, PUT, PATCH and DELETE to the cancel path.
    Expects no 5xx."""
    require(below_500(teos.send(method, CANCEL)))


@requirement("TEOS-ROBUST-01")
@pytest.mark.whole_api
def test_teos_robust_01_no_generated_case_gets_a_5xx(findings: list[Finding], observer: Observer) -> None:
    """Sends every Schemathesis case (examples, coverage, fuzzing, stateful) within the budget.
    Expects no 5xx there, nor in any answer the targeted tests received."""
    judge("TEOS-ROBUST-01", "teos", findings, observer)


def _documented(exchanges: list[Exchange]) -> list[Verdict]:
    contract = contract_for("teos")
    results = []
    for exchange in exchanges:
        result = contract.check(exchange)
        results.append(result if result is not None else verdict(
            False, "a documented operation", f"{exchange.method} {exchange.url} matched none"))
    return results


@requirement("TEOS-SCHEMA-01")  # not safe: a few probes cannot decide "every response" (profile safe skips it)
def test_teos_schema_01_reads_and_refusals_are_documented(teos: Teos, target: Target) -> None:
    """Sends lists, gets of fixtures, unknown and malformed keys, an unknown transaction, a tokenless cancel.
    Expects each answer's status, media type and body as the document describes them."""
    exchanges = [teos.send("GET", INVOICES), teos.send("GET", f"{INVOICES}?$select=Id,Status"),
                 teos.send("GET", f"{INVOICES}?$top=2&$count=true"),
                 teos.send("GET", f"{INVOICES}?$filter=Status%20eq"),
                 teos.read(teos.unknown()), teos.read("not-a-guid"), teos.transaction(teos.unknown()),
                 teos.cancel([teos.unknown()], who="none")]
    exchanges += [teos.read(i, "other" if name == "other_open" else "primary")
                  for name, ids in target.fixtures.items() for i in ids[:1]]
    require(*_documented(exchanges))


@requirement("TEOS-SCHEMA-01")
def test_teos_schema_01_create_cancel_and_transaction_are_documented(teos: Teos,
                                                                     provision: Provisioner) -> None:
    """Sends create, get of the new invoice, a cancel of it, and get-transaction of what the 202 returned.
    Expects each answer's status, media type and body as the document describes them."""
    create = teos.send("POST", INVOICES, json_body=dict(teos.target.create_body))
    require(*_documented([create]), status_in(create, 201))
    invoice_id = create.json()["Id"]
    provision.created.append(("primary", invoice_id))
    cancel = teos.cancel([invoice_id])
    exchanges = [teos.read(invoice_id), cancel]
    body = cancel.json() if cancel.status == 202 else None
    for transaction in body if isinstance(body, list) else [body]:
        if isinstance(transaction, dict) and isinstance(transaction.get("Id"), str):
            exchanges.append(teos.transaction(transaction["Id"]))
    require(*_documented(exchanges))


@requirement("TEOS-SCHEMA-01")
@pytest.mark.whole_api
def test_teos_schema_01_every_answer_is_documented(findings: list[Finding], observer: Observer) -> None:
    """Judges every Schemathesis case and every targeted answer against the document.
    Expects documented status codes, media types and bodies that match their schemas."""
    judge("TEOS-SCHEMA-01", "teos", findings, observer)


@requirement("TEOS-HTTP-01")
@pytest.mark.whole_api
def test_teos_http_01_every_answer_is_framed_one_way(findings: list[Finding] | None, observer: Observer) -> None:
    """Judges the framing of every Schemathesis case's answer and every targeted answer.
    Expects none with both Content-Length and Transfer-Encoding, or with differing Content-Lengths."""
    judge("TEOS-HTTP-01", "teos", findings, observer, "one way to read each answer's length")
