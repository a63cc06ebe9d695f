"""The contract check's validator: the compiled fast path and the reference implementation agree."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance import specs
from conformance.checks.contract import Validator

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


def _response_schemas() -> list[tuple[str, dict[str, Any], list[Any]]]:
    """(where, schema with its components, documented examples) for every JSON response of both documents."""
    found = []
    for name in ("triport.openapi.yaml", "teos.openapi.yaml"):
        document = specs.load_document(name)
        for path, item in document["paths"].items():
            for method, operation in item.items():
                for status, response in operation.get("responses", {}).items() if isinstance(operation, dict) else ():
                    if "$ref" in response:
                        response = specs.resolve_pointer(document, response["$ref"])
                    for media, content in (response.get("content") or {}).items():
                        if "schema" in content and media.endswith("json"):
                            examples = [content["example"]] if "example" in content else []
                            found.append((f"{method.upper()} {path} {status}",
                                          {**content["schema"], "components": document["components"]}, examples))
    return found


SCHEMAS = _response_schemas()
VALIDATORS: dict[str, tuple[Validator, Draft202012Validator]] = {}


def _nudged(example: Any) -> st.SearchStrategy[Any]:
    """The example with one member replaced or dropped: near the valid ones, where validators differ."""
    if not isinstance(example, dict) or not example:
        return st.just(example)
    return st.tuples(st.sampled_from(sorted(example)), st.none() | JSON | st.just(...)).map(
        lambda pick: {k: v for k, v in {**example, pick[0]: pick[1]}.items() if v is not ...})


@pytest.mark.parametrize(("where", "schema", "examples"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_fast_verdict_is_the_reference_verdict(where: str, schema: dict, examples: list,
                                                   data: st.DataObject) -> None:
    """Sends nothing: documented examples, the examples with a member changed or dropped, and any JSON.
    Expects the contract's validator to find an error exactly when jsonschema does, with its message."""
    instance = data.draw(st.one_of(JSON, *[st.just(e) for e in examples], *[_nudged(e) for e in examples]))
    fast, reference = VALIDATORS.setdefault(where, (Validator(schema), Draft202012Validator(schema)))
    assert [e.message for e in fast.iter_errors(instance)] == [e.message for e in reference.iter_errors(instance)]


def test_the_documents_have_response_schemas_to_compare() -> None:
    """Sends nothing: expects the comparison above to cover responses of both APIs, examples included."""
    assert {where.split()[1].split("/")[1] for where, _, _ in SCHEMAS} == {"v1", "odata"}
    assert sum(bool(examples) for _, _, examples in SCHEMAS) >= 2
