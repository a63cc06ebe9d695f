"""The suite's HTTP client: evidence without secrets, bounded reads, no redirects, clear failures."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.http import (
    MAX_BODY_BYTES,
    REDACTED,
    Client,
    Exchange,
    NoResponse,
    Pacer,
    RateLimited,
    Redactor,
    wait_asked,
)

SECRET = "s3cr3t-session-value-1234"
LIMITED: dict[str, int] = {}  # /limited... path -> requests seen


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()
        elif self.path == "/stalling-events":  # one frame, then silence with the connection open
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"event: snapshot\ndata: {}\n\n")
            self.wfile.flush()
            time.sleep(8)
        elif self.path.startswith("/limited"):  # 429 twice per key, then 200
            key = self.path
            LIMITED[key] = LIMITED.get(key, 0) + 1
            status = 429 if LIMITED[key] <= 2 else 200
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(3 * MAX_BODY_BYTES))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(3 * MAX_BODY_BYTES // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            body = f'{{"echo": "{self.headers.get("Cookie", "")}"}}'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def client(base_url: str, seen: list) -> Client:
    return Client(base_url, 5, Redactor([SECRET]), seen.append)


def test_evidence_and_curl_never_show_a_secret(server: str) -> None:
    """Sends a secret in a cookie that the server echoes back; expects no trace of it in the evidence."""
    seen: list = []
    client(server, seen).request("GET", "/echo", cookies={"nl_session": SECRET})
    evidence = seen[0].evidence(Redactor([SECRET]))
    assert SECRET not in repr(evidence)
    assert REDACTED in evidence["curl"] and REDACTED in evidence["body_excerpt"]


def test_a_stalled_event_stream_holds_a_wait_no_longer_than_the_wait(server: str) -> None:
    """Opens a stream (read timeout 20 s) that sends one frame and then nothing.
    Expects the frame, then a 0.3 s wait for more to end in well under the read timeout."""
    stream = client(server, []).stream("/stalling-events", read_timeout_s=20)
    try:
        assert next(stream.frames(5)) == ("snapshot", "{}")
        started = time.monotonic()
        assert list(stream.frames(0.3)) == []
        assert time.monotonic() - started < 5, "the wait was held to the stream's read timeout"
    finally:
        stream.close()


def test_a_429_is_retried_after_its_retry_after_and_kept_as_evidence(server: str) -> None:
    """Sends a GET that is answered 429 (Retry-After: 0) twice, then 200.
    Expects the 200, after three exchanges, the two 429s marked as retried; with no retries allowed,
    the 429 itself (a bounded number of tries, never a loop)."""
    seen: list = []
    exchange = client(server, seen).request("GET", "/limited-a")
    assert exchange.status == 200 and [e.status for e in seen] == [429, 429, 200]
    assert [e.evidence(Redactor([]))["retried_after_s"] for e in seen] == [0.1, 0.1, None]
    patient = Client(server, 5, Redactor([]), retries=0)
    assert patient.request("GET", "/limited-b").status == 429


def test_a_429_that_persists_is_rate_limited_not_an_answer(server: str) -> None:
    """Sends a GET answered 429 twice (then 200) through a client that retries once.
    Expects RateLimited after two exchanges: a persistent 429 is never handed to a check."""
    seen: list = []
    with pytest.raises(RateLimited, match="still answered 429 after 1 waits"):
        Client(server, 5, Redactor([]), seen.append, retries=1).request("GET", "/limited-c")
    assert [e.status for e in seen] == [429, 429]


def test_a_429s_wait_is_read_from_the_headers_the_api_names() -> None:
    """Reads waits from 429s: seconds, an epoch time, an ISO date, an HTTP date, the first named
    header that is readable winning, each wait capped. Expects the waits those values ask for."""
    def wait(headers: dict[str, str], names: tuple[str, ...] = ("Retry-After", "X-Rate-Limit-Reset")) -> float:
        return wait_asked(Exchange("GET", "/", {}, None, 429, headers), names, 30.0)

    soon = time.time() + 5
    assert wait({"Retry-After": "2"}) == 2.0
    assert 3.5 < wait({"X-Rate-Limit-Reset": str(int(soon))}) <= 5.0
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(soon))
    assert 3.5 < wait({"X-Rate-Limit-Reset": iso}) <= 5.0
    assert 3.5 < wait({"Retry-After": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(soon))}) <= 5.0
    assert wait({"Retry-After": "soon", "X-Rate-Limit-Reset": "3"}) == 3.0  # the unreadable one is passed over
    assert wait({"X-Rate-Limit-Reset": "3"}, ("Retry-After",)) == 1.0  # a header the API does not name: unread
    assert wait({"Retry-After": "86400"}) == 30.0 and wait({"Retry-After": "-5"}) == 0.1


def test_max_rps_spaces_requests_out(server: str) -> None:
    """Sends 6 requests from 3 threads through a client capped at 10 requests a second.
    Expects the first and the last at least 0.5 s apart (5 intervals of 0.1 s)."""
    stamps: list[float] = []
    paced = Client(server, 5, Redactor([]), lambda e: stamps.append(time.monotonic()), pacer=Pacer(10))
    threads = [threading.Thread(target=lambda: [paced.request("GET", "/plain") for _ in range(2)]) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 6 and max(stamps) - started >= 0.5


def test_redirects_are_not_followed(server: str) -> None:
    exchange = client(server, []).request("GET", "/redirect")
    assert (exchange.status, exchange.header("location")) == (302, "/elsewhere")


def test_huge_bodies_are_read_only_up_to_the_bound(server: str) -> None:
    exchange = client(server, []).request("GET", "/huge")
    assert (len(exchange.body), exchange.truncated) == (MAX_BODY_BYTES, True)


def test_a_refused_connection_is_a_clear_no_response() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        seen: list = []
        with pytest.raises(NoResponse) as raised:
            client(f"http://127.0.0.1:{port}", seen).request("GET", "/")
    assert raised.value.actual == "ConnectionError: connection refused" and seen[0].error == raised.value.actual


def _redacted_by_the_definition(redactor: Redactor, text: str) -> str:
    """What Redactor's docstring promises, computed the slow way: every form the pattern knows, then for
    each secret the longest piece (EDGE to 64 characters) at the end, then at the start."""
    text = redactor._pattern.sub(REDACTED, text) if text else text
    for secret in redactor._secrets:
        for size in range(min(len(secret) - 1, 64), redactor.EDGE - 1, -1):
            if text.endswith(secret[:size]):
                text = text[:-size] + REDACTED
                break
        for size in range(min(len(secret) - 1, 64), redactor.EDGE - 1, -1):
            if text.startswith(secret[-size:]):
                text = REDACTED + text[size:]
                break
    return text


PIECES = "abAB+/%\\u0 =_-"


@given(st.lists(st.text(PIECES, min_size=1, max_size=80), min_size=1, max_size=3), st.data())
@settings(max_examples=300, deadline=None)
def test_the_fast_redactor_redacts_exactly_what_the_definition_does(secrets: list[str], data: st.DataObject) -> None:
    """Sends nothing: texts made of the secrets, their pieces, other case, escaped forms. Expects the
    redactor's answer (its shortcuts: a substring pre-check, edge pieces found by search) to equal the
    slow definition's, so no shortcut lets a form of a secret through."""
    def piece(secret: str) -> st.SearchStrategy[str]:
        return st.tuples(st.integers(0, len(secret)), st.integers(0, len(secret))).map(
            lambda cut: secret[min(cut):max(cut)])
    def escaped(secret: str) -> str:
        return "".join(f"\\u{ord(c):04x}" if i % 2 else urllib.parse.quote(c, safe="") for i, c in enumerate(secret))
    fragments = st.one_of(st.sampled_from(secrets), st.sampled_from(secrets).flatmap(piece),
                          st.sampled_from(secrets).map(str.upper), st.sampled_from(secrets).map(escaped),
                          st.text(PIECES, max_size=10))
    text = "".join(data.draw(st.lists(fragments, max_size=6)))
    redactor = Redactor(secrets)
    assert redactor(text) == _redacted_by_the_definition(redactor, text)


@pytest.mark.parametrize(("secret", "text"), [("abbaaaaaa", "aaaaaaaabb-a-b"), ("aaaababbbbbb", "babbbbbbb"),
                                              ("abaabbaaaaaa", "bbaaaaaaababb"), ("abababxyz", "--abababab")])
def test_a_piece_at_an_edge_is_found_past_a_nearer_false_start(secret: str, text: str) -> None:
    """Sends nothing: a secret whose outer characters repeat, its piece at an edge of the text behind a
    nearer copy of those characters that starts no piece. Expects the piece redacted as the definition does."""
    redactor = Redactor([secret])
    assert REDACTED in redactor(text) and redactor(text) == _redacted_by_the_definition(redactor, text)
