"""Malformed answers are read as such: a clear sentence, never a bare exception name."""

from __future__ import annotations

import pytest

from conformance.engine import describe
from conformance.http import Exchange, path_segment


def answer(body: bytes) -> Exchange:
    return Exchange("GET", "http://t/x", {}, None, 200, {"Content-Type": "application/json"}, body)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"amount": ' + b"9" * 5000 + b"}",
                                  b'{"id": "\\ud800"', b"\xff\xfe"],
                         ids=["deep", "5000-digits", "truncated", "not-utf8"])
def test_an_unreadable_body_is_not_json(body: bytes) -> None:
    """Reads a body nested 100000 deep, a 5000-digit number, a truncated object, invalid UTF-8.
    Expects ValueError each time (a check then says "not JSON"), never RecursionError or another."""
    with pytest.raises(ValueError):
        answer(body).json()


def test_an_id_with_a_lone_surrogate_can_still_be_sent() -> None:
    """Builds a path segment for an id a target handed out with a lone surrogate.
    Expects it percent-encoded, not an encoding error."""
    assert path_segment("inv_\ud800") == "inv_%ED%A0%80"


@pytest.mark.parametrize(("error", "said"), [
    (RecursionError("maximum recursion depth exceeded"), "the answer is nested too deeply to read"),
    (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "cannot be encoded"),
    (KeyError("id"), "the answer lacks a member the suite needed"),
    (TypeError("'NoneType' object is not subscriptable"), "a shape the suite did not expect"),
], ids=["recursion", "surrogate", "missing-member", "wrong-shape"])
def test_an_unforeseen_error_reads_as_a_sentence(error: Exception, said: str) -> None:
    """Describes exceptions a malformed answer can raise. Expects a sentence, then the exception's own words."""
    text = describe(error)
    assert text.startswith(said) or said in text
    assert f"({type(error).__name__}" in text
