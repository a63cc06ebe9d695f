"""`--baseline`: the failures a CI job has accepted, so it fails only on a new one.

A baseline is an earlier report.json (its failed requirements are accepted, with the date of
that run as the reason) or a TOML file of accepted failures, each with its reason:

    [[accepted]]
    id = "TRIPORT-CANCEL-13"
    reason = "404 latency leak known; fix due in 2.4"
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from conformance.catalogue import load_catalogue
from conformance.results import RequirementResult


class BaselineError(ValueError):
    """A baseline that cannot be used; one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Baseline:
    source: str  # the file it came from, as given
    accepted: dict[str, str]  # requirement id -> why its failure is accepted


@dataclass(frozen=True)
class Comparison:
    """This run's failures against a baseline."""

    new: list[str]  # failing now, not accepted: these fail the job
    still: list[tuple[str, str]]  # failing now and accepted (id, reason)
    fixed: list[str]  # accepted, and passing now: the baseline can drop them

    def to_dict(self, source: str) -> dict[str, object]:
        return {"source": source, "new": self.new, "accepted": [{"id": i, "reason": r} for i, r in self.still],
                "fixed": self.fixed}


def load(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    if path.suffix == ".json":
        return Baseline(str(path), _from_report(path, text))
    if path.suffix == ".toml":
        return Baseline(str(path), _from_toml(path, text))
    raise BaselineError(f"{path}: a baseline is a report.json or a .toml file of accepted failures")


def _from_report(path: Path, text: str) -> dict[str, str]:
    try:
        report = json.loads(text)
        requirements = report["requirements"]
        when = report.get("started_at", "an earlier run")
        return {r["id"]: f"failed in the baseline run of {when}" for r in requirements if r["outcome"] == "fail"}
    except (ValueError, KeyError, TypeError):
        raise BaselineError(f"{path}: not a report.json (no requirements with outcomes)") from None


def _from_toml(path: Path, text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"accepted"}
    if unknown:
        raise BaselineError(f"{path}: {sorted(unknown)[0]}: unknown key (known: accepted)")
    entries = data.get("accepted", [])
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: accepted: must be an array of tables ([[accepted]])")
    known = {r.id for r in load_catalogue().requirements}
    accepted: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: accepted[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"id", "reason"}:
            raise BaselineError(f"{where}: must have only id and reason")
        rid, reason = entry.get("id"), entry.get("reason")
        if rid not in known:
            raise BaselineError(f"{where}.id: {rid!r} is no requirement of the catalogue")
        if not isinstance(reason, str) or not reason.strip():
            raise BaselineError(f"{where}.reason: say why the failure is accepted")
        accepted[rid] = reason.strip()
    return accepted


def compare(results: list[RequirementResult], baseline: Baseline) -> Comparison:
    """New failures, accepted ones, and accepted ones that pass now (among the requirements run)."""
    failing = [r.id for r in results if r.outcome == "fail"]
    passing = {r.id for r in results if r.outcome == "pass"}
    return Comparison(new=[rid for rid in failing if rid not in baseline.accepted],
                      still=[(rid, baseline.accepted[rid]) for rid in failing if rid in baseline.accepted],
                      fixed=[rid for rid in baseline.accepted if rid in passing])


def summary(comparison: Comparison) -> str:
    """One line for the console."""
    def ids(items: list[str]) -> str:
        return f" ({', '.join(items)})" if items else ""
    return (f"baseline: {len(comparison.new)} new failure(s){ids(comparison.new)}, "
            f"{len(comparison.still)} accepted{ids([rid for rid, _ in comparison.still])}, "
            f"{len(comparison.fixed)} fixed{ids(comparison.fixed)}")
