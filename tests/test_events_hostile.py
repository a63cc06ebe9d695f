"""Event streams that misbehave: a wait is one span of wall time, and lines and events are bounded."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from conformance.http import Client, Redactor
from conformance.sse import MAX_LINE_CHARS


@contextmanager
def stream_server(write: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback server that answers one GET with SSE headers, then `write`s what it likes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                    write(conn)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def flood(conn: socket.socket) -> None:
    """A frame every millisecond, for up to 30 s."""
    for i in range(30_000):
        conn.sendall(f"event: tick\ndata: {i}\n\n".encode())
        time.sleep(0.001)


def long_line(conn: socket.socket) -> None:
    """50 MiB of one line, in pieces, then an event the reader must still see."""
    piece = b"data: " + b"x" * (1024 * 1024 - 6)
    for _ in range(50):
        conn.sendall(piece)
        piece = b"x" * (1024 * 1024)
    conn.sendall(b"\n\nevent: after\ndata: {}\n\n")
    time.sleep(5)


def test_a_flood_of_frames_does_not_stretch_the_wait() -> None:
    """Reads a stream that sends a frame every millisecond, with a 1 s wait.
    Expects the read to end by itself with the stream still open (before, each frame restarted the wait)."""
    with stream_server(flood) as url:
        stream = Client(url, 5, Redactor([])).stream("/events", read_timeout_s=1)
        frames = list(stream.frames(1.0))
        stream.close()
    assert frames and not stream.closed and len(frames) < 30_000


def test_a_line_without_end_is_dropped_not_buffered() -> None:
    """Reads a stream whose first line is 50 MiB long, then an event.
    Expects the line dropped with a note in the evidence, the event after it read, and the kept evidence bounded."""
    with stream_server(long_line) as url:
        stream = Client(url, 5, Redactor([])).stream("/events", read_timeout_s=10)
        frames = list(stream.frames(10.0))
        stream.close()
    assert ("after", "{}") in frames
    assert stream.exchange.notes == [f"a line of more than {MAX_LINE_CHARS} characters was dropped"]
