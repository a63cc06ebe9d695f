"""Schemathesis in the suite: one property-based and stateful run per suite run, findings by check.

Which checks run, and which requirement each finding fails, is spec/schemathesis.yaml. The kit's
own checks are registered here as Schemathesis checks, so generated cases meet the same rules as
the targeted ones.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import hypothesis.configuration as hypothesis_configuration
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from conformance import specs
from conformance.checks import Verdict
from conformance.checks.common import below_500, empty_body
from conformance.checks.contract import contract_for
from conformance.checks.triport import error_envelope
from conformance.http import Exchange, Redactor
from conformance.suite.ids import unknown_like
from conformance.target import RunSettings, Target


@dataclass(frozen=True)
class Finding:
    check: str
    operation: str
    title: str
    reproduce: str


@cache
def policy() -> dict[str, Any]:
    return specs.load_yaml(specs.spec_dir() / "schemathesis.yaml")


def graded_checks(api: str) -> dict[str, str]:
    """check name -> requirement id, for the checks that apply to this API."""
    prefix = api.upper()
    mapping = {check: rid.replace("<API>", prefix) for check, rid in policy()["graded"].items()}
    return {check: rid for check, rid in mapping.items() if rid.startswith(prefix + "-")}


def _api_of(case: Any) -> str:
    return "triport" if case.path.startswith("/v1/billing") else "teos"


def _exchange(response: Any, case: Any) -> Exchange:
    headers = {name: ", ".join(values) for name, values in response.headers.items()}
    return Exchange(case.method, str(response.request.url), {}, None, response.status_code, headers,
                    response.content or b"")


def _raise(result: Verdict) -> None:
    if not result.ok:
        raise AssertionError(f"expected {result.expected}; got {result.actual}")


@schemathesis.check
def conformance_empty_204_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 204 carries zero bytes of body (TRIPORT-CANCEL-01)."""
    if _api_of(case) == "triport" and response.status_code == 204:
        _raise(empty_body(_exchange(response, case)))
    return None


@schemathesis.check
def conformance_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Triport's 401 and 404 bodies are the flat error envelope (TRIPORT-ERROR-01)."""
    if _api_of(case) == "triport" and response.status_code in (401, 404):
        _raise(error_envelope(_exchange(response, case)))
    return None


class OwnershipGuard:
    """Generated cases may cancel or pay only invoices this run created. Ids in such requests that
    the run does not own (the docs' example ids, fuzzed strings) are swapped for fresh unknown ones,
    so a live target never loses an invoice to a generated case."""

    active: OwnershipGuard | None = None

    def __init__(self, api: str):
        self.api, self.owned = api, set()

    def learn(self, case: Any, response: Any) -> None:
        creates = (case.method == "POST" and case.path in ("/v1/billing/invoices", "/odata/v1.0/Invoices"))
        if creates and response.status_code in (200, 201):
            try:
                body = response.json()
            except ValueError:
                return
            if isinstance(body, dict) and isinstance(body.get("id", body.get("Id")), str):
                self.owned.add(body.get("id", body.get("Id")))

    def restrict(self, case: Any) -> None:
        if case.method != "POST":
            return
        if case.path.endswith(("/cancel", "/pay-from-balance")) and case.path_parameters:
            if case.path_parameters.get("id") not in self.owned:
                case.path_parameters["id"] = unknown_like(None)
        elif case.path == "/odata/v1.0/Invoices/Cancel" and isinstance(case.body, dict):
            ids = case.body.get("invoiceIds")
            if isinstance(ids, list):
                case.body["invoiceIds"] = [i if not isinstance(i, str) or i in self.owned else str(uuid.uuid4())
                                           for i in ids]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    if OwnershipGuard.active is not None:
        OwnershipGuard.active.restrict(case)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if OwnershipGuard.active is not None:
        OwnershipGuard.active.learn(case, response)


def _config(target: Target, settings: RunSettings) -> SchemathesisConfig:
    if target.api == "triport":
        auth = {"nlSession": {"api_key": target.credential("session")}}
    else:
        auth = {"bearerAuth": {"bearer": target.credential("token")}}
    checks: dict[str, Any] = {"enabled": False}
    checks |= {name: {"enabled": True} for name in graded_checks(target.api)}
    return SchemathesisConfig.from_dict({
        "base-url": target.base_url, "seed": settings.seed, "max-time": settings.max_time_s,
        "request-timeout": settings.timeout_s, "auth": {"openapi": auth}, "checks": checks,
        # A pending invoice's event stream never ends: judge its first frame instead of waiting.
        "max-stream-events": 1,
        # No example database: a run writes nothing to the user's folder, and a seed alone decides the cases.
        "generation": {"max-examples": settings.max_examples, "database": "none"},
        # Declared links only: inferred ones (list -> cancel) would touch invoices the run did not create.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    })


def run_schemathesis(target: Target, settings: RunSettings, redact: Redactor) -> list[Finding]:
    """Every phase (examples, coverage, fuzzing, stateful) within the settings' budget."""
    schema = schemathesis.openapi.from_path(specs.spec_dir() / f"{target.api}.openapi.yaml",
                                            config=_config(target, settings))
    OwnershipGuard.active = OwnershipGuard(target.api)
    try:
        with _private_hypothesis_home():
            return _collect(from_schema(schema).execute(), redact)
    finally:
        OwnershipGuard.active = None


@contextmanager
def _private_hypothesis_home() -> Iterator[None]:
    """Hypothesis keeps a folder in the working directory; a run must write nothing there."""
    previous = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    with tempfile.TemporaryDirectory(prefix="conformance-hypothesis-") as home:
        hypothesis_configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            hypothesis_configuration.set_hypothesis_home_dir(previous)


def _collect(stream: Iterable[Any], redact: Redactor) -> list[Finding]:
    findings: list[Finding] = []
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    info = node.failure_info
                    if info is not None:
                        findings.append(Finding(node.name, event.recorder.label, info.failure.title,
                                                redact(info.code_sample)))
        elif isinstance(event, events.NonFatalError):
            findings.append(Finding("error", event.label, redact(_first_line(event.value)), ""))
        elif isinstance(event, events.FatalError):
            findings.append(Finding("error", "run", redact(_first_line(event.exception)), ""))
    return findings


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"


class Observer:
    """Judges every answer the targeted tests receive against the document and the 5xx rule."""

    def __init__(self, api: str, redact: Redactor):
        self.contract, self.redact = contract_for(api), redact
        self.violations: list[str] = []
        self.server_errors: list[str] = []

    def see(self, exchange: Exchange) -> None:
        if exchange.status is not None and not below_500(exchange).ok:
            self.server_errors.append(self.redact(f"{exchange.method} {exchange.url} -> {exchange.status}"))
        result = self.contract.check(exchange)
        if result is not None and not result.ok:
            self.violations.append(self.redact(f"expected {result.expected}; got {result.actual}"))
