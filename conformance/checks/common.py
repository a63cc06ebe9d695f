"""Checks that hold for both APIs."""

from __future__ import annotations

import json
from typing import Any

from conformance.checks import Verdict, verdict
from conformance.http import Exchange

# Headers whose values legitimately differ between two identical requests.
VOLATILE_HEADERS = {"date", "x-request-id", "request-id", "x-correlation-id", "x-trace-id", "traceparent",
                    "content-length", "set-cookie", "age", "expires", "last-modified", "etag"}


def shown_status(exchange: Exchange) -> str:
    """The status as a reason shows it; a redirect (never followed) with where it pointed."""
    location = exchange.header("location")
    if exchange.status is not None and 300 <= exchange.status < 400 and location:
        return f"status {exchange.status} (Location: {location})"
    return f"status {exchange.status}"


def status_in(exchange: Exchange, *codes: int) -> Verdict:
    wanted = " or ".join(str(code) for code in codes)
    return verdict(exchange.status in codes, f"status {wanted}", shown_status(exchange))


def below_500(exchange: Exchange) -> Verdict:
    return verdict(exchange.status is not None and exchange.status < 500, "a status below 500", shown_status(exchange))


def empty_body(exchange: Exchange) -> Verdict:
    """Zero bytes of body: nothing read, and no header announcing any (a 204's bytes go unread)."""
    length = exchange.header("content-length")
    chunked = "chunked" in (exchange.header("transfer-encoding") or "").lower()
    ok = exchange.body == b"" and length in (None, "0") and not chunked
    actual = f"{len(exchange.body)} bytes" + (f", Content-Length {length}" if length not in (None, "0") else "") + \
        (", Transfer-Encoding chunked" if chunked else "")
    return verdict(ok, "a zero-length body", actual)


def json_media_type(exchange: Exchange) -> Verdict:
    media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    ok = media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
    return verdict(ok, "Content-Type application/json", f"Content-Type {exchange.header('content-type')!r}")


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{path}/{key}").items()} or {path: {}}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, f"{path}/{i}").items()} or {path: []}
    return {path: value}


def _body_shape(exchange: Exchange) -> dict[str, Any] | bytes:
    try:
        return _flatten(json.loads(exchange.body))
    except ValueError:
        return exchange.body


def volatile_paths(first: Exchange, second: Exchange) -> set[str]:
    """JSON paths whose values differ between two identical requests (request ids, clocks)."""
    a, b = _body_shape(first), _body_shape(second)
    if isinstance(a, bytes) or isinstance(b, bytes):
        return set()
    return {path for path in a.keys() & b.keys() if a[path] != b[path]}


def same_answer(first: Exchange, other: Exchange, volatile: set[str]) -> Verdict:
    """Same status, same header names, same body once the volatile JSON paths are set aside."""
    names = {h.lower() for h in first.headers} ^ {h.lower() for h in other.headers}
    a, b = _body_shape(first), _body_shape(other)
    if isinstance(a, dict) and isinstance(b, dict):
        differing = sorted(p for p in a.keys() | b.keys() if p not in volatile and a.get(p, ...) != b.get(p, ...))
    else:
        differing = [] if a == b else ["(body bytes)"]
    problems = []
    if first.status != other.status:
        problems.append(f"status {first.status} vs {other.status}")
    if names - VOLATILE_HEADERS:
        problems.append(f"headers only on one: {sorted(names)}")
    if differing:
        shown = [e.body[:120].decode("utf-8", "replace") for e in (first, other)]
        problems.append(f"body differs at {', '.join(differing[:5])}: {shown[0]} vs {shown[1]}")
    return verdict(not problems, "identical answers", "; ".join(problems) or "identical")
