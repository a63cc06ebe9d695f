"""Hostile and broken targets (negative controls for the kit itself): whatever the target does on the
wire, the run finishes in bounded time, fails the requirement that met it with one clear reason,
writes its reports, and shows no traceback."""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance import cli

SESSION = "hostile-session-value-7f3a"
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
            elif line.startswith("GET /v1/billing/invoices"):
                self.request.sendall(answer("200 OK", b'{"invoices":[],"total":0}', "Connection: close"))
            else:
                self.request.sendall(answer("404 Not Found", ENVELOPE, "Connection: close"))
        except OSError:
            pass

    def misbehave(self) -> None:
        send, mode = self.request.sendall, self.mode
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
    "short-body": ("TRIPORT-CANCEL-08", "ChunkedEncodingError"),
    "endless-chunks": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "hang": ("TRIPORT-CANCEL-08", "no response within 2 s"),
    "redirect": ("TRIPORT-CANCEL-08", "status 302 (Location: https://login.example/sso)"),
    "not-utf8": ("TRIPORT-ERROR-01", "got not JSON"),
    "not-json": ("TRIPORT-ERROR-01", "got not JSON: <html>"),
    "huge": ("TRIPORT-ERROR-01", "got not JSON"),
}


@pytest.mark.parametrize("mode", list(CASES))
def test_a_hostile_target_fails_the_requirement_with_one_clear_reason(mode: str, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """Runs the safe profile's cancel checks against a target whose cancels misbehave on the wire.
    Expects exit 1, the requirement that met it failed (not undecided) with a one-line reason naming
    the problem, all four reports written, no traceback and no session value anywhere."""
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
    assert {p.name for p in out.iterdir()} == {"report.json", "junit.xml", "summary.md", "report.html"}
    assert "Traceback" not in captured.out + captured.err
    written = captured.out + captured.err + "".join(p.read_text(errors="replace") for p in out.iterdir())
    assert SESSION not in written
    if mode == "huge":
        assert any(e["body_truncated"] for e in result["evidence"])
