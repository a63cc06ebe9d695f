"""TEOS (CoreLedger): `Authorization: Bearer <token>`, OData paths, batch cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.apis.base import Api

if TYPE_CHECKING:
    from conformance.http import Client, Exchange
    from conformance.target import Target

INVOICES = "/odata/v1.0/Invoices"
CANCEL = f"{INVOICES}/Cancel"
TOKENS = {"primary": "token", "other": "other_token"}
# Credentials no one issued, for the 401 tests: a string that is no token, and an unsigned JWT (alg
# "none") naming a tenant: shaped like a token, issued by no one. "none": no Authorization at all.
FORGED = {"invalid": "conformance-not-a-token",
          "unsigned": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ0aWQiOiJjb25mb3JtYW5jZSIsInNjcCI6InByb2QudGVvc2FwaSJ9.",
          "none": None}


@dataclass(frozen=True)
class Teos(Api):
    def auth(self, target: Target, who: str, method: str, **options: Any) -> tuple[dict[str, str], dict[str, str]]:
        token = FORGED[who] if who in FORGED else target.credential(TOKENS.get(who, who))
        return {}, ({"Authorization": f"Bearer {token}"} if token else {})

    def swap_unowned(self, case: Any, owned: Callable[[str], bool], fresh: Callable[[str | None], str]) -> None:
        if case.method == "POST" and case.path == CANCEL and isinstance(case.body, dict):
            ids = case.body.get("invoiceIds")
            if isinstance(ids, list):  # non-strings stay: they are the malformed cases, and name nothing
                case.body["invoiceIds"] = [i if not isinstance(i, str) or owned(i) else fresh(i) for i in ids]

    def schemathesis_auth(self, target: Target) -> dict[str, Any]:
        return {"bearerAuth": {"bearer": target.credential("token")}}

    def cancel(self, client: Client, target: Target, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send(client, target, "POST", CANCEL, who, json_body={"invoiceIds": [invoice_id]})

    def default_create_body(self, client: Client) -> str:
        return ("no [create] body is configured; TEOS needs one naming the tenant's own asset "
                "(UniqueAssetId, TargetAddress, DesiredAmount, DueOn): set create.body in the config")


TEOS = Teos("teos", "TEOS", "teos.openapi.yaml", "token", "other_token", f"{INVOICES}?$top=1", INVOICES, "Open", "Id",
            ("token", "other_token"), ("paid", "expired", "other_open"), "/odata/",
            wait_headers=("Retry-After", "X-Rate-Limit-Reset"))  # TEOS-D-RATE-LIMIT
