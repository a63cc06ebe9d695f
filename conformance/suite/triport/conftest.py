"""Triport fixtures: the console as a client sees it, and the invoices a run owns."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.apis.triport import TRIPORT
from conformance.checks import require, step, verdict
from conformance.checks.triport import snapshot_first
from conformance.http import CheckFailed, Client, EventStream, Exchange, path_segment
from conformance.ids import unknown_like
from conformance.suite.provision import BaseProvisioner
from conformance.target import RunSettings, Target

INVOICES = "/v1/billing/invoices"


class Triport:
    """Requests as the console sends them: the session cookie, and the CSRF token where enforced."""

    def __init__(self, client: Client, target: Target, settings: RunSettings):
        self.client, self.target, self.settings = client, target, settings
        self.last_read: dict[str, Any] = {}  # invoice id -> the status it read last (the tidy-up skips final ones)

    def send(self, method: str, path: str, who: str = "primary", *, csrf: str | None = "auto",
             csrf_cookie: str | None = "auto", **kwargs: Any) -> Exchange:
        """As `who` (primary, other, expired, or a forged session: invalid, none); `csrf` and
        `csrf_cookie` as apis/triport.py reads them."""
        return TRIPORT.send(self.client, self.target, method, path, who,
                            auth={"csrf": csrf, "csrf_cookie": csrf_cookie}, **kwargs)

    def cancel(self, invoice_id: str, who: str = "primary", **kwargs: Any) -> Exchange:
        return self.send(kwargs.pop("method", "POST"), f"{INVOICES}/{path_segment(invoice_id)}/cancel", who,
                         **kwargs)

    def cancelled(self, invoice_id: str, who: str = "primary") -> None:
        """Cancel as a step (to make an invoice terminal, to trigger an event): its own 204 is judged
        by TRIPORT-CANCEL-01, so here a refusal leaves the requirement undecided."""
        with step(f"cancel invoice {invoice_id} ({who} user) as a step"):
            exchange = self.cancel(invoice_id, who)
            require(verdict(exchange.status == 204, "204", f"status {exchange.status}: {exchange.excerpt()}"))

    @contextmanager
    def subscribed(self, invoice_id: str, who: str = "primary") -> Iterator[EventStream]:
        """An open subscription whose snapshot (reading pending) has been read: a step for the tests
        that only observe with it (TRIPORT-EVENTS-01 judges the subscription itself)."""
        what = f"subscribe to invoice {invoice_id} and read its snapshot (judged by TRIPORT-EVENTS-01)"
        with step(what):
            stream = self.stream(invoice_id, who)
        try:
            with step(what):
                require(verdict(stream.exchange.status == 200, "200", f"status {stream.exchange.status}"))
                first = next(stream.frames(self.settings.event_wait_s), None)
                require(snapshot_first([first] if first else [], "pending"))
            yield stream
        finally:
            stream.close()

    def read(self, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send("GET", f"{INVOICES}/{path_segment(invoice_id)}", who)

    def status(self, invoice_id: str, who: str = "primary") -> str:
        """The invoice's status as its owner reads it. The read is a step: if it fails, the requirement
        that needed it is undecided."""
        with step(f"read invoice {invoice_id} back ({who} user's GET)"):
            exchange = self.read(invoice_id, who)
            body = exchange.json_object() if exchange.status == 200 else None
            require(verdict(body is not None, "200 with the invoice", f"status {exchange.status}: "
                            f"{exchange.excerpt()}"))
        self.last_read[invoice_id] = body.get("status")
        return body.get("status")

    def assert_status(self, invoice_id: str, expected: str, who: str = "primary") -> None:
        actual = self.status(invoice_id, who)
        owner = "" if who == "primary" else f" for its {who} user"
        require(verdict(actual == expected, f"invoice {invoice_id} to read {expected}{owner}", f"it reads {actual!r}"))

    def listed(self, status: str, who: str = "primary") -> list[dict[str, Any]]:
        """The caller's invoices of one status (a step: a failed list is undecided)."""
        return self._list(f"?status={status}&limit=100", f"{status} ", who)

    def listed_all(self, who: str = "primary") -> list[dict[str, Any]]:
        return self._list("?limit=100", "", who)

    def _list(self, query: str, label: str, who: str) -> list[dict[str, Any]]:
        with step(f"list the {who} user's {label}invoices"):
            exchange = self.send("GET", f"{INVOICES}{query}", who)
            body = exchange.json_object() if exchange.status == 200 else None
            invoices = body.get("invoices") if body else None
            require(verdict(isinstance(invoices, list), "200 with an invoices array",
                            f"status {exchange.status}: {exchange.excerpt()}"))
        return [i for i in invoices if isinstance(i, dict)]

    def create(self, who: str = "primary") -> str:
        """A fresh pending invoice of `who`: a step (the suite needs it, no requirement judges it here)."""
        key = "create.body" if who == "primary" else "create.body, as the second user"
        with step(f"create an invoice ({key})"):
            exchange = self.send("POST", INVOICES, who, json_body=dict(self.target.create_body))
            body = exchange.json_object() if exchange.status in (200, 201) else None  # TRIPORT-D-CREATE-STATUS
            require(verdict(body is not None and isinstance(body.get("id"), str), "200 or 201 with the invoice",
                            f"status {exchange.status}: {exchange.excerpt()}"))
        return body["id"]

    def stream(self, invoice_id: str, who: str = "primary") -> EventStream:
        """A subscription to the invoice's events (judged by the EVENTS tests that open it)."""
        cookies, _ = TRIPORT.auth(self.target, who, "GET")
        return self.client.stream(f"{INVOICES}/{path_segment(invoice_id)}/events", cookies=cookies,
                                  read_timeout_s=self.settings.event_wait_s)

    def unknown_cancel(self) -> Exchange:
        """A cancel of a fresh unknown id: the reference answer rejections are compared around."""
        return self.cancel(self.unknown())

    def unknown(self) -> str:
        samples = [i for ids in self.target.fixtures.values() for i in ids]
        return unknown_like(samples[0] if samples else None)


class Provisioner(BaseProvisioner):
    """Creates the pending invoices the run cancels and, at the end, cancels what it left pending."""

    open_status = "pending"
    final = ("cancelled", "paid", "expired")
    pending = BaseProvisioner.new

    def cleanup(self) -> None:
        def cancel(item: tuple[str, str]) -> None:
            try:
                self.api.cancel(item[1], item[0])
            except (CheckFailed, RuntimeError):  # best effort: a broken target must not hide the run's results
                pass

        with ThreadPoolExecutor(self.tidy_threads) as pool:
            list(pool.map(cancel, self.still_open()))


@pytest.fixture(scope="session")
def triport(client: Client, target: Target, settings: RunSettings) -> Triport:
    return Triport(client, target, settings)


@pytest.fixture(scope="session")
def provision(triport: Triport) -> Iterator[Provisioner]:
    provisioner = Provisioner(triport)
    yield provisioner
    provisioner.cleanup()
