"""One HTTP client for the suite: timeouts, no redirects, bounded reads, evidence with secrets redacted."""

from __future__ import annotations

import base64
import json
import re
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from conformance.sse import Event, SseDecoder
from conformance.transport import (
    MAX_BODY_BYTES,
    TRUNCATED,
    WATCHDOG,
    Answer,
    Breaker,
    NotSent,
    bounded_session,
    chain,
    in_words,
    plain,
)

EXCERPT_BYTES = 2048  # how much of a body the evidence keeps
REPLAY_BYTES = 64 * 1024  # how much of a request body the evidence keeps, to send it again
REDACTED = "<redacted>"


class CheckFailed(AssertionError):
    """A requirement is not met: carries what was expected and what came back."""

    def __init__(self, expected: str, actual: str):
        self.expected, self.actual = expected, actual
        super().__init__(f"expected {expected}; got {actual}")


def path_segment(value: str) -> str:
    """A path segment for any id a target handed out, lone surrogates included (never an encode error)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


class DeadlinePassed(RuntimeError):
    """The run's --deadline has passed: what was not finished is undecided."""


class NoResponse(CheckFailed):
    """The target did not answer (timeout, refused, reset, framing error): the requirement fails."""


class Redactor:
    """Replaces every configured secret in text with <redacted>: as it is, with any of its characters
    JSON-escaped (\\u002d) or percent-encoded (%2D), and base64-encoded at any alignment (standard
    or URL-safe alphabet); and a piece of one cut off at either end of the text by someone else's cut.
    Text is redacted before the kit cuts it, so no cut can split a secret."""

    EDGE = 6  # a cut-off piece this long at an edge of the text counts as a piece of the secret

    def __init__(self, secrets: list[str]):
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._lowered = [secret.lower() for secret in self._secrets]
        self._cores = [core for secret in self._secrets for core in _base64_cores(secret)]
        forms = [_spelled(secret) for secret in self._secrets] + [re.escape(core) for core in self._cores]
        self._pattern = re.compile("|".join(forms)) if forms else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        if self._may_hold(text):
            text = self._pattern.sub(REDACTED, text)
        for secret in self._secrets:
            text = self._edges(text, secret)
        return text

    def _may_hold(self, text: str) -> bool:
        """False only where no form of a secret can be in `text`: without an escape (\\u, %XX, + for a
        space) a spelled form is the secret in some case, which plain substring searches rule out at a
        fraction of the pattern's cost (it runs on every header and body of a run)."""
        if "\\" in text or "%" in text or "+" in text:
            return True
        lowered = text.lower()
        return any(secret in lowered for secret in self._lowered) or any(core in text for core in self._cores)

    def _edges(self, text: str, secret: str) -> str:
        """A piece of `secret` (EDGE to 64 characters, the longest first) cut off at the end of `text`,
        then one at its start: found by searching for the piece's outer EDGE characters."""
        longest = min(len(secret) - 1, 64)
        if longest < self.EDGE:
            return text
        tail = text[-longest:]
        at = tail.find(secret[:self.EDGE])
        while at >= 0:  # the leftmost match is the longest piece
            if secret.startswith(tail[at:]):
                text = text[:len(text) - len(tail) + at] + REDACTED
                break
            at = tail.find(secret[:self.EDGE], at + 1)
        head = text[:longest]
        at = head.rfind(secret[-self.EDGE:])
        while at >= 0:  # the rightmost match is the longest piece
            if secret.endswith(head[:at + self.EDGE]):
                return REDACTED + text[at + self.EDGE:]
            at = head.rfind(secret[-self.EDGE:], 0, at + self.EDGE - 1)
        return text


def _spelled(secret: str) -> str:
    """A pattern for the secret with each character as it is, JSON-escaped or percent-encoded."""
    def one(char: str) -> str:
        options = [re.escape(char), rf"\\u{ord(char):04x}"] if ord(char) < 0x10000 else [re.escape(char)]
        options += [f"%{byte:02x}" for byte in char.encode()] if len(char.encode()) == 1 else []
        if char == " ":
            options.append(r"\+")
        return "(?:" + "|".join(options) + ")"
    return "(?i:" + "".join(one(char) for char in secret) + ")" if secret.isascii() else re.escape(secret)


def _base64_cores(secret: str) -> list[str]:
    """The base64 text that encodes the secret wherever it sits in a longer encoded string: for each of
    the three alignments, the characters that depend on the secret's bytes alone."""
    raw, cores = secret.encode(), []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = (shift * 4 + 2) // 3  # characters that also depend on the padding before it
        end = ((shift + len(raw)) // 3) * 4  # the last full group is the last one the secret alone decides
        core = encoded[start:end]
        if len(core) >= 8:
            cores += [core, core.replace("+", "-").replace("/", "_")]
    return cores


@dataclass
class Exchange:
    """One request and its response (or the reason there was none), as evidence."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    elapsed_s: float = 0.0
    error: str | None = None
    retried: float | None = None  # a 429 the client waited this long after, then sent again
    notes: list[str] = field(default_factory=list)  # what the client set aside (cut lines, events), for the evidence
    redact: Callable[[str], str] = field(default=lambda text: text, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not (nesting too deep or a number too long too)."""
        try:
            return json.loads(self.body)
        except (RecursionError, UnicodeDecodeError) as exc:
            raise ValueError(f"not JSON Python can read: {type(exc).__name__}") from None

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is anything else."""
        try:
            body = self.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def excerpt(self, limit: int = 120) -> str:
        """The start of the body as text, for a reason line (never a bytes repr)."""
        if not self.body:
            return "no body"
        text = " ".join(self.redact(self.body.decode("utf-8", "replace")).split())  # redacted, then cut
        return text[:limit] + ("..." if len(text) > limit else "")

    def curl(self) -> str:
        parts = ["curl", "-X", self.method]
        for name, value in self.request_headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-binary", self.request_body.decode("utf-8", "replace")]
        return " ".join(shlex.quote(p) for p in [*parts, self.url])

    def evidence(self, redact: Redactor, names: dict[str, str] | None = None) -> dict[str, Any]:
        """The exchange as report evidence; every string passes through the redactor. The request is
        kept for `conformance replay`, each credential in it named (`<credential:session>`, `names`:
        secret -> its config key) so a replay can put the config's back; it is then redacted too."""
        excerpt = redact(self.body.decode("utf-8", "replace"))[:EXCERPT_BYTES]  # redacted before it is cut

        def named(text: str) -> str:
            for secret, name in sorted((names or {}).items(), key=lambda item: -len(item[0])):
                text = text.replace(secret, f"<credential:{name}>")
            return redact(text)
        sent = (self.request_body or b"").decode("utf-8", "replace")
        return {
            "request": {"headers": {k: named(v) for k, v in self.request_headers.items()},
                        "body": named(sent)[:REPLAY_BYTES], "body_truncated": len(sent) > REPLAY_BYTES},
            "method": self.method, "url": redact(self.url), "status": self.status,
            "headers": {k: redact(v) for k, v in self.headers.items()},
            "body_excerpt": excerpt, "body_truncated": self.truncated or len(self.body) > EXCERPT_BYTES,
            "elapsed_s": round(self.elapsed_s, 4), "error": redact(self.error) if self.error else None,
            "retried_after_s": self.retried, "notes": [redact(note) for note in self.notes],
            "curl": redact(self.curl()),
        }


class Pacer:
    """At most `rps` requests a second from this process, whichever thread sends them."""

    def __init__(self, rps: float):
        self.interval, self._next, self._lock = 1 / rps, 0.0, threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def wait_asked(exchange: Exchange, headers: tuple[str, ...], cap_s: float) -> float:
    """How long a 429 asks to wait, from the first of `headers` it carries (an API names which:
    Retry-After, X-Rate-Limit-Reset): seconds, an epoch time, an ISO or HTTP date. Between 0.1 s and
    `cap_s`; 1 s when it says nothing readable."""
    for name in headers:
        value = (exchange.header(name) or "").strip()
        seconds = _seconds_until(value) if value else None
        if seconds is not None:
            return min(max(seconds, 0.1), cap_s)
    return min(1.0, cap_s)


def _seconds_until(value: str) -> float | None:
    try:
        seconds = float(value)
        return seconds - time.time() if seconds > 10**9 else seconds  # above 10^9: an epoch time
    except ValueError:
        pass
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            moment = parse(value)
        except (TypeError, ValueError):
            continue
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return (moment - datetime.now(UTC)).total_seconds()
    return None


class RateLimited(RuntimeError):
    """Still 429 after the bounded retries: throttling, never an answer to grade (the requirement
    that needed the request is undecided; <API>-D-RATE-LIMIT)."""


@dataclass
class Client:
    """Sends requests to one target. Every exchange goes to `record`; secrets never leave redacted.
    A 429 is retried after the wait it asks for (read from `wait_headers`, which the API names), at
    most `retries` times, each wait capped; the 429s stay in the evidence, marked `retried`. Still
    429 after that: RateLimited (with `retries` 0, the 429 is the answer)."""

    base_url: str
    timeout_s: float
    redact: Redactor
    record: Callable[[Exchange], None] = lambda exchange: None
    verify: bool | str = True
    pacer: Pacer | None = None
    retries: int = 3
    retry_cap_s: float = 30.0
    wait_headers: tuple[str, ...] = ("Retry-After",)
    deadline: float | None = None  # time.monotonic() past which nothing is sent (the run's --deadline)
    breaker: Breaker | None = None  # an operation that keeps timing out is not sent again

    def wait_within_deadline(self, seconds: float) -> float:
        """A wait (after a 429), shortened to what is left of the run's deadline."""
        return seconds if self.deadline is None else max(min(seconds, self.deadline - time.monotonic()), 0.0)

    def _budget(self, timeout_s: float | None) -> float:
        """This answer's time: the timeout, or what is left of the run's deadline if that is less."""
        budget = timeout_s or self.timeout_s
        if self.deadline is None:
            return budget
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("stopped: the run's --deadline had passed")
        return min(budget, left)

    def request(self, method: str, path: str, *, cookies: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, json_body: Any = None, data: bytes | str | None = None,
                timeout_s: float | None = None) -> Exchange:
        for attempt in range(self.retries + 1):
            exchange = self._once(method, path, cookies, headers, json_body, data, timeout_s,
                                  may_retry=attempt < self.retries)
            if exchange.retried is None:
                break
            time.sleep(self.wait_within_deadline(exchange.retried))
        if exchange.status == 429 and self.retries:
            raise RateLimited(f"{method} {path} still answered 429 after {self.retries} waits: the target is "
                              "rate-limiting the run (a lower --max-rps avoids it)")
        return exchange

    def _once(self, method: str, path: str, cookies: dict[str, str] | None, headers: dict[str, str] | None,
              json_body: Any, data: bytes | str | None, timeout_s: float | None, may_retry: bool) -> Exchange:
        prepared = self._prepare(method, path, cookies, headers, json_body, data)
        exchange = Exchange(method, prepared.url, self._shown_headers(prepared), _bytes(prepared.body),
                            redact=self.redact)
        if self.pacer:
            self.pacer.wait()
        budget = self._budget(timeout_s)
        started = time.monotonic()
        try:
            with bounded_session(breaker=self.breaker) as session:
                response = session.send(prepared, timeout=budget,
                                        allow_redirects=False, stream=False, verify=self.verify)
                exchange.status, exchange.headers = response.status_code, dict(response.headers)
                exchange.body, exchange.truncated = response.content, getattr(response, TRUNCATED, False)
        except NotSent as exc:
            exchange.error = f"{exc} (each waited --timeout {self.timeout_s:g} s)"
        except requests.Timeout:
            exchange.error = f"no response within {budget:g} s"
        except requests.RequestException as exc:
            exchange.error = _why(exc)
        exchange.elapsed_s = time.monotonic() - started
        if exchange.status == 429 and may_retry:  # marked before it is recorded: observers let it pass
            exchange.retried = wait_asked(exchange, self.wait_headers, self.retry_cap_s)
        self.record(exchange)
        if exchange.error and self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlinePassed(f"stopped: the run's --deadline passed while {method} {path} waited")
        if exchange.error:
            raise NoResponse(f"an answer to {method} {path}", exchange.error)
        return exchange

    def stream(self, path: str, *, cookies: dict[str, str] | None = None,
               read_timeout_s: float | None = None) -> EventStream:
        """Open a Server-Sent Events stream; a silent stream stops a read after `read_timeout_s`."""
        prepared = self._prepare("GET", path, cookies, {"Accept": "text/event-stream"}, None, None)
        exchange = Exchange("GET", prepared.url, self._shown_headers(prepared), None, redact=self.redact)
        session = bounded_session(hold_streams=True)
        if self.pacer:
            self.pacer.wait()
        budget = self._budget(None)
        try:
            response = session.send(prepared, timeout=(budget, min(read_timeout_s or budget, budget)),
                                    allow_redirects=False, stream=True, verify=self.verify)
        except requests.RequestException as exc:
            session.close()
            exchange.error = _why(exc)
            self.record(exchange)
            raise NoResponse(f"an answer to GET {path}", exchange.error) from None
        exchange.status, exchange.headers = response.status_code, dict(response.headers)
        self.record(exchange)
        return EventStream(exchange, response, session)

    def _prepare(self, method: str, path: str, cookies: dict[str, str] | None, headers: dict[str, str] | None,
                 json_body: Any, data: bytes | str | None) -> requests.PreparedRequest:
        request = requests.Request(method, self.base_url + path, headers=headers or {}, cookies=cookies or {},
                                   json=json_body, data=data)
        return request.prepare()

    def _shown_headers(self, prepared: requests.PreparedRequest) -> dict[str, str]:
        return {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length", "user-agent")}


@dataclass
class EventStream:
    """A live SSE response, decoded as it arrives (conformance.sse: the WHATWG rules, bounded)."""

    exchange: Exchange
    response: requests.Response
    session: requests.Session
    closed: bool = False
    decoder: SseDecoder = field(default_factory=SseDecoder)
    _ready: list[Event] = field(default_factory=list)
    _chunks: Iterator[bytes] | None = None

    def frames(self, wait_s: float) -> Iterator[tuple[str, str]]:
        """(event, data) frames until the server closes the stream or `wait_s` has passed: the wait is
        one span of wall time however many frames (or bytes) arrive within it."""
        if self._chunks is None:
            self._chunks = self._arrivals()
        deadline = time.monotonic() + wait_s
        while True:
            while self._ready:
                event = self._ready.pop(0)
                self._keep(f"event: {event.type}\ndata: {event.data}\n\n".encode())
                yield event.type, event.data
                if time.monotonic() >= deadline:
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            disarm = self._read_within(left)
            try:
                self._ready += self.decoder.feed(next(self._chunks))
                self.exchange.notes = list(dict.fromkeys(self.decoder.cut))
            except StopIteration:
                self.closed = True
                return
            except requests.RequestException:  # a read timed out or the connection broke
                return
            finally:
                disarm()

    def _keep(self, text: bytes) -> None:
        """The frames as evidence, bounded like any body."""
        room = MAX_BODY_BYTES - len(self.exchange.body)
        if room <= 0:
            self.exchange.truncated = True
            return
        self.exchange.body += text[:room]
        self.exchange.truncated = self.exchange.truncated or len(text) > room

    def _arrivals(self) -> Iterator[bytes]:
        """Bytes as they arrive, chunked or not: iter_content would wait for the end of an unchunked
        stream (an HTTP/1.0-style SSE response), which for a pending invoice never comes."""
        while True:
            try:
                data = self.response.raw.read1(65536)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise requests.ConnectionError(in_words(exc)) from None
            if not data:
                return
            yield data

    def _read_within(self, seconds: float) -> Callable[[], None]:
        """Bound the next read by what is left of the wait, not the stream's whole read timeout: each
        socket read times out then, and a watchdog shuts the socket down then too (a chunk-size line
        trickling in a byte at a time would otherwise hold the read). Returns what disarms it."""
        raw = self.response.raw
        # The connection's socket; once http.client knows the server will close, only the reader has it.
        sock = getattr(getattr(raw, "_connection", None), "sock", None)
        if sock is None:
            sock = getattr(getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None)
        if sock is None:
            return lambda: None
        sock.settimeout(max(seconds, 0.01))
        answer = Answer()
        answer.sockets.append(sock)
        token = WATCHDOG.arm(time.monotonic() + max(seconds, 0.01), answer.expire)
        return lambda: WATCHDOG.disarm(token)

    def close(self) -> None:
        self.response.close()
        self.session.close()


def _bytes(body: bytes | str | None) -> bytes | None:
    return body.encode() if isinstance(body, str) else body


def _first_line(exc: BaseException) -> str:
    return plain(str(exc).splitlines()[0][:200]) if str(exc) else type(exc).__name__


def _why(exc: requests.RequestException) -> str:
    """What went wrong, for a person: the operating system's word for it where there is one (a refused
    or reset connection, an unknown host), found under the pools and retries that wrap it; else the
    exception's first line. Never the adapter's internals (pool classes, retry counts)."""
    wrapper = requests.RequestException | urllib3.exceptions.HTTPError
    for current in chain(exc):
        if isinstance(current, OSError) and not isinstance(current, wrapper):
            words = current.strerror or _first_line(current)
            return f"{type(exc).__name__}: {words[0].lower() + words[1:] if words else type(current).__name__}"
    return f"{type(exc).__name__}: {_first_line(exc)}"
