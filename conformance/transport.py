"""Every HTTP exchange the kit makes, bounded: in wall time and in size after decoding, never
following a redirect. One adapter for requests, mounted by the kit's client and, through
`bounded_session`, on every session Schemathesis opens (its phases and its probes).

requests' `timeout` bounds each socket operation, not an answer: a server that trickles its
status line a byte a second, or sends `100 Continue` without end, never times out. Here a
watchdog shuts the connection's socket down when the answer's time is up, whatever the bytes
are doing, and the request fails as a timeout.
"""

from __future__ import annotations

import ast
import heapq
import http.client
import itertools
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_BODY_BYTES = 1024 * 1024  # of any body, after decoding (gzip, deflate, br): the rest is never read
ACCEPTED_CODINGS = "gzip, deflate"  # what the kit inflates itself, piece by piece
_DEFAULT_CODINGS = re.compile(r"^gzip, deflate(, (br|zstd))+$")  # requests' default with brotli or zstd installed
TRUNCATED = "conformance_truncated"  # set on a response whose body was cut at MAX_BODY_BYTES
_current = threading.local()  # the answer being read on this thread: its connection registers its socket


class Watchdog:
    """One thread that runs each armed action at its deadline, unless it was disarmed first. Disarming
    only marks the entry (the thread drops it when it comes up); the thread ends after `linger_s` with
    nothing armed, and at once on `quiesce`, so a process can be forked safely between answers."""

    def __init__(self, linger_s: float = 2.0) -> None:
        self.linger_s = linger_s
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def arm(self, deadline: float, action: Callable[[], None]) -> int:
        with self._lock:
            token = next(self._ids)
            earliest = not self._heap or deadline < self._heap[0][0]
            heapq.heappush(self._heap, (deadline, token, action))
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="conformance-watchdog", daemon=True)
                self._thread.start()
            elif earliest:
                self._lock.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._cancelled.add(token)

    def quiesce(self, timeout_s: float = 1.0) -> None:
        """End the thread if nothing is armed, and wait for it: before a fork."""
        with self._lock:
            self._drop_cancelled()
            thread = self._thread
            if thread is None or self._heap:
                return
            self._stopping = True
            self._lock.notify()
        thread.join(timeout_s)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][1] in self._cancelled:
            self._cancelled.discard(heapq.heappop(self._heap)[1])

    def _run(self) -> None:
        idle_since = time.monotonic()
        while True:
            with self._lock:
                self._drop_cancelled()
                now = time.monotonic()
                if not self._heap:
                    if self._stopping or now - idle_since >= self.linger_s:
                        self._thread = None
                        return
                    self._lock.wait(self.linger_s)
                    continue
                idle_since = now
                deadline, _, action = self._heap[0]
                if deadline > now:
                    self._lock.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
            action()


WATCHDOG = Watchdog()


class Answer:
    """One answer's sockets, shut down when its time is up."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False

    def expire(self) -> None:
        self.expired = True
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _register(connection: HTTPConnection) -> None:
    answer = getattr(_current, "answer", None)
    if answer is not None and connection.sock is not None:
        answer.sockets.append(connection.sock)


class _Watched:
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _register(self)  # type: ignore[arg-type]
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class NotSent(requests.exceptions.ConnectTimeout):
    """The breaker kept a request back: its operation timed out too often in a row."""


class Breaker:
    """An operation that times out `limit` times in a row is not sent again (for `pause_s`, then once
    more as a trial): against a target that hangs on one operation, each further request would only
    cost another timeout. `key` names the operation of a request (method and URL)."""

    def __init__(self, key: Callable[[str, str], str], limit: int = 3, pause_s: float = 30.0):
        self.key, self.limit, self.pause_s = key, limit, pause_s
        self._lock = threading.Lock()
        self._timeouts: dict[str, int] = {}
        self._opened: dict[str, float] = {}

    def check(self, method: str, url: str) -> str | None:
        """Why this request is not sent, or None."""
        name = self.key(method, url)
        with self._lock:
            opened = self._opened.get(name)
            if opened is None:
                return None
            if time.monotonic() - opened >= self.pause_s:
                self._opened[name] = time.monotonic()  # one trial; its answer decides
                return None
            return f"not sent: {name} timed out {self._timeouts[name]} times in a row"

    def record(self, method: str, url: str, timed_out: bool) -> None:
        name = self.key(method, url)
        with self._lock:
            if not timed_out:
                self._timeouts.pop(name, None)
                self._opened.pop(name, None)
                return
            self._timeouts[name] = self._timeouts.get(name, 0) + 1
            if self._timeouts[name] >= self.limit:
                self._opened[name] = time.monotonic()


class BoundedAdapter(HTTPAdapter):
    """The whole answer (interim 1xx, status line, headers, body) within the request's timeout, and
    its body read here, cut at `max_body` bytes after decoding (the response then carries TRUNCATED).
    `hold_streams`: an event stream's body is left to the caller, and only its headers are timed (the
    kit's own stream reader bounds each wait); otherwise a stream is timed and capped like any body."""

    def __init__(self, max_body: int = MAX_BODY_BYTES, hold_streams: bool = False, breaker: Breaker | None = None):
        self.max_body, self.hold_streams, self.breaker = max_body, hold_streams, breaker
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             **kwargs: Any) -> requests.Response:
        if _DEFAULT_CODINGS.search(request.headers.get("Accept-Encoding", "")):  # requests' default, not a case's
            request.headers["Accept-Encoding"] = ACCEPTED_CODINGS  # only what _Decoder undoes with a bound
        refused = self.breaker.check(request.method or "", request.url or "") if self.breaker else None
        if refused:
            raise NotSent(refused, request=request)
        limit = _total(timeout)
        answer = Answer()
        token = WATCHDOG.arm(time.monotonic() + limit, answer.expire)
        keep_armed = False  # an event stream read by someone else: timed until its budget is spent
        _current.answer = answer
        try:
            response = super().send(request, stream=True, timeout=timeout, **kwargs)
            if answer.expired:  # the shutdown reads as an end of stream: what came before it is no answer
                raise requests.ReadTimeout("expired")
            if "text/event-stream" in response.headers.get("content-type", "").lower():
                self._timed(request, False)
                if not self.hold_streams:
                    response.raw, keep_armed = _Capped(response.raw, self.max_body), True
                return response
            response._content = self._read(response)
            if answer.expired:
                raise requests.ReadTimeout("expired")
            self._timed(request, False)
            return response
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            self._timed(request, answer.expired or isinstance(exc, requests.Timeout))
            if answer.expired:
                raise requests.ReadTimeout(f"no complete answer within {limit:g} s", request=request) from None
            if isinstance(exc, requests.RequestException):
                raise
            raise requests.ConnectionError(in_words(exc), request=request) from None
        finally:
            _current.answer = None
            if not keep_armed:
                WATCHDOG.disarm(token)

    def _timed(self, request: requests.PreparedRequest, timed_out: bool) -> None:
        if self.breaker:
            self.breaker.record(request.method or "", request.url or "", timed_out)

    def _read(self, response: requests.Response) -> bytes:
        """The body, decoded here: urllib3 would inflate each 64 KiB it reads whole (64 MiB of a gzip
        bomb at once), so the raw bytes are read in small pieces and inflated at most to the bound."""
        decoder = _Decoder(response.headers.get("content-encoding", ""))
        chunks, size, whole = [], 0, False
        try:
            for raw in response.raw.stream(16384, decode_content=False):
                for chunk in decoder.feed(raw, self.max_body + 1 - size):
                    chunks.append(chunk)
                    size += len(chunk)
                if size > self.max_body:
                    setattr(response, TRUNCATED, True)
                    break
            else:
                whole = True
        except (zlib.error, OSError) as exc:
            raise requests.exceptions.ContentDecodingError(f"the body could not be decoded: {in_words(exc)}") from None
        except urllib3.exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(f"the body's framing is broken: {in_words(exc)}") from None
        finally:
            if whole:
                response.raw.release_conn()  # read to its end: the connection may serve the next request
            else:
                response.close()  # the rest is never read
        response._content_consumed = True
        return b"".join(chunks)[:self.max_body]


_BYTES_REPR = re.compile(r"""(?<![\w\\])b('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception under it, once each: causes, contexts, urllib3's `reason`, and the
    exceptions requests wraps in its args."""
    seen, pending = set(), [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__, getattr(current, "reason", None),
                                *current.args) if isinstance(e, BaseException)]


def in_words(exc: BaseException) -> str:
    """An error of the HTTP stack as a person reads it: a broken framing by what the server sent and
    when, and never a Python repr of bytes (urllib3 words a bad chunk size as `b'zz\\r\\n'`)."""
    for current in chain(exc):
        if isinstance(current, urllib3.exceptions.InvalidChunkLength):
            size = current.length.decode("latin-1").strip() if isinstance(current.length, bytes) else current.length
            return f"a chunk size that is no hexadecimal number ({json.dumps(size)}) after {current.partial} bytes"
        if isinstance(current, http.client.IncompleteRead):
            got = current.partial if isinstance(current.partial, int) else len(current.partial)
            more = f", {current.expected} more promised" if current.expected is not None else ""
            return f"the body ended after {got} bytes{more}"
    return plain(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def plain(text: str) -> str:
    """`text` with each Python bytes literal in it (`b'\\xff'`) shown as the text it holds, quoted."""
    def shown(match: re.Match[str]) -> str:
        try:
            value = ast.literal_eval("b" + match.group(1))
        except (ValueError, SyntaxError):
            return match.group(1)
        return json.dumps(value.decode("utf-8", "replace"), ensure_ascii=False)
    return _BYTES_REPR.sub(shown, text)


class _Decoder:
    """Content-Encoding undone with a bound on what each piece inflates to: gzip, deflate (zlib or raw),
    in the order they were applied. An encoding it does not know is left as it came."""

    def __init__(self, header: str):
        codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
        self.known = bool(codings) and all(c in ("gzip", "x-gzip", "deflate") for c in codings)
        self.stages = [_Inflater(c) for c in reversed(codings)] if self.known else []

    def feed(self, data: bytes, limit: int) -> list[bytes]:
        for stage in self.stages:
            data = stage.inflate(data, max(limit, 1))
        return [data] if data else []


class _Inflater:
    def __init__(self, coding: str):
        self.coding = coding
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in coding else zlib.MAX_WBITS)
        self._first = True

    def inflate(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self.coding != "deflate" or not self._first:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without its zlib header, as servers send
            out = self._zlib.decompress(data, limit)
        self._first = False
        return out


def _total(timeout: Any) -> float:
    """The answer's whole budget from requests' timeout (a number, or (connect, read))."""
    if isinstance(timeout, tuple):
        return float(sum(t for t in timeout if t))
    return float(timeout) if timeout else 30.0


class _Capped:
    """An event stream's raw body for a reader that is not the kit's (Schemathesis): it ends after
    `limit` decoded bytes, and the watchdog still ends it when the request's time is up."""

    def __init__(self, raw: Any, limit: int):
        self._raw, self._left = raw, limit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def read1(self, amt: int = -1, **kwargs: Any) -> bytes:
        if self._left <= 0:
            return b""
        data = self._raw.read1(min(amt, self._left) if amt and amt > 0 else self._left, **kwargs)
        self._left -= len(data)
        return data

    def read(self, amt: int | None = None, **kwargs: Any) -> bytes:
        if self._left <= 0:
            return b""
        data = self._raw.read(min(amt, self._left) if amt else self._left, **kwargs)
        self._left -= len(data)
        return data

    def stream(self, amt: int = 65536, **kwargs: Any) -> Any:
        while data := self.read(amt, **kwargs):
            yield data


class NoRedirects:
    """A session mixin: a redirect is an answer to judge, never followed, whatever `allow_redirects` says."""

    def get_redirect_target(self, response: requests.Response) -> None:
        return None


class BoundedSession(NoRedirects, requests.Session):
    pass


def bounded(session: requests.Session, **options: Any) -> requests.Session:
    """`session` with the bounded adapter mounted for both schemes."""
    adapter = BoundedAdapter(**options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def bounded_session(**options: Any) -> requests.Session:
    return bounded(BoundedSession(), **options)
