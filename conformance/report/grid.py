"""grid.html and grid.md: the report.json of many runs (a CI matrix's jobs) read as one grid, a row
per requirement and a column per run, with a flag wherever the runs judged against different contracts."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance.report.markdown import ICONS
from conformance.target import host_port

OUTCOMES = tuple(ICONS)  # report.json's words: pass fail warn skip error
VERDICTS = ("pass", "fail", "error")
NOT_APPLICABLE = "n/a"  # a requirement of another API than the column's
NOT_RUN = "not run"  # the column's API, but not in that run (--only, --exclude, another suite version)
NEEDED = {"api": str, "verdict": str, "target": str, "suite_version": str, "spec_sha256": str, "requirements": list}


class GridError(ValueError):
    """No grid can be built; the message is one line naming the folder or file."""


@dataclass(frozen=True)
class Column:
    """One run: its report folder and report.json, and the flags that set it apart from the others."""

    folder: Path
    report: dict[str, Any]
    flags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.report.get("label") or host_port(self.report["target"])  # report_version 2 had none

    @property
    def api(self) -> str:
        return self.report["api"]

    def outcome(self, api: str, requirement: str) -> str:
        if api != self.api:
            return NOT_APPLICABLE
        return next((r["outcome"] for r in self.report["requirements"] if r["id"] == requirement), NOT_RUN)


@dataclass(frozen=True)
class Grid:
    columns: list[Column]
    rows: list[tuple[str, str, str]]  # (api, id, title), by API then id
    flags: list[str]  # what makes the columns not comparable, for the top of the page

    @property
    def failing(self) -> int:
        return sum(column.report["verdict"] == "fail" for column in self.columns)

    @property
    def verdict(self) -> str:
        """fail if a column failed, else error if one could not be decided, else pass."""
        verdicts = {column.report["verdict"] for column in self.columns}
        return next((v for v in ("fail", "error") if v in verdicts), "pass")


def find(paths: list[Path]) -> list[Path]:
    """Each folder's report.json: its own, or else those one or two folders down, in path order."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.is_dir():
            raise GridError(f"{path}: {'not a folder' if path.exists() else 'no such folder'} (REPORT_DIR is a "
                            "run's report folder, or a folder of them)")
        own = path / "report.json"
        here = [own] if own.is_file() else sorted(p for p in {*path.glob("*/report.json"),
                                                              *path.glob("*/*/report.json")} if p.is_file())
        if not here:
            raise GridError(f"{path}: no report.json in it, nor one or two folders down")
        for report in here:
            if report.resolve() not in seen:  # a run named twice (reports/ and reports/triport/) is one column
                seen.add(report.resolve())
                found.append(report)
    return found


def load(path: Path) -> dict[str, Any]:
    """A report.json, checked for what the grid reads (any report_version from 2 has it)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GridError(f"{path}: cannot read it ({exc.strerror})") from None
    except ValueError:  # not UTF-8, or not JSON
        raise GridError(f"{path}: not a JSON document") from None
    if not isinstance(report, dict):
        raise GridError(f"{path}: not a conformance report (a JSON object)")
    for key, kind in NEEDED.items():
        if not isinstance(report.get(key), kind):
            raise GridError(f"{path}: {key}: missing or not a {kind.__name__}; not a conformance report")
    if report["verdict"] not in VERDICTS or not isinstance(report.get("label", ""), str):
        raise GridError(f"{path}: verdict or label: not as a conformance report has them")
    if not all(isinstance(r, dict) and isinstance(r.get("id"), str) and r.get("outcome") in OUTCOMES
               for r in report["requirements"]):
        raise GridError(f"{path}: requirements: each needs an id and an outcome ({', '.join(OUTCOMES)})")
    return report


def _differs(columns: list[Column], key: str) -> tuple[str, list[Column]] | None:
    """Where the columns differ in `key`: each value with its columns' labels, and the columns that
    differ from the most common value (the first seen, on a tie); None where they agree."""
    values = [column.report[key] for column in columns]
    if len(set(values)) < 2:
        return None
    common = Counter(values).most_common(1)[0][0]

    def named(value: str) -> str:  # a digest by its first 12 digits, as the column headers show it
        labels = ", ".join(column.label for column in columns if column.report[key] == value)
        return f"{value[:12] if key == 'spec_sha256' else value} ({labels})"
    shown = "; ".join(named(value) for value in dict.fromkeys(values))
    return shown, [column for column in columns if column.report[key] != common]


def read(paths: list[Path]) -> Grid:
    """The grid of the runs found under `paths`: suite versions compared across all columns, contract
    digests across the columns of each API (the documents differ by API)."""
    columns = [Column(path.parent, load(path)) for path in find(paths)]
    flags: list[str] = []
    marks: dict[int, list[str]] = {id(column): [] for column in columns}
    groups = [(columns, "suite_version", "suite versions", "suite version differs")]
    groups += [([c for c in columns if c.api == api], "spec_sha256", f"{api} contracts", "contract differs")
               for api in dict.fromkeys(column.api for column in columns)]
    for group, key, what, mark in groups:
        found = _differs(group, key)
        if found:
            flags.append(f"{what} differ: {found[0]}")
            for column in found[1]:
                marks[id(column)].append(mark)
    columns = [Column(c.folder, c.report, tuple(marks[id(c)])) for c in columns]
    rows: dict[tuple[str, str], str] = {}
    for column in columns:
        for requirement in column.report["requirements"]:
            rows.setdefault((column.api, requirement["id"]), str(requirement.get("title", "")))
    return Grid(columns, [(api, rid, title) for (api, rid), title in sorted(rows.items())], flags)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330}
header{padding:14px 24px;color:#fff} header.pass{background:#1f7a3a} header.fail{background:#b3261e}
header.error{background:#8a5a00} header h1{margin:0;font-size:22px} main{padding:14px 24px}
.flags{background:#fff0cc;color:#5c3c00;padding:8px 12px 8px 30px;border-radius:4px}
table{border-collapse:collapse} th,td{padding:4px 8px;border:1px solid #e3e6ec;text-align:left;vertical-align:top}
thead th{background:#f4f6f9;font-weight:400;max-width:240px;overflow-wrap:anywhere} .label{font-weight:700}
tr.api th{background:#e8ebf1;text-transform:uppercase;letter-spacing:.05em} .title{color:#555;font-weight:400}
.verdict{font-weight:700} .v-pass{color:#1f7a3a} .v-fail{color:#b3261e} .v-error{color:#6b2d99}
th.flagged{outline:3px solid #e0a300;outline-offset:-3px} .flag{color:#8a5a00;font-weight:700}
td.outcome{font-weight:700;text-transform:uppercase;font-size:12px;text-align:center} td a{color:inherit}
.o-pass{background:#dcf3e3;color:#1f7a3a}.o-fail{background:#fbe0de;color:#b3261e}.o-warn{background:#fff0cc;color:#8a5a00}
.o-skip{background:#eceff3;color:#555}.o-error{background:#f3e2ff;color:#6b2d99}
.o-na,.o-not-run{color:#9aa0aa;font-weight:400;text-transform:none}
"""


def _link(column: Column, requirement: str, out: Path) -> str | None:
    """The run's report.html at the requirement's row, relative to the grid; None if it has none."""
    page = column.folder / "report.html"
    if not page.is_file():
        return None
    relative = Path(os.path.relpath(page.resolve(), out.resolve())).as_posix()
    return f"{quote(relative)}#req-{quote(requirement)}"


def _cell(column: Column, api: str, requirement: str, out: Path) -> str:
    outcome = column.outcome(api, requirement)
    kind = {NOT_APPLICABLE: "na", NOT_RUN: "not-run"}.get(outcome, outcome)
    link = _link(column, requirement, out) if outcome in OUTCOMES else None
    shown = f'<a href="{escape(link)}">{outcome}</a>' if link else escape(outcome)
    return f'<td class="outcome o-{kind}" data-outcome="{escape(outcome)}">{shown}</td>'


def _header(column: Column) -> str:
    report = column.report
    flagged = " flagged" if column.flags else ""
    flags = "".join(f'<div class="flag">⚠ {escape(flag)}</div>' for flag in column.flags)
    return (f'<th class="run{flagged}" scope="col"><div class="label">{escape(column.label)}</div>'
            f'<div class="api">{escape(column.api)}</div><div class="url">{escape(report["target"])}</div>'
            f'<div class="verdict v-{escape(report["verdict"])}">{escape(report["verdict"].upper())}</div>'
            f'<div class="contract" title="{escape(report["spec_sha256"])}">contract '
            f'{escape(report["spec_sha256"][:12])}</div>'
            f'<div class="suite">suite {escape(report["suite_version"])}</div>'
            f'{flags}</th>')


def _body(grid: Grid, out: Path) -> str:
    rows, api_before = [], None
    for api, requirement, title in grid.rows:
        if api != api_before:  # one group per API
            rows.append(f'<tr class="api"><th colspan="{len(grid.columns) + 1}">{escape(api)}</th></tr>')
            api_before = api
        cells = "".join(_cell(column, api, requirement, out) for column in grid.columns)
        rows.append(f'<tr class="req" id="{escape(requirement)}"><th scope="row">{escape(requirement)} '
                    f'<span class="title">{escape(title)}</span></th>{cells}</tr>')
    return "\n".join(rows)


def build_html(grid: Grid, out: Path) -> str:
    """The page, for a grid written into `out` (its links are relative to it); no script, no network."""
    title = f"Conformance grid: {grid.verdict.upper()} ({len(grid.columns)} runs, {grid.failing} failing)"
    flags = "".join(f"<li>⚠ {escape(flag)}</li>" for flag in grid.flags)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><header class="{grid.verdict}" id="verdict"><h1>{title}</h1></header><main>
{f'<ul class="flags" id="flags">{flags}</ul>' if flags else ''}
<table id="grid"><thead><tr><th scope="col">Requirement</th>{''.join(_header(c) for c in grid.columns)}</tr></thead>
<tbody>
{_body(grid, out)}
</tbody></table></main></body></html>
"""


def _md(text: str) -> str:
    """Text for a Markdown table cell, shown as text where a step summary would render HTML."""
    return escape(text).replace("|", "\\|").replace("\n", " ")


def build_markdown(grid: Grid) -> str:
    lines = [f"# Conformance grid: {grid.verdict.upper()} ({len(grid.columns)} runs, {grid.failing} failing)", ""]
    if grid.flags:
        lines += [*(f"⚠️ {_md(flag)}  " for flag in grid.flags), ""]  # two spaces: a line break
    lines += ["| # | target | api | base URL | verdict | contract | suite |", "|---|---|---|---|---|---|---|"]
    for number, column in enumerate(grid.columns, 1):
        report = column.report
        flags = "".join(f" ⚠️ {flag}" for flag in column.flags)
        lines.append(f"| {number} | {_md(column.label)} | {_md(column.api)} | {_md(report['target'])} | "
                     f"{ICONS.get(report['verdict'], '')} {_md(report['verdict'].upper())} | "
                     f"`{_md(report['spec_sha256'][:12])}` | {_md(report['suite_version'])}{flags} |")
    lines += ["", "| requirement | " + " | ".join(f"{n} {_md(c.label)}" for n, c in enumerate(grid.columns, 1)) + " |",
              "|---" * (len(grid.columns) + 1) + "|"]
    for api, requirement, _title in grid.rows:
        cells = [column.outcome(api, requirement) for column in grid.columns]
        lines.append(f"| {_md(requirement)} | " + " | ".join(f"{ICONS[o]} {o}" if o in ICONS else o for o in cells)
                     + " |")
    return "\n".join(lines) + "\n"


def write(grid: Grid, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    page, summary = out / "grid.html", out / "grid.md"
    page.write_text(build_html(grid, out), encoding="utf-8")
    summary.write_text(build_markdown(grid), encoding="utf-8")
    return [page, summary]
