"""report.json: the run as one JSON document, in the shape spec/report.schema.json publishes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.catalogue import Catalogue, load_catalogue
from conformance.grading import counts
from conformance.http import Redactor
from conformance.results import RequirementResult, RunResult, TestOutcome
from conformance.specs import spec_sha256
from conformance.target import RunSettings, Target

REPORT_VERSION = 3  # spec/report.schema.json's x-report-version: raised whenever the shape changes


def build(result: RunResult, target: Target, settings: RunSettings, started_at: datetime,
          baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    catalogue = load_catalogue()
    document = catalogue.apis[target.api].document
    return {
        "report_version": REPORT_VERSION, "verdict": result.verdict, "api": target.api, "target": target.base_url,
        "label": Redactor(target.secrets())(target.shown_label),  # the config's words: a secret may be among them
        "profile": settings.profile,
        "strict": settings.strict, "suite_version": __version__,
        "spec_sha256": spec_sha256([document, "requirements.yaml", "schemathesis.yaml"]),
        "seed": settings.seed, "max_examples": settings.max_examples, "max_time_s": settings.max_time_s,
        "workers": settings.workers,
        "create_body": target.create_source,
        "tls": "not verified" if settings.insecure else ("ca-bundle" if settings.ca_bundle else "verified"),
        "started_at": started_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "duration_s": result.duration_s, "counts": counts(result.results),
        "property": result.property_run.summary() if result.property_run else None,
        "throttled": {"retries": len(result.throttled), "waited_s": round(sum(result.throttled), 3)},
        "requirements": [_requirement(r, catalogue) for r in result.results],
    } | ({"baseline": baseline} if baseline is not None else {})


def _requirement(result: RequirementResult, catalogue: Catalogue) -> dict[str, Any]:
    """One requirement: what the catalogue says of it, its outcome, and every test with its own evidence."""
    requirement = catalogue.get(result.id)
    source = catalogue.sources[requirement.source]
    failing = deciding_test(result)
    return {
        "id": result.id, "level": result.level, "title": result.title, "statement": requirement.statement,
        "source": {"title": source.title, "url": source.url, "section": requirement.section},
        "outcome": result.outcome, "reason": result.reason, "duration_s": result.duration_s,
        "measurements": result.measurements, "failing_test": failing.name if failing else None,
        "tests": [{"name": t.name, "outcome": t.outcome, "reason": t.reason, "duration_s": t.duration_s,
                   "evidence": t.evidence} for t in result.tests],
    }


def deciding_test(result: RequirementResult) -> TestOutcome | None:
    """The test whose outcome the requirement's is: the first failed one (fail, warn), or the first
    that could not decide (error); None when it passed or was skipped."""
    wanted = {"fail": "failed", "warn": "failed", "error": "error"}.get(result.outcome)
    return next((t for t in result.tests if t.outcome == wanted), None)


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
