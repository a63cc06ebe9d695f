"""The whole-API requirements (no 5xx, responses match the document), shared by both APIs' tests."""

from __future__ import annotations

from conformance.checks import require, verdict
from conformance.suite.property import Finding, Observer, graded_checks


def findings_for(findings: list[Finding] | None, requirement_id: str, api: str) -> list[Finding]:
    if findings is None:
        return []
    checks = {check for check, rid in graded_checks(api).items() if rid == requirement_id}
    errors = [f for f in findings if f.check == "error"]
    if errors:
        raise RuntimeError(f"Schemathesis could not finish: {errors[0].title}")
    return [f for f in findings if f.check in checks]


def require_none(found: list[Finding], observed: list[str], expected: str) -> None:
    shown = [f"{f.operation}: {f.title}; reproduce with: {f.reproduce}" for f in found[:3]] + observed[:3]
    require(verdict(not found and not observed, expected,
                    f"{len(found) + len(observed)} finding(s): " + " | ".join(shown)))


def judge(requirement_id: str, api: str, findings: list[Finding] | None, observer: Observer) -> None:
    observed = observer.server_errors if requirement_id.endswith("ROBUST-01") else observer.violations
    expected = "no 5xx" if requirement_id.endswith("ROBUST-01") else "every response as documented"
    require_none(findings_for(findings, requirement_id, api), observed, expected)
