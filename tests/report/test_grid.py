"""`conformance grid`: many runs' report.json as one grid (grid.html read in headless Chromium, grid.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from conformance import cli
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config
from conformance.report import grid

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3"]
# CANCEL-01 is the one cancel-200 breaks; CSRF-01 is skipped (the configs enforce no CSRF).
ONLY = ["TRIPORT-CANCEL-01", "TRIPORT-CANCEL-08", "TRIPORT-AUTH-01", "TRIPORT-CSRF-01"]
HOSTILE = "<script>alert(1)</script>"


def run_report(label: str | None, api: str = "triport", verdict: str = "pass", suite: str = "0.1.0",
               digest: str = "a", outcomes: dict[str, str] | None = None) -> dict[str, Any]:
    """What the grid reads of a report.json, built by hand; `label` None: a report_version 2 (no label)."""
    outcomes = outcomes or {f"{api.upper()}-CANCEL-01": "pass"}
    report = {"report_version": 3, "verdict": verdict, "api": api, "target": "http://10.0.0.7:8080",
              "suite_version": suite, "spec_sha256": digest * 64,
              "requirements": [{"id": i, "title": f"title of {i}", "outcome": o} for i, o in outcomes.items()]}
    return report | {"label": label} if label is not None else report | {"report_version": 2}


def saved(folder: Path, report: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report))
    return folder


def test_differing_suite_versions_and_contracts_are_flagged(tmp_path: Path) -> None:
    """Reads four runs: a, b and c of triport (b judged against another contract, c by another suite
    version) and d of teos (its own contract). Expects one line per difference at the top naming each
    value's columns, only b and c flagged, and both flags in grid.html and grid.md."""
    saved(tmp_path / "a", run_report("a"))
    saved(tmp_path / "b", run_report("b", digest="b"))
    saved(tmp_path / "c", run_report("c", suite="0.2.0"))
    saved(tmp_path / "d", run_report("d", api="teos", digest="d"))
    built = grid.read([tmp_path])
    assert built.flags == ["suite versions differ: 0.1.0 (a, b, d); 0.2.0 (c)",
                           "triport contracts differ: aaaaaaaaaaaa (a, c); bbbbbbbbbbbb (b)"]
    assert [c.flags for c in built.columns] == [(), ("contract differs",), ("suite version differs",), ()]
    page, summary = grid.build_html(built, tmp_path), grid.build_markdown(built)
    assert page.count('<th class="run flagged"') == 2 and f'<ul class="flags" id="flags"><li>⚠ {built.flags[0]}' in page
    assert f"⚠️ {built.flags[1]}" in summary and "| 0.2.0 ⚠️ suite version differs |" in summary


def test_alike_runs_are_not_flagged_and_exit_0_when_none_fails(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    """Reads a passing run and one that could not be decided (verdict error), same suite and contract.
    Expects exit 0, no flag line, the grid's verdict ERROR (not PASS), and both files written."""
    saved(tmp_path / "runs" / "a", run_report("a"))
    saved(tmp_path / "runs" / "b", run_report("b", verdict="error", outcomes={"TRIPORT-CANCEL-01": "error"}))
    assert cli.main(["grid", str(tmp_path / "runs"), "--out", str(tmp_path / "out")]) == 0
    assert "warning:" not in capsys.readouterr().out
    page = (tmp_path / "out" / "grid.html").read_text()
    assert 'id="flags"' not in page and "Conformance grid: ERROR (2 runs, 0 failing)" in page
    assert (tmp_path / "out" / "grid.md").read_text().startswith("# Conformance grid: ERROR (2 runs, 0 failing)\n")


def test_a_failing_column_is_exit_1(tmp_path: Path) -> None:
    """Reads a passing run and a failing one. Expects exit 1."""
    saved(tmp_path / "a", run_report("a"))
    saved(tmp_path / "b", run_report("b", verdict="fail", outcomes={"TRIPORT-CANCEL-01": "fail"}))
    assert cli.main(["grid", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path)]) == 1


def test_grid_md_has_one_row_per_requirement(tmp_path: Path) -> None:
    """Reads two triport runs with overlapping requirements and a teos run. Expects one Markdown row per
    requirement of the union, by API then id, a run's missing requirement as `not run`, and the other
    API's as `n/a`."""
    saved(tmp_path / "1", run_report("t1", outcomes={"TRIPORT-CANCEL-02": "pass", "TRIPORT-AUTH-01": "fail"}))
    saved(tmp_path / "2", run_report("t2", outcomes={"TRIPORT-CANCEL-02": "warn", "TRIPORT-CSRF-01": "skip"}))
    saved(tmp_path / "3", run_report("e", api="teos", outcomes={"TEOS-CANCEL-01": "pass"}))
    rows = [line for line in grid.build_markdown(grid.read([tmp_path])).splitlines()
            if line.startswith(("| TRIPORT-", "| TEOS-"))]
    assert rows == ["| TEOS-CANCEL-01 | n/a | n/a | ✅ pass |",
                    "| TRIPORT-AUTH-01 | ❌ fail | not run | n/a |",
                    "| TRIPORT-CANCEL-02 | ✅ pass | ⚠️ warn | n/a |",
                    "| TRIPORT-CSRF-01 | not run | ⏭️ skip | n/a |"]


def test_a_hostile_label_is_escaped(tmp_path: Path) -> None:
    """Reads a run labelled with a script tag and a pipe. Expects neither the tag in grid.html (which
    loads nothing from the network) nor in grid.md, and the label there as escaped text (the Markdown
    cell's pipe escaped too)."""
    saved(tmp_path, run_report(f"{HOSTILE} | x"))
    built = grid.read([tmp_path])
    page, summary = grid.build_html(built, tmp_path), grid.build_markdown(built)
    assert "<script" not in page and '<div class="label">&lt;script&gt;alert(1)&lt;/script&gt; | x</div>' in page
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page), "must need no network"
    assert "<script" not in summary and "| 1 &lt;script&gt;alert(1)&lt;/script&gt; \\| x |" in summary


def test_a_report_without_a_label_is_named_by_its_host_and_port(tmp_path: Path) -> None:
    """Reads a report_version 2 report (no label). Expects its column named by the base URL's host:port."""
    saved(tmp_path, run_report(None))
    assert [c.label for c in grid.read([tmp_path]).columns] == ["10.0.0.7:8080"]


UNUSABLE = [
    ("missing-dir", None, "no such folder"),
    ("no-report", "", "no report.json in it"),
    ("not-json", "{", "not a JSON document"),
    ("not-a-report", '{"api": "triport"}', "verdict: missing or not a str"),
    ("bad-outcome", json.dumps(run_report("a", outcomes={"TRIPORT-CANCEL-01": "great"})), "each needs an id"),
]


@pytest.mark.parametrize(("content", "said"), [u[1:] for u in UNUSABLE], ids=[u[0] for u in UNUSABLE])
def test_an_unusable_report_dir_is_exit_2_and_one_line(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                       content: str | None, said: str) -> None:
    """Points grid at a missing folder, an empty one, and folders whose report.json is not JSON, not a
    report, or has an outcome report.json never uses. Expects exit 2, one line on stderr saying why,
    no traceback, and no grid written."""
    folder = tmp_path / "run"
    if content is not None:
        folder.mkdir()
        if content:
            (folder / "report.json").write_text(content)
    assert cli.main(["grid", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# The rendered page, through the browser.

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source", "embed"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        """Descendants with this tag (and this class among theirs), in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.attrs.get("class", "").split()):
                    found.append(child)
                found += child.all(tag, cls)
        return found


class DOM(HTMLParser):
    """The dumped DOM as a tree of Nodes (Chromium serialises it well formed)."""

    def __init__(self, text: str):
        super().__init__()
        self.root = Node("#document", {})
        self.open = [self.root]
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self.open) > 1 and self.open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def rendered(page: Path, profile: Path) -> Node:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom"]
    result = subprocess.run([browser, *flags, page.as_uri()], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return DOM(result.stdout).root


RUNS = [  # folder (the grid's column order), label, the reference's faults and variants, exit code
    ("a-clean", "vendor-a staging", frozenset(), frozenset(), 0),
    ("b-faulty", "vendor-b & co <prod>", frozenset({"cancel-200"}), frozenset(), 1),
    ("c-variant", "vendor-c uuid", frozenset(), frozenset({"uuid-ids"}), 0),
]


def certify(tmp_path: Path) -> Path:
    """Each of RUNS certified (ONLY) into runs/<folder>/ by a labelled config: the servers side by side,
    one `conformance run` process each, all at once, as a CI matrix's jobs would run."""
    with ExitStack() as stack:
        jobs = []
        for folder, label, faults, variants, code in RUNS:
            server = stack.enter_context(ReferenceServer(ServerOptions(api="triport", faults=faults,
                                                                       variants=variants)))
            config = tmp_path / f"{folder}.toml"
            write_target_config(config, {"label": label, **server.target_config()})
            only = [flag for requirement in ONLY for flag in ("--only", requirement)]
            command = [sys.executable, "-m", "conformance", "run", *QUICK, "--config", str(config), *only,
                       "--report-dir", str(tmp_path / "runs" / folder)]
            jobs.append((folder, code, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                        text=True)))
        for folder, code, job in jobs:
            _, err = job.communicate(timeout=300)
            assert job.returncode == code, (folder, err[-2000:])
    return tmp_path / "runs"


def test_the_grid_of_three_targets_shows_each_runs_outcomes(tmp_path: Path) -> None:
    """Certifies a clean triport reference, one whose cancel answers 200 and one with UUID ids, each
    labelled, then builds their grid. Expects exit 1 and, in the page as Chromium renders it: the labels
    as the column headers in folder order, the faulty column's verdict FAIL and the others PASS, every
    cell the outcome that run's report.json gives, and each link at an existing report.html's row."""
    runs = certify(tmp_path)
    assert cli.main(["grid", str(runs), "--out", str(tmp_path / "grid")]) == 1
    page = tmp_path / "grid" / "grid.html"
    dom = rendered(page, tmp_path / "profile")
    reports = [json.loads((runs / folder / "report.json").read_text()) for folder, *_ in RUNS]

    headers = dom.all("th", "run")
    assert [h.all("div", "label")[0].text() for h in headers] == [label for _, label, *_ in RUNS]
    assert [h.all("div", "verdict")[0].text() for h in headers] == ["PASS", "FAIL", "PASS"]
    assert [h.all("div", "contract")[0].attrs["title"] for h in headers] == [r["spec_sha256"] for r in reports]

    rows = dom.all("tr", "req")
    assert [row.attrs["id"] for row in rows] == sorted(ONLY)
    for row in rows:
        for (folder, *_), report, cell in zip(RUNS, reports, row.all("td"), strict=True):
            expected = next(r["outcome"] for r in report["requirements"] if r["id"] == row.attrs["id"])
            assert (cell.attrs["data-outcome"], cell.text()) == (expected, expected), (folder, row.attrs["id"])
            (link,) = cell.all("a")
            href = urlsplit(link.attrs["href"])
            target = (page.parent / unquote(href.path)).resolve()
            assert target == (runs / folder / "report.html").resolve() and target.is_file()
            assert href.fragment == f"req-{row.attrs['id']}"
            assert f'id="{href.fragment}"' in target.read_text()
    faulty = [row.all("td")[1].text() for row in rows if row.attrs["id"] == "TRIPORT-CANCEL-01"]
    assert faulty == ["fail"]
    assert {r["label"] for r in reports} == {label for _, label, *_ in RUNS}
