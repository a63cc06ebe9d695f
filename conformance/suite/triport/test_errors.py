"""The flat error envelope on the cancel endpoint's 401 and 404, and error answers' media type."""

from __future__ import annotations

import pytest

from conformance.checks import require
from conformance.checks.common import json_media_type, status_in
from conformance.checks.triport import error_envelope
from conformance.observer import Observer
from conformance.results import Finding
from conformance.suite.whole_api import judge

from .conftest import Triport

requirement = pytest.mark.requirement


@requirement("TRIPORT-ERROR-01")
@pytest.mark.safe
def test_triport_error_01_401_and_404_use_the_envelope(triport: Triport) -> None:
    """Sends a cancel of an unknown id with and without a session.
    Expects 404 and 401, each a JSON object with a string `error`."""
    not_found = triport.cancel(triport.unknown())
    unauthenticated = triport.cancel(triport.unknown(), who="none")
    require(status_in(not_found, 404), error_envelope(not_found),
            status_in(unauthenticated, 401), error_envelope(unauthenticated))


@requirement("TRIPORT-ERROR-02")
@pytest.mark.safe
def test_triport_error_02_errors_are_labelled_json(triport: Triport) -> None:
    """Sends a cancel of an unknown id with and without a session.
    Expects both answers labelled application/json."""
    require(json_media_type(triport.cancel(triport.unknown())),
            json_media_type(triport.cancel(triport.unknown(), who="none")))


@requirement("TRIPORT-ERROR-02")
@pytest.mark.whole_api
def test_triport_error_02_every_error_answer_is_labelled_json(findings: list[Finding] | None,
                                                              observer: Observer) -> None:
    """Judges the media type of every 4xx the generated cases and targeted tests received.
    Expects a JSON media type (a SHOULD: TRIPORT-SCHEMA-01 leaves it to this requirement)."""
    judge("TRIPORT-ERROR-02", "triport", findings, observer, "every 4xx labelled JSON")
