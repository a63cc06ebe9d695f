"""What both APIs' provisioners share: the invoices a run creates, and which of them are still
open at the end (so the run can cancel them and leave no litter)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conformance.http import CheckFailed


class BaseProvisioner:
    """The API object must offer `create(who)`, `status(invoice_id, who)` and `settings`."""

    open_status = ""  # the status a cancel can still change (pending, Open)
    final: tuple[str, ...] = ()  # statuses no request changes again (cancelled one way, paid, expired)

    def __init__(self, api: Any):
        self.api, self.created = api, []
        # The tidy-up at the end is on the run's critical path: under --workers it may use the
        # connections all the run's processes could (the target has seen that many at once already).
        self.tidy_threads = api.settings.concurrency * api.settings.workers

    def new(self, who: str = "primary") -> str:
        """A fresh open invoice of `who`, remembered for the tidy-up; profile safe creates none."""
        if self.api.settings.profile == "safe":
            pytest.skip("profile safe creates no invoice")
        invoice_id = self.api.create(who)
        self.created.append((who, invoice_id))
        return invoice_id

    def tidy_budget(self) -> None:
        """The tidy-up may run one --timeout past the run's deadline (the margin README states), no more."""
        client = self.api.client
        if client.deadline is not None:
            client.deadline = max(client.deadline, time.monotonic()) + self.api.settings.timeout_s

    def still_open(self) -> list[tuple[str, str]]:
        """(who, id) of what the run created and is still open. Generated cases leave dozens behind:
        with a slow target, one read at a time would dominate the run, so they are read in parallel;
        an invoice the run last read in a final status is not read again."""
        self.tidy_budget()
        unsettled = [item for item in self.created if self.api.last_read.get(item[1]) not in self.final]

        def is_open(item: tuple[str, str]) -> bool:
            try:
                return self.api.status(item[1], item[0]) == self.open_status
            except (CheckFailed, RuntimeError):  # best effort: a broken target must not hide the results
                return False

        with ThreadPoolExecutor(self.tidy_threads) as pool:
            flags = list(pool.map(is_open, unsettled))
        return [item for item, flag in zip(unsettled, flags, strict=True) if flag]
