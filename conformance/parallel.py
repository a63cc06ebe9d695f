"""`--workers N`: one run shared among N processes (this one included), which take units of work
as they become free.

A unit is a Schemathesis part (examples and coverage, or fuzzing, of one operation; or a slice of
the stateful phase's scenarios) or one targeted requirement; `units` lists them longest first, so
the short ones fill the gaps at the end. This process (home) runs the requirements whose tests
measure latency (marker `quiet`) first, while nothing else is sent; then the targeted tests of the
requirements it keeps (the whole-API ones); then takes units when no worker is waiting for one;
and last the whole-API tests, which judge every generated case and what every process's observer
saw (5xx, undocumented answers). Workers (`conformance.worker`) are forked from this process when
that is safe, else started as new interpreters. Each unit is single-threaded and seeded, but the
units meet the same target at once and generated cases reuse ids from its answers, so the cases
repeat with --workers 1 only.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any, NoReturn

from conformance import specs
from conformance.catalogue import Catalogue, load_catalogue
from conformance.driver import Part
from conformance.engine import Shape, Unit, Units, run_units
from conformance.grading import grade, verdict
from conformance.http import Redactor
from conformance.observer import observed_failure
from conformance.results import Finding, PropertyRun, RequirementResult, RunResult, TestOutcome, result_from
from conformance.target import RunSettings, Target
from conformance.transport import WATCHDOG

DEFAULT_WORKER_COMMAND = [sys.executable, "-m", "conformance.worker"]
WORKER_COMMAND = DEFAULT_WORKER_COMMAND  # a test may replace it
STARTUP_GRACE_S = 10.0  # how long this process leaves the first units to workers that are still starting


def units(targeted: dict[str, tuple[bool, int]], operations: Sequence[str], processes: int, generating: bool,
          budget: int) -> list[Part | list[str]]:
    """The run's units, longest first. The stateful phase is one state machine, the longest part by
    far, so it is sliced by scenarios: one slice per two processes (never more slices than
    scenarios). Examples and coverage go together per operation, fuzzing per operation, then the
    targeted requirements (`targeted`: requirement id -> (a test waits a set time, tests)): those
    that wait first, then most tests first."""
    work: list[Part | list[str]] = []
    if generating:
        slices = max(1, min(processes // 2, budget))
        work += [Part(("stateful",), share=(i, slices)) for i in range(slices)]
        work += [Part(("examples", "coverage"), (operation,)) for operation in operations]
        work += [Part(("fuzzing",), (operation,)) for operation in operations]
    work += [[rid] for rid in sorted(targeted, key=lambda r: (not targeted[r][0], -targeted[r][1], r))]
    return work


class Scheduler:
    """Hands out the units, each once, and keeps the parts' runs. Workers are served first: this
    process, which has the whole-API requirements still to run, takes a unit only when every worker
    is busy (so a worker that is free never waits behind it)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._work: list[Part | list[str]] = []
        self._next = 0
        self._open = self._closed = False
        self._waiting = 0  # workers waiting for a unit
        self._starting: set[int] = set()  # workers that have not asked for their first unit yet
        self._given: dict[int, list[int]] = {}  # worker -> the units it took
        self._gone: set[int] = set()  # workers whose process has ended
        self._runs: dict[int, PropertyRun] = {}

    def expect(self, worker: int) -> None:
        with self._changed:
            self._starting.add(worker)
            self._given[worker] = []

    def fill(self, work: list[Part | list[str]]) -> None:
        with self._changed:
            self._work = work

    def open(self) -> None:
        """Units may be handed out (the quiet requirements are done)."""
        with self._changed:
            self._open = True
            self._changed.notify_all()

    def take(self, worker: int | None = None) -> Unit | None:
        """The next unit (None: no more); a worker's once the run is open, this process's once no worker
        is waiting for one."""
        with self._changed:
            if worker is not None:
                self._starting.discard(worker)
                self._waiting += 1
            self._changed.notify_all()

            def ready() -> bool:
                mine = worker is not None or not (self._waiting or self._starting)
                return self._closed or worker in self._gone or (self._open and (self._next >= len(self._work) or mine))
            try:
                if worker is None and not self._changed.wait_for(ready, timeout=STARTUP_GRACE_S):
                    self._starting.clear()  # still starting after the grace: serve them when they ask
                self._changed.wait_for(ready)
            finally:
                if worker is not None:
                    self._waiting -= 1
                self._changed.notify_all()
            if self._closed or worker in self._gone or self._next >= len(self._work):
                return None
            index, self._next = self._next, self._next + 1
            if worker is not None:
                self._given[worker].append(index)
            return index, self._work[index]

    def given(self, worker: int) -> list[str]:
        """The requirement ids a worker took."""
        with self._changed:
            taken = [self._work[i] for i in self._given.get(worker, [])]
            return [rid for work in taken if isinstance(work, list) for rid in work]

    def ran(self, index: int, run: PropertyRun) -> None:
        with self._changed:
            self._runs[index] = run
            self._changed.notify_all()

    def gone(self, worker: int) -> None:
        """A worker's process ended: it is given nothing more (not even what it asked for before)."""
        with self._changed:
            self._gone.add(worker)
            self._starting.discard(worker)
            self._changed.notify_all()

    def lost(self, worker: int, problem: str) -> None:
        """A worker ended: the parts it took and did not finish are runs that could not finish."""
        self.gone(worker)
        with self._changed:
            for index in self._given.get(worker, []):
                if isinstance(self._work[index], Part) and index not in self._runs:
                    self._runs[index] = PropertyRun([Finding("error", "run", problem, "")], 0, "0" * 64, 0.0, False)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def part_runs(self) -> list[PropertyRun]:
        """Every part's run, in unit order, once all have finished (waits for the workers')."""
        with self._changed:
            parts = [i for i, work in enumerate(self._work) if isinstance(work, Part)]
            self._changed.wait_for(lambda: self._closed or all(i in self._runs for i in parts))
            return [self._runs[i] for i in parts if i in self._runs]


class Worker:
    """One worker process and the thread that reads its messages as they arrive."""

    def __init__(self, index: int, redact: Redactor,
                 on_result: Callable[[RequirementResult], None] = lambda _: None,
                 scheduler: Scheduler | None = None, siblings: Sequence[Worker] = ()):
        """Starts the process at once, so its start overlaps whatever runs before its job is given.
        `siblings`: the workers started before it, whose pipes a forked copy must not keep open."""
        self.index, self.redact, self.on_result = index, redact, on_result
        self.scheduler: Scheduler | None = None
        self.requirements: list[str] = []  # a whole run's (give(whole=True)); else what it took (scheduler)
        self.results: dict[str, RequirementResult] = {}
        self.observed: dict[str, list[str]] = {}
        self.throttled: list[float] = []
        self.whole_run: PropertyRun | None = None  # a whole API's run (Elsewhere): its Schemathesis run
        self.asked = False  # it has asked for a unit (it started, and may hold one)
        self.problem = ""
        if scheduler:
            self.attach(on_result, scheduler)
        self._input = threading.Lock()  # the reader answers on stdin while the coordinator may close it
        self.process = _start([sibling.process for sibling in siblings])
        self._stderr: list[str] = []
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)

    def attach(self, on_result: Callable[[RequirementResult], None], scheduler: Scheduler) -> None:
        """A worker started before its run (start_workers): the run it joins."""
        self.on_result, self.scheduler = on_result, scheduler
        scheduler.expect(self.index)

    def give(self, target: Target, settings: RunSettings, requirements: Sequence[str], *,
             whole: bool = False) -> Worker:
        """The job, credentials included, goes through the pipe: never the command line or environment.
        `requirements` are those it may be given (whole: those it runs, as one run of its own)."""
        if whole:
            self.requirements = list(requirements)
        self._drainer.start()  # not before: a worker started after a thread could not be forked
        self._reader.start()
        job = {"target": target.to_mapping(), "settings": asdict(settings), "requirements": list(requirements),
               "whole": whole}
        self._send(job)
        if whole:
            self.end_input()
        return self

    def _send(self, message: dict[str, Any]) -> None:
        with self._input:
            try:
                self.process.stdin.write(json.dumps(message) + "\n")
                self.process.stdin.flush()
            except (OSError, ValueError):  # it died, or its input is closed: join() names the exit
                pass

    def end_input(self) -> None:
        """No more units: a worker that asks again reads the end of its input."""
        with self._input:
            try:
                self.process.stdin.close()
            except OSError:
                pass

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("next") and self.scheduler:
                self.asked = True
                unit = self.scheduler.take(self.index)
                if unit is None:
                    self.end_input()
                else:
                    index, work = unit
                    body = {"part": asdict(work)} if isinstance(work, Part) else {"requirements": work}
                    self._send({"unit": index} | body)
            elif message.get("result"):
                result = result_from(message["result"])
                self.results[result.id] = result
                self.on_result(result)
            elif "observed" in message:
                self.observed, self.throttled = message["observed"], message["throttled"]
                self.whole_run = PropertyRun.from_dict(message["run"]) if message.get("run") else None
            elif "property" in message and self.scheduler:
                self.scheduler.ran(message["unit"], PropertyRun.from_dict(message["property"]))
            elif message.get("problem"):
                self.problem = message["problem"]
        code = self.process.wait()
        self._drainer.join()
        if code != 0 and not self.problem:
            last = next((line for line in reversed(self._stderr) if line.strip()), "")
            said = f": {last[:300]}" if last else ""
            self.problem = self.redact(f"worker {self.index} exited with code {code}{said}")
        if self.scheduler:
            self.scheduler.lost(self.index, self.problem or "the worker sent no result")

    def _drain(self) -> None:
        for line in self.process.stderr:
            self._stderr = [*self._stderr, line.rstrip()][-5:]
        if self.scheduler:  # its stderr ended with it: a unit it asked for would be lost with it
            self.scheduler.gone(self.index)

    def join(self) -> None:
        self.process.wait()
        if self._reader.ident is not None:  # given a job
            self._reader.join()

    def collected(self, catalogue: Catalogue, strict: bool,
                  report: Callable[[RequirementResult], None]) -> dict[str, RequirementResult]:
        """Its results; a requirement it took and sent none for (it died) is an error naming why."""
        taken = self.scheduler.given(self.index) if self.scheduler else self.requirements
        results = dict(self.results)
        for rid in taken:
            if rid not in results:
                outcome = TestOutcome(f"worker_{self.index}", "error", self.problem or "the worker sent no result")
                results[rid] = grade(catalogue.get(rid), [outcome], strict)
                report(results[rid])
        return results

    def stop(self) -> None:
        """Ends its process if it still runs, and reaps it (no zombie is left to the caller)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _start(siblings: Sequence[subprocess.Popen | Forked]) -> subprocess.Popen | Forked:
    """A forked copy of this process when that is safe: on Linux (macOS' system libraries may not
    survive a fork without exec), with no other thread running here, and for the kit's own worker.
    Else a new interpreter."""
    WATCHDOG.quiesce()  # its thread ends when nothing is armed: no answer is being read now
    if (WORKER_COMMAND == DEFAULT_WORKER_COMMAND and sys.platform.startswith("linux")
            and threading.active_count() == 1):
        return Forked([f.fileno() for sibling in siblings for f in (sibling.stdin, sibling.stdout, sibling.stderr)])
    return subprocess.Popen(WORKER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


class Forked:
    """A worker forked from this process, whose imports are done: a new interpreter would spend about
    1 s of CPU on them, while the run waits for its workers. Only forked while no other thread runs
    here (a fork copies the memory but not the threads, so a lock one of them held would stay held).
    Offers what Worker uses of Popen."""

    def __init__(self, theirs: list[int]) -> None:
        """`theirs`: this process's ends of other workers' pipes (a copy left open in the child would
        keep a worker's input from ever ending)."""
        stdin, stdout, stderr = os.pipe(), os.pipe(), os.pipe()  # (read end, write end) each
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what is buffered would otherwise be written by both
        self.pid = os.fork()
        if self.pid == 0:
            _be_worker((stdin[0], stdout[1], stderr[1]), [stdin[1], stdout[0], stderr[0], *theirs])
        for end in (stdin[0], stdout[1], stderr[1]):
            os.close(end)
        self.stdin, self.stdout, self.stderr = os.fdopen(stdin[1], "w"), os.fdopen(stdout[0]), os.fdopen(stderr[0])
        self.returncode: int | None = None
        self._waiting = threading.Lock()  # the reader and the coordinator both wait for it

    def poll(self) -> int | None:
        return self._wait(os.WNOHANG)

    def wait(self) -> int:
        code = self._wait(0)
        assert code is not None
        return code

    def _wait(self, flags: int) -> int | None:
        with self._waiting:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, flags)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def _be_worker(streams: tuple[int, int, int], others: list[int]) -> NoReturn:
    """In the forked child: its pipes' ends become its standard streams, the coordinator's ends of
    every worker's pipes are closed, and it never returns to the coordinator's code. (Other files it
    inherited stay open: closing them under the objects that own them could close a reused number.)"""
    code = 1
    try:
        for end, standard in zip(streams, (0, 1, 2), strict=True):
            os.dup2(end, standard)
        for end in (*streams, *others):
            os.close(end)
        # The worker program, as `python -m conformance.worker` would start it, without a new interpreter.
        runpy.run_module("conformance.worker", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def start_workers(target: Target, settings: RunSettings) -> list[Worker]:
    """The run's `--workers` processes but this one, started before its preflight so that their start
    overlaps it (a forked worker imports what a Schemathesis run needs while it waits for its job).
    run_parallel takes them; whoever started them stops them if it never runs."""
    redact, started = Redactor(target.secrets()), []
    for i in range(settings.workers - 1):
        started.append(Worker(i + 1, redact, siblings=started))
    return started


def run_parallel(target: Target, settings: RunSettings, selected: Callable[[str], bool],
                 progress: Callable[[RequirementResult], None] | None = None,
                 early: Sequence[Worker] = ()) -> RunResult:
    """`early`: workers of this run already started (start_workers)."""
    catalogue = load_catalogue()
    started = time.monotonic()
    lock = threading.Lock()

    def report(result: RequirementResult) -> None:
        if progress:
            with lock:
                progress(result)

    # --max-rps is for the whole run: the processes running at once share it.
    each = replace(settings, max_rps=settings.max_rps / settings.workers if settings.max_rps else None)
    redact = Redactor(target.secrets())
    scheduler = Scheduler()
    ids = [r.id for r in catalogue.for_api(target.api) if selected(r.id)]
    # Started first (forked from this process when that is safe): their collection overlaps this
    # process's and the quiet requirements.
    spawned = list(early)
    for worker in spawned:
        worker.attach(report, scheduler)
    for i in range(len(spawned), settings.workers - 1):
        spawned.append(Worker(i + 1, redact, report, scheduler, spawned))
    for worker in spawned:
        worker.give(target, each, ids)
    operations = specs.operations(specs.load_document(catalogue.apis[target.api].document))
    plan = Units(take=scheduler.take, ran=scheduler.ran, opened=scheduler.open)

    def collected(shape: dict[str, Shape]) -> None:  # what this process's session collected
        quiet = {rid for rid, info in shape.items() if info.quiet}
        home = {rid for rid, info in shape.items() if info.whole_api} - quiet
        targeted = {rid: (info.waits, info.tests) for rid, info in shape.items() if rid not in quiet | home}
        generating = bool(home) and settings.property_tests and settings.profile == "full"
        plan.first, plan.keeps = frozenset(quiet), frozenset(home)
        scheduler.fill(units(targeted, operations, settings.workers, generating, settings.max_examples))

    try:
        own = run_units(target, each, selected, plan, report, scheduler.part_runs, collected)
        scheduler.close()  # all handed out already, unless this session was interrupted: then nothing more
        for worker in spawned:
            worker.end_input()  # every unit is out: a worker that asks again is done
            if not worker.asked:  # still starting (or stuck): it holds nothing, and nothing is left
                worker.stop()
            worker.join()
    finally:
        scheduler.close()
        for worker in spawned:
            worker.stop()
    results = {r.id: r for r in own.results}
    for worker in spawned:
        results |= worker.collected(catalogue, settings.strict, report)
    _add_observations(results, spawned, catalogue, redact, target.api, settings.strict)
    ordered = in_order(results, catalogue, target.api, selected, settings.strict)
    throttled = own.throttled + [wait for worker in spawned for wait in worker.throttled]
    return RunResult(target.api, verdict(ordered), ordered, round(time.monotonic() - started, 3), own.property_run,
                     throttled=throttled)


def in_order(results: dict[str, RequirementResult], catalogue: Catalogue, api: str, selected: Callable[[str], bool],
             strict: bool) -> list[RequirementResult]:
    """The selected requirements' results in catalogue order; one nobody ran (the run was stopped)
    is graded as having no test, so it is undecided, never left out."""
    return [results.get(r.id) or grade(r, [], strict) for r in catalogue.for_api(api) if selected(r.id)]


def _add_observations(results: dict[str, RequirementResult], workers: list[Worker], catalogue: Catalogue,
                      redact: Redactor, api: str, strict: bool) -> None:
    """What a worker's observer found (5xx, undocumented answers, SHOULD-graded parts) is added to the
    requirement it counts against, here where that requirement's whole-API test ran."""
    for rid in sorted({rid for w in workers for rid in w.observed}):
        if rid not in results:
            continue
        extra = [TestOutcome(f"answers_seen_by_worker_{w.index}", "failed",
                             redact(observed_failure(rid, w.observed[rid])))
                 for w in workers if w.observed.get(rid)]
        results[rid] = grade(catalogue.get(rid), results[rid].tests + extra, strict)


class Elsewhere:
    """One target's whole run in a worker process, started now (`conformance run` certifies the
    APIs side by side: each is mostly CPU, and a second core is there to use)."""

    def __init__(self, target: Target, settings: RunSettings, selected: Callable[[str], bool],
                 progress: Callable[[RequirementResult], None]):
        self.target, self.settings, self.selected, self.progress = target, settings, selected, progress
        self.catalogue = load_catalogue()
        self.started = time.monotonic()
        ids = [r.id for r in self.catalogue.for_api(target.api) if selected(r.id)]
        self.worker = Worker(1, Redactor(target.secrets()), progress).give(target, settings, ids, whole=True)

    def result(self) -> RunResult:
        try:
            self.worker.join()
        finally:
            self.worker.stop()
        results = self.worker.collected(self.catalogue, self.settings.strict, self.progress)
        ordered = in_order(results, self.catalogue, self.target.api, self.selected, self.settings.strict)
        return RunResult(self.target.api, verdict(ordered), ordered, round(time.monotonic() - self.started, 3),
                         self.worker.whole_run, throttled=self.worker.throttled)

    def stop(self) -> None:
        self.worker.stop()
