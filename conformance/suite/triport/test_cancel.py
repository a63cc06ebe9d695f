"""POST /v1/billing/invoices/{id}/cancel: success, rejection, ownership and indistinguishable 404s."""

from __future__ import annotations

import statistics

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import empty_body, status_in
from conformance.checks.triport import invoice_status
from conformance.http import Exchange
from conformance.suite.compare import Bracket
from conformance.target import RunSettings, Target

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-CANCEL-01")
def test_triport_cancel_01_own_pending_is_204_with_empty_body(triport: Triport, provision: Provisioner) -> None:
    """Sends a cancel of an own pending invoice.
    Expects 204 with a zero-length body."""
    exchange = triport.cancel(provision.pending())
    require(status_in(exchange, 204), empty_body(exchange))


@requirement("TRIPORT-CANCEL-02")
def test_triport_cancel_02_cancelled_invoice_reads_cancelled(triport: Triport, provision: Provisioner) -> None:
    """Reads an own pending invoice, cancels it, then reads it back.
    Expects 204, then get answering 200 with status cancelled (the read before is a step: it must work)."""
    invoice_id = provision.pending()
    triport.status(invoice_id)
    require(status_in(triport.cancel(invoice_id), 204))
    require(invoice_status(triport.read(invoice_id), "cancelled"))


@requirement("TRIPORT-CANCEL-03")
def test_triport_cancel_03_list_shows_it_cancelled(triport: Triport, provision: Provisioner) -> None:
    """Sends a cancel of an own pending invoice, then lists by status.
    Expects it under status=cancelled reading cancelled, and no longer under status=pending."""
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id), 204))
    cancelled = {i["id"]: i.get("status") for i in triport.listed("cancelled")}
    pending = {i["id"] for i in triport.listed("pending")}
    require(verdict(cancelled.get(invoice_id) == "cancelled", "listed under status=cancelled as cancelled",
                    f"listed as {cancelled.get(invoice_id)!r}"),
            verdict(invoice_id not in pending, "absent under status=pending", "still listed as pending"))


def _rejected_and_unchanged(triport: Triport, invoice_id: str, status: str) -> None:
    require(status_in(triport.cancel(invoice_id), 404))
    triport.assert_status(invoice_id, status)


@requirement("TRIPORT-CANCEL-04")
@pytest.mark.safe
def test_triport_cancel_04_paid_is_404_and_stays_paid(triport: Triport, target: Target) -> None:
    """Sends a cancel of each configured paid invoice.
    Expects 404 each time, and the invoice still paid."""
    for invoice_id in target.fixtures["paid"]:
        _rejected_and_unchanged(triport, invoice_id, "paid")


@requirement("TRIPORT-CANCEL-05")
@pytest.mark.safe
def test_triport_cancel_05_expired_is_404_and_stays_expired(triport: Triport, target: Target) -> None:
    """Sends a cancel of each configured expired invoice.
    Expects 404 each time, and the invoice still expired."""
    for invoice_id in target.fixtures["expired"]:
        _rejected_and_unchanged(triport, invoice_id, "expired")


@requirement("TRIPORT-CANCEL-06")
def test_triport_cancel_06_cancelled_is_404_and_stays_cancelled(triport: Triport, provision: Provisioner) -> None:
    """Sends two cancels of an own pending invoice.
    Expects 204, then 404 with the invoice still cancelled."""
    invoice_id = provision.pending()
    triport.cancelled(invoice_id)
    _rejected_and_unchanged(triport, invoice_id, "cancelled")


@requirement("TRIPORT-CANCEL-07")
@pytest.mark.safe
def test_triport_cancel_07_rejections_repeat_identically(triport: Triport, target: Target,
                                                         settings: RunSettings) -> None:
    """Sends each rejected cancel (unknown id, paid, expired) several times.
    Expects the same status, headers and body bytes every time, and no state change."""
    cases = [(triport.unknown(), None)]
    cases += [(i, "paid") for i in target.fixtures.get("paid", ())[:1]]
    cases += [(i, "expired") for i in target.fixtures.get("expired", ())[:1]]
    for invoice_id, status in cases:
        bracket = Bracket(triport.unknown_cancel)
        answers = [triport.cancel(invoice_id) for _ in range(settings.repeats)]
        require(status_in(answers[0], 404), *bracket.verdicts(answers[0], answers[1:]))
        if status:
            triport.assert_status(invoice_id, status)


@requirement("TRIPORT-CANCEL-07")
def test_triport_cancel_07_recancel_repeats_identically(triport: Triport, provision: Provisioner,
                                                        settings: RunSettings) -> None:
    """Cancels an own invoice, then repeats the (rejected) cancel several times.
    Expects the same 404 every time, and the invoice still cancelled."""
    invoice_id = provision.pending()
    triport.cancelled(invoice_id)
    bracket = Bracket(triport.unknown_cancel)
    answers = [triport.cancel(invoice_id) for _ in range(settings.repeats)]
    require(status_in(answers[0], 404), *bracket.verdicts(answers[0], answers[1:]))
    triport.assert_status(invoice_id, "cancelled")


@requirement("TRIPORT-CANCEL-08")
@pytest.mark.safe
def test_triport_cancel_08_unknown_id_is_404(triport: Triport) -> None:
    """Sends a cancel of an id no invoice has.
    Expects 404."""
    require(status_in(triport.cancel(triport.unknown()), 404))


@requirement("TRIPORT-CANCEL-09")
def test_triport_cancel_09_foreign_invoice_is_404_and_stays_pending(triport: Triport,
                                                                     provision: Provisioner) -> None:
    """Sends a cancel, as the primary user, of the second user's pending invoice.
    Expects 404, and the invoice still pending when its owner reads it."""
    invoice_id = provision.pending("other")
    require(status_in(triport.cancel(invoice_id), 404))
    triport.assert_status(invoice_id, "pending", who="other")


def _three_kinds(triport: Triport, target: Target, provision: Provisioner) -> dict[str, str]:
    """One id of each 404 kind: unknown, another user's, and an own terminal invoice."""
    if target.fixtures.get("other_pending") and triport.settings.profile == "safe":
        foreign = target.fixtures["other_pending"][0]
    else:
        foreign = provision.pending("other")
    if target.fixtures.get("paid"):
        terminal = target.fixtures["paid"][0]
    else:
        terminal = provision.pending()
        triport.cancelled(terminal)
    return {"unknown": triport.unknown(), "foreign": foreign, "terminal": terminal}


@requirement("TRIPORT-CANCEL-10")
@pytest.mark.safe
def test_triport_cancel_10_three_404s_are_indistinguishable(triport: Triport, target: Target,
                                                             provision: Provisioner) -> None:
    """Sends cancels of an unknown id, another user's invoice and an own terminal invoice.
    Expects one 404: same status, headers and values, and body bytes once volatile values are set aside."""
    kinds = _three_kinds(triport, target, provision)
    bracket = Bracket(triport.unknown_cancel)
    answers: dict[str, Exchange] = {kind: triport.cancel(i) for kind, i in kinds.items()}
    base = answers["unknown"]
    require(status_in(base, 404), *bracket.verdicts(base, [answers["foreign"], answers["terminal"]]))


@requirement("TRIPORT-CANCEL-11")
def test_triport_cancel_11_only_the_named_invoice_changes(triport: Triport, provision: Provisioner) -> None:
    """Creates two pending invoices and cancels one.
    Expects the other still pending."""
    keep, target_id = provision.pending(), provision.pending()
    require(status_in(triport.cancel(target_id), 204))
    triport.assert_status(keep, "pending")


@requirement("TRIPORT-CANCEL-12")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_triport_cancel_12_get_and_head_never_cancel(triport: Triport, provision: Provisioner,
                                                      method: str) -> None:
    """Sends GET and HEAD to the cancel path of an own pending invoice.
    Expects any status below 500, and the invoice still pending."""
    invoice_id = provision.pending()
    exchange = triport.cancel(invoice_id, method=method)
    require(verdict(exchange.status < 500, "a status below 500", f"status {exchange.status}"))
    triport.assert_status(invoice_id, "pending")


@requirement("TRIPORT-CANCEL-13")
@pytest.mark.safe
@pytest.mark.quiet
def test_triport_cancel_13_404_latency_does_not_reveal_ownership(triport: Triport, target: Target,
                                                                  provision: Provisioner,
                                                                  settings: RunSettings) -> None:
    """Sends interleaved cancels of the three 404 kinds, many times.
    Expects their median latencies within 20 ms plus half the fastest median of each other."""
    kinds = _three_kinds(triport, target, provision)
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(settings.timing_samples):
        for kind, invoice_id in kinds.items():
            samples[kind].append(triport.cancel(invoice_id).elapsed_s * 1000)
    medians = {kind: statistics.median(values) for kind, values in samples.items()}
    spread, fastest = max(medians.values()) - min(medians.values()), min(medians.values())
    shown = ", ".join(f"{kind} {ms:.1f} ms" for kind, ms in medians.items())
    require(verdict(spread <= 20 + fastest / 2, "median latencies within 20 ms + 50 %", shown))
