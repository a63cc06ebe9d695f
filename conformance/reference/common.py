"""What both reference servers share: options, JSON responses, the ASGI wrapper, the database."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.apis import APIS as DESCRIPTIONS
from conformance.reference.faults import FAULTS, VARIANTS

APIS = tuple(DESCRIPTIONS)
# Request bodies past this size are refused before parsing (413), so no input can exhaust memory.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class ServerOptions:
    """How one reference server behaves: which API, which faults and variants, which knobs."""

    api: str
    faults: frozenset[str] = frozenset()
    variants: frozenset[str] = frozenset()
    csrf: bool = False
    async_delay: float = 0.0
    keepalive_s: float = 15.0
    latency_s: float = 0.0
    db: str = ":memory:"
    pending_limit: int = 10_000

    def __post_init__(self) -> None:
        if self.api not in APIS:
            raise ValueError(f"unknown API {self.api!r} (choose from {', '.join(APIS)})")
        for kind, names, known in (("fault", self.faults, FAULTS), ("variant", self.variants, VARIANTS)):
            valid = {entry.name for entry in known[self.api]}
            for name in sorted(set(names) - valid):
                raise ValueError(f"unknown {self.api} {kind} {name!r} (see `conformance faults`)")
        if self.async_delay < 0 or self.keepalive_s <= 0 or self.latency_s < 0:
            raise ValueError("delays must be non-negative and the keep-alive interval positive")

    def fault(self, name: str) -> bool:
        return name in self.faults

    def variant(self, name: str) -> bool:
        return name in self.variants


class ReferenceApp(Protocol):
    """One built reference server: its ASGI app and the target config a client needs for it."""

    asgi: ASGIApp

    def target_config(self, base_url: str) -> dict[str, Any]: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_response(options: ServerOptions, body: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    media_type = "application/json; charset=utf-8" if options.variant("json-charset") else "application/json"
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type=media_type, headers=headers)


async def read_body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY_BYTES."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Wrapper:
    """ASGI wrapper for cross-cutting behaviour: injected latency and header variants."""

    app: ASGIApp
    options: ServerOptions

    def _extra_headers(self) -> list[tuple[bytes, bytes]]:
        added = []
        if self.options.variant("connection-close"):
            added.append((b"connection", b"close"))
        if self.options.variant("request-id-header"):
            added.append((b"x-request-id", f"req_{secrets.token_hex(8)}".encode()))
        return added

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.options.latency_s:
            await asyncio.sleep(self.options.latency_s)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *self._extra_headers()]
                if self.options.fault("cl-and-te") and any(name.lower() == b"content-length" for name, _ in headers):
                    headers.append((b"transfer-encoding", b"chunked"))  # uvicorn then chunks the body too
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            # The client went away before its body was read (a run cut at its deadline): nobody to
            # answer, and no error of the server's. Left to uvicorn, it logs a traceback from the
            # server's thread, and CPython 3.11 cannot format one while the embedded run's thread
            # compiles ("AST constructor recursion depth mismatch": pytest's internal error).
            return


def open_db(path: str, schema: str) -> sqlite3.Connection:
    """One connection, used only from the event loop's thread; autocommit, rows by name."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.executescript(schema)
    return connection
