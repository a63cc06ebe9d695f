"""Other tenants' invoices, as the primary tenant sees them: as if they did not exist (TEOS-D-TENANT)."""

from __future__ import annotations

import pytest

from conformance.checks import require, step, verdict
from conformance.checks.common import status_in
from conformance.suite.compare import Bracket

from .conftest import INVOICES, Provisioner, Teos

requirement = pytest.mark.requirement


@requirement("TEOS-TENANT-01")
def test_teos_tenant_01_foreign_get_is_the_unknown_404(teos: Teos, provision: Provisioner) -> None:
    """Reads, with the primary token, an unknown id and the other tenant's fresh Open invoice.
    Expects the same 404 for both: status, headers and values, body bytes (volatile values set aside)."""
    foreign = provision.open("other")
    bracket = Bracket(lambda: teos.read(teos.unknown()))
    base, answer = teos.read(teos.unknown()), teos.read(foreign)
    require(status_in(answer, 404), status_in(base, 404), *bracket.verdicts(base, [answer]))


@requirement("TEOS-TENANT-01")
def test_teos_tenant_01_foreign_cancel_is_the_unknown_202(teos: Teos, provision: Provisioner) -> None:
    """Sends, with the primary token, a cancel of [unknown id] and one of [other tenant's fresh Open invoice].
    Expects the same answer to both (the transaction's own ids and clocks set aside), the invoice still Open."""
    foreign = provision.open("other")
    bracket = Bracket(lambda: teos.cancel([teos.unknown()]))
    base, answer = teos.cancel([teos.unknown()]), teos.cancel([foreign])
    require(status_in(answer, 202), *bracket.verdicts(base, [answer]))
    teos.assert_status(foreign, "Open", who="other", when=" after the 202")


def _listed_ids(teos: Teos, query: str) -> list[str] | None:
    """Ids of a list answer (bare array or {"value": [...]}, TEOS-D-LIST-SHAPE); None when it was a 400."""
    exchange = teos.send("GET", f"{INVOICES}{query}")
    if exchange.status == 400:
        return None
    with step(f"list the primary tenant's invoices ({query})"):
        try:
            body = exchange.json() if exchange.status == 200 else None
        except ValueError:
            body = None
        items = body.get("value") if isinstance(body, dict) else body
        require(verdict(isinstance(items, list), "200 with a list of invoices",
                        f"status {exchange.status}: {exchange.excerpt()}"))
    return [item.get("Id") for item in items if isinstance(item, dict)]


@requirement("TEOS-TENANT-02")
def test_teos_tenant_02_list_shows_only_own_invoices(teos: Teos, provision: Provisioner) -> None:
    """Lists, with the primary token, invoices filtered to the other tenant's fresh invoice (or all, if refused).
    Expects the other tenant's invoice not listed."""
    foreign = provision.open("other")
    filtered = _listed_ids(teos, f"?$filter=Id%20eq%20{foreign}")
    listed = filtered if filtered is not None else _listed_ids(teos, "?$top=1000")
    with step("list the primary tenant's invoices"):
        require(verdict(listed is not None, "a list", "the plain list answered 400 too"))
    require(verdict(foreign.lower() not in {str(i).lower() for i in listed}, "no invoice of another tenant listed",
                    f"the other tenant's invoice {foreign} is listed"))
