"""The event-stream decoder follows the WHATWG "event stream interpretation" rules, bounded."""

from __future__ import annotations

import pytest

from conformance.sse import Event, SseDecoder


def decode(*chunks: bytes, **bounds: int) -> tuple[list[Event], SseDecoder]:
    decoder = SseDecoder(**bounds)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events, decoder


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_every_line_ending_ends_a_line(ending: bytes) -> None:
    """Feeds two events written with LF, CRLF or lone CR line endings; expects both, with their data."""
    text = ending.join([b"event: snapshot", b'data: {"status":"pending"}', b"", b"data: two", b"", b""])
    events, _ = decode(text)
    assert events == [Event("snapshot", '{"status":"pending"}'), Event("message", "two")]


def test_a_crlf_split_across_reads_is_one_line_ending() -> None:
    """Feeds `data: a\\r` and `\\n\\r\\n` as two reads.
    Expects one event (the LF completes the CR, not a blank line)."""
    events, _ = decode(b"data: a\r", b"\n\r\n")
    assert events == [Event("message", "a")]


def test_a_cr_at_the_end_of_a_read_ends_the_line_at_once() -> None:
    """Feeds `data: a\\r\\r` (a lone CR, then a blank line); expects the event without waiting for more bytes."""
    events, _ = decode(b"data: a\r\r")
    assert events == [Event("message", "a")]


def test_exactly_one_leading_space_is_removed() -> None:
    """Feeds `data:x`, `data: x`, `data:  x`; expects values `x`, `x`, ` x` joined by LF."""
    events, _ = decode(b"data:x\ndata: x\ndata:  x\n\n")
    assert events == [Event("message", "x\nx\n x")]


def test_comments_retry_and_id_are_read_as_the_format_says() -> None:
    """Feeds a comment, retry (valid then invalid), id and an event; expects the comment skipped,
    retry 3000 kept, the id on the event, and no event for a block without data."""
    events, decoder = decode(b": keep-alive\n\nretry: 3000\nretry: 12x\nid: 7\nevent: ping\n\n"
                             b"event: invoice_cancelled\ndata\n\n")
    assert decoder.retry_ms == 3000
    assert events == [Event("invoice_cancelled", "", "7")]  # `data` with no colon: an empty value


def test_a_leading_bom_is_dropped_once() -> None:
    """Feeds a BOM before the first field; expects it dropped, so `data` is still recognised."""
    events, _ = decode(b"\xef\xbb\xbf", b"data: a\n\n")
    assert events == [Event("message", "a")]


def test_an_event_cut_by_the_end_of_the_stream_is_not_dispatched() -> None:
    """Feeds data without the blank line that ends its event; expects no event."""
    assert decode(b"data: a\n")[0] == []


def test_utf8_split_across_reads_survives() -> None:
    """Feeds a two-byte character split across reads; expects it whole."""
    assert decode("data: é\n\n".encode()[:7], "data: é\n\n".encode()[7:])[0] == [Event("message", "é")]


def test_an_overlong_line_is_dropped_and_said_so() -> None:
    """Feeds a 100-character line with a 50-character bound, then an event; expects the line dropped (noted)
    and the next event read, without the decoder holding more than the bound."""
    events, decoder = decode(b"data: " + b"x" * 100, b"\n\ndata: ok\n\n", max_line=50)
    assert events == [Event("message", "ok")]
    assert decoder.cut == ["a line of more than 50 characters was dropped"]


def test_an_overlong_event_is_dropped_and_said_so() -> None:
    """Feeds an event of three 40-character data lines with a 100-character bound; expects it dropped (noted)."""
    events, decoder = decode(b"data: " + b"y" * 40 + b"\n" + (b"data: " + b"y" * 40 + b"\n") * 2 + b"\n"
                             + b"data: next\n\n", max_event=100)
    assert events == [Event("message", "next")]
    assert decoder.cut == ["an event of more than 100 characters of data was dropped"]
