"""Checks specific to TEOS."""

from __future__ import annotations

import json
from typing import Any

from conformance.checks import Verdict, verdict
from conformance.checks.contract import contract_for
from conformance.http import Exchange


def transactions(exchange: Exchange) -> list[dict[str, Any]]:
    """The transaction(s) a 202 describes (one object or an array: TEOS-D-CANCEL-BODY)."""
    body = exchange.json()
    return body if isinstance(body, list) else [body]


def cancel_result(exchange: Exchange) -> Verdict:
    try:
        body = exchange.json()
    except ValueError:
        return verdict(False, "a Transaction body", f"not JSON: {exchange.excerpt(80)}")
    errors = contract_for("teos").schema_errors("CancelResult", body)
    return verdict(not errors, "a body matching the Transaction schema", "; ".join(errors[:3]) or "ok")


def coreledger_error(exchange: Exchange) -> Verdict:
    try:
        body = exchange.json()
    except ValueError:
        return verdict(False, "CoreLedger's error body", f"not JSON: {exchange.excerpt(80)}")
    ok = isinstance(body, dict) and isinstance(body.get("code"), int | str) and not isinstance(body.get("code"), bool) \
        and isinstance(body.get("message"), str)
    return verdict(ok, "a JSON object with code and message", json.dumps(body)[:120])
