"""report.html: self-contained, escaped, and filterable in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import specs
from conformance.report import html

HOSTILE = '<img src=x onerror="alert(1)">'


def report() -> dict[str, Any]:
    exchange = {"method": "POST", "url": "http://127.0.0.1:1/v1/billing/invoices/inv_1/cancel", "status": 200,
                "request": {"headers": {}, "body": "", "body_truncated": False},
                "headers": {"content-length": "0"}, "body_excerpt": HOSTILE, "body_truncated": False,
                "elapsed_s": 0.01, "error": None, "retried_after_s": None, "notes": [],
                "curl": "curl -X POST -H 'Cookie: nl_session=<redacted>' http://x"}
    source = {"title": 'Triport, "Cancel an invoice"', "url": "https://triport.io/docs/console/billing/cancel-invoice",
              "section": "Response"}
    requirement = {"level": "MUST", "duration_s": 0.1, "measurements": {}, "statement": "A statement.",
                   "source": source, "failing_test": None, "tests": []}
    passed = {"name": "test_passing_sibling", "outcome": "passed", "reason": "", "duration_s": 0.05,
              "evidence": [{**exchange, "url": "http://127.0.0.1:1/sibling", "body_excerpt": ""}]}
    failed = {"name": "test_triport_cancel_01_pending_is_204", "outcome": "failed",
              "reason": f"expected status 204; got status 200 {HOSTILE}", "duration_s": 0.05, "evidence": [exchange]}
    data = {
        "report_version": 3, "verdict": "fail", "api": "triport", "target": "http://127.0.0.1:1",
        "label": f"vendor {HOSTILE}", "profile": "full",
        "strict": False, "suite_version": "0.1.0", "spec_sha256": "0" * 64, "seed": 7, "max_examples": 3,
        "max_time_s": 4.0, "workers": 1, "tls": "verified", "create_body": "config",
        "started_at": "2026-11-21T20:00:00Z", "duration_s": 1.5,
        "property": {"cases": 120, "digest": "ab" * 32, "duration_s": 1.0, "cut": True},
        "throttled": {"retries": 0, "waited_s": 0},
        "counts": {"pass": 1, "fail": 1, "warn": 0, "skip": 1, "error": 0},
        "requirements": [
            {**requirement, "id": "TRIPORT-CANCEL-08", "title": "An unknown invoice id is 404", "outcome": "pass",
             "reason": ""},
            {**requirement, "id": "TRIPORT-CANCEL-01", "title": "Own pending invoice is cancelled with 204",
             "outcome": "fail", "reason": f"expected status 204; got status 200 {HOSTILE}",
             "failing_test": failed["name"], "tests": [passed, failed]},
            {**requirement, "id": "TRIPORT-CSRF-01", "title": "CSRF", "outcome": "skip",
             "reason": "not configured: csrf_token"},
        ],
    }
    jsonschema.validate(data, json.loads((specs.spec_dir() / "report.schema.json").read_text()))
    return data


def test_the_page_is_self_contained_and_escaped() -> None:
    page = html.build(report())
    assert HOSTILE not in page and "&lt;img src=x" in page
    assert "120 in 1.0 s, digest abababababababab; stopped at the time ceiling" in page
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=\"http|@import|url\(", page), "must need no network"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("headless Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    return path


def render(page: Path, fragment: str, profile: Path) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom"]
    result = subprocess.run([chromium(), *flags, f"{page.as_uri()}#{fragment}"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_person_sees_the_verdict_and_can_filter_to_failures(tmp_path: Path) -> None:
    """Renders the report in headless Chromium, filtered to failures by the URL fragment.
    Expects the FAIL banner, the failing requirement with its evidence, and the others hidden."""
    page = html.write(report(), tmp_path)
    failed_name = "test_triport_cancel_01_pending_is_204"
    dom = render(page, "outcome=fail", tmp_path / "profile")
    assert re.search(r'<header class="fail" id="verdict"><h1>triport conformance:\s*FAIL</h1>', dom)
    rows = re.findall(r'<tr class="req" id="[\w-]+" data-outcome="(\w+)"( hidden="")?>', dom)
    assert rows == [("fail", ""), ("skip", ' hidden=""'), ("pass", ' hidden=""')]
    assert "1 of 3 shown" in dom
    # The statement in the failing row, then the failing test's exchanges first and open, its
    # passing sibling after, closed; a grid square per requirement at the top, in catalogue order.
    failing = dom[dom.index('id="req-TRIPORT-CANCEL-01"'):]
    assert failing.index("A statement.") < failing.index(failed_name) < failing.index("test_passing_sibling")
    assert re.search(r'<details class="test" open=""><summary>' + failed_name, failing)
    grid = re.findall(r'<a class="o-(\w+)" href="#req-([\w-]+)"', dom[dom.index('id="grid"'):dom.index("</div>")])
    assert grid == [("pass", "TRIPORT-CANCEL-08"), ("fail", "TRIPORT-CANCEL-01"), ("skip", "TRIPORT-CSRF-01")]
    everything = render(page, "", tmp_path / "profile")
    assert "3 of 3 shown" in everything
