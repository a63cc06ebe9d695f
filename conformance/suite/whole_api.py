"""The whole-API requirements (no 5xx, responses match the document) and the SHOULDs that take
response parts from them, shared by both APIs' tests."""

from __future__ import annotations

from conformance.checks import StepFailed, require, verdict
from conformance.driver import graded_checks
from conformance.observer import Observer
from conformance.results import Finding


def findings_for(findings: list[Finding] | None, requirement_id: str, api: str) -> list[Finding]:
    """The generated cases' findings that count against one requirement."""
    if findings is None:
        return []
    checks = {check for check, rid in graded_checks(api).items() if rid == requirement_id}
    errors = [f for f in findings if f.check == "error"]
    if errors:
        raise StepFailed("run every generated case", errors[0].title)
    return [f for f in findings if f.requirement == requirement_id or (f.requirement is None and f.check in checks)]


def require_none(found: list[Finding], observed: list[str], expected: str) -> None:
    shown = [f"{f.operation}: {f.title}; reproduce with: {f.reproduce}" for f in found[:3]] + observed[:3]
    require(verdict(not found and not observed, expected,
                    f"{len(found) + len(observed)} finding(s): " + " | ".join(shown)))


def judge(requirement_id: str, api: str, findings: list[Finding] | None, observer: Observer,
          expected: str = "every answer as documented") -> None:
    """A whole-API requirement: what the generated cases found against it, and what the observer saw."""
    require_none(findings_for(findings, requirement_id, api), observer.found.get(requirement_id, []), expected)
