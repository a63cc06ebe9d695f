"""TEOS (CoreLedger): `Authorization: Bearer <token>`, OData paths, batch cancel."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.apis.base import Api
from conformance.http import Client, Exchange
from conformance.target import Target

INVOICES = "/odata/v1.0/Invoices"
CANCEL = f"{INVOICES}/Cancel"
TOKENS = {"primary": "token", "other": "other_token"}


@dataclass(frozen=True)
class Teos(Api):
    def auth(self, target: Target, who: str, method: str) -> tuple[dict[str, str], dict[str, str]]:
        token = target.credential(TOKENS.get(who, who))
        return {}, ({"Authorization": f"Bearer {token}"} if token else {})

    def cancel(self, client: Client, target: Target, invoice_id: str, who: str = "primary") -> Exchange:
        return self.send(client, target, "POST", CANCEL, who, json_body={"invoiceIds": [invoice_id]})

    def default_create_body(self, client: Client) -> str:
        return ("no [create] body is configured; TEOS needs one naming the tenant's own asset "
                "(UniqueAssetId, TargetAddress, DesiredAmount, DueOn): set create.body in the config")


TEOS = Teos("teos", "TEOS", "teos.openapi.yaml", "token", "other_token", f"{INVOICES}?$top=1", INVOICES, "Open", "Id")
