"""Fixtures for the reference servers' self-tests: a running server and a validating client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis

from conformance import specs
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer

DOCUMENTS = {"triport": "triport.openapi.yaml", "teos": "teos.openapi.yaml"}


@dataclass
class Client:
    """HTTP to one server; every non-streamed answer to a documented operation is checked
    against the OpenAPI document with Schemathesis' response validation."""

    base_url: str
    schema: Any
    headers: dict[str, str] = field(default_factory=dict)
    validated: int = 0

    def request(self, method: str, path: str, *, validate: bool = True, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        kwargs.setdefault("allow_redirects", False)
        kwargs["headers"] = {**self.headers, **kwargs.get("headers", {})}
        response = requests.request(method, self.base_url + path, **kwargs)
        if validate and not kwargs.get("stream"):
            operation = self.schema.find_operation_by_path(method, urlsplit(response.url).path)
            if operation is not None:
                operation.validate_response(response)  # raises with the mismatch
                self.validated += 1
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


@dataclass
class Running:
    server: ReferenceServer
    config: dict[str, Any]
    client: Client

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="session")
def schemas() -> dict[str, Any]:
    return {api: schemathesis.openapi.from_path(specs.spec_dir() / name) for api, name in DOCUMENTS.items()}


@pytest.fixture
def serve(schemas: dict[str, Any]) -> Iterator[Callable[..., Running]]:
    """serve(api, faults=(), variants=(), **options) starts a server for the rest of the test."""
    started: list[ReferenceServer] = []

    def start(api: str, faults: tuple[str, ...] = (), variants: tuple[str, ...] = (), **knobs: Any) -> Running:
        options = ServerOptions(api=api, faults=frozenset(faults), variants=frozenset(variants), **knobs)
        server = ReferenceServer(options).__enter__()
        started.append(server)
        return Running(server, server.target_config(), Client(server.base_url, schemas[api]))

    yield start
    for server in started:
        server.stop()
    for server in started:
        server.join()
