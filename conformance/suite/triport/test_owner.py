"""Other users' invoices, as the primary user sees them: as if they did not exist."""

from __future__ import annotations

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import status_in
from conformance.suite.compare import Bracket

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-OWNER-01")
def test_triport_owner_01_foreign_get_is_the_unknown_404(triport: Triport, provision: Provisioner) -> None:
    """Reads, as the primary user, an unknown id and the second user's fresh pending invoice.
    Expects the same 404 for both: status, headers and values, body bytes (volatile values set aside)."""
    foreign = provision.pending("other")
    bracket = Bracket(lambda: triport.read(triport.unknown()))
    base, answer = triport.read(triport.unknown()), triport.read(foreign)
    require(status_in(answer, 404), status_in(base, 404), *bracket.verdicts(base, [answer]))


@requirement("TRIPORT-OWNER-02")
def test_triport_owner_02_list_shows_only_own_invoices(triport: Triport, provision: Provisioner) -> None:
    """Lists the primary user's invoices (all, and pending) after the second user created one.
    Expects the second user's invoice in neither."""
    foreign = provision.pending("other")
    for status in ("pending", None):
        listed = triport.listed(status) if status else triport.listed_all()
        require(verdict(foreign not in {i.get("id") for i in listed}, "no invoice of another user listed",
                        f"the second user's invoice {foreign} is listed"
                        + (f" under status={status}" if status else "")))
