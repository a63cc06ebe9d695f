"""Outcome grading, in one place: test outcomes -> one outcome per requirement -> the verdict."""

from __future__ import annotations

from conformance.catalogue import Requirement
from conformance.results import RequirementResult, TestOutcome

OUTCOMES = ("pass", "fail", "warn", "skip", "error")


def grade(requirement: Requirement, tests: list[TestOutcome], strict: bool) -> RequirementResult:
    """A failed test fails a MUST, warns on a SHOULD/MAY (fails under strict); an error means the
    suite could not decide; all skipped is a skip with the reasons; otherwise it passes."""
    failed = [t for t in tests if t.outcome == "failed"]
    errors = [t for t in tests if t.outcome == "error"]
    skipped = [t for t in tests if t.outcome == "skipped"]
    if not tests:  # it was selected, so a test should have run: the suite could not decide
        outcome, reason = "error", "no test of it ran"
    elif failed:
        soft = requirement.level != "MUST" and not strict
        outcome, reason = ("warn" if soft else "fail"), failed[0].reason
    elif errors:
        outcome, reason = "error", errors[0].reason
    elif len(skipped) == len(tests):
        outcome, reason = "skip", "; ".join(sorted({t.reason for t in skipped}))
    else:
        outcome, reason = "pass", ""
    duration = round(sum(t.duration_s for t in tests), 3)
    return RequirementResult(requirement.id, requirement.level, requirement.title, outcome, reason, duration, tests)


def verdict(results: list[RequirementResult]) -> str:
    """fail iff a requirement failed; error iff none failed but one could not be decided; else pass."""
    outcomes = {result.outcome for result in results}
    if "fail" in outcomes:
        return "fail"
    return "error" if "error" in outcomes else "pass"


def counts(results: list[RequirementResult]) -> dict[str, int]:
    return {outcome: sum(1 for r in results if r.outcome == outcome) for outcome in OUTCOMES}
