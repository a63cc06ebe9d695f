"""`--workers N`: units handed out longest first and to free workers first, the same verdicts as
one process, every answer still judged, a worker that dies makes what it took undecided, not lost,
and a process's Schemathesis parts probe the target once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from schemathesis.schemas import BaseSchema

from conformance import cli, parallel
from conformance.driver import Part
from conformance.engine import Units, run_units, selector
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config
from conformance.results import RunResult
from conformance.run import run_suite
from conformance.target import RunSettings, Target

SETTINGS = RunSettings(max_examples=3, max_time_s=120, timeout_s=3, event_wait_s=1.5, timing_samples=7)


secrets: list[str] = []  # the last run's credentials


def run(settings: RunSettings, only: list[str] | None = None, **options: Any) -> RunResult:
    with ReferenceServer(ServerOptions(api=options.pop("api", "triport"), keepalive_s=0.5, **options)) as server:
        target = replace(Target.from_mapping(server.target_config()), settle_deadline_s=3.0)
        secrets[:] = target.secrets()
        return run_suite(target, settings, selector(only))


def test_units_put_the_longest_first_and_slice_the_stateful_phase() -> None:
    """Lists the units of a 4-process run over operations a and b, with requirement R1 (one test),
    R2 (three tests) and W (one test that waits a set time). Expects two stateful slices, then
    examples and coverage per operation, fuzzing per operation, then W, R2, R1; without generated
    cases, the requirements only."""
    targeted = {"R1": (False, 1), "R2": (False, 3), "W": (True, 1)}
    assert parallel.units(targeted, ["a", "b"], 4, True, 25) == [
        Part(("stateful",), share=(0, 2)), Part(("stateful",), share=(1, 2)),
        Part(("examples", "coverage"), ("a",)), Part(("examples", "coverage"), ("b",)),
        Part(("fuzzing",), ("a",)), Part(("fuzzing",), ("b",)), ["W"], ["R2"], ["R1"]]
    assert parallel.units(targeted, ["a"], 4, False, 25) == [["W"], ["R2"], ["R1"]]
    assert parallel.units({}, ["a"], 9, True, 3)[:4] == [Part(("stateful",), share=(i, 3)) for i in range(3)] + [
        Part(("examples", "coverage"), ("a",))]  # never more slices than scenarios


def test_stateful_slices_share_the_budget_each_with_a_seed_of_its_own() -> None:
    """Slices a budget of 25 scenarios three ways; expects 9 + 8 + 8, the first slice with the run's
    seed and the others with seeds of their own; the whole phase keeps budget and seed."""
    slices = [Part(("stateful",), share=(i, 3)) for i in range(3)]
    assert [s.scenarios(25) for s in slices] == [9, 8, 8]
    assert slices[0].seed(7) == 7 and len({s.seed(7) for s in slices}) == 3
    assert (Part().scenarios(25), Part().seed(7)) == (25, 7)


def test_a_free_worker_is_served_before_this_process() -> None:
    """Asks a scheduler of two units for one, from an expected worker and from this process at once,
    then opens it. Expects the worker to get the first unit and this process the second, then None
    for both; a part the worker took and never finished reads as a run that could not finish."""
    scheduler = parallel.Scheduler()
    scheduler.expect(1)
    scheduler.fill([Part(("fuzzing",), ("a",)), ["R1"]])
    got: dict[str, Any] = {}
    askers = [threading.Thread(target=lambda: got.update(worker=scheduler.take(1))),
              threading.Thread(target=lambda: got.update(home=scheduler.take()))]
    for asker in askers:
        asker.start()
    scheduler.open()
    for asker in askers:
        asker.join(5)
    assert got == {"worker": (0, Part(("fuzzing",), ("a",))), "home": (1, ["R1"])}
    assert scheduler.take() is None and scheduler.take(1) is None
    scheduler.lost(1, "worker 1 exited with code 4")
    [run] = scheduler.part_runs()
    assert run.findings[0].title == "worker 1 exited with code 4" and scheduler.given(1) == []


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_four_workers_reach_the_same_verdicts_as_one(api: str) -> None:
    """Runs the whole suite against a clean reference with --workers 4.
    Expects every requirement with the outcome it has in one process (all pass but unconfigured
    CSRF), and the generated cases of all four phases counted."""
    result = run(replace(SETTINGS, workers=4), api=api)
    outcomes = {r.id: r.outcome for r in result.results}
    expected_skips = {rid for rid in outcomes if rid.startswith("TRIPORT-CSRF-")}
    assert {rid for rid, outcome in outcomes.items() if outcome != "pass"} == expected_skips
    assert result.verdict == "pass" and result.property_run.cases > 50


def test_answers_a_worker_saw_are_judged_by_the_whole_api_requirement(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs a cancel-answers-200 reference with --workers 3 and no generated cases, so only the
    targeted cancels (in a worker) see the undocumented 200. Expects SCHEMA-01, run in this process,
    to fail citing that worker; and without passing the worker's observations on, to pass."""
    only = ["TRIPORT-CANCEL-02", "TRIPORT-SCHEMA-01"]  # not CANCEL-01: it has a whole-API test, so runs here
    settings = replace(SETTINGS, workers=3, property_tests=False)
    schema = run(settings, only, faults=frozenset({"cancel-200"})).get("TRIPORT-SCHEMA-01")
    assert schema.outcome == "fail" and "answers_seen_by_worker_" in schema.tests[-1].name
    assert "200" in schema.reason
    monkeypatch.setattr(parallel, "_add_observations", lambda *args: None)
    assert run(settings, only, faults=frozenset({"cancel-200"})).get("TRIPORT-SCHEMA-01").outcome == "pass"


def test_a_worker_that_dies_leaves_its_requirements_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces the worker with a process that takes a unit, then exits 4 after one line on stderr.
    Expects the requirement it took as an error naming the exit and that line, the rest decided here."""
    # It prints the job it was given (credentials included) before it dies: none of that may show.
    monkeypatch.setattr(parallel, "WORKER_COMMAND",
                        [sys.executable, "-c", ("import sys; job = sys.stdin.readline(); print('{\"next\": 1}', "
                                                "flush=True); sys.stdin.readline(); "
                                                "sys.stderr.write('worker fell over: ' + job[:250] + '\\n'); "
                                                "sys.exit(4)")])
    result = run(replace(SETTINGS, workers=2, property_tests=False),
                 ["TRIPORT-CANCEL-02", "TRIPORT-SCHEMA-01"])
    cancel = result.get("TRIPORT-CANCEL-02")
    assert cancel.outcome == "error" and cancel.reason.startswith("worker 1 exited with code 4: worker fell over")
    assert "<redacted>" in cancel.reason and not any(secret in cancel.reason for secret in secrets)
    assert result.get("TRIPORT-SCHEMA-01").outcome == "pass" and result.verdict == "error"


def test_workers_forked_from_a_cli_process_decide_what_they_take(tmp_path: Path) -> None:
    """Runs `conformance run --workers 3` as a process of its own, which runs no other thread, so
    its workers are forked copies of it, against a reference whose cancel answers 200. Expects exit
    1, CANCEL-01 (204 expected) and SCHEMA-01 (200 undocumented) failed, every selected requirement
    decided (none an error), and no credential in its output or reports."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        done = subprocess.run([sys.executable, "-m", "conformance", "run", "--config", str(config), "--workers", "3",
                               "--only", "TRIPORT-CANCEL-0[1-4]", "--only", "TRIPORT-SCHEMA-01", "--max-examples", "3",
                               "--timeout", "3", "--report-dir", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=300, check=False)
        secrets = list(server.target_config()["credentials"].values())
    assert done.returncode == 1, done.stderr[-500:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
    assert len(outcomes) == 5 and "error" not in outcomes.values()
    assert outcomes["TRIPORT-CANCEL-01"] == outcomes["TRIPORT-SCHEMA-01"] == "fail"
    written = done.stdout + done.stderr + "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert not [secret for secret in secrets if secret in written]


def started_workers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The worker processes the next runs start, as they are started."""
    started: list[Any] = []
    start = parallel._start
    monkeypatch.setattr(parallel, "_start", lambda siblings: started.append(start(siblings)) or started[-1])
    return started


def test_workers_start_before_the_preflight_and_are_ended_when_it_fails(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs `conformance run --workers 3` against a reference that refuses the configured session
    (the preflight's read answers 401). Expects exit 3, and the two workers, started before the
    preflight, ended and reaped when the run returns."""
    started = started_workers(monkeypatch)
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        config.write_text(config.read_text().replace(server.target_config()["credentials"]["session"], "nobody"))
        code = cli.main(["run", "--config", str(config), "--workers", "3", "--timeout", "3",
                         "--report-dir", str(tmp_path / "out")])
    assert code == 3 and len(started) == 2
    assert all(process.returncode is not None for process in started)


def test_the_workers_started_before_the_preflight_are_the_runs(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs `conformance run --workers 3 --only TRIPORT-CANCEL-0[1-4]` against the reference. Expects
    exit 0 with two worker processes in all (those started before the preflight run the units: none
    is started again), each ended when the run returns."""
    started = started_workers(monkeypatch)
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        code = cli.main(["run", "--config", str(config), "--workers", "3", "--only", "TRIPORT-CANCEL-0[1-4]",
                         "--max-examples", "3", "--timeout", "3", "--report-dir", str(tmp_path / "out")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert code == 0 and [r["outcome"] for r in report["requirements"]] == ["pass"] * 4
    assert len(started) == 2 and all(process.returncode == 0 for process in started)


class StopAfterFirstTest:
    """A plugin that asks pytest to stop once the first test has finished (as `-x` or `--maxfail` do)."""

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.session.shouldstop = "asked to stop after one test"


def test_the_unit_loop_stops_when_pytest_is_asked_to() -> None:
    """Runs two units (TRIPORT-CANCEL-04, then TRIPORT-CANCEL-05) in a --workers process's loop, with a
    plugin that sets pytest's shouldstop after the first test. Expects the loop to stop there: the
    second unit never taken, no outcome of it, and the first requirement graded on its one test."""
    given = iter([(0, ["TRIPORT-CANCEL-04"]), (1, ["TRIPORT-CANCEL-05"])])
    taken: list[int] = []

    def take() -> Any:
        unit = next(given, None)
        if unit is not None:
            taken.append(unit[0])
        return unit

    with ReferenceServer(ServerOptions(api="triport")) as server:
        target = Target.from_mapping(server.target_config())
        result = run_units(target, SETTINGS, lambda _: True, Units(take, lambda index, run: None),
                           plugins=(StopAfterFirstTest(),))
    assert taken == [0]
    assert [r.id for r in result.results] == ["TRIPORT-CANCEL-04"]
    assert len(result.results[0].tests) == 1


def strict_path_decoder(app: Any) -> Any:
    """ASGI middleware: the answer of a URL decoder that rejects a backslash in a path before
    routing (as Tomcat's and many WAFs' do): 400 with an empty body."""
    async def rejecting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "\\" in scope["path"]:
            await send({"type": "http.response.start", "status": 400, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)
    return rejecting


def test_a_process_s_parts_probe_once_and_each_adapts_to_what_was_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs three Schemathesis parts in one --workers process's loop against a reference whose URL
    decoder rejects a backslash (400, empty body). Expects Schemathesis' path probe sent once for the
    three, and each part's cases told that the target rejects such paths (as one run's would be)."""
    adapted: list[Any] = []
    adapt = BaseSchema.adapt_to_path_decoder_rejection
    monkeypatch.setattr(BaseSchema, "adapt_to_path_decoder_rejection",
                        lambda schema: adapted.append(schema) or adapt(schema))
    parts = iter(enumerate([Part(("coverage",), ("listInvoices",)), Part(("fuzzing",), ("cancelInvoice",)),
                            Part(("coverage",), ("getInvoice",))]))
    with ReferenceServer(ServerOptions(api="triport"), wrap=strict_path_decoder) as server:
        target = Target.from_mapping(server.target_config())
        result = run_units(target, SETTINGS, lambda _: False, Units(lambda: next(parts, None), lambda i, run: None))
        probes = [path for _, path, *_ in server.recorder.requests if "schemathesis-probe" in path]
    assert result.results == [] and len(probes) == 1
    assert len(adapted) == 3 and len({id(schema) for schema in adapted}) == 3
