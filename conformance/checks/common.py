"""Checks that hold for both APIs."""

from __future__ import annotations

from conformance.checks import Verdict, verdict
from conformance.http import Exchange


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


def framing(exchange: Exchange) -> Verdict:
    """One way to read the answer's length (RFC 9112 sections 6.2, 6.3; the D-FRAMING decisions)."""
    length = exchange.header("content-length")
    encoding = exchange.header("transfer-encoding")
    problems = []
    if length is not None and encoding is not None:
        problems.append(f"both Content-Length {length!r} and Transfer-Encoding {encoding!r}")
    if length is not None and len({part.strip() for part in length.split(",")}) > 1:
        problems.append(f"Content-Length lists different lengths: {length!r}")
    return verdict(not problems, "one way to read the answer's length", "; ".join(problems) or "one")
