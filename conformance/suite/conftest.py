"""Fixtures shared by both APIs' tests, built from the target the engine provides."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.http import Client, Exchange, Redactor
from conformance.suite.property import Finding, Observer, run_schemathesis
from conformance.target import RunSettings, Target


@pytest.fixture(scope="session")
def observer(target: Target, redact: Redactor) -> Observer:
    return Observer(target.api, redact)


@pytest.fixture(scope="session")
def client(target: Target, settings: RunSettings, redact: Redactor, record: Callable[[Exchange], None],
           observer: Observer) -> Client:
    def seen(exchange: Exchange) -> None:
        record(exchange)
        observer.see(exchange)

    return Client(target.base_url, settings.timeout_s, redact, seen)


@pytest.fixture(scope="session")
def findings(target: Target, settings: RunSettings, redact: Redactor) -> list[Finding] | None:
    """One Schemathesis run (all phases, within budget), shared by every whole-API test; None when
    the run switched property-based tests off (the targeted answers are still judged)."""
    if settings.profile == "safe":
        pytest.skip("not decidable in profile safe: generated cases create and cancel invoices")
    return run_schemathesis(target, settings, redact) if settings.property_tests else None


@pytest.fixture(scope="session")
def generated(findings: list[Finding] | None) -> list[Finding]:
    """The findings, for tests that judge only generated cases."""
    if findings is None:
        pytest.skip("not selected: property-based tests are switched off for this run")
    return findings
