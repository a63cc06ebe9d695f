"""Hostile and broken targets (negative controls for the kit itself): whatever the target does on the
wire, the run finishes in bounded time, fails the requirement that met it with one clear reason,
writes its reports, and shows no traceback."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance import cli

SESSION = "hostile/session+value=7f3a"  # reserved characters: its percent-encoded form differs
ENVELOPE = b'{"error":"not found"}'


def answer(status: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Content-Type: application/json", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Hostile(socketserver.BaseRequestHandler):
    """A Triport console that answers its list like a good one and every cancel in one bad way."""

    mode = ""

    def handle(self) -> None:
        self.request.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode()
        authenticated = f"nl_session={SESSION}".encode() in data
        try:
            if "/cancel" in line and authenticated:
                self.misbehave()
            elif "/cancel" in line:
                self.request.sendall(answer("401 Unauthorized", b'{"error":"unauthorized"}', "Connection: close"))
            elif line.startswith("GET /v1/billing/invoices") and self.mode.startswith("list-"):
                self.misbehave(self.mode.removeprefix("list-"))
            elif line.startswith("GET /v1/billing/invoices"):
                self.request.sendall(answer("200 OK", b'{"invoices":[],"total":0}', "Connection: close"))
            else:
                self.request.sendall(answer("404 Not Found", ENVELOPE, "Connection: close"))
        except OSError:
            pass

    def misbehave(self, mode: str = "") -> None:
        send, mode = self.request.sendall, mode or self.mode
        if mode == "reset":  # RST instead of an answer
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "short-body":  # promises 100 bytes, sends 10, closes
            send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n"
                 b'{"error":"')
        elif mode == "endless-chunks":  # a chunked body that trickles and never ends
            send(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
            for _ in range(100):
                send(b"1\r\n \r\n")
                time.sleep(0.2)
        elif mode == "hang":  # reads the request, never answers
            time.sleep(8)
        elif mode == "trickle-head":  # a plausible answer, a byte every 0.1 s: each read is quick, the answer never is
            for byte in answer("404 Not Found", ENVELOPE, "Connection: close"):
                send(bytes([byte]))
                time.sleep(0.1)
        elif mode == "endless-100":  # interim answers without end, never a final one
            for _ in range(200):
                send(b"HTTP/1.1 100 Continue\r\n\r\n")
                time.sleep(0.05)
        elif mode == "bad-chunk":  # a chunk size that is not hexadecimal
            send(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                 b"zz\r\n{}\r\n0\r\n\r\n")
        elif mode == "gzip-bomb":  # 100 MB of spaces in 100 KB of gzip
            bomb = gzip.compress(b" " * 100_000_000, compresslevel=9)
            send(answer("404 Not Found", bomb, "Content-Encoding: gzip", "Connection: close"))
        elif mode == "echo":  # the credential back, raw, JSON-escaped, percent-encoded, base64, and across the cut
            forms = [SESSION, SESSION.replace("/", "\\u002f").replace("+", "\\u002b"),
                     urllib.parse.quote(SESSION, safe=""), base64.b64encode(f"nl_session={SESSION}".encode()).decode()]
            padding = "x" * (2048 - 9 - len(SESSION) // 2)  # the evidence cut falls inside the last copy
            body = '{"error": "not found", "seen": "' + " ".join(forms) + " " + padding + SESSION + '"}'
            send(answer("404 Not Found", body.encode(), "Connection: close"))
        elif mode == "redirect":
            send(answer("302 Found", b"", "Location: https://login.example/sso", "Connection: close"))
        elif mode == "not-utf8":
            send(answer("404 Not Found", b'{"error":"\xff\xfe"}', "Connection: close"))
        elif mode == "not-json":
            send(answer("404 Not Found", b"<html><body>Not Found</body></html>", "Connection: close"))
        elif mode == "huge":  # 50 MB of JSON-looking bytes
            send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 52428800\r\nContent-Type: application/json\r\n\r\n")
            chunk = b" " * 65536
            for _ in range(800):
                send(chunk)


@contextmanager
def hostile(mode: str, tmp_path: Path) -> Iterator[Path]:
    """A hostile server in `mode`, and a target config for it."""
    handler = type("Handler", (Hostile,), {"mode": mode})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "hostile.toml"
    config.write_text(f'api = "triport"\nbase_url = "http://127.0.0.1:{server.server_address[1]}"\n'
                      f'[credentials]\nsession = "{SESSION}"\n')
    yield config
    server.shutdown()
    server.server_close()


# mode -> (the requirement that meets it, what its reason must say)
CASES = {
    "reset": ("TRIPORT-CANCEL-08", "got ConnectionError"),
    "short-body": ("TRIPORT-CANCEL-08", "the body ended after 10 bytes, 90 more promised"),
    "endless-chunks": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "hang": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "redirect": ("TRIPORT-CANCEL-08", "status 302 (Location: https://login.example/sso)"),
    "not-utf8": ("TRIPORT-ERROR-01", "got not JSON"),
    "not-json": ("TRIPORT-ERROR-01", "got not JSON: <html>"),
    "huge": ("TRIPORT-ERROR-01", "got not JSON"),
    "trickle-head": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "endless-100": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "bad-chunk": ("TRIPORT-CANCEL-08", 'a chunk size that is no hexadecimal number ("zz")'),
    "gzip-bomb": ("TRIPORT-ERROR-01", "got not JSON"),
}


@pytest.mark.parametrize("mode", list(CASES))
def test_a_hostile_target_fails_the_requirement_with_one_clear_reason(mode: str, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture,
                                                                       bytes_reprs: Callable) -> None:
    """Runs the safe profile's cancel checks against a target whose cancels misbehave on the wire.
    Expects exit 1, the requirement that met it failed (not undecided) with a one-line reason naming
    the problem, all reports written, no traceback, no session value and no Python bytes repr (what the
    server sent, as text) anywhere."""
    rid, said = CASES[mode]
    out = tmp_path / "out"
    with hostile(mode, tmp_path) as config:
        code = cli.main(["run", "--config", str(config), "--profile", "safe", "--timeout", "2", "--only", rid,
                         "--report-dir", str(out)])
    captured = capsys.readouterr()
    report = json.loads((out / "report.json").read_text())
    result = next(r for r in report["requirements"] if r["id"] == rid)
    assert (code, result["outcome"]) == (1, "fail"), result["reason"]
    assert said in result["reason"] and "\n" not in result["reason"]
    assert {p.name for p in out.iterdir()} == {"report.json", "junit.xml", "summary.md", "report.html", "report.har"}
    assert "Traceback" not in captured.out + captured.err
    written = captured.out + captured.err + "".join(p.read_text(errors="replace") for p in out.iterdir())
    assert SESSION not in written
    assert bytes_reprs(written) == []
    if mode in ("huge", "gzip-bomb"):
        assert any(e["body_truncated"] for test in result["tests"] for e in test["evidence"])


@pytest.mark.parametrize("mode", ["trickle-head", "endless-100", "bad-chunk", "hang"])
def test_a_hostile_first_answer_is_exit_3_in_one_line(mode: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    """Runs against a target whose very first answer (the preflight's read) misbehaves.
    Expects exit 3 with one line saying the target could not be reached, and no traceback."""
    with hostile(f"list-{mode}", tmp_path) as config:
        code = cli.main(["run", "--config", str(config), "--profile", "safe", "--timeout", "2",
                         "--report-dir", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 3
    assert len(captured.err.strip().splitlines()) == 1 and "cannot reach" in captured.err
    assert "Traceback" not in captured.out + captured.err
    report = json.loads((tmp_path / "out" / "report.json").read_text())  # the reports say why, all undecided
    assert report["verdict"] == "error" and {r["outcome"] for r in report["requirements"]} == {"error"}
    assert all("cannot reach" in r["reason"] for r in report["requirements"])


def test_an_echoed_credential_is_redacted_in_every_form(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs against a target whose 404 echoes the session raw, JSON-escaped, percent-encoded, inside
    base64, and once more just across the evidence's cut. Expects no piece of the session (8 characters
    or more, in any of those forms) in any byte the run wrote."""
    out = tmp_path / "out"
    with hostile("echo", tmp_path) as config:
        cli.main(["run", "--config", str(config), "--profile", "safe", "--timeout", "2", "--only",
                  "TRIPORT-CANCEL-0[78]", "--report-dir", str(out)])
    captured = capsys.readouterr()
    written = captured.out + captured.err + "".join(p.read_text(errors="replace") for p in out.iterdir())
    assert "<redacted>" in written
    encoded = [urllib.parse.quote(SESSION, safe=""), SESSION.replace("/", "\\u002f")]
    pieces = {form[i:i + 8] for form in [SESSION, *encoded] for i in range(len(form) - 7)}
    assert [piece for piece in pieces if piece in written] == []
