"""Authentication of the cancel endpoint: the bearer token, without which nothing changes."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import status_in

from .conftest import Provisioner, Teos

requirement = pytest.mark.requirement


def _refused_and_unchanged(teos: Teos, provision: Provisioner, who: str) -> None:
    invoice_id, status = provision.victim()
    require(status_in(teos.cancel([invoice_id, teos.unknown()], who=who), 401))
    teos.assert_status(invoice_id, status, when=" after the 401")


@requirement("TEOS-AUTH-01")
@pytest.mark.safe
def test_teos_auth_01_no_token_is_401(teos: Teos, provision: Provisioner) -> None:
    """Sends, with no Authorization header, a cancel of [fresh Open invoice (safe: Paid), unknown id].
    Expects 401, and the invoice unchanged."""
    _refused_and_unchanged(teos, provision, "none")


@requirement("TEOS-AUTH-02")
@pytest.mark.safe
@pytest.mark.parametrize("who", ["invalid", "unsigned"], ids=["random-token", "unsigned-jwt"])
def test_teos_auth_02_invalid_token_is_401(teos: Teos, provision: Provisioner, who: str) -> None:
    """Sends a cancel of [fresh Open invoice (safe: Paid), unknown id] with a bearer token no one issued.
    Expects 401, and the invoice unchanged."""
    _refused_and_unchanged(teos, provision, who)
