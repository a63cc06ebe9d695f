"""CSRF on cancel, where the target config says the target enforces it (TRIPORT-D-CSRF)."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import status_in

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
