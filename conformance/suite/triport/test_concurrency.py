"""Concurrent cancels of one invoice: the check-and-set is atomic."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks import require, verdict
from conformance.target import RunSettings

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-CONC-01")
def test_triport_conc_01_concurrent_cancels_succeed_once(triport: Triport, provision: Provisioner,
                                                         settings: RunSettings) -> None:
    """Sends N (default 8) cancels of one pending invoice at the same moment.
    Expects exactly one 204, every other answer 404, and the invoice cancelled."""
    invoice_id = provision.pending()
    start = threading.Barrier(settings.concurrency)

    def cancel(_: int) -> int | None:
        start.wait()
        return triport.cancel(invoice_id).status

    with ThreadPoolExecutor(settings.concurrency) as pool:
        statuses = sorted(pool.map(cancel, range(settings.concurrency)), key=str)
    require(verdict(statuses.count(204) == 1 and statuses.count(404) == len(statuses) - 1,
                    f"one 204 and {len(statuses) - 1} 404", f"statuses {statuses}"))
    triport.assert_status(invoice_id, "cancelled")
