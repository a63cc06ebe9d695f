"""Are two answers the same, where a leak could hide? Status, every header's name and value, and
the body's bytes, setting aside only what differs between identical requests (TRIPORT-D-VOLATILE).

Bodies are compared as tokens: a JSON body as its scalar values (each with its raw text and JSON
path) inside a skeleton of everything else (keys, punctuation, whitespace, byte for byte); any other
body as runs of word characters and single other characters. A value is volatile when its raw text
differs between samples of identical requests; the skeleton never is (if it differs between samples,
the body as a whole is volatile, and said so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from json.decoder import scanstring

from conformance.checks import Verdict, verdict
from conformance.http import Exchange

WHOLE_BODY = "(the whole body)"
MAX_DEPTH = 64  # deeper JSON is compared as text: a hostile body cannot exhaust the stack
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERAL = re.compile(r"true|false|null")
_WORDS = re.compile(r"\w+|\W", re.UNICODE)


@dataclass(frozen=True)
class Tokens:
    skeleton: tuple[str, ...]
    values: tuple[tuple[str, str], ...]  # (path, raw text) in order


@dataclass(frozen=True)
class Volatile:
    """What differed between samples of identical requests: header names (lower case), body paths."""

    headers: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()


def tokens(body: bytes) -> Tokens:
    text = body.decode("utf-8", "surrogateescape")  # every byte survives: raw texts compare bytes
    try:
        return _json_tokens(text)
    except (ValueError, IndexError, RecursionError):
        words = _WORDS.findall(text)
        return Tokens((f"text of {len(words)} tokens",), tuple((f"#{i}", w) for i, w in enumerate(words)))


def _json_tokens(text: str) -> Tokens:
    skeleton: list[str] = []
    values: list[tuple[str, str]] = []

    def space(i: int) -> int:
        end = _WS.match(text, i).end()
        if end > i:
            skeleton.append(text[i:end])
        return end

    def value(i: int, path: str, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        i = space(i)
        char = text[i]
        if char in "{[":
            close = "}" if char == "{" else "]"
            skeleton.append(char)
            i = space(i + 1)
            index = 0
            while text[i] != close:
                if char == "{":
                    if text[i] != '"':
                        raise ValueError("key")
                    key, end = scanstring(text, i + 1)
                    skeleton.append(text[i:end])
                    i = space(end)
                    if text[i] != ":":
                        raise ValueError("colon")
                    skeleton.append(":")
                    i = value(i + 1, f"{path}/{key}", depth + 1)
                else:
                    i = value(i, f"{path}/{index}", depth + 1)
                index += 1
                i = space(i)
                if text[i] == ",":
                    skeleton.append(",")
                    i = space(i + 1)
                elif text[i] != close:
                    raise ValueError("separator")
            skeleton.append(close)
            return i + 1
        if char == '"':
            end = scanstring(text, i + 1)[1]
        else:
            match = _NUMBER.match(text, i) or _LITERAL.match(text, i)
            if match is None:
                raise ValueError("value")
            end = match.end()
        skeleton.append("\x00")
        values.append((path or "/", text[i:end]))
        return end

    end = space(value(0, "", 0))
    if end != len(text):
        raise ValueError("trailing data")
    return Tokens(tuple(skeleton), tuple(values))


def _headers(exchange: Exchange) -> dict[str, str]:
    return {name.lower(): value for name, value in exchange.headers.items()}


def learn(*samples: Exchange) -> Volatile:
    """What differs among answers to identical requests (at least two)."""
    headers: set[str] = set()
    paths: set[str] = set()
    first, first_tokens = samples[0], None
    for other in samples[1:]:
        a, b = _headers(first), _headers(other)
        headers |= {name for name in a.keys() | b.keys() if a.get(name) != b.get(name)}
        if other.body == first.body:  # the same bytes are the same tokens (a 1 MiB body is a million)
            continue
        first_tokens = first_tokens or tokens(first.body)
        other_tokens = tokens(other.body)
        if other_tokens.skeleton != first_tokens.skeleton or len(other_tokens.values) != len(first_tokens.values):
            paths.add(WHOLE_BODY)
            continue
        paths |= {path for (path, x), (_, y) in zip(first_tokens.values, other_tokens.values, strict=True) if x != y}
    return Volatile(frozenset(headers), frozenset(paths))


def differences(first: Exchange, other: Exchange, volatile: Volatile) -> list[str]:
    """Where two answers differ, outside what is volatile."""
    found = []
    if first.status != other.status:
        found.append(f"status {first.status} vs {other.status}")
    a, b = _headers(first), _headers(other)
    body_differs = first.body != other.body and WHOLE_BODY not in volatile.paths and _tokens_differ(
        tokens(first.body), tokens(other.body), volatile)
    # Content-Length follows the body, which is compared itself: volatile values of varying length
    # move it without telling anything.
    derived = set() if body_differs else {"content-length"}
    for name in sorted((a.keys() | b.keys()) - volatile.headers - derived):
        if a.get(name) != b.get(name):
            found.append(f"header {name}: {a.get(name, '(absent)')!r} vs {b.get(name, '(absent)')!r}")
    if body_differs:
        found.append(f"body {first.excerpt(100)!r} vs {other.excerpt(100)!r}")
    return found


def _tokens_differ(a: Tokens, b: Tokens, volatile: Volatile) -> bool:
    return (a.skeleton != b.skeleton or len(a.values) != len(b.values)
            or any(x != y and path not in volatile.paths for (path, x), (_, y) in zip(a.values, b.values, strict=True)))


def same_answer(first: Exchange, other: Exchange, volatile: Volatile) -> Verdict:
    """Same status, headers and values, body bytes, once what is volatile is set aside."""
    found = differences(first, other, volatile)
    return verdict(not found, "identical answers", "; ".join(found) or "identical")
