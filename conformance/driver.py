"""The Schemathesis driver: one property-based and stateful run (or a part of one), findings by check.

Which checks run, and which requirement each finding fails, is spec/schemathesis.yaml. The kit's
own checks are registered here as Schemathesis checks, so generated cases meet the same rules as
the targeted ones.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import random
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import hypothesis.configuration as hypothesis_configuration
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.engine import events, from_schema
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from conformance import specs
from conformance.apis import api_for, api_of_path
from conformance.capture import Capture
from conformance.catalogue import load_catalogue
from conformance.checks import Verdict
from conformance.checks.common import empty_body, framing
from conformance.checks.contract import contract_for
from conformance.checks.triport import error_envelope
from conformance.http import Exchange, Redactor
from conformance.ids import unknown_like
from conformance.results import Finding, PropertyRun
from conformance.target import RunSettings, Target
from conformance.transport import Breaker, bounded


@cache
def policy() -> dict[str, Any]:
    return specs.load_yaml(specs.spec_dir() / "schemathesis.yaml")


def graded_checks(api: str) -> dict[str, str]:
    """check name -> requirement id, for the checks that apply to this API."""
    prefix = api.upper()
    mapping = {check: rid.replace("<API>", prefix) for check, rid in policy()["graded"].items()}
    return {check: rid for check, rid in mapping.items() if rid.startswith(prefix + "-")}


def _graded_here(check: str, case: Any) -> bool:
    """Whether spec/schemathesis.yaml grades this kit check for the API the case belongs to."""
    return check in graded_checks(api_of_path(case.path).name)


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
    if _graded_here("conformance_empty_204_body", case) and response.status_code == 204:
        _raise(empty_body(_exchange(response, case)))
    return None


@schemathesis.check
def conformance_framing(ctx: Any, response: Any, case: Any) -> bool | None:
    """One way to read each answer's length (<API>-HTTP-01)."""
    _raise(framing(_exchange(response, case)))
    return None


@schemathesis.check
def conformance_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Triport's 401 and 404 bodies are the flat error envelope (TRIPORT-ERROR-01)."""
    if _graded_here("conformance_error_envelope", case) and response.status_code in (401, 404):
        _raise(error_envelope(_exchange(response, case)))
    return None


def _charged(part: str, builtin: Any) -> Any:
    """Schemathesis' own check of one response part, its failures charged to the requirement the
    catalogue says grades that part of that answer (a SHOULD's `grades`, else SCHEMA-01)."""
    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        try:
            return builtin(ctx, response, case)
        except AssertionError as failure:
            operation_id = case.operation.definition.raw.get("operationId", "")
            failure.requirement = load_catalogue().grader(api_of_path(case.path).name, operation_id,
                                                          response.status_code, part)
            raise
    check.__name__ = f"conformance_{part}"
    check.__doc__ = f"Schemathesis' {builtin.__name__}, graded as the catalogue grades a response's {part}."
    return schemathesis.check(check)


conformance_media_type = _charged("media_type", content_type_conformance)
conformance_schema = _charged("schema", response_schema_conformance)


class OwnershipGuard:
    """Generated cases may cancel or pay only invoices this run created. Ids in such requests that
    the run does not own (the docs' example ids, fuzzed strings) are swapped for unknown ones, so a
    live target never loses an invoice to a generated case. The swaps come from the seed, so they
    repeat with it."""

    def __init__(self, api: str, seed: int):
        self.api, self._random = api_for(api), random.Random(seed)
        self.owned: dict[str, None] = {}  # ids this run created, in order

    def learn(self, case: Any, response: Any) -> None:
        creates = case.method == "POST" and case.path == self.api.invoices
        if creates and response.status_code in self.api.create_statuses:
            try:
                body = response.json()
            except (ValueError, RecursionError):
                return
            created = body.get(self.api.id_member) if isinstance(body, dict) else None
            if isinstance(created, str):
                self.owned[created] = None

    def restrict(self, case: Any) -> None:
        """Every id the case would change that the run does not own, swapped (the API says where ids are)."""
        self.api.swap_unowned(case, lambda i: i in self.owned, lambda i: unknown_like(i, self._random))


class CaseDigest:
    """What the generated cases sent, folded into one digest in order. Ids the target assigned (any
    `...id` field of an answer) are replaced by the order they first appeared in, and credentials by
    a placeholder, so the same seed against an equivalent target gives the same digest: a vendor can
    tell two runs sent the same cases."""

    def __init__(self, secrets: list[str]):
        self._assigned: dict[str, str] = {}
        self._secrets = set(secrets)
        self._hash = hashlib.sha256()
        self.cases = 0

    def add(self, case: Any) -> None:
        sent = [case.method, case.path, case.path_parameters, case.query, case.headers, case.cookies,
                None if isinstance(case.body, NotSet) else case.body, case.media_type]
        self._hash.update(json.dumps(self._normal(sent), sort_keys=True, default=repr).encode() + b"\n")
        self.cases += 1

    def learn(self, response: Any) -> None:
        if "json" in response.headers.get("content-type", [""])[0]:
            try:
                self._learn(response.json(), "")
            except (ValueError, RecursionError):  # not JSON, or nested past what Python parses
                pass

    def _learn(self, value: Any, key: str) -> None:
        if isinstance(value, str) and key.lower().endswith("id"):
            self._assigned.setdefault(value, f"<id-{len(self._assigned) + 1}>")
        elif isinstance(value, dict):
            for name, item in value.items():
                self._learn(item, str(name))
        elif isinstance(value, list):
            for item in value:
                self._learn(item, key)

    def _normal(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, "<credential>")
            return self._assigned.get(value, value)
        if isinstance(value, Mapping):
            return {str(key): self._normal(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._normal(item) for item in value]
        if isinstance(value, bytes):
            return value.hex()
        return value

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Active:
    """The guard, digest, breaker and capture of the Schemathesis run in progress (hooks are global
    to Schemathesis)."""

    guard: OwnershipGuard | None = None
    digest: CaseDigest | None = None
    breaker: Breaker | None = None
    capture: Capture | None = None
    probed: Probed | None = None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    if _Active.guard is not None and _Active.digest is not None:
        _Active.guard.restrict(case)
        _Active.digest.add(case)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if _Active.guard is not None and _Active.digest is not None:
        _Active.guard.learn(case, response)
        _Active.digest.learn(response)


PHASES = ("examples", "coverage", "fuzzing", "stateful")


def _config(target: Target, settings: RunSettings, part: Part) -> SchemathesisConfig:
    phases = part.phases
    auth = api_for(target.api).schemathesis_auth(target)
    checks: dict[str, Any] = {"enabled": False}
    checks |= {name: {"enabled": True} for name in graded_checks(target.api)}
    throttle = {"rate-limit": f"{max(1, int(settings.max_rps * 60))}/m"} if settings.max_rps else {}
    return SchemathesisConfig.from_dict(throttle | {
        # No "max-time": with it Schemathesis repeats fuzzing and stateful until the time is spent, so the
        # cases depend on the target's speed. The case count decides; run_schemathesis enforces the ceiling.
        # One thread: several make the cases' order (and the stateful phase) vary, and CPython 3.11's
        # compiler is not thread-safe (seen here: "AST constructor recursion depth mismatch").
        "base-url": target.base_url, "seed": part.seed(settings.seed), "workers": 1,
        "request-timeout": settings.timeout_s, "auth": {"openapi": auth}, "checks": checks,
        # Redirects are answers to judge, never followed (as in the targeted tests).
        "tls-verify": settings.tls_verify, "max-redirects": 0,
        # A pending invoice's event stream never ends: judge its first frame instead of waiting.
        "max-stream-events": 1,
        "cache": {"enabled": False},  # Schemathesis' crash cache would be a .schemathesis/ folder in the cwd
        # No example database: a run writes nothing to the user's folder, and a seed alone decides the cases.
        "generation": {"max-examples": settings.max_examples, "database": "none"},
        # Declared links only: inferred ones (list -> cancel) would touch invoices the run did not create.
        "phases": {name: {"enabled": name in phases} for name in PHASES}
        | {"stateful": {"enabled": "stateful" in phases, "inference": {"algorithms": []},
                        "generation": {"max-examples": part.scenarios(settings.max_examples)}}},
    })


@dataclass(frozen=True)
class Part:
    """A share of the Schemathesis run: some phases, for some operations (None: all of them).
    The stateful phase is one state machine over all operations, so under --workers its scenario
    budget is split instead: share (i, k) runs the i-th of k near-equal slices of `max_examples`
    scenarios, each slice from a seed of its own (slices with one seed would repeat each other)."""

    phases: tuple[str, ...] = PHASES
    operations: tuple[str, ...] | None = None
    share: tuple[int, int] = (0, 1)

    def scenarios(self, budget: int) -> int:
        index, shares = self.share
        return budget // shares + (1 if index < budget % shares else 0)

    def seed(self, seed: int) -> int:
        index, shares = self.share
        if index == 0:
            return seed  # the whole run, or the first slice: the run's own seed
        return int.from_bytes(hashlib.sha256(f"{seed}/{index}/{shares}".encode()).digest()[:4], "big")


ALL = Part()  # the whole run: every phase, every operation


class Probed:
    """What Schemathesis' probes learnt of one target (does it take a NUL byte in a header, a backslash
    in a path), for the rest of one run: Schemathesis probes once per run, and under --workers each
    process runs many parts, each a Schemathesis run of its own that would send the probes again."""

    def __init__(self) -> None:
        self.runs: list[Any] | None = None


def run_schemathesis(target: Target, settings: RunSettings, redact: Redactor, part: Part = ALL,
                     capture: Capture | None = None, probed: Probed | None = None) -> PropertyRun:
    """The part's phases (by default all: examples, coverage, fuzzing, stateful), each for
    `max_examples` cases per operation; stopped at `max_time_s` if it is still running then.
    Parts of one run share `probed`: the probes are sent by the first of them only."""
    schema = schemathesis.openapi.from_path(specs.spec_dir() / f"{target.api}.openapi.yaml",
                                            config=_config(target, settings, part))
    if part.operations is not None:
        schema = schema.include(operation_id=list(part.operations))
    _no_local_constants()
    _bounded_sessions()
    _probing_once()
    _Active.breaker = breaker_for(target.api)
    _Active.probed = probed
    _Active.guard = OwnershipGuard(target.api, settings.seed)
    _Active.digest = CaseDigest(target.secrets())
    _Active.capture = capture
    started = time.monotonic()
    stream = from_schema(schema).execute()
    reached = threading.Event()

    def stop() -> None:
        reached.set()
        stream.stop()

    # The run's deadline (what is left of it, in a sub-run) caps the ceiling.
    by_deadline = settings.deadline_s is not None and settings.deadline_s < settings.max_time_s
    ceiling = threading.Timer(settings.deadline_s if by_deadline else settings.max_time_s, stop)
    ceiling.daemon = True
    ceiling.start()
    try:
        with _hypothesis_home():
            findings, interrupted = _collect(stream, redact)
        if interrupted and not reached.is_set():
            # Schemathesis caught the user's Ctrl-C and wound down quietly: a run cut short by the user
            # must stop the run (as pytest stops on it), not pass on what it had sent so far.
            raise KeyboardInterrupt
        return PropertyRun(findings, _Active.digest.cases, _Active.digest.hexdigest,
                           round(time.monotonic() - started, 3), reached.is_set(), tuple(_Active.guard.owned),
                           ("deadline" if by_deadline else "max-time") if reached.is_set() else "")
    finally:
        ceiling.cancel()
        _Active.guard = _Active.digest = _Active.breaker = _Active.capture = _Active.probed = None


@cache  # one per API and process: the targeted tests and Schemathesis learn from each other's timeouts
def breaker_for(api: str) -> Breaker:
    """The breaker of this process's requests to one API, keyed by host and operation."""
    contract = contract_for(api)

    def key(method: str, url: str) -> str:
        operation = contract.operation(method, url)
        parts = urlsplit(url)
        return f"{method} {operation['operationId'] if operation else parts.path} at {parts.netloc}"

    return Breaker(key)


def _captured(response: Any, *args: Any, **kwargs: Any) -> Any:
    if _Active.capture is not None:
        _Active.capture.generated(response)
    return response


def _unanswered_captured(send: Any) -> Any:
    def sending(request: Any, **kwargs: Any) -> Any:
        try:
            return send(request, **kwargs)
        except Exception as exc:
            if _Active.capture is not None:
                _Active.capture.unanswered(request, exc)
            raise
    return sending


@cache  # once per process
def _bounded_sessions() -> None:
    """Every session Schemathesis opens (its phases' and its probes') gets the kit's transport: each
    answer bounded in wall time and, after decoding, in size, and no redirect followed (its probes
    send with requests' default, which follows them, whatever `max-redirects` says). Schemathesis
    builds them all in `engine.context.make_session`; if that moves, tests/test_hostile.py says so."""
    context = importlib.import_module("schemathesis.engine.context")
    original = context.make_session

    def make_session(config: Any, *, operation: Any = None) -> Any:
        session = bounded(original(config, operation=operation), breaker=_Active.breaker)
        session.get_redirect_target = lambda response: None
        if _captured not in session.hooks["response"]:  # every answer it receives, probes too, for report.har
            session.hooks["response"].append(_captured)
            session.send = _unanswered_captured(session.send)  # and every request that got no answer
        return session

    context.make_session = make_session


@cache  # once per process
def _probing_once() -> None:
    """A run's parts after its first take the first one's probes (each part adapts its own schema to
    them, as Schemathesis does after probing). If that moves, tests/test_parallel.py says so."""
    probes = importlib.import_module("schemathesis.engine.run.probes")
    original = probes.run

    def run(ctx: Any) -> list[Any]:
        memo = _Active.probed
        if memo is None:
            return original(ctx)
        if memo.runs is None:
            memo.runs = original(ctx)
        return memo.runs

    probes.run = run


@cache  # once per process: nothing collects them again afterwards
def _no_local_constants() -> None:
    """Hypothesis also draws "local constants": literals from the source of every loaded module that
    is not installed in site-packages. Here those are the kit's own modules, reference servers
    included: the cases would lean on our reference's literals, and would change with how the kit
    is installed and which of its modules a run has loaded (measured: a TEOS run's digest changed
    when the Triport reference was also loaded). Cases come from the document and the seed only.
    Hypothesis has no setting for this; if its internals move, the digest tests say so."""
    providers = importlib.import_module("hypothesis.internal.conjecture.providers")
    if hasattr(providers, "is_local_module_file") and hasattr(providers, "_local_constants"):
        providers.is_local_module_file = lambda path: False
        for kind in ("integers", "floats", "bytes", "strings"):  # what was collected before this run
            getattr(providers._local_constants, kind).clear()
        providers.CONSTANTS_CACHE.cache.clear()


def preload() -> None:
    """Imports what a Schemathesis run imports on first use (about 0.3 s of CPU): a --workers process
    does it while it waits for its first unit, which then starts that much sooner."""
    for package in ("schemathesis.engine", "schemathesis.generation", "schemathesis.specs.openapi"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            with suppress(ImportError):  # an optional dependency it lacks: a run would not need it either
                importlib.import_module(module.name)
    importlib.import_module("hypothesis.stateful")


def cache_dir() -> Path:
    """What the kit can derive again and keeps between runs: Hypothesis' Unicode tables, which cost
    about 3 s of CPU to compute in every process that lacks them. Never the working directory."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance-kit" / "hypothesis"


@contextmanager
def _hypothesis_home() -> Iterator[None]:
    """Hypothesis keeps its folder in the working directory, where a run must write nothing: it is
    pointed at the kit's cache (no example database is used, so only derived tables are kept there),
    or at a temporary folder if that cannot be created."""
    previous = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    with ExitStack() as scratch:
        home = cache_dir()
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError:
            home = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="conformance-hypothesis-")))
        hypothesis_configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            hypothesis_configuration.set_hypothesis_home_dir(previous)


def _collect(stream: Iterable[Any], redact: Redactor) -> tuple[list[Finding], bool]:
    """The failed checks and errors of a run, and whether it was interrupted."""
    findings: list[Finding] = []
    interrupted = False
    for event in stream:
        if isinstance(event, events.Interrupted):
            interrupted = True
        elif isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    info = node.failure_info
                    if info is not None:
                        findings.append(Finding(node.name, event.recorder.label, info.failure.title,
                                                redact(info.code_sample), getattr(info.failure, "requirement", None)))
        elif isinstance(event, events.NonFatalError):
            findings.append(Finding("error", event.label, redact(_first_line(event.value)), ""))
        elif isinstance(event, events.FatalError):
            findings.append(Finding("error", "run", redact(_first_line(event.exception)), ""))
    return findings, interrupted


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"
