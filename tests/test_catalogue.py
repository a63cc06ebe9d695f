"""The requirement catalogue: well-formed, stable ids, consistent with the documents and sources."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import specs
from conformance.catalogue import (
    Catalogue,
    CatalogueError,
    check_against_documents,
    parse_catalogue,
)

# The statements issue #2 names, by the id that carries each. Ids are stable: if one of these
# ever moves to `retired`, its statement must be carried by another id listed here.
MANDATED = {
    "own pending -> 204, zero-length body": "TRIPORT-CANCEL-01",
    "reads cancelled: get": "TRIPORT-CANCEL-02",
    "reads cancelled: list": "TRIPORT-CANCEL-03",
    "reads cancelled: fresh event-stream snapshot": "TRIPORT-EVENTS-03",
    "subscriber receives invoice_cancelled": "TRIPORT-EVENTS-02",
    "paid -> 404, unchanged": "TRIPORT-CANCEL-04",
    "expired -> 404, unchanged": "TRIPORT-CANCEL-05",
    "already cancelled -> 404, unchanged": "TRIPORT-CANCEL-06",
    "repeated rejection is identical": "TRIPORT-CANCEL-07",
    "unknown id -> 404": "TRIPORT-CANCEL-08",
    "other user's pending -> 404, stays pending": "TRIPORT-CANCEL-09",
    "three 404 kinds indistinguishable": "TRIPORT-CANCEL-10",
    "404/401 bodies are JSON with a string error": "TRIPORT-ERROR-01",
    "missing session -> 401": "TRIPORT-AUTH-01",
    "invalid session -> 401": "TRIPORT-AUTH-02",
    "expired session -> 401": "TRIPORT-AUTH-03",
    "authentication before existence": "TRIPORT-AUTH-04",
    "N concurrent cancels -> exactly one 204": "TRIPORT-CONC-01",
    "GET/HEAD on the cancel path never cancel": "TRIPORT-CANCEL-12",
    "CSRF enforced, no valid token -> 403": "TRIPORT-CSRF-01",
    "Triport: no 5xx": "TRIPORT-ROBUST-01",
    "Triport: responses match the document": "TRIPORT-SCHEMA-01",
    "SHOULD: 404 latency does not reveal ownership": "TRIPORT-CANCEL-13",
    "Open invoices -> 202 with a transaction": "TEOS-CANCEL-01",
    "each becomes Cancelled within a deadline": "TEOS-CANCEL-02",
    "unknown ids ignored, rest cancelled": "TEOS-CANCEL-03",
    "Paid ids ignored": "TEOS-CANCEL-04",
    "Expired ids ignored": "TEOS-CANCEL-05",
    "re-cancelling accepted, changes nothing": "TEOS-CANCEL-06",
    "other tenants' ids ignored": "TEOS-CANCEL-07",
    "duplicates harmless": "TEOS-CANCEL-08",
    "not JSON -> 400": "TEOS-VALID-01",
    "lacks invoiceIds -> 400": "TEOS-VALID-02",
    "non-array -> 400": "TEOS-VALID-03",
    "non-string entries -> 400": "TEOS-VALID-04",
    "missing token -> 401": "TEOS-AUTH-01",
    "invalid token -> 401": "TEOS-AUTH-02",
    "concurrent cancels never fail or double-apply": "TEOS-CONC-01",
    "TEOS: no 5xx": "TEOS-ROBUST-01",
    "TEOS: responses match the document": "TEOS-SCHEMA-01",
    "SHOULD: the transaction can be read back": "TEOS-TX-01",
}
SHOULDS = {"TRIPORT-CANCEL-13", "TEOS-TX-01"}


def _raw() -> dict[str, Any]:
    return copy.deepcopy(specs.load_yaml(specs.spec_dir() / "requirements.yaml"))


def test_the_bundled_catalogue_loads(catalogue: Catalogue) -> None:
    assert {r.api for r in catalogue.requirements} == {"triport", "teos"}
    assert len(catalogue.for_api("triport")) >= 20 and len(catalogue.for_api("teos")) >= 15


@pytest.mark.parametrize("statement", sorted(MANDATED), ids=lambda s: MANDATED[s])
def test_every_mandated_statement_has_its_requirement(catalogue: Catalogue, statement: str) -> None:
    requirement = catalogue.get(MANDATED[statement])
    assert requirement.level == ("SHOULD" if requirement.id in SHOULDS else "MUST")


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_statements_and_titles_are_distinct_within_an_api(catalogue: Catalogue, api: str) -> None:
    for field in ("title", "statement"):
        values = [getattr(r, field) for r in catalogue.for_api(api)]
        assert len(values) == len(set(values)), field


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets one field of the first requirement."""
    def mutate(data: dict[str, Any]) -> None:
        data["requirements"][0][path] = value
    return mutate


def _duplicate_first(data: dict[str, Any]) -> None:
    data["requirements"].append(copy.deepcopy(data["requirements"][0]))


def _retire_first(data: dict[str, Any]) -> None:
    data["retired"] = [data["requirements"][0]["id"]]


def _drop_level(data: dict[str, Any]) -> None:
    del data["requirements"][0]["level"]


BROKEN = [
    ("duplicate-id", _duplicate_first, "duplicate id"),
    ("retired-id-reused", _retire_first, "reuses a retired id"),
    ("positional-id", _set("id", "TRIPORT-6.5-3"), "id must be <API>-<AREA>-<NN>"),
    ("unknown-prefix", _set("id", "STRIPE-CANCEL-01"), "known API prefix"),
    ("three-digit-number", _set("id", "TRIPORT-CANCEL-001"), "id must be"),
    ("bad-level", _set("level", "MUST NOT"), "level must be one of"),
    ("empty-accepted", _set("accepted", []), "accepted a non-empty list"),
    ("missing-level", _drop_level, "missing ['level']"),
    ("unknown-field", _set("severity", "high"), "unknown ['severity']"),
    ("unknown-source", _set("source", {"ref": "blog", "section": "x"}), "unknown source 'blog'"),
    ("unknown-section", _set("source", {"ref": "triport-cancel", "section": "Pricing"}), "no section 'Pricing'"),
    ("unknown-input", _set("needs", ["third_session"]), "needs unknown inputs ['third_session']"),
]


@pytest.mark.parametrize(("mutate", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_catalogue_is_refused(mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    data = _raw()
    mutate(data)
    with pytest.raises(CatalogueError) as raised:
        parse_catalogue(data)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


MISMATCHED = [
    ("unknown-operation", "operation", "deleteInvoice", "no operation 'deleteInvoice'"),
    ("teos-operation-in-triport", "operation", "cancelInvoices", "no operation 'cancelInvoices'"),
    ("unknown-observer", "observed_via", ["getInvoices"], "no operation 'getInvoices'"),
    ("unknown-decision", "decisions", ["TRIPORT-D-NOPE"], "no decision 'TRIPORT-D-NOPE'"),
]


@pytest.mark.parametrize(("field", "value", "message"), [m[1:] for m in MISMATCHED], ids=[m[0] for m in MISMATCHED])
def test_a_requirement_that_disagrees_with_its_document_is_reported(field: str, value: Any, message: str) -> None:
    data = _raw()
    data["requirements"][0][field] = value  # the first entry is a Triport one
    catalogue = parse_catalogue(data)
    documents = {api.document: specs.load_document(api.document) for api in catalogue.apis.values()}
    problems = check_against_documents(catalogue, documents)
    assert [p for p in problems if message in p] != [], problems


def test_seed_sections_exist_in_the_seed_pages(catalogue: Catalogue, shared_dir: Path) -> None:
    seeded = [s for s in catalogue.sources.values() if s.seed]
    assert len(seeded) == 2
    for source in seeded:
        text = (shared_dir / "seeds" / source.seed).read_text(encoding="utf-8")
        missing = [section for section in source.sections if section not in text]
        assert missing == [], f"{source.key}: sections not in {source.seed}"
