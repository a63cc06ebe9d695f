"""The cancel transaction a 202 describes can be read back."""

from __future__ import annotations

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import status_in
from conformance.checks.teos import cancel_result, transactions

from .conftest import Provisioner, Teos

requirement = pytest.mark.requirement


def _same_id(returned: object, read: object) -> bool:
    """Ids compare exactly; GUIDs, which OData compares without case, also ignoring case."""
    return returned == read or (isinstance(returned, str) and isinstance(read, str)
                                and returned.lower() == read.lower() and len(returned) == 36)


@requirement("TEOS-TX-01")
def test_teos_tx_01_cancel_transaction_reads_back(teos: Teos, provision: Provisioner) -> None:
    """Sends a cancel of two fresh Open invoices, then a get-transaction for each transaction the 202 returns.
    Expects each get to answer 200 with the same Id."""
    exchange = teos.cancel([provision.open(), provision.open()])
    require(status_in(exchange, 202), cancel_result(exchange))
    for transaction in transactions(exchange):
        read = teos.transaction(transaction["Id"])
        require(status_in(read, 200))
        try:
            read_id = read.json().get("Id")
        except (ValueError, AttributeError):
            read_id = None
        require(verdict(_same_id(transaction["Id"], read_id), f"the transaction read back with Id "
                        f"{transaction['Id']!r}", f"Id {read_id!r}"))
