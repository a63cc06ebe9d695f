"""TEOS fixtures: the API as a bearer-token client sees it, and the invoices a run owns."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from conformance.apis.teos import TEOS
from conformance.checks import require, step, verdict
from conformance.http import CheckFailed, Client, Exchange, path_segment
from conformance.ids import unknown_like
from conformance.suite.provision import BaseProvisioner
from conformance.target import RunSettings, Target

INVOICES = "/odata/v1.0/Invoices"
CANCEL = f"{INVOICES}/Cancel"
TRANSACTIONS = "/odata/v1.0/Transactions"
# What an invoice of an accepted batch may read before it reads Cancelled (TEOS-D-SETTLE-TIME).
SETTLING = ("Open", "Processing")
class Teos:
    """Requests as a TEOS client sends them: `Authorization: Bearer <token>`, JSON bodies, OData paths."""

    def __init__(self, client: Client, target: Target, settings: RunSettings):
        self.client, self.target, self.settings = client, target, settings
        self.last_read: dict[str, Any] = {}  # invoice id -> the status it read last (the tidy-up skips final ones)

    def send(self, method: str, path: str, who: str = "primary", **kwargs: Any) -> Exchange:
        """As `who`: primary, other, or a forged token (invalid, unsigned, none: apis/teos.py)."""
        return TEOS.send(self.client, self.target, method, path, who, **kwargs)

    # ---------------------------------------------------------------- cancel

    def cancel(self, ids: Iterable[str], who: str = "primary") -> Exchange:
        return self.send("POST", CANCEL, who, json_body={"invoiceIds": list(ids)})

    def cancel_raw(self, body: Any, who: str = "primary", *,
                   content_type: str | None = "application/json") -> Exchange:
        """A cancel with any body: bytes or str as they are, anything else encoded as JSON; no
        Content-Type when content_type is None."""
        data = body if isinstance(body, bytes | str) else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        return self.send("POST", CANCEL, who, headers=headers, data=data)

    # ---------------------------------------------------------------- invoices

    def read(self, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send("GET", f"{INVOICES}({path_segment(invoice_id)})", who)

    def status(self, invoice_id: str, who: str = "primary") -> Any:
        """The invoice's Status as the given tenant reads it. The read is a step: if it fails, the
        requirement that needed it is undecided."""
        with step(f"read invoice {invoice_id} back ({who} token)"):
            exchange = self.read(invoice_id, who)
            body = exchange.json_object() if exchange.status == 200 else None
            require(verdict(body is not None, "200 with the invoice", f"status {exchange.status}: "
                            f"{exchange.excerpt()}"))
        self.last_read[invoice_id] = body.get("Status")
        return body.get("Status")

    def assert_status(self, invoice_id: str, expected: str, who: str = "primary", when: str = "") -> None:
        actual = self.status(invoice_id, who)
        owner = "" if who == "primary" else f" for its {who} tenant"
        require(verdict(actual == expected, f"invoice {invoice_id} still {expected}{owner}{when}",
                        f"it reads {actual!r}"))

    def create(self, who: str = "primary") -> str:
        """A fresh Open invoice of `who`: a step (the suite needs it, no requirement judges it here)."""
        key = "create.body" if who == "primary" else "create.body, with the other tenant's token"
        with step(f"create an invoice ({key})"):
            exchange = self.send("POST", INVOICES, who, json_body=dict(self.target.create_body))
            body = exchange.json_object() if exchange.status == 201 else None
            require(verdict(body is not None and isinstance(body.get("Id"), str) and body.get("Status") == "Open",
                            "201 with an Open invoice", f"status {exchange.status}: {exchange.excerpt()}"))
        return body["Id"]

    def settle(self, ids: Iterable[str], who: str = "primary") -> float:
        """Poll each invoice until it reads Cancelled; the seconds that took (TEOS-D-SETTLE-TIME).

        Until then each may read only Open or Processing; any other status, or the target's settle
        deadline passing, fails the requirement, naming what was seen and when. A read that fails is a
        step that failed: the requirement is undecided.
        """
        deadline_s, started = self.target.settle_deadline_s, time.monotonic()
        expected = f"every invoice to read Cancelled within {deadline_s:g} s, only Open or Processing before"
        pause = 0.05
        for invoice_id in dict.fromkeys(ids):
            while True:
                status = self.status(invoice_id, who)  # a read that fails leaves the requirement undecided
                elapsed = time.monotonic() - started
                if status == "Cancelled":
                    break
                if status not in SETTLING:
                    raise CheckFailed(expected, f"invoice {invoice_id} read {status!r} after {elapsed:.2f} s")
                if elapsed >= deadline_s:
                    raise CheckFailed(expected, f"invoice {invoice_id} still read {status!r} after "
                                                f"{elapsed:.2f} s")
                time.sleep(min(pause, deadline_s - elapsed + 0.01))  # the last read falls past the deadline
                pause = min(pause * 1.5, 1.0)
        return time.monotonic() - started

    # ---------------------------------------------------------------- transactions

    def transaction(self, transaction_id: str, who: str = "primary") -> Exchange:
        return self.send("GET", f"{TRANSACTIONS}({path_segment(str(transaction_id))})", who)

    def unknown(self) -> str:
        """A GUID no invoice has, shaped like the target's own ids."""
        samples = [i for ids in self.target.fixtures.values() for i in ids]
        return unknown_like(samples[0] if samples else str(uuid.uuid4()))


class Provisioner(BaseProvisioner):
    """Creates the Open invoices the run cancels and, at the end, cancels what it left Open."""

    open_status = "Open"
    final = ("Cancelled", "Paid", "Expired")
    open = BaseProvisioner.new

    def victim(self) -> tuple[str, str]:
        """An invoice a request must leave as it is, with its status: a fresh Open one, or in
        profile safe a Paid fixture (which no conforming cancel can change)."""
        if self.api.settings.profile == "safe":
            paid = self.api.target.fixtures.get("paid")
            if not paid:
                pytest.skip("not configured: profile safe needs fixtures.paid")
            return paid[0], "Paid"
        return self.open(), "Open"

    def cleanup(self) -> None:
        by_tenant: dict[str, list[str]] = {}
        for who, invoice_id in self.still_open():
            by_tenant.setdefault(who, []).append(invoice_id)
        for who, ids in by_tenant.items():  # one batch per tenant
            try:
                self.api.cancel(ids, who)
            except (CheckFailed, RuntimeError):  # best effort: a broken target must not hide the results
                continue


@pytest.fixture(scope="session")
def teos(client: Client, target: Target, settings: RunSettings) -> Teos:
    return Teos(client, target, settings)


@pytest.fixture(scope="session")
def provision(teos: Teos) -> Iterator[Provisioner]:
    provisioner = Provisioner(teos)
    yield provisioner
    provisioner.cleanup()
