"""junit.xml: one testcase per requirement, for CI systems; a failure carries expected vs actual and
the reproduce lines of the test that failed (never a passing sibling's)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def build(report: dict[str, Any]) -> ET.ElementTree:
    counts, api = report["counts"], report["api"]
    suite = ET.Element("testsuite", name=f"conformance {api}", tests=str(len(report["requirements"])),
                       failures=str(counts["fail"]), errors=str(counts["error"]), skipped=str(counts["skip"]),
                       time=f"{report['duration_s']:.3f}", timestamp=report["started_at"])
    for requirement in report["requirements"]:
        case = ET.SubElement(suite, "testcase", classname=f"conformance.{api}",
                             name=f"{requirement['id']} {requirement['title']}",
                             time=f"{requirement['duration_s']:.3f}")
        outcome, reason = requirement["outcome"], requirement["reason"]
        if outcome == "fail":
            failure = ET.SubElement(case, "failure", message=reason, type=requirement["level"])
            failure.text = _detail(requirement)
        elif outcome == "error":
            ET.SubElement(case, "error", message=reason).text = _detail(requirement)
        elif outcome == "skip":
            ET.SubElement(case, "skipped", message=reason)
        elif outcome == "warn":  # a SHOULD that failed: reported, not failing the job
            ET.SubElement(case, "system-out").text = f"warning ({requirement['level']}): {reason}"
    root = ET.Element("testsuites", name="conformance")
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def _detail(requirement: dict[str, Any]) -> str:
    """The reason, the statement, the test that decided, and its last three requests as curl lines."""
    name = requirement["failing_test"]
    test = next((t for t in requirement["tests"] if t["name"] == name), None)
    lines = [requirement["reason"], "", f"requirement: {requirement['statement']}"]
    if test is not None:
        lines += [f"test: {name}", *(f"reproduce: {e['curl']}" for e in test["evidence"][-3:])]
    return "\n".join(lines)


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "junit.xml"
    build(report).write(path, encoding="utf-8", xml_declaration=True)
    return path
