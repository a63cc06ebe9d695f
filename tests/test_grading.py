"""Grading: test outcomes -> one outcome per requirement -> the verdict."""

from __future__ import annotations

import pytest

from conformance.catalogue import Catalogue
from conformance.engine import graded
from conformance.grading import counts, grade, verdict
from conformance.results import TestOutcome

MUST, SHOULD = "TRIPORT-CANCEL-01", "TRIPORT-CANCEL-13"


def outcome(kind: str, reason: str = "") -> TestOutcome:
    return TestOutcome("t", kind, reason)


@pytest.mark.parametrize(
    ("requirement_id", "tests", "strict", "expected"),
    [
        (MUST, ["passed", "passed"], False, ("pass", "")),
        (MUST, ["passed", "failed"], False, ("fail", "r-failed")),
        (MUST, ["error", "failed"], False, ("fail", "r-failed")),
        (MUST, ["passed", "error"], False, ("error", "r-error")),
        (MUST, ["skipped", "skipped"], False, ("skip", "r-skipped")),
        (MUST, ["skipped", "passed"], False, ("pass", "")),
        (MUST, [], False, ("error", "no test of it ran")),
        (SHOULD, ["failed"], False, ("warn", "r-failed")),
        (SHOULD, ["failed"], True, ("fail", "r-failed")),
    ],
    ids=["all-pass", "one-fails", "fail-beats-error", "error", "all-skipped", "skip-and-pass", "none-ran",
         "should-warns", "should-strict-fails"],
)
def test_grade(catalogue: Catalogue, requirement_id: str, tests: list[str], strict: bool,
               expected: tuple[str, str]) -> None:
    result = grade(catalogue.get(requirement_id), [outcome(t, f"r-{t}") for t in tests], strict)
    assert (result.outcome, result.reason) == expected


def test_verdict_fails_iff_a_requirement_fails(catalogue: Catalogue) -> None:
    def results(*kinds: str) -> list:
        return [grade(catalogue.get(MUST), [outcome(k, k)], False) for k in kinds]

    assert verdict(results("passed", "skipped")) == "pass"
    assert verdict(results("passed", "error")) == "error"
    assert verdict(results("error", "failed")) == "fail"
    assert verdict([grade(catalogue.get(SHOULD), [outcome("failed")], False)]) == "pass"
    assert counts(results("passed", "failed", "skipped"))["fail"] == 1


def test_a_requirement_whose_tests_did_not_all_report_is_undecided(catalogue: Catalogue) -> None:
    """Grades a requirement after a session that stopped early (Ctrl-C): one of its two tests passed,
    the other never reported. Expects `error` naming the test that did not run, not `pass`; with
    both reported, `pass`."""
    [stopped] = graded([catalogue.get(MUST)], {MUST: [outcome("passed")]}, {MUST: 2}, False)
    assert (stopped.outcome, stopped.reason) == ("error", "1 test(s) did not run: the run was stopped")
    both = graded([catalogue.get(MUST)], {MUST: [outcome("passed"), outcome("passed")]}, {MUST: 2}, False)
    assert [r.outcome for r in both] == ["pass"]
