"""report.json: the run as one JSON document, in the shape spec/report.schema.json publishes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.catalogue import load_catalogue
from conformance.grading import counts
from conformance.results import RunResult
from conformance.specs import spec_sha256
from conformance.target import RunSettings, Target


def build(result: RunResult, target: Target, settings: RunSettings, started_at: datetime) -> dict[str, Any]:
    catalogue = load_catalogue()
    document = catalogue.apis[target.api].document
    return {
        "verdict": result.verdict, "api": target.api, "target": target.base_url, "profile": settings.profile,
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
        "requirements": [
            {"id": r.id, "level": r.level, "title": r.title, "outcome": r.outcome, "reason": r.reason,
             "duration_s": r.duration_s, "measurements": r.measurements, "evidence": r.evidence}
            for r in result.results
        ],
    }


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
