"""junit.xml and report.json: a requirement's failure is told by the test that failed, with its own requests."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from conformance import specs
from conformance.catalogue import load_catalogue
from conformance.grading import grade
from conformance.report import jsonreport, junit
from conformance.results import RunResult, TestOutcome
from conformance.target import RunSettings, Target


def exchange(path: str) -> dict:
    return {"method": "POST", "url": f"http://127.0.0.1:1{path}", "status": 200, "headers": {}, "body_excerpt": "",
            "request": {"headers": {}, "body": "", "body_truncated": False},
            "body_truncated": False, "elapsed_s": 0.01, "error": None, "retried_after_s": None, "notes": [],
            "curl": f"curl -X POST http://127.0.0.1:1{path}"}


def test_the_failing_test_alone_gives_the_reproduce_lines(tmp_path: Path) -> None:
    """Builds the reports of TRIPORT-CANCEL-01 with three tests: one passing before the failing one,
    and one passing after it (whose requests are the last the requirement sent). Expects report.json
    to name the failing test, keep each test's own evidence, and junit.xml's reproduce lines to be the
    failing test's requests only, after the requirement's statement."""
    tests = [TestOutcome("test_before", "passed", evidence=[exchange("/before")]),
             TestOutcome("test_that_fails", "failed", "expected 204; got 200",
                         evidence=[exchange("/fails-1"), exchange("/fails-2")]),
             TestOutcome("test_after", "passed", evidence=[exchange("/after-1"), exchange("/after-2")])]
    catalogue = load_catalogue()
    result = grade(catalogue.get("TRIPORT-CANCEL-01"), tests, strict=False)
    target = Target.from_mapping({"api": "triport", "base_url": "http://127.0.0.1:1", "credentials": {"session": "s"}})
    report = jsonreport.build(RunResult("triport", "fail", [result], 0.1), target, RunSettings(),
                              datetime(2026, 12, 2, tzinfo=UTC))
    jsonschema.validate(report, json.loads((specs.spec_dir() / "report.schema.json").read_text()))
    (entry,) = report["requirements"]
    assert entry["failing_test"] == "test_that_fails"
    assert entry["statement"] == catalogue.get("TRIPORT-CANCEL-01").statement
    assert [[e["url"][-7:] for e in t["evidence"]] for t in entry["tests"]] == [
        ["/before"], ["fails-1", "fails-2"], ["after-1", "after-2"]]
    text = junit.build(report).getroot().find("testsuite/testcase/failure").text
    assert [line for line in text.splitlines() if line.startswith("reproduce: ")] == [
        "reproduce: curl -X POST http://127.0.0.1:1/fails-1", "reproduce: curl -X POST http://127.0.0.1:1/fails-2"]
    assert "test: test_that_fails" in text and f"requirement: {entry['statement']}" in text
    junit.write(report, tmp_path)
    assert ET.parse(tmp_path / "junit.xml").getroot().find("testsuite").get("failures") == "1"
