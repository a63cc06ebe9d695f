"""The OpenAPI documents: valid, self-contained, consistent with their own examples and links."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from schemathesis.specs.openapi.stateful import collect_transitions

from conformance import specs

DECISION_ID = re.compile(r"\b[A-Z]+-D-[A-Z0-9-]*[A-Z0-9]\b")


def test_documents_pass_openapi_spec_validator(document: dict[str, Any]) -> None:
    validate_openapi(document)


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    assert specs.unresolved_refs(document) == []


def test_a_broken_ref_is_reported() -> None:
    document = {"components": {"schemas": {"A": {"type": "string"}}},
                "x": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}
    assert specs.unresolved_refs(document) == ["#/components/schemas/B"]


def test_duplicate_yaml_keys_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\nb:\n  c: 2\n  c: 3\n")
    with pytest.raises(specs.SpecError, match="duplicate key 'c'"):
        specs.load_yaml(path)


def _media_types(document: dict[str, Any]):
    """Yield (where, media type object) for every request and response body, refs followed."""
    for path, item in document["paths"].items():
        for method in specs.HTTP_METHODS:
            operation = item.get(method)
            if not operation:
                continue
            label = f"{method.upper()} {path}"
            body = operation.get("requestBody")
            if body:
                for media, obj in body["content"].items():
                    yield f"{label} request {media}", obj
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = specs.resolve_pointer(document, response["$ref"])
                for media, obj in response.get("content", {}).items():
                    yield f"{label} {status} {media}", obj


def _examples(document: dict[str, Any]):
    for where, media in _media_types(document):
        if "schema" not in media or not where.endswith("json"):
            continue
        if "example" in media:
            yield where, media["schema"], media["example"]
        for name, example in media.get("examples", {}).items():
            yield f"{where} ({name})", media["schema"], example["value"]


def example_problems(document: dict[str, Any]) -> list[str]:
    """Every JSON example of a document that does not validate against its own schema."""
    problems = []
    for where, schema, example in _examples(document):
        # Carry the components along so `#/components/...` resolves inside the schema's own root.
        rooted = {**schema, "components": document.get("components", {})}
        problems += [f"{where}: {e.message}" for e in Draft202012Validator(rooted).iter_errors(example)]
    return problems


def decision_problems(prefix: str, document: dict[str, Any]) -> list[str]:
    """Decisions that are malformed, duplicated, never named in the document, or named but missing."""
    problems = []
    ids = [d.get("id") for d in document.get("x-decisions", [])]
    problems += [f"duplicate decision {i}" for i in set(ids) if ids.count(i) > 1]
    for decision in document.get("x-decisions", []):
        if set(decision) != {"id", "topic", "question", "decision", "reason"} or not all(
            isinstance(v, str) and v.strip() for v in decision.values()
        ):
            problems.append(f"{decision.get('id')}: needs id, topic, question, decision and reason")
        if not str(decision.get("id")).startswith(prefix):
            problems.append(f"{decision.get('id')}: id must start with {prefix}")
    # Each decision is named next to what it shapes, and every name points at a decision.
    cited = set(DECISION_ID.findall(json.dumps({k: v for k, v in document.items() if k != "x-decisions"})))
    problems += [f"{i}: never named in the document" for i in sorted(set(ids) - cited)]
    problems += [f"{i}: named but not decided" for i in sorted(cited - set(ids))]
    return problems


def test_every_json_example_matches_its_schema(document: dict[str, Any]) -> None:
    assert len(list(_examples(document))) >= 4, "the documents carry examples taken from the docs"
    assert example_problems(document) == []


def test_decisions_are_complete_unique_and_cited(document_name: str, document: dict[str, Any]) -> None:
    prefix = "TRIPORT-D-" if document_name.startswith("triport") else "TEOS-D-"
    assert decision_problems(prefix, document) == []


TINY = {
    "paths": {"/x": {"get": {"description": "see TINY-D-A", "responses": {"200": {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/N"}, "example": "seven"}},
    }}}}},
    "components": {"schemas": {"N": {"type": "integer"}}},
    "x-decisions": [
        {"id": "TINY-D-A", "topic": "t", "question": "q", "decision": "d", "reason": "r"},
        {"id": "TINY-D-B", "topic": "t", "question": "q", "decision": "d"},
    ],
}


def test_a_wrong_example_is_reported() -> None:
    assert example_problems(TINY) == ["GET /x 200 application/json: 'seven' is not of type 'integer'"]


def test_bad_decisions_are_reported() -> None:
    assert decision_problems("TINY-D-", TINY) == [
        "TINY-D-B: needs id, topic, question, decision and reason",
        "TINY-D-B: never named in the document",
    ]


# Every open question of api-notes.md, mapped to the decision that settles it.
OPEN_QUESTIONS = {
    "Triport": {
        "200 vs 201 from create": "TRIPORT-D-CREATE-STATUS",
        "the id format": "TRIPORT-D-ID-FORMAT",
        "whether cancel enforces CSRF": "TRIPORT-D-CSRF",
        "the exact 404/401 message texts": "TRIPORT-D-ERROR-TEXT",
        "extra members in the error envelope": "TRIPORT-D-ERROR-MEMBERS",
    },
    "TEOS": {
        "how fast a cancelled invoice reads `Cancelled`": "TEOS-D-SETTLE-TIME",
        "401 body": "TEOS-D-401-BODY",
        "whether an empty `invoiceIds` list is 202 or 400": "TEOS-D-EMPTY-LIST",
        "whether a non-GUID string id is 400 or ignored": "TEOS-D-NON-GUID-ID",
        "the transaction `State` encoding": "TEOS-D-TX-STATE",
    },
}
# The "Open:" remarks inside api-notes' operation lists.
OPEN_REMARKS = {
    "200 or 201": "TRIPORT-D-CREATE-STATUS",
    "the exact payload of `invoice_cancelled`": "TRIPORT-D-EVENT-PAYLOAD",
    "whether the list is wrapped": "TEOS-D-LIST-SHAPE",
    "the numeric mapping": "TEOS-D-TX-STATE",
}


def test_every_open_question_has_a_decision() -> None:
    decided = {d["id"] for name in ("triport.openapi.yaml", "teos.openapi.yaml")
               for d in specs.load_document(name)["x-decisions"]}
    wanted = {d for group in OPEN_QUESTIONS.values() for d in group.values()} | set(OPEN_REMARKS.values())
    assert wanted - decided == set()


def test_open_questions_list_matches_api_notes(shared_dir: Path) -> None:
    """If api-notes.md gains an open question, this fails until a decision is mapped to it."""
    notes = (shared_dir / "api-notes.md").read_text(encoding="utf-8")
    section = notes.split("## What the docs leave open", 1)[1].replace("\n  ", " ")
    listed = {}
    for api, items in re.findall(r"^- (Triport|TEOS): (.+?)\.?$", section, flags=re.M):
        listed[api] = {item.strip() for item in items.split(";")}
    assert listed == {api: set(group) for api, group in OPEN_QUESTIONS.items()}
    remarks = re.findall(r"Open: ([^.;,]+)", notes.replace("\n  ", " "))
    assert all(any(key in remark for key in OPEN_REMARKS) for remark in remarks), remarks


def _links(document_name: str) -> set[tuple[str, str, str]]:
    schema = schemathesis.openapi.from_path(specs.spec_dir() / document_name)
    operations = [result.ok() for result in schema.get_all_operations()]
    transitions = collect_transitions(operations)  # raises on a link Schemathesis cannot follow
    return {
        (link.source.definition.raw["operationId"], link.status_code, link.target.definition.raw["operationId"])
        for entry in transitions.operations.values() for link in entry.outgoing
    }


@pytest.mark.parametrize(
    ("document_name", "expected"),
    [
        ("triport.openapi.yaml", {
            ("createInvoice", "201", "cancelInvoice"), ("createInvoice", "200", "cancelInvoice"),
            ("createInvoice", "201", "getInvoice"), ("createInvoice", "201", "invoiceEvents"),
            ("cancelInvoice", "204", "getInvoice"), ("cancelInvoice", "204", "cancelInvoice"),
            ("getInvoice", "200", "cancelInvoice"),
        }),
        ("teos.openapi.yaml", {
            ("createInvoice", "201", "cancelInvoices"), ("createInvoice", "201", "getInvoice"),
            ("cancelInvoices", "202", "getTransaction"), ("cancelInvoices", "202", "getInvoice"),
        }),
    ],
    ids=["triport", "teos"],
)
def test_schemathesis_follows_the_declared_links(document_name: str, expected: set) -> None:
    assert expected <= _links(document_name)
