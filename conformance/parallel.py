"""`--workers N`: the requirements of one run shared among N processes.

This process keeps the whole-API requirements and runs Schemathesis' examples and coverage phases;
with three or more processes, fuzzing and stateful run in worker processes of their own (each
phase single-threaded and seeded, so the same seed and --workers send the same cases). The
targeted requirements are dealt to the other workers (`python -m conformance.worker`), each a
`run_here` of its own over the same target. Requirements whose tests measure latency (marker
`quiet`) run first, while nothing else loads the target. What a worker's observer saw (5xx,
undocumented answers) is added to the whole-API requirements here, so every answer is still judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from conformance.catalogue import Catalogue, load_catalogue
from conformance.engine import RunResult, collect, run_here
from conformance.grading import RequirementResult, TestOutcome, grade, verdict
from conformance.http import Redactor
from conformance.suite.property import PHASES, Finding, PropertyRun
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

    def __init__(self, index: int, target: Target, settings: RunSettings, *, requirements: list[str] = (),
                 phases: tuple[str, ...] = (), on_result: Callable[[RequirementResult], None] = lambda _: None):
        self.index, self.requirements, self.phases, self.on_result = index, list(requirements), phases, on_result
        self.redact = Redactor(target.secrets())  # a worker's stderr could hold anything
        self.results: dict[str, RequirementResult] = {}
        self.observed: dict[str, list[str]] = {}
        self.property_run: PropertyRun | None = None
        self.problem = ""
        # The job, credentials included, goes through the pipe: never the command line or environment.
        job = {"target": target.to_mapping(), "settings": asdict(settings), "requirements": self.requirements,
               "phases": list(phases)}
        self.process = subprocess.Popen(WORKER_COMMAND, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.process.stdin.write(json.dumps(job))
        self.process.stdin.close()
        self._stderr: list[str] = []
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._drain, daemon=True)]
        for thread in self._threads:
            thread.start()

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
                self.observed = message["observed"]
            elif "property" in message:
                self.property_run = PropertyRun.from_dict(message["property"])
            elif message.get("problem"):
                self.problem = message["problem"]

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

    def phases_run(self) -> PropertyRun:
        """The Schemathesis phases this worker ran; a worker that failed reads as an unfinished run."""
        self.join()
        if self.property_run is not None:
            return self.property_run
        return PropertyRun([Finding("error", "run", self.problem or "the worker sent no result", "")], 0,
                           "0" * 64, 0.0, False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


@dataclass(frozen=True)
class Plan:
    here: tuple[str, ...]  # Schemathesis phases this process runs
    elsewhere: tuple[tuple[str, ...], ...]  # phases each phase worker runs
    targeted: int  # workers the targeted requirements are dealt to


def plan(workers: int, generating: bool) -> Plan:
    """How N processes share a run. This one runs the whole-API requirements, examples and coverage;
    fuzzing and stateful get workers of their own once there are enough (they are the next-longest
    parts against a slow target); the rest take the targeted requirements."""
    helpers = workers - 1
    if not generating or helpers < 2:
        return Plan(PHASES, (), max(helpers, 1))
    if helpers == 2:
        return Plan(("examples", "coverage"), (("fuzzing", "stateful"),), 1)
    return Plan(("examples", "coverage"), (("fuzzing",), ("stateful",)), helpers - 2)


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
    split = plan(settings.workers, generating)
    processes = 1 + len(split.elsewhere) + min(split.targeted, len(rest))
    # --max-rps is for the whole run: the processes running at once share it.
    single = replace(settings, workers=1, max_rps=settings.max_rps / processes if settings.max_rps else None)

    results: dict[str, RequirementResult] = {}
    deadline = started + settings.deadline_s if settings.deadline_s else None

    def left() -> RunSettings:  # the sub-runs start later; each gets what is left of the deadline
        return replace(single, deadline_s=max(deadline - time.monotonic(), 0.001)) if deadline else single

    if quiet:
        results |= {r.id: r for r in run_here(target, left(), quiet.__contains__, report).results}
    phase_workers = [Worker(i + 1, target, left(), phases=phases) for i, phases in enumerate(split.elsewhere)]
    shards = deal(rest, split.targeted)
    workers = [Worker(len(phase_workers) + i + 1, target, left(), requirements=shard, on_result=report)
               for i, shard in enumerate(shards)]
    try:
        own = run_here(target, left(), home.__contains__, report, split.here,
                       lambda: [worker.phases_run() for worker in phase_workers])
        for worker in workers + phase_workers:
            worker.join()
    finally:
        for worker in workers + phase_workers:
            worker.stop()
    results |= {r.id: r for r in own.results}
    for worker in workers:
        results |= worker.results
        for rid in worker.requirements:
            if rid not in worker.results:
                requirement = catalogue.get(rid)
                outcome = TestOutcome(f"worker_{worker.index}", "error", worker.problem or "the worker sent no result")
                results[rid] = grade(requirement, [outcome], settings.strict)
                report(results[rid])
    _add_observations(results, workers, catalogue, target, settings)
    ordered = [results[r.id] for r in catalogue.for_api(target.api) if r.id in results]
    return RunResult(target.api, verdict(ordered), ordered, round(time.monotonic() - started, 3), own.property_run)


def _add_observations(results: dict[str, RequirementResult], workers: list[Worker], catalogue: Catalogue,
                      target: Target, settings: RunSettings) -> None:
    """A worker's 5xx and undocumented answers fail the whole-API requirement that judges them."""
    redact = Redactor(target.secrets())
    for suffix in OBSERVED:
        rid = f"{target.api.upper()}-{suffix}"
        if rid not in results:
            continue
        extra = [TestOutcome(f"answers_seen_by_worker_{w.index}", "failed",
                             redact(observed_failure(suffix, w.observed.get(suffix, []))))
                 for w in workers if w.observed.get(suffix)]
        if extra:
            results[rid] = grade(catalogue.get(rid), results[rid].tests + extra, settings.strict)
