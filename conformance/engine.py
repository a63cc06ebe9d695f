"""Run the pytest suite in `conformance/suite/` against one target and grade it per requirement."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from conformance.capture import Capture
from conformance.catalogue import Catalogue, Requirement, load_catalogue
from conformance.checks import StepFailed
from conformance.driver import ALL, Part, Probed, run_schemathesis
from conformance.grading import grade, verdict
from conformance.http import CheckFailed, DeadlinePassed, Exchange, RateLimited, Redactor
from conformance.observer import Observer
from conformance.results import PropertyRun, RequirementResult, RunResult, TestOutcome
from conformance.target import RunSettings, Target

SUITE = Path(__file__).resolve().parent / "suite"


def selector(only: list[str] | None = None, exclude: list[str] | None = None) -> Callable[[str], bool]:
    """A requirement-id filter from --only / --exclude globs."""
    def selected(requirement_id: str) -> bool:
        if only and not any(fnmatch.fnmatchcase(requirement_id, glob) for glob in only):
            return False
        return not (exclude and any(fnmatch.fnmatchcase(requirement_id, glob) for glob in exclude))
    return selected


def requirement_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("requirement")
    return marker.args[0] if marker else None


@dataclass(frozen=True)
class Plan:
    """What one pytest session of the suite runs, fixed before it starts; the plugins read it, and
    nothing sets it afterwards. `part`: the Schemathesis part the session runs in `findings` (None:
    none here); `other_parts`: the runs of the parts elsewhere (--workers); `collected`: told what
    the session collected, before any test runs; `progress`: each requirement's result once final."""

    target: Target
    settings: RunSettings
    catalogue: Catalogue
    selected: Callable[[str], bool]
    part: Part | None = ALL
    other_parts: Callable[[], list[PropertyRun]] = list
    progress: Callable[[RequirementResult], None] | None = None
    collected: Callable[[dict[str, Shape]], None] = lambda _: None
    redact: Redactor = field(init=False)
    deadline: float | None = field(init=False)  # time.monotonic() of the run's --deadline
    capture: Capture | None = field(init=False)  # this process's part of report.har

    def __post_init__(self) -> None:
        object.__setattr__(self, "redact", Redactor(self.target.secrets()))
        directory = self.settings.capture_dir
        object.__setattr__(self, "capture", Capture(directory, self.redact) if directory else None)
        deadline_s = self.settings.deadline_s
        object.__setattr__(self, "deadline", time.monotonic() + deadline_s if deadline_s else None)

    def remaining_s(self) -> float | None:
        """Seconds left before the run's deadline (None: no deadline)."""
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 0.001)


@dataclass
class Shape:
    """A requirement's tests as collected: how many, and their markers (the --workers scheduler plans with it)."""

    tests: int = 0
    quiet: bool = False  # measures latency: runs while nothing else is sent
    whole_api: bool = False  # judges every answer: runs last
    waits: bool = False  # waits a set time


EXCHANGES = pytest.StashKey[list[Exchange]]()  # the exchanges of a test, in the order they were sent
STARTED = pytest.StashKey[float]()
RECORDED = pytest.StashKey[bool]()  # its outcome is recorded (a teardown after a failure adds nothing)


class Fixtures:
    """The session fixtures the suite's conftest builds on: target, settings, redaction, the
    evidence sink, the observer, the Schemathesis plan, the time left. Keeps what the session's
    fixtures produced for the run's result: the observer's findings and the Schemathesis run."""

    def __init__(self, plan: Plan, evidence: Evidence):
        self.plan, self.evidence = plan, evidence
        self.watcher = Observer(plan.target.api, plan.redact)  # not `observer`: that name is the fixture's
        self.property_run: PropertyRun | None = None

    @pytest.fixture(scope="session")
    def target(self) -> Target:
        return self.plan.target

    @pytest.fixture(scope="session")
    def settings(self) -> RunSettings:
        return self.plan.settings

    @pytest.fixture(scope="session")
    def redact(self) -> Redactor:
        return self.plan.redact

    @pytest.fixture(scope="session")
    def record(self) -> Callable[[Exchange], None]:
        return self.evidence.record

    @pytest.fixture(scope="session")
    def observer(self) -> Observer:
        return self.watcher

    @pytest.fixture(scope="session")
    def property_plan(self) -> tuple[Part | None, Callable[[], list[PropertyRun]]]:
        return self.plan.part, self.plan.other_parts

    @pytest.fixture(scope="session")
    def note_property_run(self) -> Callable[[PropertyRun], None]:
        def note(run: PropertyRun) -> None:
            self.property_run = run
        return note

    @pytest.fixture(scope="session")
    def time_left(self) -> Callable[[], float | None]:
        return self.plan.remaining_s

    @pytest.fixture(scope="session")
    def capture(self) -> Capture | None:
        return self.plan.capture


class Selection:
    """Which tests run: the selected requirements of the target's API, each skipped (with why) where
    the target lacks what it needs or the profile forbids it; whole-API tests last. Collection errors
    are `problems`: the suite itself is broken."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.shape: dict[str, Shape] = {}  # requirement id -> its tests
        self.problems: list[str] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        catalogue, api = self.plan.catalogue, self.plan.target.api
        kept = [item for item in items if (rid := requirement_of(item)) and self.plan.selected(rid)
                and catalogue.get(rid).api == api]
        for item in kept:
            reason = self._skip_reason(catalogue.get(requirement_of(item)), item)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
        # Whole-API requirements go last: they also judge what the targeted tests received.
        kept.sort(key=lambda item: item.get_closest_marker("whole_api") is not None)
        chosen = set(kept)
        left_out = [item for item in items if item not in chosen]
        if left_out:  # said as pytest says it (its summary counts them deselected)
            left_out[0].config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        for item in kept:
            shape = self.shape.setdefault(requirement_of(item), Shape())
            shape.tests += 1
            for marker in ("quiet", "whole_api", "waits"):
                setattr(shape, marker, getattr(shape, marker) or item.get_closest_marker(marker) is not None)
        self.plan.collected(self.shape)

    def _skip_reason(self, requirement: Requirement, item: pytest.Item) -> str | None:
        missing = [need for need in requirement.needs if not self.plan.target.has(need)]
        if missing:
            return f"not configured: {', '.join(missing)}"
        if self.plan.settings.profile == "safe" and item.get_closest_marker("safe") is None:
            return "not decidable in profile safe: it creates or cancels invoices"
        return None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"{report.nodeid}: {str(report.longrepr).splitlines()[-1]}")


class Evidence:
    """Every exchange goes to the test that sent it (`item.stash`); the 429 waits are counted. A test
    that starts after the run's deadline is not started."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.throttled: list[float] = []  # the waits after each 429 the client retried
        self._current: list[Exchange] = []  # the running test's (a sink, between tests)
        self._sender = ""  # who sends now, for report.har: a test's node id, or the tidy-up

    def record(self, exchange: Exchange) -> None:
        self._current.append(exchange)
        if exchange.retried is not None:
            self.throttled.append(exchange.retried)
        if self.plan.capture is not None:
            self.plan.capture.exchange(exchange, self._sender)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._sender = item.nodeid
        self._current = item.stash[EXCHANGES] = []
        item.stash[STARTED] = time.monotonic()
        if self.plan.deadline is not None and item.stash[STARTED] > self.plan.deadline:
            raise DeadlinePassed("not started: the run's --deadline had passed")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
        """After the last test the session's fixtures tidy up (cancel what the run created): those
        requests are no requirement's evidence."""
        mark = len(self._current)
        if nextitem is None:
            self._sender = "tidy-up"
        try:
            return (yield)
        finally:
            if nextitem is None:
                del self._current[mark:]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """A --workers session keeps its fixtures past its last test (UnitLoop) and tidies up when it
        finishes, after this: said so, and no test's evidence."""
        self._sender, self._current = "tidy-up", []


class Outcomes:
    """Each test's report becomes a TestOutcome of its requirement (its evidence, its time); a
    requirement whose last test has reported is graded at once, for `progress`."""

    def __init__(self, plan: Plan, selection: Selection):
        self.plan, self.selection = plan, selection
        self.outcomes: dict[str, list[TestOutcome]] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
        report = yield
        # Only the test's own body is judged: a check that fails while a fixture sets up (or tears down)
        # is a step the requirement needed, so it is undecided (StepFailed is no CheckFailed either).
        failed_check = (call.when == "call" and call.excinfo is not None
                        and call.excinfo.errisinstance((CheckFailed, AssertionError)))
        if (report.failed or report.skipped or call.when == "teardown") and not item.stash.get(RECORDED, False):
            item.stash[RECORDED] = True
            self._add(item, self._outcome(item, report, call, failed_check))
        return report

    def _outcome(self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo,
                 failed_check: bool) -> TestOutcome:
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            outcome = TestOutcome(item.name, "skipped", reason.removeprefix("Skipped: "))
        elif report.failed:
            outcome = TestOutcome(item.name, "failed" if failed_check else "error", self.plan.redact(_reason(call)))
        else:
            outcome = TestOutcome(item.name, "passed")
        outcome.duration_s = round(time.monotonic() - item.stash.get(STARTED, time.monotonic()), 3)
        names = {secret.value: name for name, secret in self.plan.target.credentials.items()}
        outcome.evidence = [exchange.evidence(self.plan.redact, names) for exchange in item.stash.get(EXCHANGES, [])]
        outcome.measurements = dict(item.user_properties)
        return outcome

    def _add(self, item: pytest.Item, outcome: TestOutcome) -> None:
        rid = requirement_of(item)
        outcomes = self.outcomes.setdefault(rid, [])
        outcomes.append(outcome)
        if self.plan.progress and len(outcomes) == self.selection.shape[rid].tests:  # its last: final
            self.plan.progress(grade(self.plan.catalogue.get(rid), outcomes, self.plan.settings.strict))

    def graded(self, requirements: list[Requirement]) -> list[RequirementResult]:
        return graded(requirements, self.outcomes, {rid: s.tests for rid, s in self.selection.shape.items()},
                      self.plan.settings.strict)


def graded(requirements: list[Requirement], outcomes: dict[str, list[TestOutcome]], collected: dict[str, int],
           strict: bool) -> list[RequirementResult]:
    """Each requirement graded on its tests' outcomes. A test that never reported (the session
    stopped early: Ctrl-C, a stop flag) is an error, so a requirement is never passed on part of its tests."""
    results = []
    for requirement in requirements:
        tests = list(outcomes.get(requirement.id, []))
        missing = collected.get(requirement.id, 0) - len(tests)
        if missing > 0:
            tests.append(TestOutcome("not_run", "error", f"{missing} test(s) did not run: the run was stopped"))
        results.append(grade(requirement, tests, strict))
    return results


class Session:
    """One pytest session of the suite: the plan and its four plugins."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.selection = Selection(plan)
        self.evidence = Evidence(plan)
        self.fixtures = Fixtures(plan, self.evidence)
        self.outcomes = Outcomes(plan, self.selection)

    def plugins(self) -> list[object]:
        return [self.fixtures, self.selection, self.evidence, self.outcomes]

    def result(self, requirements: list[Requirement], duration_s: float) -> RunResult:
        results = self.outcomes.graded(requirements)
        return RunResult(self.plan.target.api, verdict(results), results, duration_s, self.fixtures.property_run,
                         dict(self.fixtures.watcher.found), self.evidence.throttled)


def _reason(call: pytest.CallInfo) -> str:
    if call.excinfo is None:
        return "failed"
    exc = call.excinfo.value
    if isinstance(exc, CheckFailed):
        prefix = "" if call.when == "call" else f"could not set up the test ({call.when}): "
        return f"{prefix}expected {exc.expected}; got {exc.actual}"
    if isinstance(exc, StepFailed | DeadlinePassed | RateLimited):
        return str(exc)[:500]
    return f"could not decide: {describe(exc)}"[:500]


# What an exception the suite did not foresee says about the answer that caused it, for a person.
_MEANINGS = ((RecursionError, "the answer is nested too deeply to read"),
             (UnicodeError, "the answer carries text that cannot be encoded (for example a lone surrogate)"),
             (KeyError, "the answer lacks a member the suite needed"),
             ((TypeError, AttributeError), "the answer's JSON has a shape the suite did not expect"),
             (ValueError, "the answer could not be read as the value expected"))


def describe(exc: BaseException) -> str:
    """One line for a person: what went wrong, then the exception's own first line."""
    meaning = next((text for kinds, text in _MEANINGS if isinstance(exc, kinds)), "the suite hit an unexpected error")
    detail = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{meaning} ({type(exc).__name__}{': ' + detail if detail else ''})"


class SuiteBroken(RuntimeError):
    """The suite could not be collected: a bug in the kit, not in the target."""


def _pytest(session: Session, *extra: str, plugins: tuple[object, ...] | list[object] = ()) -> None:
    # No installed plugins (anyio's and Schemathesis' cost ~0.8 s to import) and no assertion rewriting:
    # the suite asserts through `require`, whose failures carry their own message. No unraisable-exception
    # plugin either: it runs five full garbage collections at the end (0.4 s here, with Hypothesis loaded).
    args = [str(SUITE / session.plan.target.api), "-c", str(SUITE / "pytest.ini"), "--rootdir", str(SUITE),
            "--disable-plugin-autoload", "--assert=plain", "-p", "no:cacheprovider", "-p", "no:terminal",
            "-p", "no:unraisableexception", *extra]
    code = pytest.main(args, plugins=[*session.plugins(), *plugins])
    problems = session.selection.problems
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR) or problems:
        raise SuiteBroken("; ".join(problems) or f"pytest exited with {code!r}")


Unit = tuple[int, "Part | list[str]"]  # its place in the run's list of units; a Schemathesis part or requirement ids


@dataclass
class Units:
    """What a --workers process runs (parallel.py): the requirements in `first`; then `opened()`; then
    those it `keeps`, except their whole-API tests; the units `take` hands out until it gives None;
    and last the whole-API tests (they judge every unit's answers). `ran` receives each part's run."""

    take: Callable[[], Unit | None]
    ran: Callable[[int, PropertyRun], None]
    opened: Callable[[], None] = lambda: None
    first: frozenset[str] = frozenset()
    keeps: frozenset[str] = frozenset()


class UnitLoop:
    """Replaces pytest's test loop: tests are run as their units arrive, in one session, so session
    fixtures (client, provisioned invoices) are set up once per process, not once per unit."""

    def __init__(self, plan: Plan, units: Units):
        self.plan, self.units = plan, units
        self.probed = Probed()  # this process's parts probe the target once

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:  # collection errors: as pytest's own loop, run nothing (engine: SuiteBroken)
            raise session.Interrupted(f"{session.testsfailed} error(s) during collection")

        def items(ids: frozenset[str] | list[str]) -> list[pytest.Item]:  # in the order they were collected
            return [item for item in session.items if requirement_of(item) in ids]

        self._run(session, items(self.units.first))
        self.units.opened()
        kept = items(self.units.keeps)
        self._run(session, [item for item in kept if item.get_closest_marker("whole_api") is None])
        while (unit := self.units.take()) is not None:
            index, work = unit
            if isinstance(work, Part):
                settings = replace(self.plan.settings, deadline_s=self.plan.remaining_s())
                self.units.ran(index, run_schemathesis(self.plan.target, settings, self.plan.redact, work,
                                                       self.plan.capture, self.probed))
            else:
                self._run(session, items(work))
        self._run(session, [item for item in kept if item.get_closest_marker("whole_api") is not None])
        return True

    @staticmethod
    def _run(session: pytest.Session, items: list[pytest.Item]) -> None:
        # The last test of a batch tears down to the session, not beyond: the session's fixtures stay
        # for the next unit, and are torn down when the session finishes (the tidy-up, outside any test).
        # As pytest's own loop, it stops when a plugin asks (shouldfail: -x/--maxfail; shouldstop).
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else session
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)


def run_units(target: Target, settings: RunSettings, selected: Callable[[str], bool], units: Units,
              progress: Callable[[RequirementResult], None] | None = None,
              all_parts: Callable[[], list[PropertyRun]] = list,
              collected: Callable[[dict[str, Shape]], None] = lambda _: None,
              plugins: tuple[object, ...] = ()) -> RunResult:
    """The selected requirements' tests, run as `units` says (one --workers process). The whole-API
    tests judge `all_parts()`, the Schemathesis parts' runs. `collected` learns what the session
    collected before any test runs."""
    catalogue = load_catalogue()
    plan = Plan(target, settings, catalogue, selected, part=None, other_parts=all_parts, progress=progress,
                collected=collected)
    session = Session(plan)
    started = time.monotonic()
    _pytest(session, plugins=[UnitLoop(plan, units), *plugins])
    began = [r for r in catalogue.for_api(target.api) if r.id in session.outcomes.outcomes]
    return session.result(began, round(time.monotonic() - started, 3))


def run_here(target: Target, settings: RunSettings, selected: Callable[[str], bool] = lambda _: True,
             progress: Callable[[RequirementResult], None] | None = None) -> RunResult:
    """The selected requirements, and the whole Schemathesis run, in this process."""
    catalogue = load_catalogue()
    session = Session(Plan(target, settings, catalogue, selected, progress=progress))
    started = time.monotonic()
    _pytest(session)
    return session.result([r for r in catalogue.for_api(target.api) if selected(r.id)],
                          round(time.monotonic() - started, 3))
