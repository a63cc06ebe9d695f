"""Concurrent cancels of one invoice: each is accepted, and the invoice is cancelled once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks import require, verdict
from conformance.target import RunSettings

from .conftest import Provisioner, Teos

requirement = pytest.mark.requirement


@requirement("TEOS-CONC-01")
def test_teos_conc_01_concurrent_cancels_are_all_accepted(teos: Teos, provision: Provisioner,
                                                          settings: RunSettings) -> None:
    """Sends N (default 8) cancels of one fresh Open invoice at the same moment.
    Expects every answer 202, then the invoice settling to Cancelled and still Cancelled after."""
    invoice_id = provision.open()
    start = threading.Barrier(settings.concurrency)

    def cancel(_: int) -> int | None:
        start.wait(timeout=settings.timeout_s)
        return teos.cancel([invoice_id]).status

    with ThreadPoolExecutor(settings.concurrency) as pool:
        statuses = list(pool.map(cancel, range(settings.concurrency)))
    require(verdict(statuses.count(202) == len(statuses), f"{len(statuses)} answers of 202",
                    f"statuses {sorted(statuses, key=str)}"))
    teos.settle([invoice_id])
    teos.assert_status(invoice_id, "Cancelled", when=" on a second read after it settled")
