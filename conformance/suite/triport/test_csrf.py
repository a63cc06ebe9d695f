"""CSRF on cancel, where the target config says the target enforces it (TRIPORT-D-CSRF)."""

from __future__ import annotations

import secrets

import pytest

from conformance.checks import require
from conformance.checks.common import status_in
from conformance.target import Target

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-CSRF-01")
def test_triport_csrf_01_missing_token_is_403(triport: Triport, provision: Provisioner) -> None:
    """Sends a cancel of an own pending invoice with a valid session but no X-CSRF-Token.
    Expects 403, and the invoice still pending."""
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id, csrf=None), 403))
    triport.assert_status(invoice_id, "pending")


@requirement("TRIPORT-CSRF-02")
def test_triport_csrf_02_wrong_token_is_403(triport: Triport, provision: Provisioner) -> None:
    """Sends a cancel of an own pending invoice whose X-CSRF-Token does not match its nl_csrf cookie.
    Expects 403, and the invoice still pending."""
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id, csrf="conformance-forged-token"), 403))
    triport.assert_status(invoice_id, "pending")


@requirement("TRIPORT-CSRF-03")
def test_triport_csrf_03_another_sessions_token_is_403(triport: Triport, provision: Provisioner,
                                                       target: Target) -> None:
    """Sends a cancel of an own pending invoice with the second session's token as nl_csrf and X-CSRF-Token.
    Expects 403, and the invoice still pending."""
    other = target.credential("other_csrf_token")
    if not other:
        pytest.skip("not configured: other_csrf_token")
    if other == target.credential("csrf_token"):
        pytest.skip("the target issues one CSRF token to every session: another session's token is this one's")
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id, csrf=other, csrf_cookie=other), 403))
    triport.assert_status(invoice_id, "pending")


@requirement("TRIPORT-CSRF-03")
def test_triport_csrf_03_unissued_token_is_403(triport: Triport, provision: Provisioner) -> None:
    """Sends a cancel of an own pending invoice whose nl_csrf and X-CSRF-Token agree on a made-up value.
    Expects 403, and the invoice still pending."""
    made_up = secrets.token_urlsafe(16)
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id, csrf=made_up, csrf_cookie=made_up), 403))
    triport.assert_status(invoice_id, "pending")
