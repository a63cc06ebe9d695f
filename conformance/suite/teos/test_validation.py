"""Cancel bodies that are not `{"invoiceIds": [strings]}`: 400 and nothing changes; the open questions."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import status_in
from conformance.checks.teos import coreledger_error
from conformance.observer import Observer
from conformance.results import Finding
from conformance.suite.whole_api import judge

from .conftest import Provisioner, Teos

requirement = pytest.mark.requirement
ID = "{id}"  # replaced by an invoice the request must leave as it is (Provisioner.victim)


def _rejected_and_unchanged(teos: Teos, provision: Provisioner, template: str | bytes) -> None:
    """A cancel with the body the template gives must answer 400 and leave the invoice it names as it was."""
    raw = template.encode() if isinstance(template, str) else template
    victim = provision.victim() if ID.encode() in raw else None
    body = raw.replace(ID.encode(), victim[0].encode()) if victim else raw
    require(status_in(teos.cancel_raw(body), 400))
    if victim:
        teos.assert_status(*victim, when=" after the 400")


NOT_JSON = {
    "truncated": '{"invoiceIds": ["{id}"]',
    "trailing-garbage": '{"invoiceIds": ["{id}"]} and more',
    "single-quotes": "{'invoiceIds': ['{id}']}",
    "unquoted-id": '{"invoiceIds": [{id}]}',
    "bare-id": "{id}",
    "not-utf8": b'\xff\xfe{"invoiceIds": ["{id}"]}',
    "empty": b"",
    "text": "cancel these invoices",
}


@requirement("TEOS-VALID-01")
@pytest.mark.safe
@pytest.mark.parametrize("template", list(NOT_JSON.values()), ids=list(NOT_JSON))
def test_teos_valid_01_body_not_json_is_400(teos: Teos, provision: Provisioner,
                                            template: str | bytes) -> None:
    """Sends a cancel whose body is not JSON, naming a fresh Open invoice where it can (safe: a Paid fixture).
    Expects 400, and that invoice unchanged."""
    _rejected_and_unchanged(teos, provision, template)


NO_INVOICE_IDS = {
    "empty-object": "{}",
    "other-member": '{"ids": ["{id}"]}',
    "singular-member": '{"invoiceId": "{id}"}',
    "array-body": '["{id}"]',
    "string-body": '"{id}"',
    "null-body": "null",
}


@requirement("TEOS-VALID-02")
@pytest.mark.safe
@pytest.mark.parametrize("template", list(NO_INVOICE_IDS.values()), ids=list(NO_INVOICE_IDS))
def test_teos_valid_02_body_without_invoice_ids_is_400(teos: Teos, provision: Provisioner,
                                                       template: str) -> None:
    """Sends a cancel whose JSON body has no `invoiceIds`, naming a fresh Open invoice where it can.
    Expects 400, and that invoice unchanged."""
    _rejected_and_unchanged(teos, provision, template)


NOT_AN_ARRAY = {
    "string": '{"invoiceIds": "{id}"}',
    "number": '{"invoiceIds": 1}',
    "object": '{"invoiceIds": {"0": "{id}"}}',
    "null": '{"invoiceIds": null}',
    "boolean": '{"invoiceIds": true}',
}


@requirement("TEOS-VALID-03")
@pytest.mark.safe
@pytest.mark.parametrize("template", list(NOT_AN_ARRAY.values()), ids=list(NOT_AN_ARRAY))
def test_teos_valid_03_invoice_ids_not_an_array_is_400(teos: Teos, provision: Provisioner,
                                                       template: str) -> None:
    """Sends a cancel whose `invoiceIds` is a string, number, object, null or boolean (naming one).
    Expects 400, and that invoice unchanged."""
    _rejected_and_unchanged(teos, provision, template)


NON_STRING_ENTRY = {
    "number": '{"invoiceIds": ["{id}", 1]}',
    "null": '{"invoiceIds": ["{id}", null]}',
    "boolean": '{"invoiceIds": ["{id}", true]}',
    "object": '{"invoiceIds": ["{id}", {"Id": "{id}"}]}',
    "array": '{"invoiceIds": ["{id}", ["{id}"]]}',
    "number-first": '{"invoiceIds": [7, "{id}"]}',
    "number-alone": '{"invoiceIds": [1]}',
}


@requirement("TEOS-VALID-04")
@pytest.mark.safe
@pytest.mark.parametrize("template", list(NON_STRING_ENTRY.values()), ids=list(NON_STRING_ENTRY))
def test_teos_valid_04_non_string_entries_are_400(teos: Teos, provision: Provisioner, template: str) -> None:
    """Sends a cancel listing a fresh Open invoice (safe: Paid) beside an entry that is not a string.
    Expects 400 for the whole batch, and the listed invoice unchanged."""
    _rejected_and_unchanged(teos, provision, template)


@requirement("TEOS-VALID-05")
@pytest.mark.safe
def test_teos_valid_05_empty_list_is_202_or_400_and_changes_nothing(teos: Teos,
                                                                    provision: Provisioner) -> None:
    """Sends {"invoiceIds": []} while a fresh Open invoice (a Paid fixture in safe) exists.
    Expects 202 or 400, nothing else, and that invoice unchanged."""
    invoice_id, status = provision.victim()
    exchange = teos.cancel([])
    require(status_in(exchange, 202, 400))
    teos.assert_status(invoice_id, status, when=f" after the {exchange.status}")


NON_GUIDS = ["not-a-guid", "", "0x1234", "262fced5-70e0-41fa-3d70"]
NON_GUID_IDS = ["word", "empty-string", "hex", "truncated-guid"]


@requirement("TEOS-VALID-06")
@pytest.mark.parametrize("odd", NON_GUIDS, ids=NON_GUID_IDS)
def test_teos_valid_06_non_guid_beside_open_is_ignored_or_rejected(teos: Teos, provision: Provisioner,
                                                                   odd: str) -> None:
    """Sends a cancel of [a string that is not a GUID, a fresh Open invoice].
    Expects 202 with the Open invoice settling to Cancelled, or 400 with it still Open; nothing else."""
    invoice_id = provision.open()
    exchange = teos.cancel([odd, invoice_id])
    require(status_in(exchange, 202, 400))
    if exchange.status == 202:
        teos.settle([invoice_id])
    else:
        teos.assert_status(invoice_id, "Open", when=" after the 400")


@requirement("TEOS-VALID-06")
@pytest.mark.safe
@pytest.mark.parametrize("odd", NON_GUIDS, ids=NON_GUID_IDS)
def test_teos_valid_06_non_guid_alone_is_202_or_400(teos: Teos, odd: str) -> None:
    """Sends a cancel of [a string that is not a GUID].
    Expects 202 or 400, nothing else."""
    require(status_in(teos.cancel([odd]), 202, 400))


INVALID_BODIES = {
    "not-json": b'{"invoiceIds": [',
    "no-invoice-ids": b"{}",
    "not-an-array": b'{"invoiceIds": "conformance"}',
    "non-string-entry": b'{"invoiceIds": [1]}',
}


@requirement("TEOS-ERROR-01")
@pytest.mark.safe
@pytest.mark.parametrize("body", list(INVALID_BODIES.values()), ids=list(INVALID_BODIES))
def test_teos_error_01_400_carries_the_error_body(teos: Teos, body: bytes) -> None:
    """Sends a cancel with an invalid body naming no invoice (not JSON, no invoiceIds, not an array, 1).
    Expects its 400 to carry CoreLedger's error body: a JSON object with `code` and `message`."""
    exchange = teos.cancel_raw(body)
    if exchange.status != 400:
        pytest.skip(f"not decidable: the cancel answered {exchange.status}, not 400 (graded by TEOS-VALID-*)")
    require(coreledger_error(exchange))


@requirement("TEOS-ERROR-01")
@pytest.mark.whole_api
def test_teos_error_01_every_error_answer_carries_the_error_body(findings: list[Finding] | None,
                                                                 observer: Observer) -> None:
    """Judges the media type and body of every 400 and 404 the generated cases and targeted tests received.
    Expects CoreLedger's error body, as the document describes it (a SHOULD: TEOS-SCHEMA-01 leaves these to it)."""
    judge("TEOS-ERROR-01", "teos", findings, observer, "every 400 and 404 with CoreLedger's error body")
