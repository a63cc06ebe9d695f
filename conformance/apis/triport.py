"""Triport console billing: cookie `nl_session`, and `X-CSRF-Token` + `nl_csrf` where CSRF is enforced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from conformance.apis.base import Api

if TYPE_CHECKING:
    from conformance.http import Client, Exchange
    from conformance.target import Target

INVOICES = "/v1/billing/invoices"
RAILS = "/v1/billing/rails"
# Create, from the docs: a documented channel and bill_action; the rail comes from the target's own list.
CHANNEL = "crypto-onchain"
BILL_ACTION = {"type": "topup", "plan": "starter", "months": 1}
SESSIONS = {"primary": "session", "other": "other_session", "expired": "expired_session"}
CSRF_TOKENS = {"primary": "csrf_token", "other": "other_csrf_token"}
FORGED = {"invalid": "conformance-not-a-session", "none": None}  # for the 401 tests; none: no cookie


@dataclass(frozen=True)
class Triport(Api):
    create_statuses: tuple[int, ...] = (200, 201)  # TRIPORT-D-CREATE-STATUS

    def swap_unowned(self, case: Any, owned: Callable[[str], bool], fresh: Callable[[str | None], str]) -> None:
        changes = case.method == "POST" and case.path.endswith(("/cancel", "/pay-from-balance"))
        if changes and case.path_parameters and not owned(case.path_parameters.get("id")):
            case.path_parameters["id"] = fresh(None)

    def schemathesis_auth(self, target: Target) -> dict[str, Any]:
        return {"nlSession": {"api_key": target.credential("session")}}

    def auth(self, target: Target, who: str, method: str, *, csrf: str | None = "auto",
             csrf_cookie: str | None = "auto", **options: Any) -> tuple[dict[str, str], dict[str, str]]:
        """`csrf`: the X-CSRF-Token a write sends (auto: the user's own, where CSRF is enforced; None:
        none); `csrf_cookie`: the nl_csrf cookie beside it (auto: the user's own token, or the header's)."""
        session = FORGED[who] if who in FORGED else target.credential(SESSIONS.get(who, who))
        cookies, headers = ({"nl_session": session} if session else {}), {}
        own = target.credential(CSRF_TOKENS.get(who, ""))
        token = own if csrf == "auto" else csrf
        if token and method not in ("GET", "HEAD"):
            cookie = (own or token) if csrf_cookie == "auto" else csrf_cookie
            if cookie:
                cookies["nl_csrf"] = cookie
            headers["X-CSRF-Token"] = token
        return cookies, headers

    def cancel(self, client: Client, target: Target, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send(client, target, "POST", f"{INVOICES}/{quote(invoice_id, safe='')}/cancel", who)

    def default_create_body(self, client: Client) -> dict[str, Any] | str:
        """channel crypto-onchain, a topup of the starter plan for a month, and the first rail the
        target's GET /v1/billing/rails lists for that channel."""
        from conformance.http import NoResponse

        try:
            exchange = client.request("GET", RAILS)
            rails = exchange.json().get("rails") if exchange.status == 200 else None
        except (NoResponse, ValueError, AttributeError):
            rails = None
        usable = [r.get("id") for r in rails or () if isinstance(r, dict) and isinstance(r.get("id"), str)
                  and CHANNEL in (r.get("channels") or ())]
        if not usable:
            return (f"no [create] body is configured, and GET {RAILS} listed no rail for channel {CHANNEL}: "
                    "set create.body in the config")
        return {"channel": CHANNEL, "rail": usable[0], "bill_action": dict(BILL_ACTION)}


TRIPORT = Triport("triport", "TRIPORT", "triport.openapi.yaml", "session", "other_session",
                  f"{INVOICES}?limit=1", INVOICES, "pending", "id",
                  ("session", "other_session", "expired_session", "csrf_token", "other_csrf_token"),
                  ("paid", "expired", "other_pending"), "/v1/billing")
