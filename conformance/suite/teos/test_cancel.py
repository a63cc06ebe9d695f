"""POST /odata/v1.0/Invoices/Cancel: accepted batches, what they ignore, and what they must not touch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import status_in
from conformance.checks.teos import cancel_result
from conformance.target import Target

from .conftest import SETTLING, Provisioner, Teos

requirement = pytest.mark.requirement


def _fixtures(target: Target, name: str) -> tuple[str, ...]:
    ids = target.fixtures.get(name, ())
    if not ids:
        pytest.skip(f"not configured: fixtures.{name}")
    return ids


@requirement("TEOS-CANCEL-01")
@pytest.mark.parametrize("size", [1, 3], ids=["one-invoice", "three-invoices"])
def test_teos_cancel_01_open_batch_is_202_with_a_transaction(teos: Teos, provision: Provisioner,
                                                             size: int) -> None:
    """Sends a cancel of a batch of fresh Open invoices (one, then three).
    Expects 202 with a Transaction body (or an array), each invoice then Open, Processing or Cancelled."""
    ids = [provision.open() for _ in range(size)]
    exchange = teos.cancel(ids)
    require(status_in(exchange, 202), cancel_result(exchange))
    statuses = {invoice_id: teos.status(invoice_id) for invoice_id in ids}
    require(verdict(all(s in (*SETTLING, "Cancelled") for s in statuses.values()),
                    "each invoice of the batch reading Open, Processing or Cancelled", f"{statuses}"))


@requirement("TEOS-CANCEL-02")
@pytest.mark.parametrize("size", [1, 3], ids=["one-invoice", "three-invoices"])
def test_teos_cancel_02_accepted_invoices_settle_to_cancelled(
        teos: Teos, provision: Provisioner, size: int, record_property: Callable[[str, Any], None]) -> None:
    """Sends a cancel of a batch of fresh Open invoices (one, then three), then polls each one.
    Expects 202, then each Cancelled within the deadline, only Open or Processing before (time recorded)."""
    ids = [provision.open() for _ in range(size)]
    require(status_in(teos.cancel(ids), 202))
    record_property("settle_s", round(teos.settle(ids), 3))  # recorded, never graded (TEOS-D-SETTLE-TIME)


@requirement("TEOS-CANCEL-03")
@pytest.mark.safe
def test_teos_cancel_03_unknown_ids_alone_are_202(teos: Teos) -> None:
    """Sends a cancel of a batch of two ids no invoice has.
    Expects 202."""
    require(status_in(teos.cancel([teos.unknown(), teos.unknown()]), 202))


@requirement("TEOS-CANCEL-03")
def test_teos_cancel_03_unknown_ids_are_ignored(teos: Teos, provision: Provisioner) -> None:
    """Sends a cancel of [unknown, Open, unknown, Open].
    Expects 202, and both Open invoices settling to Cancelled."""
    opened = [provision.open(), provision.open()]
    require(status_in(teos.cancel([teos.unknown(), opened[0], teos.unknown(), opened[1]]), 202))
    teos.settle(opened)


def _ignored_alone(teos: Teos, ids: tuple[str, ...], status: str) -> None:
    require(status_in(teos.cancel(ids), 202))
    for invoice_id in ids:
        teos.assert_status(invoice_id, status, when=" after the 202")


def _ignored_in_batch(teos: Teos, provision: Provisioner, ids: tuple[str, ...], status: str) -> None:
    opened = provision.open()
    require(status_in(teos.cancel([*ids, opened]), 202))
    teos.settle([opened])
    for invoice_id in ids:
        teos.assert_status(invoice_id, status, when=" after the rest of the batch settled")


@requirement("TEOS-CANCEL-04")
@pytest.mark.safe
def test_teos_cancel_04_paid_alone_is_202_and_stays_paid(teos: Teos, target: Target) -> None:
    """Sends a cancel of a batch of the configured Paid invoices.
    Expects 202, and each still Paid."""
    _ignored_alone(teos, _fixtures(target, "paid"), "Paid")


@requirement("TEOS-CANCEL-04")
def test_teos_cancel_04_paid_is_ignored_in_a_batch(teos: Teos, target: Target,
                                                   provision: Provisioner) -> None:
    """Sends a cancel of the configured Paid invoices followed by a fresh Open one.
    Expects 202, the Open invoice settling to Cancelled, and each Paid one still Paid."""
    _ignored_in_batch(teos, provision, _fixtures(target, "paid"), "Paid")


@requirement("TEOS-CANCEL-05")
@pytest.mark.safe
def test_teos_cancel_05_expired_alone_is_202_and_stays_expired(teos: Teos, target: Target) -> None:
    """Sends a cancel of a batch of the configured Expired invoices.
    Expects 202, and each still Expired."""
    _ignored_alone(teos, _fixtures(target, "expired"), "Expired")


@requirement("TEOS-CANCEL-05")
def test_teos_cancel_05_expired_is_ignored_in_a_batch(teos: Teos, target: Target,
                                                      provision: Provisioner) -> None:
    """Sends a cancel of the configured Expired invoices followed by a fresh Open one.
    Expects 202, the Open invoice settling to Cancelled, and each Expired one still Expired."""
    _ignored_in_batch(teos, provision, _fixtures(target, "expired"), "Expired")


@requirement("TEOS-CANCEL-06")
def test_teos_cancel_06_recancel_is_202_and_stays_cancelled(teos: Teos, provision: Provisioner) -> None:
    """Sends a cancel of an invoice that settled to Cancelled, alone and then beside a fresh Open one.
    Expects 202 each time, the invoice still Cancelled, and the other one settling to Cancelled."""
    cancelled, fresh = provision.open(), provision.open()
    require(status_in(teos.cancel([cancelled]), 202))
    teos.settle([cancelled])
    require(status_in(teos.cancel([cancelled]), 202))
    teos.assert_status(cancelled, "Cancelled", when=" after it was cancelled again")
    require(status_in(teos.cancel([cancelled, fresh]), 202))
    teos.settle([fresh])
    teos.assert_status(cancelled, "Cancelled", when=" after a batch listing it again settled")


@requirement("TEOS-CANCEL-07")
def test_teos_cancel_07_other_tenants_invoice_is_ignored(teos: Teos, provision: Provisioner) -> None:
    """Sends, with the primary token, a cancel of [other tenant's fresh Open invoice, own fresh Open invoice].
    Expects 202, the own invoice settling to Cancelled, and the other tenant's still Open for its owner."""
    foreign, own = provision.open("other"), provision.open()
    require(status_in(teos.cancel([foreign, own]), 202))
    teos.settle([own])
    teos.assert_status(foreign, "Open", who="other", when=" after the batch settled")


@requirement("TEOS-CANCEL-07")
@pytest.mark.safe
def test_teos_cancel_07_other_tenants_fixture_is_ignored(teos: Teos, target: Target) -> None:
    """Sends, with the primary token, a cancel of the other tenant's configured Open invoice.
    Expects 202, and the invoice still Open for its owner."""
    foreign = _fixtures(target, "other_open")[0]
    require(status_in(teos.cancel([foreign]), 202))
    teos.assert_status(foreign, "Open", who="other", when=" after the 202")


@requirement("TEOS-CANCEL-08")
@pytest.mark.parametrize("copies", [(3, 1), (2, 4)], ids=["odd-copies", "even-copies"])
def test_teos_cancel_08_duplicate_ids_are_harmless(teos: Teos, provision: Provisioner,
                                                   copies: tuple[int, int]) -> None:
    """Sends a cancel listing fresh Open invoices A and B repeatedly: A 3 times and B once, or A 2 and B 4.
    Expects 202, and both settling to Cancelled (an even count must not undo what an odd one does)."""
    first, second = provision.open(), provision.open()
    batch = [first] * copies[0] + [second] * copies[1]
    batch.insert(1, batch.pop())  # the copies interleaved: A, B, A, ...
    require(status_in(teos.cancel(batch), 202))
    teos.settle([first, second])


@requirement("TEOS-CANCEL-09")
def test_teos_cancel_09_only_listed_invoices_change(teos: Teos, provision: Provisioner) -> None:
    """Sends a cancel of one of two fresh Open invoices.
    Expects 202, the listed one settling to Cancelled, and the other still Open afterwards."""
    kept, listed = provision.open(), provision.open()
    require(status_in(teos.cancel([listed]), 202))
    teos.settle([listed])
    teos.assert_status(kept, "Open", when=" after a batch that did not list it settled")
