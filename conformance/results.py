"""What a run found, as data, and its wire format (worker processes send results as JSON lines):
a test's outcome, a requirement's, a Schemathesis run's, a whole target's. Nothing here judges."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TestOutcome:
    """What one pytest test of a requirement came to."""

    __test__ = False  # a result, not a test class

    name: str
    outcome: str  # passed | failed | skipped | error
    reason: str = ""
    duration_s: float = 0.0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)  # recorded (record_property), never graded


@dataclass
class RequirementResult:
    id: str
    level: str
    title: str
    outcome: str
    reason: str
    duration_s: float
    tests: list[TestOutcome]

    @property
    def measurements(self) -> dict[str, Any]:
        return {f"{test.name}.{key}": value for test in self.tests for key, value in test.measurements.items()}


def result_to(result: RequirementResult) -> dict[str, Any]:
    return asdict(result)


def result_from(data: dict[str, Any]) -> RequirementResult:
    tests = [TestOutcome(**test) for test in data.pop("tests")]
    return RequirementResult(**data, tests=tests)


@dataclass(frozen=True)
class Finding:
    check: str
    operation: str
    title: str
    reproduce: str
    requirement: str | None = None  # charged by the check itself; None: spec/schemathesis.yaml's mapping


@dataclass(frozen=True)
class PropertyRun:
    findings: list[Finding]
    cases: int
    digest: str  # CaseDigest: same seed, same target -> same digest
    duration_s: float
    cut: bool  # the time ceiling stopped it before its case budget was spent
    created: tuple[str, ...] = ()  # invoices the generated cases created (the suite tidies them up)
    stopped_by: str = ""  # what cut it: "max-time" (its ceiling) or "deadline" (the run's --deadline)

    def summary(self) -> dict[str, Any]:
        return {"cases": self.cases, "digest": self.digest, "duration_s": self.duration_s, "cut": self.cut}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PropertyRun:
        return cls([Finding(**f) for f in data["findings"]], data["cases"], data["digest"], data["duration_s"],
                   data["cut"], tuple(data["created"]), data.get("stopped_by", ""))

    @classmethod
    def merge(cls, parts: list[PropertyRun]) -> PropertyRun:
        """Parts run in parallel (--workers) as one run; the digest covers the parts in plan order."""
        if len(parts) == 1:
            return parts[0]
        digest = hashlib.sha256("".join(part.digest for part in parts).encode()).hexdigest()
        return cls([f for part in parts for f in part.findings], sum(part.cases for part in parts), digest,
                   max((part.duration_s for part in parts), default=0.0), any(part.cut for part in parts),
                   tuple(i for part in parts for i in part.created),
                   "deadline" if any(p.stopped_by == "deadline" for p in parts) else
                   next((p.stopped_by for p in parts if p.stopped_by), ""))


@dataclass
class RunResult:
    api: str
    verdict: str
    results: list[RequirementResult]
    duration_s: float
    property_run: PropertyRun | None = None  # the Schemathesis run, when one ran
    observed: dict[str, list[str]] = field(default_factory=dict)  # the observer's findings, by requirement id
    throttled: list[float] = field(default_factory=list)  # the waits after each 429 the client retried

    def get(self, requirement_id: str) -> RequirementResult:
        return next(r for r in self.results if r.id == requirement_id)
