"""A target config's `label`: checked, carried on the Target, and written into every report, never a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from conformance import specs
from conformance.config import ConfigError, load_target
from conformance.report import html, jsonreport, markdown
from conformance.results import RunResult
from conformance.target import RunSettings, Target

SECRET = "s3cr3t-session-value"
SCHEMA = json.loads((specs.spec_dir() / "report.schema.json").read_text())


def config(tmp_path: Path, label_line: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(f'api = "triport"\nbase_url = "https://billing.example:8443/"\n{label_line}\n'
                    '[credentials]\nsession = "${SESSION}"\n')
    return path


def report_of(target: Target) -> dict:
    report = jsonreport.build(RunResult(target.api, "pass", [], 0.1), target, RunSettings(),
                              datetime(2026, 12, 2, tzinfo=UTC))
    jsonschema.validate(report, SCHEMA)
    return report


def test_a_label_is_carried_into_the_reports(tmp_path: Path) -> None:
    """Loads a config with `label = "vendor-a staging"`. Expects it on the Target (a worker's copy too),
    as report.json's `label`, and in report.html's and summary.md's headers."""
    target = load_target(config(tmp_path, 'label = "vendor-a staging"'), environ={"SESSION": SECRET})
    assert target.label == "vendor-a staging" == Target.from_mapping(target.to_mapping()).label
    report = report_of(target)
    assert report["label"] == "vendor-a staging"
    assert "<p>vendor-a staging · 0 pass" in html.build(report)
    assert markdown.build(report).splitlines()[2].startswith("vendor-a staging · target `https://billing.example")


def test_without_a_label_the_report_names_the_host_and_port(tmp_path: Path) -> None:
    """Loads a config without a label. Expects report.json's label to be the base URL's host:port."""
    target = load_target(config(tmp_path, ""), environ={"SESSION": SECRET})
    assert target.label is None and report_of(target)["label"] == "billing.example:8443"


def test_a_label_holding_an_encoded_credential_is_redacted(tmp_path: Path) -> None:
    """Loads a config whose label is the session percent-encoded (not the value as it is, which the
    config refuses). Expects report.json's label to show <redacted> in its place."""
    encoded = "".join(f"%{ord(c):02X}" for c in SECRET)
    target = load_target(config(tmp_path, f'label = "team {encoded}"'), environ={"SESSION": SECRET})
    assert report_of(target)["label"] == "team <redacted>"


BAD_LABELS = [
    ("empty", 'label = ""'),
    ("blank", 'label = "   "'),
    ("not-a-string", "label = 7"),
    ("two-lines", 'label = "a\\nb"'),
    ("too-long", f'label = "{"x" * 81}"'),
    ("a-credential", 'label = "team ${SESSION}"'),
]


@pytest.mark.parametrize("line", [b[1] for b in BAD_LABELS], ids=[b[0] for b in BAD_LABELS])
def test_a_bad_label_is_a_config_error_naming_it(tmp_path: Path, line: str) -> None:
    """Loads configs whose label is empty, blank, a number, two lines, too long, or holds the session.
    Expects a ConfigError naming `label`, and never the session's value in it."""
    with pytest.raises(ConfigError, match=r"target\.toml: label: ") as raised:
        load_target(config(tmp_path, line), environ={"SESSION": SECRET})
    assert SECRET not in str(raised.value)
