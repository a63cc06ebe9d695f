"""Triport fixtures: the console as a client sees it, and the invoices a run owns."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest

from conformance.checks import require
from conformance.checks.common import status_in, volatile_paths
from conformance.checks.triport import invoice_status
from conformance.http import CheckFailed, Client, EventStream, Exchange
from conformance.suite.ids import unknown_like
from conformance.suite.provision import BaseProvisioner
from conformance.target import RunSettings, Target

INVOICES = "/v1/billing/invoices"


class Triport:
    """Requests as the console sends them: the session cookie, and the CSRF token where enforced."""

    def __init__(self, client: Client, target: Target, settings: RunSettings):
        self.client, self.target, self.settings = client, target, settings
        self.sessions = {"primary": target.credential("session"), "other": target.credential("other_session"),
                         "expired": target.credential("expired_session"), "invalid": "conformance-not-a-session",
                         "none": None}
        self.csrf = {"primary": target.credential("csrf_token"), "other": target.credential("other_csrf_token")}

    def cookies(self, who: str) -> dict[str, str]:
        return {"nl_session": self.sessions[who]} if self.sessions.get(who) else {}

    def send(self, method: str, path: str, who: str = "primary", *, csrf: str | None = "auto",
             **kwargs: Any) -> Exchange:
        cookies, headers = self.cookies(who), dict(kwargs.pop("headers", {}))
        token = self.csrf.get(who) if csrf == "auto" else csrf
        if token and method not in ("GET", "HEAD"):
            cookies["nl_csrf"] = self.csrf.get(who) or token
            headers["X-CSRF-Token"] = token
        return self.client.request(method, path, cookies=cookies, headers=headers, **kwargs)

    def cancel(self, invoice_id: str, who: str = "primary", **kwargs: Any) -> Exchange:
        return self.send(kwargs.pop("method", "POST"), f"{INVOICES}/{quote(invoice_id, safe='')}/cancel", who,
                         **kwargs)

    def read(self, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send("GET", f"{INVOICES}/{quote(invoice_id, safe='')}", who)

    def status(self, invoice_id: str, who: str = "primary") -> str:
        """The invoice's status as its owner reads it; the read itself must succeed."""
        exchange = self.read(invoice_id, who)
        require(status_in(exchange, 200))
        return exchange.json().get("status")

    def assert_status(self, invoice_id: str, expected: str, who: str = "primary") -> None:
        require(invoice_status(self.read(invoice_id, who), expected))

    def listed(self, status: str, who: str = "primary") -> list[dict[str, Any]]:
        exchange = self.send("GET", f"{INVOICES}?status={status}&limit=100", who)
        require(status_in(exchange, 200))
        return exchange.json()["invoices"]

    def create(self, who: str = "primary") -> str:
        exchange = self.send("POST", INVOICES, who, json_body=dict(self.target.create_body))
        if exchange.status not in (200, 201):  # TRIPORT-D-CREATE-STATUS
            raise CheckFailed("create to answer 200 or 201 (the suite needs invoices of its own)",
                              f"status {exchange.status}: {exchange.body[:120]!r}")
        return exchange.json()["id"]

    def stream(self, invoice_id: str, who: str = "primary") -> EventStream:
        return self.client.stream(f"{INVOICES}/{quote(invoice_id, safe='')}/events", cookies=self.cookies(who),
                                  read_timeout_s=self.settings.event_wait_s)

    def volatile(self) -> set[str]:
        """JSON paths that differ between two fresh rejections (request ids, clocks). Learned from two
        unknown ids, never from the repeats under test: a repeat that drifts must not teach it."""
        return volatile_paths(self.cancel(self.unknown()), self.cancel(self.unknown()))

    def unknown(self) -> str:
        samples = [i for ids in self.target.fixtures.values() for i in ids]
        return unknown_like(samples[0] if samples else None)


class Provisioner(BaseProvisioner):
    """Creates the pending invoices the run cancels and, at the end, cancels what it left pending."""

    open_status = "pending"
    pending = BaseProvisioner.new

    def cleanup(self) -> None:
        def cancel(item: tuple[str, str]) -> None:
            try:
                self.api.cancel(item[1], item[0])
            except CheckFailed:  # best effort: a broken target must not hide the run's results
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
