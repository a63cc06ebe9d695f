"""The shape of an API description (one module per API beside this one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # target.py reads the API descriptions; they only name its type
    from conformance.http import Client, Exchange
    from conformance.target import Target


@dataclass(frozen=True)
class Api:
    name: str
    prefix: str  # of its requirement ids
    document: str
    primary: str  # the credential of the primary user or tenant
    other: str  # the second user's or tenant's
    probe: str  # a read every target must answer with the primary credential (the run's preflight)
    invoices: str  # the collection: POST creates
    open_status: str  # the status a cancel can still change
    id_member: str  # of a created invoice
    credentials: tuple[str, ...]  # the target config's [credentials] keys
    fixtures: tuple[str, ...]  # its [fixtures] keys
    path_prefix: str  # every path of the API starts with it
    wait_headers: tuple[str, ...] = ("Retry-After",)  # where a 429 says how long to wait, first found wins

    def swap_unowned(self, case: Any, owned: Callable[[str], bool], fresh: Callable[[str | None], str]) -> None:
        """In a generated case that could change invoices (cancel, pay), replace each id `owned` does
        not accept by `fresh(id)` (Schemathesis' Case, edited before it is sent)."""
        raise NotImplementedError

    def schemathesis_auth(self, target: Target) -> dict[str, Any]:
        """Schemathesis' `auth.openapi` for the primary credential (by the document's security scheme)."""
        raise NotImplementedError

    def credential_for(self, who: str) -> str:
        return self.primary if who == "primary" else self.other

    def auth(self, target: Target, who: str, method: str, **options: Any) -> tuple[dict[str, str], dict[str, str]]:
        """(cookies, headers) that authenticate `who` for a request with this method. `who`: primary,
        other, a [credentials] key, or one of the API's forged credentials (invalid, none, ...)."""
        raise NotImplementedError

    def send(self, client: Client, target: Target, method: str, path: str, who: str = "primary", *,
             auth: dict[str, Any] | None = None, headers: dict[str, str] | None = None, **kwargs: Any) -> Exchange:
        """A request as `who`; `auth`: the API's options for its credentials, `headers`: added to theirs."""
        cookies, own = self.auth(target, who, method, **(auth or {}))
        return client.request(method, path, cookies=cookies, headers={**own, **(headers or {})}, **kwargs)

    def cancel(self, client: Client, target: Target, invoice_id: str, who: str = "primary") -> Exchange:
        raise NotImplementedError

    def default_create_body(self, client: Client) -> dict[str, Any] | str:
        """A create body built from the docs, or why none can be (a sentence naming what to configure)."""
        return "this API's create body cannot be built from the docs"

    def created_id(self, exchange: Exchange) -> str | None:
        """The id of the invoice a create made, or None when it did not answer with one."""
        body = exchange.json_object() if exchange.status in self.create_statuses else None
        created = body.get(self.id_member) if body else None
        return created if isinstance(created, str) and created else None

    create_statuses: tuple[int, ...] = (201,)
