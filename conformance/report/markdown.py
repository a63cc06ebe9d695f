"""summary.md: the verdict and a requirement table, fit for a CI step summary."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

ICONS = {"pass": "✅", "fail": "❌", "warn": "⚠️", "skip": "⏭️", "error": "❓"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def build(report: dict[str, Any]) -> str:
    counts = report["counts"]
    lines = [
        f"# {report['api']} conformance: {report['verdict'].upper()}",
        "",
        # The label is the config's words, shown as text where a step summary would render HTML.
        (f"{escape(_cell(report['label']))} · target `{report['target']}` · profile {report['profile']} · "
         f"suite {report['suite_version']} · seed {report['seed']} · spec `{report['spec_sha256'][:12]}` · "
         f"{report['duration_s']:.1f} s"),
        "",
        " · ".join(f"{counts[k]} {k}" for k in ("pass", "fail", "warn", "skip", "error")),
        "",
    ]
    if report["tls"] == "not verified":
        lines += ["⚠️ TLS was not verified (`--insecure`): this run cannot certify the target.", ""]
    compared = report.get("baseline")
    if compared is not None:
        def listed(ids: list[str]) -> str:
            return ", ".join(f"`{i}`" for i in ids) or "none"
        accepted = listed([a["id"] for a in compared["accepted"]])
        lines += [(f"Baseline `{compared['source']}`: new failures {listed(compared['new'])} · accepted {accepted} "
                  f"· fixed {listed(compared['fixed'])}"), ""]
    run = report["property"]
    if run is not None:
        lines += [f"Schemathesis: {run['cases']} generated cases, digest `{run['digest'][:16]}`"
                  + (" · ⚠️ stopped at the time ceiling (raise `--max-time`): not repeatable" if run["cut"] else ""),
                  ""]
    lines += [
        "| | requirement | level | title | reason |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {ICONS[r['outcome']]} {r['outcome']} | {r['id']} | {r['level']} | {_cell(r['title'])} | "
              f"{_cell(r['reason'])} |" for r in report["requirements"]]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "summary.md"
    path.write_text(build(report), encoding="utf-8")
    return path
