"""Does an answer match the OpenAPI document? Status, media type and body schema of its operation."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from conformance import specs
from conformance.checks import Verdict, verdict
from conformance.http import Exchange


class Contract:
    """One document's operations, matched by method and concrete path."""

    def __init__(self, document_name: str):
        self.document = specs.load_document(document_name)
        self._routes = []
        self._validators: dict[int, Draft202012Validator] = {}  # by id() of the schema in the document
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

    def _validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        if id(schema) not in self._validators:
            # Carry the components along so `#/components/...` resolves inside the schema's own root.
            self._validators[id(schema)] = Draft202012Validator({**schema, "components": self.document["components"]})
        return self._validators[id(schema)]

    def schema_errors(self, name: str, instance: Any) -> list[str]:
        """Messages for where `instance` breaks the document's components schema `name`."""
        schema = self.document["components"]["schemas"][name]
        return [error.message for error in self._validator(schema).iter_errors(instance)]

    def check(self, exchange: Exchange) -> Verdict | None:
        """None when the request is not a documented operation (nothing to hold it to)."""
        operation = self.operation(exchange.method, exchange.url)
        if operation is None or exchange.status is None:
            return None
        label = f"{exchange.method} {urlsplit(exchange.url).path}"
        response = self._response(operation, exchange.status)
        if response is None:
            documented = ", ".join(operation["responses"])
            return verdict(False, f"a documented status for {operation['operationId']} ({documented})",
                           f"{label} answered {exchange.status}")
        content = response.get("content") or {}
        if not content or not exchange.body:
            return verdict(True, "", "")  # no body documented, or none sent: nothing more to judge
        media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
        if media not in content:
            return verdict(False, f"a documented media type ({', '.join(content)})",
                           f"{label} {exchange.status} answered {media or 'no Content-Type'}")
        schema = content[media].get("schema")
        if schema is None or not media.endswith("json"):
            return verdict(True, "", "")
        try:
            body = exchange.json()
        except ValueError:
            return verdict(False, "a JSON body", f"{label} {exchange.status}: {exchange.body[:80]!r}")
        errors = self._validator(schema).iter_errors(body)
        first = next(errors, None)
        return verdict(first is None, "a body matching the documented schema",
                       f"{label} {exchange.status}: {first.message[:200]} at /{'/'.join(map(str, first.path))}"
                       if first else "")


@cache
def contract_for(api: str) -> Contract:
    return Contract(f"{api}.openapi.yaml")
