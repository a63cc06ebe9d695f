"""Does an answer match the OpenAPI document? Status, media type and body schema of its operation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
from jsonschema import Draft202012Validator

from conformance import specs
from conformance.catalogue import load_catalogue
from conformance.checks import Verdict, verdict
from conformance.http import Exchange


class Contract:
    """One document's operations, matched by method and concrete path."""

    def __init__(self, api: str, document_name: str):
        self.api, self.prefix = api, load_catalogue().apis[api].prefix
        self.document = specs.load_document(document_name)
        self._routes = []
        self._validators: dict[int, Validator] = {}  # by id() of the schema in the document
        for path, item in self.document["paths"].items():
            pattern = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
            pattern = re.sub(r"\{[^}]+\}", r"[^/]+", pattern)
            for method in specs.HTTP_METHODS:
                if method in item:
                    self._routes.append((method.upper(), re.compile(f"^{pattern}$"), item[method]))

    def operation(self, method: str, url: str) -> dict[str, Any] | None:
        path = urlsplit(url).path
        return next((op for m, rx, op in self._routes if m == method and rx.match(path)), None)

    def _response(self, operation: dict[str, Any], status: int) -> dict[str, Any] | None:
        responses = operation["responses"]
        found = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if found and "$ref" in found:
            found = specs.resolve_pointer(self.document, found["$ref"])
        return found

    def _validator(self, schema: dict[str, Any]) -> Validator:
        if id(schema) not in self._validators:
            # Carry the components along so `#/components/...` resolves inside the schema's own root.
            self._validators[id(schema)] = Validator({**schema, "components": self.document["components"]})
        return self._validators[id(schema)]

    def schema_errors(self, name: str, instance: Any) -> list[str]:
        """Messages for where `instance` breaks the document's components schema `name`."""
        schema = self.document["components"]["schemas"][name]
        return [error.message for error in self._validator(schema).iter_errors(instance)]

    def breaches(self, exchange: Exchange) -> list[Breach]:
        """Where an answer departs from the document, each part charged to the requirement that grades
        it (catalogue `grades`: a SHOULD may take a 4xx's media type or body; else <API>-SCHEMA-01).
        Empty when the request is no documented operation (nothing to hold it to) or all is as documented."""
        operation = self.operation(exchange.method, exchange.url)
        if operation is None or exchange.status is None:
            return []
        grader = partial(load_catalogue().grader, self.api, operation["operationId"], exchange.status)
        label = f"{exchange.method} {urlsplit(exchange.url).path}"
        response = self._response(operation, exchange.status)
        if response is None:
            documented = ", ".join(operation["responses"])
            return [Breach(f"{self.prefix}-SCHEMA-01", f"a documented status for {operation['operationId']} "
                           f"({documented})", f"{label} answered {exchange.status}")]
        content = response.get("content") or {}
        if not content or not exchange.body:
            return []  # no body documented, or none sent: nothing more to judge
        found: list[Breach] = []
        media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
        if media not in content:
            found.append(Breach(grader("media_type"), f"a documented media type ({', '.join(content)})",
                                f"{label} {exchange.status} answered {media or 'no Content-Type'}"))
            # The body is still judged (by whoever grades it) against the one JSON schema documented.
            media = next((m for m in content if m.endswith("json")), media) if len(content) == 1 else media
        schema = content.get(media, {}).get("schema")
        if schema is None or not media.endswith("json"):
            return found
        try:
            body = exchange.json()
        except ValueError:
            return [*found, Breach(grader("schema"), "a JSON body",
                                   f"{label} {exchange.status}: {exchange.excerpt(80)}")]
        first = next(self._validator(schema).iter_errors(body), None)
        if first is not None:
            where = "/".join(str(part) for part in first.path)
            found.append(Breach(grader("schema"), "a body matching the documented schema",
                                f"{label} {exchange.status}: {first.message[:200]} at /{where}"))
        return found

    def check(self, exchange: Exchange) -> Verdict | None:
        """The answer judged as SCHEMA-01 grades it (None: no documented operation); parts a SHOULD
        grades are left to it."""
        if self.operation(exchange.method, exchange.url) is None or exchange.status is None:
            return None
        mine = [b for b in self.breaches(exchange) if b.requirement == f"{self.prefix}-SCHEMA-01"]
        return verdict(not mine, mine[0].expected if mine else "", mine[0].actual if mine else "")


class Validator:
    """A JSON schema's verdict on an instance: the compiled validator Schemathesis ships (jsonschema_rs)
    says whether it is valid, at a fraction of the cost; where it says no, or cannot read the instance
    (a float too large for it), the reference implementation (jsonschema) decides and words the error.
    Formats stay annotations in both, as draft 2020-12 has them."""

    def __init__(self, schema: dict[str, Any]):
        self._reference = Draft202012Validator(schema)
        self._fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        try:
            if self._fast.is_valid(instance):
                return iter(())
        except (ValueError, TypeError, OverflowError):
            pass
        return self._reference.iter_errors(instance)


@dataclass(frozen=True)
class Breach:
    """One part of an answer that departs from the document, and the requirement it fails."""

    requirement: str
    expected: str
    actual: str


@cache
def contract_for(api: str) -> Contract:
    return Contract(api, load_catalogue().apis[api].document)
