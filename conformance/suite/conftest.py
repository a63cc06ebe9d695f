"""Fixtures shared by both APIs' tests, built from the target the engine provides."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from conformance.apis import api_for
from conformance.capture import Capture
from conformance.driver import Part, breaker_for, run_schemathesis
from conformance.http import Client, DeadlinePassed, Exchange, Pacer, Redactor
from conformance.observer import Observer
from conformance.results import Finding, PropertyRun
from conformance.target import RunSettings, Target


@pytest.fixture(scope="session")
def client(target: Target, settings: RunSettings, redact: Redactor, record: Callable[[Exchange], None],
           observer: Observer, time_left: Callable[[], float | None]) -> Client:
    def seen(exchange: Exchange) -> None:
        record(exchange)
        observer.see(exchange)

    pacer = Pacer(settings.max_rps) if settings.max_rps else None
    left = time_left()
    deadline = None if left is None else time.monotonic() + left  # nothing is sent past the run's deadline
    return Client(target.base_url, settings.timeout_s, redact, seen, verify=settings.tls_verify, pacer=pacer,
                  deadline=deadline, breaker=breaker_for(target.api), wait_headers=api_for(target.api).wait_headers)


@pytest.fixture(scope="session")
def findings(target: Target, settings: RunSettings, redact: Redactor, provision: Any,
             time_left: Callable[[], float | None],
             property_plan: tuple[Part | None, Callable[[], list[PropertyRun]]],
             note_property_run: Callable[[PropertyRun], None], capture: Capture | None) -> list[Finding] | None:
    """One Schemathesis run (all phases, within budget), shared by every whole-API test; None when
    the run switched property-based tests off (the targeted answers are still judged). Under
    --workers some phases run in other processes; their results join here. What the generated
    cases created joins what the run tidies up at the end (the API's `provision`)."""
    if settings.profile == "safe":
        pytest.skip("not decidable in profile safe: generated cases create and cancel invoices")
    if not settings.property_tests:
        return None
    part, other_parts = property_plan
    left = time_left()
    if left is not None:  # what is left of the run's deadline, which caps Schemathesis too
        settings = replace(settings, deadline_s=left)
    here = [run_schemathesis(target, settings, redact, part, capture)] if part is not None else []
    run = PropertyRun.merge(here + other_parts())
    provision.created.extend(("primary", invoice_id) for invoice_id in run.created)
    note_property_run(run)
    if run.stopped_by == "deadline":  # what it had not sent cannot be judged: undecided, never passed
        raise DeadlinePassed(f"stopped: the run's --deadline passed after {run.cases} generated cases")
    return run.findings


@pytest.fixture(scope="session")
def generated(findings: list[Finding] | None) -> list[Finding]:
    """The findings, for tests that judge only generated cases."""
    if findings is None:
        pytest.skip("not selected: property-based tests are switched off for this run")
    return findings
