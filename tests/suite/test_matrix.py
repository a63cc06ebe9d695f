"""The suite against the reference servers: every clean configuration and conformant variant passes
every requirement; every fault fails the requirement it names (the suite's negative controls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from conformance.catalogue import load_catalogue
from conformance.engine import selector
from conformance.reference.common import ServerOptions
from conformance.reference.faults import FAULTS, VARIANTS, Fault
from conformance.reference.runner import ReferenceServer
from conformance.results import RunResult
from conformance.run import run_suite
from conformance.target import RunSettings, Target

# Small budgets keep the matrix bounded; the property-based phases run where they decide something.
# The case budget decides what Schemathesis sends; the ceiling is far above it, so timing cannot.
FAST = RunSettings(max_examples=3, max_time_s=120, timeout_s=3, event_wait_s=1.5, timing_samples=7,
                   property_tests=False)
PROPERTY = replace(FAST, property_tests=True)


def run(api: str, settings: RunSettings, only: list[str] | None = None, **options: Any) -> RunResult:
    server_options = ServerOptions(api=api, keepalive_s=0.5, **options)
    with ReferenceServer(server_options) as server:
        # The reference settles within its async delay: a short deadline keeps non-settling faults quick.
        target = replace(Target.from_mapping(server.target_config()), settle_deadline_s=3.0)
        return run_suite(target, settings, selector(only))


def not_passed(result: RunResult, allowed_skips: tuple[str, ...] = ()) -> list[str]:
    return [f"{r.id} {r.outcome}: {r.reason}" for r in result.results
            if r.outcome != "pass" and not (r.outcome == "skip" and r.id.startswith(allowed_skips))]


CLEAN = [
    ("triport", PROPERTY, {}, ("TRIPORT-CSRF-",)),
    ("triport", FAST, {"csrf": True}, ()),
    ("teos", PROPERTY, {}, ()),
    ("teos", FAST, {"async_delay": 0.5}, ()),
]


@pytest.mark.parametrize(("api", "settings", "options", "skips"), CLEAN,
                         ids=["triport", "triport-csrf", "teos", "teos-async"])
def test_clean_reference_passes_everything(api: str, settings: RunSettings, options: dict, skips: tuple) -> None:
    """Runs the whole suite against a clean reference; expects every requirement to pass (CSRF is
    skipped, as not configured, where the target does not enforce it)."""
    result = run(api, settings, **options)
    assert not_passed(result, skips) == []
    assert result.verdict == "pass"


@pytest.mark.parametrize("variant", [v for api in VARIANTS for v in VARIANTS[api]],
                         ids=lambda v: f"{v.api}-{v.name}")
def test_conformant_variant_passes_everything(variant: Any) -> None:
    """Runs the whole suite against a reference with one conformant variant on; expects a pass."""
    result = run(variant.api, FAST, variants=frozenset({variant.name}), csrf=variant.requires_csrf)
    assert not_passed(result, () if variant.requires_csrf else ("TRIPORT-CSRF-",)) == []


@pytest.mark.parametrize("fault", [f for api in FAULTS for f in FAULTS[api]], ids=lambda f: f"{f.api}-{f.name}")
def test_fault_fails_the_requirement_it_names(fault: Fault, bytes_reprs: Callable) -> None:
    """Runs the named requirement against a reference with the fault on; expects it to fail (a SHOULD
    to warn), with a reason that shows what the server sent as text (no Python bytes repr)."""
    whole_api = fault.breaks.endswith(("SCHEMA-01", "ROBUST-01", "HTTP-01"))
    settings = PROPERTY if whole_api else replace(FAST, timeout_s=2)
    result = run(fault.api, settings, [fault.breaks], faults=frozenset({fault.name}), csrf=fault.requires_csrf)
    requirement = result.get(fault.breaks)
    expected = "fail" if requirement.level == "MUST" else "warn"
    assert (requirement.outcome, bool(requirement.reason)) == (expected, True), requirement.reason
    assert bytes_reprs(" ".join([requirement.reason, *(test.reason for test in requirement.tests)])) == []
    assert result.verdict == ("fail" if expected == "fail" else "pass")


SHOULD_FAULTS = [f for api in FAULTS for f in FAULTS[api] if load_catalogue().get(f.breaks).level != "MUST"]


def test_every_should_has_a_fault() -> None:
    """Sends nothing: expects a fault in the reference for every SHOULD of the catalogue (the pin below)."""
    shoulds = {r.id for r in load_catalogue().requirements if r.level != "MUST"}
    assert shoulds == {f.breaks for f in SHOULD_FAULTS}


@pytest.mark.parametrize("fault", SHOULD_FAULTS, ids=lambda f: f"{f.api}-{f.name}")
def test_no_must_fails_on_what_a_should_grades(fault: Fault) -> None:
    """Runs every requirement, generated cases included, against a fault that breaks only a SHOULD.
    Expects that SHOULD warned and every MUST passed (or skipped as not configured): the verdict is pass."""
    result = run(fault.api, PROPERTY, faults=frozenset({fault.name}), csrf=fault.requires_csrf)
    assert result.get(fault.breaks).outcome == "warn", result.get(fault.breaks).reason
    assert [f"{r.id}: {r.reason}" for r in result.results if r.outcome in ("fail", "error")] == []
    assert result.verdict == "pass"
