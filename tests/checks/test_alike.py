"""Answers compared where a leak could hide: headers and values, body bytes; volatile values learned."""

from __future__ import annotations

from conformance.checks.alike import WHOLE_BODY, Volatile, learn, same_answer, tokens
from conformance.http import Exchange


def answer(body: bytes, status: int = 404, **headers: str) -> Exchange:
    return Exchange("POST", "http://t/x", {}, None, status, {k.replace("_", "-"): v for k, v in headers.items()}, body)


def test_a_header_value_that_differs_is_a_difference() -> None:
    """Compares two 404s with the same body whose ETag values differ; expects them told apart."""
    result = same_answer(answer(b"{}", ETag='W/"a"'), answer(b"{}", ETag='W/"b"'), Volatile())
    assert not result.ok and "header etag" in result.actual


def test_a_header_seen_to_vary_between_identical_requests_is_set_aside() -> None:
    """Learns from two samples whose Date differs; expects answers differing only in Date to be the same."""
    volatile = learn(answer(b"{}", Date="Mon, 01"), answer(b"{}", Date="Mon, 02"))
    assert volatile.headers == {"date"}
    assert same_answer(answer(b"{}", Date="x"), answer(b"{}", Date="y"), volatile).ok


def test_body_bytes_are_compared_not_only_parsed_json() -> None:
    """Compares `{"error":"not found"}` with the same JSON spaced differently; expects them told apart."""
    assert not same_answer(answer(b'{"error":"not found"}'), answer(b'{"error": "not found"}'), Volatile()).ok


def test_a_volatile_json_value_is_set_aside_by_path() -> None:
    """Learns that /request_id varies; expects answers differing in it (and so in Content-Length) the same,
    and answers differing in /error still told apart."""
    volatile = learn(answer(b'{"error":"x","request_id":"r1"}'), answer(b'{"error":"x","request_id":"r22"}'))
    assert volatile.paths == {"/request_id"}
    same = same_answer(answer(b'{"error":"x","request_id":"a"}', Content_Length="30"),
                       answer(b'{"error":"x","request_id":"bbb"}', Content_Length="32"), volatile)
    assert same.ok
    assert not same_answer(answer(b'{"error":"x","request_id":"a"}'),
                           answer(b'{"error":"y","request_id":"a"}'), volatile).ok


def test_escapes_are_raw_text() -> None:
    """Compares a value written plainly and with a \\u escape; expects them told apart (bytes differ)."""
    assert tokens(b'{"e":"n"}').values != tokens(b'{"e":"\\u006e"}').values


def test_text_bodies_are_compared_token_by_token() -> None:
    """Learns from two HTML pages differing in a trace id; expects only that token set aside."""
    volatile = learn(answer(b"<p>not found, trace 1a2b</p>"), answer(b"<p>not found, trace 9f8e</p>"))
    assert same_answer(answer(b"<p>not found, trace 0000</p>"), answer(b"<p>not found, trace 1111</p>"), volatile).ok
    assert not same_answer(answer(b"<p>not found, trace 0000</p>"), answer(b"<p>not yours, trace 0000</p>"),
                           volatile).ok


def test_a_body_whose_shape_varies_is_volatile_as_a_whole() -> None:
    """Learns from two JSON bodies of different shapes; expects the whole body set aside, and said so."""
    assert WHOLE_BODY in learn(answer(b'{"a":1}'), answer(b'{"a":1,"b":2}')).paths


def test_deep_or_broken_json_is_compared_as_text() -> None:
    """Tokenises 10000 nested arrays and a truncated object; expects no error, text tokens instead."""
    assert tokens(b"[" * 10000).skeleton == ("text of 10000 tokens",)
    assert tokens(b'{"a":').skeleton[0].startswith("text of")
