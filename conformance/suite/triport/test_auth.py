"""Authentication of the cancel endpoint: the nl_session cookie, checked before anything else."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import status_in
from conformance.target import Target

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


def _victim(provision: Provisioner, target: Target) -> tuple[str, str]:
    """An own invoice whose state must not change: a fresh pending one, or a paid fixture in safe."""
    if provision.api.settings.profile == "safe":
        if not target.fixtures.get("paid"):
            pytest.skip("not configured: profile safe needs fixtures.paid")
        return target.fixtures["paid"][0], "paid"
    return provision.pending(), "pending"


def _refused_and_unchanged(triport: Triport, provision: Provisioner, target: Target, who: str) -> None:
    invoice_id, status = _victim(provision, target)
    require(status_in(triport.cancel(invoice_id, who=who), 401))
    triport.assert_status(invoice_id, status)


@requirement("TRIPORT-AUTH-01")
@pytest.mark.safe
def test_triport_auth_01_no_session_is_401(triport: Triport, provision: Provisioner, target: Target) -> None:
    """Sends a cancel of an own invoice without the nl_session cookie.
    Expects 401, and the invoice unchanged."""
    _refused_and_unchanged(triport, provision, target, "none")


@requirement("TRIPORT-AUTH-02")
@pytest.mark.safe
def test_triport_auth_02_invalid_session_is_401(triport: Triport, provision: Provisioner,
                                                target: Target) -> None:
    """Sends a cancel of an own invoice with an nl_session no server issued.
    Expects 401, and the invoice unchanged."""
    _refused_and_unchanged(triport, provision, target, "invalid")


@requirement("TRIPORT-AUTH-03")
@pytest.mark.safe
def test_triport_auth_03_expired_session_is_401(triport: Triport, provision: Provisioner,
                                                target: Target) -> None:
    """Sends a cancel of an own invoice with the configured expired session.
    Expects 401, and the invoice unchanged."""
    _refused_and_unchanged(triport, provision, target, "expired")


@requirement("TRIPORT-AUTH-04")
@pytest.mark.safe
def test_triport_auth_04_authentication_before_existence(triport: Triport, provision: Provisioner,
                                                         target: Target) -> None:
    """Sends cancels with no or an invalid session for unknown, own and (if configured) foreign ids.
    Expects 401 for every one of them."""
    ids = [triport.unknown(), _victim(provision, target)[0]]
    if target.fixtures.get("other_pending"):
        ids.append(target.fixtures["other_pending"][0])
    require(*(status_in(triport.cancel(i, who=who), 401) for i in ids for who in ("none", "invalid")))
