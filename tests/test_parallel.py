"""`--workers N`: the same verdicts as one process, every answer still judged, and a worker that
dies makes its requirements undecided, not lost."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import pytest

from conformance import parallel
from conformance.engine import RunResult, run_suite, selector
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.suite.property import Part
from conformance.target import RunSettings, Target

SETTINGS = RunSettings(max_examples=3, max_time_s=120, timeout_s=3, event_wait_s=1.5, timing_samples=7)


secrets: list[str] = []  # the last run's credentials


def run(settings: RunSettings, only: list[str] | None = None, **options: Any) -> RunResult:
    with ReferenceServer(ServerOptions(api=options.pop("api", "triport"), keepalive_s=0.5, **options)) as server:
        target = replace(Target.from_mapping(server.target_config()), settle_deadline_s=3.0)
        secrets[:] = target.secrets()
        return run_suite(target, settings, selector(only))


def test_deal_balances_by_tests() -> None:
    """Deals weighted requirement ids to two shards; expects each id once and loads 5 and 4."""
    shards = parallel.deal({"A": 4, "B": 3, "C": 1, "D": 1}, 2)
    assert sorted(sum(shards, [])) == ["A", "B", "C", "D"]
    assert sorted(sum({"A": 4, "B": 3, "C": 1, "D": 1}[r] for r in shard) for shard in shards) == [4, 5]


def test_plan_gives_schemathesis_parts_their_own_workers_only_when_there_are_enough() -> None:
    """Plans 2, 3 and 4 processes with Schemathesis selected (operations a, b, c), and 4 without it."""
    ops = ("a", "b", "c")
    assert parallel.plan(2, True, ops) == parallel.Plan(Part(), (), 1)
    assert parallel.plan(3, True, ops).elsewhere == (Part(("fuzzing", "stateful")),)
    assert parallel.plan(4, True, ops) == parallel.Plan(Part(("examples", "coverage"), ("a", "c")),
                                                        (Part(("fuzzing",)), Part(("stateful",))), 1,
                                                        Part(("coverage",), ("b",)))
    assert parallel.plan(4, False, ops) == parallel.Plan(Part(), (), 3)


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
    """Replaces the worker with a process that exits 4 after one line on stderr.
    Expects its requirements as errors naming the exit and that line, the rest decided here."""
    # It prints the job it was given (credentials included) before it dies: none of that may show.
    monkeypatch.setattr(parallel, "WORKER_COMMAND",
                        [sys.executable, "-c", "import sys; job = sys.stdin.read(); "
                         "sys.stderr.write('worker fell over: ' + job[:250] + '\\n'); sys.exit(4)"])
    result = run(replace(SETTINGS, workers=2, property_tests=False),
                 ["TRIPORT-CANCEL-02", "TRIPORT-SCHEMA-01"])
    cancel = result.get("TRIPORT-CANCEL-02")
    assert cancel.outcome == "error" and cancel.reason.startswith("worker 1 exited with code 4: worker fell over")
    assert "<redacted>" in cancel.reason and not any(secret in cancel.reason for secret in secrets)
    assert result.get("TRIPORT-SCHEMA-01").outcome == "pass" and result.verdict == "error"
