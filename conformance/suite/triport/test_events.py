"""GET /v1/billing/invoices/{id}/events: the snapshot, the cancel push, a terminal stream's close."""

from __future__ import annotations

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import status_in
from conformance.checks.triport import only_about, snapshot_first, told_cancelled
from conformance.http import EventStream
from conformance.target import RunSettings

from .conftest import Provisioner, Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-EVENTS-01")
@pytest.mark.waits
def test_triport_events_01_subscription_starts_with_a_snapshot(triport: Triport, provision: Provisioner,
                                                               settings: RunSettings) -> None:
    """Subscribes to an own pending invoice.
    Expects 200, a first `snapshot` frame reading pending, and the stream still open after it."""
    stream = triport.stream(provision.pending())
    try:
        require(status_in(stream.exchange, 200))
        first = next(stream.frames(settings.event_wait_s), None)
        frames = [first] if first else []
        require(snapshot_first(frames, "pending"))
        extra = list(stream.frames(min(1.0, settings.event_wait_s)))
        require(verdict(not stream.closed, "the stream to stay open for a pending invoice",
                        f"closed after {len(frames) + len(extra)} frame(s)"))
    finally:
        stream.close()


@requirement("TRIPORT-EVENTS-02")
def test_triport_events_02_subscribers_are_told_of_a_cancel(triport: Triport, provision: Provisioner,
                                                            settings: RunSettings) -> None:
    """Subscribes to an own pending invoice, reads the snapshot, then cancels it.
    Expects an `invoice_cancelled` frame with JSON data on the open stream."""
    invoice_id = provision.pending()
    with triport.subscribed(invoice_id) as stream:
        triport.cancelled(invoice_id)
        require(told_cancelled(_until_cancelled(stream, settings)))


def _until_cancelled(stream: EventStream, settings: RunSettings) -> list[tuple[str, str]]:
    """The frames up to the first invoice_cancelled, within the wait."""
    frames = []
    for frame in stream.frames(settings.event_wait_s):
        frames.append(frame)
        if frame[0] == "invoice_cancelled":
            break
    return frames


def _quiet_s(settings: RunSettings) -> float:
    """How long a stream is listened to where nothing may arrive: a frame pushed promptly shows."""
    return min(0.5, settings.event_wait_s)


@requirement("TRIPORT-EVENTS-03")
def test_triport_events_03_cancelled_stream_is_one_snapshot(triport: Triport, provision: Provisioner,
                                                            settings: RunSettings) -> None:
    """Cancels an own invoice, then subscribes to it.
    Expects exactly one `snapshot` frame reading cancelled, after which the server closes the stream."""
    invoice_id = provision.pending()
    triport.cancelled(invoice_id)
    stream = triport.stream(invoice_id)
    try:
        require(status_in(stream.exchange, 200))
        frames = list(stream.frames(settings.event_wait_s))
        require(snapshot_first(frames, "cancelled"),
                verdict(len(frames) == 1 and stream.closed, "one frame, then the server closes the stream",
                        f"{len(frames)} frame(s), stream {'closed' if stream.closed else 'still open'}"))
    finally:
        stream.close()


@requirement("TRIPORT-EVENTS-04")
def test_triport_events_04_stream_hears_only_its_invoice(triport: Triport, provision: Provisioner,
                                                         settings: RunSettings) -> None:
    """Subscribes to an own pending invoice A, cancels another own invoice B, listens, then cancels A.
    Expects no frame while only B changed, no frame naming B, and one invoice_cancelled after A's cancel."""
    watched, other = provision.pending(), provision.pending()
    with triport.subscribed(watched) as stream:
        triport.cancelled(other)
        early = list(stream.frames(_quiet_s(settings)))
        triport.cancelled(watched)
        later = _until_cancelled(stream, settings) + list(stream.frames(_quiet_s(settings)))
    require(only_about(watched, [other], early, later))


@requirement("TRIPORT-EVENTS-05")
def test_triport_events_05_foreign_invoice_cannot_be_subscribed(triport: Triport, provision: Provisioner,
                                                                settings: RunSettings) -> None:
    """Subscribes, as the primary user, to the second user's pending invoice.
    Expects a 4xx and no frame (TRIPORT-D-EVENTS-OWNER: which 4xx is open)."""
    foreign = provision.pending("other")
    stream = triport.stream(foreign)
    try:
        frames = list(stream.frames(_quiet_s(settings))) if stream.exchange.status == 200 else []
    finally:
        stream.close()
    status = stream.exchange.status or 0
    require(verdict(400 <= status < 500 or (200 <= status < 300 and not frames),
                    "a 4xx, and no frame about another user's invoice",
                    f"status {status}, {len(frames)} frame(s): {[event for event, _ in frames][:3]}"))


@requirement("TRIPORT-EVENTS-05")
def test_triport_events_05_stream_hears_nothing_of_another_user(triport: Triport, provision: Provisioner,
                                                                settings: RunSettings) -> None:
    """Subscribes to an own pending invoice, then the second user cancels one of theirs; listens.
    Expects no frame on the own stream, and none naming the other user's invoice."""
    watched, foreign = provision.pending(), provision.pending("other")
    with triport.subscribed(watched) as stream:
        triport.cancelled(foreign, who="other")
        early = list(stream.frames(_quiet_s(settings)))
    require(only_about(watched, [foreign], early, []))
