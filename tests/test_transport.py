"""Every client of the kit is bounded: the targeted client, and every session Schemathesis opens."""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from conformance import driver as prop
from conformance.http import Redactor
from conformance.target import RunSettings, Target
from conformance.transport import MAX_BODY_BYTES, TRUNCATED, Breaker, Watchdog, bounded_session, plain

BOMB = gzip.compress(b" " * 50_000_000, compresslevel=9)  # 50 MB of spaces in about 50 KB


@contextmanager
def server(answer: Any) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server whose handler is `answer(handler)`; yields its URL and the paths it saw."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def handle_one_request(self) -> None:
            super().handle_one_request()

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                def do() -> None:
                    seen.append(self.path)
                    length = int(self.headers.get("content-length") or 0)
                    self.rfile.read(length)
                    answer(self)
                return do
            raise AttributeError(name)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def redirect(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(302)
    handler.send_header("Location", "/elsewhere" + handler.path)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def bomb(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(BOMB)))
    handler.end_headers()
    handler.wfile.write(BOMB)


def target(url: str) -> Target:
    return Target.from_mapping({"api": "triport", "base_url": url, "credentials": {"session": "s-e-c-r-e-t"}})


def test_no_schemathesis_phase_or_probe_follows_a_redirect() -> None:
    """Runs every Schemathesis phase (and its probes) against a server that redirects every request.
    Expects requests sent, and none of them to a redirect's Location."""
    with server(redirect) as (url, seen):
        prop.run_schemathesis(target(url), RunSettings(max_examples=2, timeout_s=2), Redactor([]))
    assert len(seen) > 20
    assert [path for path in seen if path.startswith("/elsewhere")] == []


def test_schemathesis_sessions_read_at_most_the_bound_after_decoding() -> None:
    """Sends a GET through the session Schemathesis builds (make_session, after the kit bounds it) to a
    gzip bomb. Expects the body cut at MAX_BODY_BYTES, and the response marked cut."""
    prop._bounded_sessions()
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine.context import make_session

    with server(bomb) as (url, _):
        session = make_session(SchemathesisConfig.from_dict({}).projects.default)
        response = session.get(url + "/v1/billing/rails", timeout=5)
    assert len(response.content) == MAX_BODY_BYTES and getattr(response, TRUNCATED, False)


def test_an_answer_is_bounded_whatever_its_bytes_do() -> None:
    """Sends a GET to a server that trickles a plausible answer a byte every 0.05 s (about 4 s in all)
    with a 1 s timeout. Expects a timeout (each read alone would be within it)."""
    def trickle(handler: http.server.BaseHTTPRequestHandler) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}":
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)

    with server(trickle) as (url, _):
        try:
            bounded_session().get(url, timeout=1)
            raise AssertionError("the trickled answer was accepted")
        except requests.Timeout as exc:
            assert "no complete answer within 1 s" in str(exc)


def test_an_operation_that_keeps_timing_out_is_not_sent_again() -> None:
    """Records three timeouts of one operation. Expects the fourth request refused at once, naming why,
    another operation still sent, and an answer resetting the count."""
    breaker = Breaker(lambda method, url: f"{method} {url}", limit=3)
    for _ in range(3):
        assert breaker.check("POST", "/cancel") is None
        breaker.record("POST", "/cancel", timed_out=True)
    assert breaker.check("POST", "/cancel") == "not sent: POST /cancel timed out 3 times in a row"
    assert breaker.check("GET", "/list") is None
    breaker.record("POST", "/cancel", timed_out=False)
    assert breaker.check("POST", "/cancel") is None


def test_the_watchdog_runs_what_is_due_and_nothing_disarmed() -> None:
    """Arms two actions, disarms one. Expects only the other to run, and the thread to end on quiesce."""
    dog, ran = Watchdog(), []
    dog.arm(time.monotonic() + 0.05, lambda: ran.append("due"))
    token = dog.arm(time.monotonic() + 0.05, lambda: ran.append("disarmed"))
    dog.disarm(token)
    time.sleep(0.2)
    dog.quiesce()
    assert ran == ["due"] and dog._thread is None


def test_only_codings_the_kit_inflates_are_asked_for() -> None:
    """Sends a request whose Accept-Encoding is requests' default with brotli and zstd installed.
    Expects the server to see only gzip and deflate asked for (an answer in br could not be bounded)."""
    seen: list[str] = []

    def record(handler: http.server.BaseHTTPRequestHandler) -> None:
        seen.append(handler.headers.get("Accept-Encoding", ""))
        handler.send_response(204)
        handler.end_headers()

    with server(record) as (url, _):
        bounded_session().get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}, timeout=2)
        bounded_session().get(url, headers={"Accept-Encoding": "identity"}, timeout=2)
    assert seen == ["gzip, deflate", "identity"]


@pytest.mark.parametrize(("said", "shown"), [
    ("got length b'zz\\r\\n', 0 bytes read", 'got length "zz\\r\\n", 0 bytes read'),
    ('body b"\\xff\\xfe{}"', 'body "\ufffd\ufffd{}"'),
    ("b'it\\'s' and b''", '"it\'s" and ""'),
    ("a verb'd word, a \\b'x'", "a verb'd word, a \\b'x'"),
], ids=["escapes", "not-utf8", "quote-inside", "not-a-literal"])
def test_a_bytes_literal_in_an_error_reads_as_text(said: str, shown: str) -> None:
    """Sends nothing: an error text with Python bytes literals in it (urllib3 words some that way).
    Expects each literal shown as the quoted text it holds, and everything else left as it was."""
    assert plain(said) == shown
