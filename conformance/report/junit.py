"""junit.xml: one testcase per requirement, for CI systems; failures carry expected vs actual."""

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
            failure.text = "\n".join([reason, "", *(f"reproduce: {e['curl']}" for e in requirement["evidence"][-3:])])
        elif outcome == "error":
            ET.SubElement(case, "error", message=reason)
        elif outcome == "skip":
            ET.SubElement(case, "skipped", message=reason)
        elif outcome == "warn":  # a SHOULD that failed: reported, not failing the job
            ET.SubElement(case, "system-out").text = f"warning ({requirement['level']}): {reason}"
    root = ET.Element("testsuites", name="conformance")
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "junit.xml"
    build(report).write(path, encoding="utf-8", xml_declaration=True)
    return path
