"""Run the pytest suite in `conformance/suite/` against one target and grade it per requirement."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import Catalogue, Requirement, load_catalogue
from conformance.checks import StepFailed
from conformance.driver import ALL, Part, run_schemathesis
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


class SuitePlugin:
    """Gives the suite its target and settings, skips what cannot be decided, records outcomes."""

    def __init__(self, target: Target, settings: RunSettings, catalogue: Catalogue,
                 selected: Callable[[str], bool], progress: Callable[[RequirementResult], None] | None = None):
        self._target, self._settings, self.catalogue = target, settings, catalogue
        self.selected, self.progress = selected, progress
        self._redact = Redactor(target.secrets())
        self.outcomes: dict[str, list[TestOutcome]] = {}
        self.problems: list[str] = []  # collection errors: the suite itself is broken
        self._exchanges: list[Exchange] = []
        self._started = 0.0
        self._remaining: dict[str, int] = {}  # tests still to run, per requirement (for live progress)
        self._deadline = time.monotonic() + settings.deadline_s if settings.deadline_s else None
        self.property_run: PropertyRun | None = None
        self.throttled: list[float] = []
        self._observer = Observer(target.api, self._redact)
        # The Schemathesis part this process runs in `findings` (None: none there); other_parts waits
        # for those run elsewhere (--workers).
        self.part: Part | None = ALL
        self.other_parts: Callable[[], list[PropertyRun]] = list
        self.shape: dict[str, dict[str, Any]] = {}  # requirement id -> its tests: count, quiet, whole_api, waits
        self.collected: Callable[[dict[str, dict[str, Any]]], None] = lambda _: None  # told the shape

    @pytest.fixture(scope="session")
    def target(self) -> Target:
        return self._target

    @pytest.fixture(scope="session")
    def settings(self) -> RunSettings:
        return self._settings

    @pytest.fixture(scope="session")
    def redact(self) -> Redactor:
        return self._redact

    @pytest.fixture(scope="session")
    def record(self) -> Callable[[Exchange], None]:
        return self._record

    def _record(self, exchange: Exchange) -> None:
        self._exchanges.append(exchange)
        if exchange.retried is not None:
            self.throttled.append(exchange.retried)

    @pytest.fixture(scope="session")
    def observer(self) -> Observer:
        return self._observer

    @pytest.fixture(scope="session")
    def property_plan(self) -> tuple[Part | None, Callable[[], list[PropertyRun]]]:
        return self.part, self.other_parts

    @pytest.fixture(scope="session")
    def note_property_run(self) -> Callable[[PropertyRun], None]:
        def note(run: PropertyRun) -> None:
            self.property_run = run
        return note

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        kept = [item for item in items if (rid := requirement_of(item)) and self.selected(rid)
                and self.catalogue.get(rid).api == self._target.api]
        for item in kept:
            reason = self._skip_reason(self.catalogue.get(requirement_of(item)), item)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
        # Whole-API requirements go last: they also judge what the targeted tests received.
        kept.sort(key=lambda item: item.get_closest_marker("whole_api") is not None)
        items[:] = kept
        for item in kept:
            self._remaining[requirement_of(item)] = self._remaining.get(requirement_of(item), 0) + 1
            info = self.shape.setdefault(requirement_of(item), {"tests": 0, "quiet": False, "whole_api": False,
                                                                 "waits": False})
            info["tests"] += 1
            for marker in ("quiet", "whole_api", "waits"):
                info[marker] = info[marker] or item.get_closest_marker(marker) is not None
        self.collected(self.shape)

    def graded(self, requirements: list[Requirement]) -> list[RequirementResult]:
        """Each requirement graded on its tests' outcomes. A test that never reported (the session
        stopped early: Ctrl-C) is an error, so a requirement is never passed on part of its tests."""
        results = []
        for requirement in requirements:
            tests = list(self.outcomes.get(requirement.id, []))
            if self._remaining.get(requirement.id, 0) > 0:
                tests.append(TestOutcome("not_run", "error",
                                         f"{self._remaining[requirement.id]} test(s) did not run: the run was stopped"))
            results.append(grade(requirement, tests, self._settings.strict))
        return results

    def _skip_reason(self, requirement: Requirement, item: pytest.Item) -> str | None:
        missing = [need for need in requirement.needs if not self._target.has(need)]
        if missing:
            return f"not configured: {', '.join(missing)}"
        if self._settings.profile == "safe" and item.get_closest_marker("safe") is None:
            return "not decidable in profile safe: it creates or cancels invoices"
        return None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"{report.nodeid}: {str(report.longrepr).splitlines()[-1]}")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._exchanges.clear()
        self._started = time.monotonic()
        if self._deadline is not None and self._started > self._deadline:
            raise DeadlinePassed("not started: the run's --deadline had passed")

    def remaining_s(self) -> float | None:
        """Seconds left before the run's deadline (None: no deadline)."""
        return None if self._deadline is None else max(self._deadline - time.monotonic(), 0.001)

    @pytest.fixture(scope="session")
    def time_left(self) -> Callable[[], float | None]:
        return self.remaining_s

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
        """After the last test the session's fixtures tidy up (cancel what the run created): those
        requests are no requirement's evidence."""
        mark = len(self._exchanges)
        try:
            return (yield)
        finally:
            if nextitem is None:
                del self._exchanges[mark:]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
        report = yield
        # Only the test's own body is judged: a check that fails while a fixture sets up (or tears down)
        # is a step the requirement needed, so it is undecided (StepFailed is no CheckFailed either).
        failed_check = (call.when == "call" and call.excinfo is not None
                        and call.excinfo.errisinstance((CheckFailed, AssertionError)))
        if report.failed or report.skipped or call.when == "teardown":
            self._finish(item, report, call, failed_check)
        return report

    def _finish(self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo,
                failed_check: bool) -> None:
        requirement_id = requirement_of(item)
        outcomes = self.outcomes.setdefault(requirement_id, [])
        if outcomes and outcomes[-1].name == item.name:  # teardown after a failure: already recorded
            return
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            outcome = TestOutcome(item.name, "skipped", reason.removeprefix("Skipped: "))
        elif report.failed:
            kind = "failed" if failed_check else "error"
            outcome = TestOutcome(item.name, kind, self._redact(_reason(call)))
        else:
            outcome = TestOutcome(item.name, "passed")
        outcome.duration_s = round(time.monotonic() - self._started, 3)
        outcome.evidence = [exchange.evidence(self._redact) for exchange in self._exchanges]
        outcome.measurements = dict(item.user_properties)
        outcomes.append(outcome)
        self._remaining[requirement_id] -= 1
        if self.progress and self._remaining[requirement_id] == 0:  # its last test: the outcome is final
            self.progress(grade(self.catalogue.get(requirement_id), outcomes, self._settings.strict))


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


def _pytest(plugin: SuitePlugin, api: str, *extra: str, plugins: tuple[object, ...] | list[object] = ()) -> None:
    # No installed plugins (anyio's and Schemathesis' cost ~0.8 s to import) and no assertion rewriting:
    # the suite asserts through `require`, whose failures carry their own message. No unraisable-exception
    # plugin either: it runs five full garbage collections at the end (0.4 s here, with Hypothesis loaded).
    args = [str(SUITE / api), "-c", str(SUITE / "pytest.ini"), "--rootdir", str(SUITE), "--disable-plugin-autoload",
            "--assert=plain", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:unraisableexception", *extra]
    code = pytest.main(args, plugins=[plugin, *plugins])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR) or plugin.problems:
        raise SuiteBroken("; ".join(plugin.problems) or f"pytest exited with {code!r}")


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

    def __init__(self, suite: SuitePlugin, units: Units):
        self.suite, self.units = suite, units

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
                settings = replace(self.suite._settings, deadline_s=self.suite.remaining_s())
                self.units.ran(index, run_schemathesis(self.suite._target, settings, self.suite._redact, work))
            else:
                self._run(session, items(work))
        self._run(session, [item for item in kept if item.get_closest_marker("whole_api") is not None])
        return True

    @staticmethod
    def _run(session: pytest.Session, items: list[pytest.Item]) -> None:
        # The last test of a batch tears down to the session, not beyond: the session's fixtures stay
        # for the next unit, and are torn down when the session finishes (the tidy-up, outside any test).
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else session
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)


def run_units(target: Target, settings: RunSettings, selected: Callable[[str], bool], units: Units,
              progress: Callable[[RequirementResult], None] | None = None,
              all_parts: Callable[[], list[PropertyRun]] = list,
              collected: Callable[[dict[str, dict[str, Any]]], None] = lambda _: None) -> RunResult:
    """The selected requirements' tests, run as `units` says (one --workers process). The whole-API
    tests judge `all_parts()`, the Schemathesis parts' runs. `collected` learns what the session
    collected (requirement id -> tests, quiet, whole_api, waits) before any test runs."""
    catalogue = load_catalogue()
    plugin = SuitePlugin(target, settings, catalogue, selected, progress)
    plugin.part, plugin.other_parts, plugin.collected = None, all_parts, collected
    started = time.monotonic()
    _pytest(plugin, target.api, plugins=[UnitLoop(plugin, units)])
    results = plugin.graded([r for r in catalogue.for_api(target.api) if r.id in plugin.outcomes])  # those it began
    return RunResult(target.api, verdict(results), results, round(time.monotonic() - started, 3), plugin.property_run,
                     dict(plugin._observer.found), plugin.throttled)


def run_here(target: Target, settings: RunSettings, selected: Callable[[str], bool] = lambda _: True,
             progress: Callable[[RequirementResult], None] | None = None) -> RunResult:
    """The selected requirements, and the whole Schemathesis run, in this process."""
    catalogue = load_catalogue()
    plugin = SuitePlugin(target, settings, catalogue, selected, progress)
    started = time.monotonic()
    _pytest(plugin, target.api)
    results = plugin.graded([r for r in catalogue.for_api(target.api) if selected(r.id)])
    return RunResult(target.api, verdict(results), results, round(time.monotonic() - started, 3), plugin.property_run,
                     dict(plugin._observer.found), plugin.throttled)
