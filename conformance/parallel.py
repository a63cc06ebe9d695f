"""`--workers N`: the requirements of one run shared among N processes.

This process keeps the whole-API requirements and Schemathesis' examples and coverage phases; with
three or more processes, fuzzing and stateful run in workers, and from four coverage is split by
operation too (`plan`). Each part is single-threaded and seeded, but the parts meet the same
target at once and generated cases reuse ids from its answers, so the cases repeat with
--workers 1 only. The targeted requirements are dealt to the other workers (`python -m
conformance.worker`), each a `run_here` of its own over the same target. Requirements whose
tests measure latency (marker `quiet`) run first, while nothing else loads the target. What a
worker's observer saw (5xx, undocumented answers) is added to the whole-API requirements here,
so every answer is still judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from conformance import specs
from conformance.catalogue import Catalogue, load_catalogue
from conformance.engine import RunResult, collect, run_here
from conformance.grading import RequirementResult, TestOutcome, grade, verdict
from conformance.http import Redactor
from conformance.suite.property import Finding, Part, PropertyRun
from conformance.suite.whole_api import OBSERVED, observed_failure
from conformance.target import RunSettings, Target

WORKER_COMMAND = [sys.executable, "-m", "conformance.worker"]


def deal(weights: dict[str, int], shards: int) -> list[list[str]]:
    """Requirement ids in `shards` groups of about equal weight (heaviest first, to the lightest group)."""
    groups: list[list[str]] = [[] for _ in range(shards)]
    loads = [0] * shards
    for rid in sorted(weights, key=lambda r: (-weights[r], r)):
        lightest = loads.index(min(loads))
        groups[lightest].append(rid)
        loads[lightest] += weights[rid]
    return [group for group in groups if group]


class Worker:
    """One worker process and the thread that reads its results as they arrive."""

    def __init__(self, index: int, redact: Redactor,
                 on_result: Callable[[RequirementResult], None] = lambda _: None):
        """Starts the process at once: its imports overlap whatever runs before its job is given."""
        self.index, self.redact, self.on_result = index, redact, on_result  # redact: stderr could hold anything
        self.requirements: list[str] = []
        self.results: dict[str, RequirementResult] = {}
        self.observed: dict[str, list[str]] = {}
        self.throttled: list[float] = []
        self.property_run: PropertyRun | None = None
        self.part: Part | None = None
        self.whole_run: PropertyRun | None = None  # a whole API's run (run_elsewhere): its Schemathesis run
        self._property_done = threading.Event()  # its Schemathesis part finished (or the process ended)
        self.problem = ""
        self.process = subprocess.Popen(WORKER_COMMAND, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._stderr: list[str] = []
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._drain, daemon=True)]
        for thread in self._threads:
            thread.start()

    def give(self, target: Target, settings: RunSettings, *, requirements: Sequence[str] = (),
             part: Part | None = None, whole: bool = False) -> Worker:
        """The job, credentials included, goes through the pipe: never the command line or environment.
        A worker runs its Schemathesis part first (the coordinator waits for it), then its requirements."""
        self.requirements, self.part = list(requirements), part
        job = {"target": target.to_mapping(), "settings": asdict(settings), "requirements": self.requirements,
               "part": asdict(part) if part else None, "whole": whole}
        try:
            self.process.stdin.write(json.dumps(job))
            self.process.stdin.close()
        except OSError:  # it died before its job: join() names the exit
            pass
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("result"):
                result = result_from(message["result"])
                self.results[result.id] = result
                self.on_result(result)
            elif "observed" in message:
                self.observed, self.throttled = message["observed"], message["throttled"]
                self.whole_run = PropertyRun.from_dict(message["run"]) if message.get("run") else None
            elif "property" in message:
                self.property_run = PropertyRun.from_dict(message["property"])
                self._property_done.set()
            elif message.get("problem"):
                self.problem = message["problem"]

        self._property_done.set()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self._stderr = (self._stderr + [line.rstrip()])[-5:]

    def join(self) -> None:
        code = self.process.wait()
        for thread in self._threads:
            thread.join()
        if code != 0 and not self.problem:
            last = next((line for line in reversed(self._stderr) if line.strip()), "")
            said = f": {last[:300]}" if last else ""
            self.problem = self.redact(f"worker {self.index} exited with code {code}{said}")

    def collected(self, catalogue: Catalogue, strict: bool,
                  report: Callable[[RequirementResult], None]) -> dict[str, RequirementResult]:
        """Its results; a requirement it sent none for (it died) is an error naming why."""
        results = dict(self.results)
        for rid in self.requirements:
            if rid not in results:
                outcome = TestOutcome(f"worker_{self.index}", "error", self.problem or "the worker sent no result")
                results[rid] = grade(catalogue.get(rid), [outcome], strict)
                report(results[rid])
        return results

    def part_run(self) -> PropertyRun:
        """The Schemathesis part this worker ran; a worker that failed reads as an unfinished run."""
        self._property_done.wait()
        if self.property_run is not None:
            return self.property_run
        self.join()  # it ended without one: its exit says why
        return PropertyRun([Finding("error", "run", self.problem or "the worker sent no result", "")], 0,
                           "0" * 64, 0.0, False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


@dataclass(frozen=True)
class Plan:
    here: Part  # the Schemathesis part this process runs
    elsewhere: tuple[Part, ...]  # a part for each worker of its own
    targeted: int  # workers the targeted requirements are dealt to
    with_targeted: Part | None = None  # a part the first targeted worker runs before its requirements


def plan(workers: int, generating: bool, operations: tuple[str, ...] = ()) -> Plan:
    """How N processes share a run. This one runs the whole-API requirements, examples and coverage;
    with three processes fuzzing and stateful get a worker, from four each its own, and coverage is
    split by operation (alternately, in document order) with the first targeted worker. The split
    depends only on N and the document."""
    helpers = workers - 1
    if not generating or helpers < 2:
        return Plan(Part(), (), max(helpers, 1))
    if helpers == 2:
        return Plan(Part(("examples", "coverage")), (Part(("fuzzing", "stateful")),), 1)
    if len(operations) < 2:
        return Plan(Part(("examples", "coverage")), (Part(("fuzzing",)), Part(("stateful",))), helpers - 2)
    return Plan(Part(("examples", "coverage"), operations[0::2]), (Part(("fuzzing",)), Part(("stateful",))),
                helpers - 2, Part(("coverage",), operations[1::2]))


def result_to(result: RequirementResult) -> dict:
    return asdict(result)


def result_from(data: dict) -> RequirementResult:
    tests = [TestOutcome(**test) for test in data.pop("tests")]
    return RequirementResult(**data, tests=tests)


def run_parallel(target: Target, settings: RunSettings, selected: Callable[[str], bool],
                 progress: Callable[[RequirementResult], None] | None = None) -> RunResult:
    catalogue = load_catalogue()
    started = time.monotonic()
    lock = threading.Lock()

    def report(result: RequirementResult) -> None:
        if progress:
            with lock:
                progress(result)

    shape = collect(target, settings, selected)  # requirement id -> tests, quiet, whole_api
    quiet = {rid for rid, info in shape.items() if info["quiet"]}
    home = {rid for rid, info in shape.items() if info["whole_api"]} - quiet
    rest = {rid: info["tests"] for rid, info in shape.items() if rid not in quiet | home}
    generating = bool(home) and settings.property_tests and settings.profile == "full"
    split = plan(settings.workers, generating, tuple(specs.operations(specs.load_document(
        catalogue.apis[target.api].document))))
    shards = deal(rest, split.targeted)
    if split.with_targeted and not shards:
        shards = [[]]  # the coverage share still needs a worker
    processes = 1 + len(split.elsewhere) + len(shards)
    # --max-rps is for the whole run: the processes running at once share it.
    single = replace(settings, workers=1, max_rps=settings.max_rps / processes if settings.max_rps else None)

    results: dict[str, RequirementResult] = {}
    deadline = started + settings.deadline_s if settings.deadline_s else None

    def left() -> RunSettings:  # the sub-runs start later; each gets what is left of the deadline
        return replace(single, deadline_s=max(deadline - time.monotonic(), 0.001)) if deadline else single

    redact = Redactor(target.secrets())
    spawned = [Worker(i + 1, redact, report) for i in range(processes - 1)]
    try:
        if quiet:
            results |= {r.id: r for r in run_here(target, left(), quiet.__contains__, report).results}
        jobs = [(part, []) for part in split.elsewhere]
        jobs += [(split.with_targeted if i == 0 else None, shard) for i, shard in enumerate(shards)]
        workers = [worker.give(target, left(), requirements=shard, part=part)
                   for worker, (part, shard) in zip(spawned, jobs, strict=True)]
        sharing = [worker for worker in workers if worker.part is not None]
        own = run_here(target, left(), home.__contains__, report, split.here,
                       lambda: [worker.part_run() for worker in sharing])
        for worker in spawned:
            worker.join()
    finally:
        for worker in spawned:
            worker.stop()
    results |= {r.id: r for r in own.results}
    for worker in workers:
        results |= worker.collected(catalogue, settings.strict, report)
    _add_observations(results, workers, catalogue, redact, target.api, settings.strict)
    ordered = [results[r.id] for r in catalogue.for_api(target.api) if r.id in results]
    throttled = own.throttled + [wait for worker in spawned for wait in worker.throttled]
    return RunResult(target.api, verdict(ordered), ordered, round(time.monotonic() - started, 3), own.property_run,
                     throttled=throttled)


def _add_observations(results: dict[str, RequirementResult], workers: list[Worker], catalogue: Catalogue,
                      redact: Redactor, api: str, strict: bool) -> None:
    """A worker's 5xx and undocumented answers fail the whole-API requirement that judges them."""
    for suffix in OBSERVED:
        rid = f"{api.upper()}-{suffix}"
        if rid not in results:
            continue
        extra = [TestOutcome(f"answers_seen_by_worker_{w.index}", "failed",
                             redact(observed_failure(suffix, w.observed.get(suffix, []))))
                 for w in workers if w.observed.get(suffix)]
        if extra:
            results[rid] = grade(catalogue.get(rid), results[rid].tests + extra, strict)


class Elsewhere:
    """One target's whole run in a worker process, started now (`conformance run` certifies the
    APIs side by side: each is mostly CPU, and a second core is there to use)."""

    def __init__(self, target: Target, settings: RunSettings, selected: Callable[[str], bool],
                 progress: Callable[[RequirementResult], None]):
        self.target, self.settings, self.progress = target, settings, progress
        self.catalogue = load_catalogue()
        self.started = time.monotonic()
        ids = [r.id for r in self.catalogue.for_api(target.api) if selected(r.id)]
        self.worker = Worker(1, Redactor(target.secrets()), progress).give(target, settings, requirements=ids,
                                                                           whole=True)

    def result(self) -> RunResult:
        try:
            self.worker.join()
        finally:
            self.worker.stop()
        results = self.worker.collected(self.catalogue, self.settings.strict, self.progress)
        ordered = [results[r.id] for r in self.catalogue.for_api(self.target.api) if r.id in results]
        return RunResult(self.target.api, verdict(ordered), ordered, round(time.monotonic() - self.started, 3),
                         self.worker.whole_run, throttled=self.worker.throttled)

    def stop(self) -> None:
        self.worker.stop()
