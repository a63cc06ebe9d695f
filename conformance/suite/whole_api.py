"""The whole-API requirements (no 5xx, responses match the document), shared by both APIs' tests."""

from __future__ import annotations

from conformance.checks import require, verdict
from conformance.suite.property import Finding, Observer, graded_checks

# What the observer collects for each whole-API requirement (by id suffix), and what it expects.
OBSERVED = {"ROBUST-01": ("server_errors", "no 5xx"), "SCHEMA-01": ("violations", "every response as documented")}


def findings_for(findings: list[Finding] | None, requirement_id: str, api: str) -> list[Finding]:
    if findings is None:
        return []
    checks = {check for check, rid in graded_checks(api).items() if rid == requirement_id}
    errors = [f for f in findings if f.check == "error"]
    if errors:
        raise RuntimeError(f"Schemathesis could not finish: {errors[0].title}")
    return [f for f in findings if f.check in checks]


def observed_by(observer: Observer) -> dict[str, list[str]]:
    """The observer's findings per whole-API requirement suffix."""
    return {suffix: list(getattr(observer, attribute)) for suffix, (attribute, _) in OBSERVED.items()}


def observed_failure(suffix: str, observed: list[str]) -> str:
    """A failure reason for answers the observer found wanting (also used for a worker's answers)."""
    return f"expected {OBSERVED[suffix][1]}; got {len(observed)} finding(s): " + " | ".join(observed[:3])


def require_none(found: list[Finding], observed: list[str], expected: str) -> None:
    shown = [f"{f.operation}: {f.title}; reproduce with: {f.reproduce}" for f in found[:3]] + observed[:3]
    require(verdict(not found and not observed, expected,
                    f"{len(found) + len(observed)} finding(s): " + " | ".join(shown)))


def judge(requirement_id: str, api: str, findings: list[Finding] | None, observer: Observer) -> None:
    suffix = requirement_id.split("-", 1)[1]
    require_none(findings_for(findings, requirement_id, api), observed_by(observer)[suffix], OBSERVED[suffix][1])
