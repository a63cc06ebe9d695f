"""GET /v1/billing/invoices/{id}/events: the snapshot, the cancel push, a terminal stream's close."""

from __future__ import annotations

import pytest

from conformance.checks import require, verdict
from conformance.checks.common import status_in
from conformance.checks.triport import snapshot_first, told_cancelled
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
    stream = triport.stream(invoice_id)
    try:
        require(status_in(stream.exchange, 200))
        first = next(stream.frames(settings.event_wait_s), None)
        require(snapshot_first([first] if first else [], "pending"))
        require(status_in(triport.cancel(invoice_id), 204))
        frames = []
        for frame in stream.frames(settings.event_wait_s):
            frames.append(frame)
            if frame[0] == "invoice_cancelled":
                break
        require(told_cancelled(frames))
    finally:
        stream.close()


@requirement("TRIPORT-EVENTS-03")
def test_triport_events_03_cancelled_stream_is_one_snapshot(triport: Triport, provision: Provisioner,
                                                            settings: RunSettings) -> None:
    """Cancels an own invoice, then subscribes to it.
    Expects exactly one `snapshot` frame reading cancelled, after which the server closes the stream."""
    invoice_id = provision.pending()
    require(status_in(triport.cancel(invoice_id), 204))
    stream = triport.stream(invoice_id)
    try:
        require(status_in(stream.exchange, 200))
        frames = list(stream.frames(settings.event_wait_s))
        require(snapshot_first(frames, "cancelled"),
                verdict(len(frames) == 1 and stream.closed, "one frame, then the server closes the stream",
                        f"{len(frames)} frame(s), stream {'closed' if stream.closed else 'still open'}"))
    finally:
        stream.close()
