"""Every behaviour the two seed pages document for the cancel endpoints is in the contracts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance import specs

TRIPORT_SEED = "000_01765b7ff8ac7643.txt"
TEOS_SEED = "003_13d14999380ae33e.txt"


def _seed(shared_dir: Path, name: str) -> str:
    return (shared_dir / "seeds" / name).read_text(encoding="utf-8")


def _json_after(text: str, marker: str) -> Any:
    """The first JSON value that follows `marker` in a seed page."""
    start = text.index(marker) + len(marker)
    start = text.index("{", start)
    value, _ = json.JSONDecoder().raw_decode(text[start:])
    return value


def _schema_errors(document: dict[str, Any], schema_name: str, instance: Any) -> list[str]:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return [error.message for error in Draft202012Validator(schema).iter_errors(instance)]


def _operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    method, path = specs.operations(document)[operation_id]
    return method, path, document["paths"][path][method.lower()]


@pytest.fixture(scope="module")
def triport() -> dict[str, Any]:
    return specs.load_document("triport.openapi.yaml")


@pytest.fixture(scope="module")
def teos() -> dict[str, Any]:
    return specs.load_document("teos.openapi.yaml")


# ---------------------------------------------------------------- Triport


def test_triport_cancel_is_post_on_the_documented_path(triport: dict[str, Any]) -> None:
    method, path, operation = _operation(triport, "cancelInvoice")
    assert (method, path) == ("POST", "/v1/billing/invoices/{id}/cancel")
    assert "requestBody" not in operation


def test_triport_cancel_204_has_no_body(triport: dict[str, Any]) -> None:
    _, _, operation = _operation(triport, "cancelInvoice")
    assert "content" not in operation["responses"]["204"]


def test_triport_uses_the_session_cookie(triport: dict[str, Any]) -> None:
    scheme = triport["components"]["securitySchemes"]["nlSession"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "cookie", "nl_session")
    assert triport["security"] == [{"nlSession": []}]


def test_triport_seed_status_codes_are_documented(shared_dir: Path, triport: dict[str, Any]) -> None:
    codes = set(re.findall(r"^(\d{3}) \|", _seed(shared_dir, TRIPORT_SEED), flags=re.M))
    assert codes == {"204", "401", "404"}
    _, _, operation = _operation(triport, "cancelInvoice")
    assert codes <= set(operation["responses"])


def test_triport_seed_error_example_is_the_error_schema(shared_dir: Path, triport: dict[str, Any]) -> None:
    example = _json_after(_seed(shared_dir, TRIPORT_SEED), '"<message>"}:')
    assert example == {"error": "not found or not pending"}
    assert _schema_errors(triport, "Error", example) == []
    _, _, operation = _operation(triport, "cancelInvoice")
    assert operation["responses"]["404"]["content"]["application/json"]["example"] == example


def test_triport_error_schema_requires_a_string_error(triport: dict[str, Any]) -> None:
    assert _schema_errors(triport, "Error", {"error": "x", "request_id": "req_1"}) == []
    assert _schema_errors(triport, "Error", {"message": "x"}) != []
    assert _schema_errors(triport, "Error", {"error": 404}) != []


def test_triport_invoice_statuses_are_the_documented_four(triport: dict[str, Any]) -> None:
    assert triport["components"]["schemas"]["InvoiceStatus"]["enum"] == ["pending", "paid", "expired", "cancelled"]


# ---------------------------------------------------------------- TEOS


def test_teos_cancel_is_post_on_the_documented_path(teos: dict[str, Any]) -> None:
    method, path, _ = _operation(teos, "cancelInvoices")
    assert (method, path) == ("POST", "/odata/v1.0/Invoices/Cancel")


def test_teos_uses_a_bearer_token(teos: dict[str, Any]) -> None:
    scheme = teos["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert teos["security"] == [{"bearerAuth": []}]


def test_teos_seed_status_codes_are_documented(shared_dir: Path, teos: dict[str, Any]) -> None:
    table = _seed(shared_dir, TEOS_SEED).split("Response Codes", 1)[1]
    codes = set(re.findall(r"^(\d{3})$", table, flags=re.M))
    assert codes == {"202", "400", "401"}
    _, _, operation = _operation(teos, "cancelInvoices")
    assert codes <= set(operation["responses"])


def test_teos_seed_request_example_matches(shared_dir: Path, teos: dict[str, Any]) -> None:
    example = _json_after(_seed(shared_dir, TEOS_SEED), "Example Request Body:")
    assert _schema_errors(teos, "CancelInvoicesRequest", example) == []


def test_teos_request_rejects_what_the_seed_calls_invalid(teos: dict[str, Any]) -> None:
    for invalid in ({}, {"invoiceIds": "a"}, {"invoiceIds": [1]}, {"invoiceIds": None}):
        assert _schema_errors(teos, "CancelInvoicesRequest", invalid) != [], invalid


def test_teos_seed_response_example_matches(shared_dir: Path, teos: dict[str, Any]) -> None:
    example = _json_after(_seed(shared_dir, TEOS_SEED), "Example Response Body:")
    assert _schema_errors(teos, "CancelResult", example) == []
    assert _schema_errors(teos, "CancelResult", [example]) == []


def test_teos_transaction_has_every_seed_field(shared_dir: Path, teos: dict[str, Any]) -> None:
    seed = _seed(shared_dir, TEOS_SEED)
    table = seed.split("Response Body", 1)[1].split("Example Response Body", 1)[0]
    fields = set(re.findall(r"^([A-Z][A-Za-z]+)$", table, flags=re.M)) - {"Parameter", "Description"}
    example = _json_after(seed, "Example Response Body:")
    assert fields == set(example)
    assert fields <= set(teos["components"]["schemas"]["Transaction"]["properties"])


def test_teos_transaction_state_accepts_numbers_and_names(teos: dict[str, Any]) -> None:
    for state in (3, "3", "Confirmed"):
        assert _schema_errors(teos, "Transaction", {"Id": "x", "State": state}) == [], state
    assert _schema_errors(teos, "Transaction", {"Id": "x", "State": "Bogus"}) != []
