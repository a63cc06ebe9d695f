"""A step the suite needs but does not judge (create, the second user's writes, a read-back) never
fails a requirement: the preflight catches what it can before any test, the rest is undecided."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import cli, specs
from conformance.engine import selector
from conformance.reference.common import ServerOptions
from conformance.reference.faults import TRIPORT_VARIANTS
from conformance.reference.runner import ReferenceServer, write_target_config
from conformance.run import run_suite
from conformance.target import RunSettings, Target

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3"]
SCHEMA = json.loads((specs.spec_dir() / "report.schema.json").read_text())


def config_file(tmp_path: Path, config: dict[str, Any], **changes: Any) -> Path:
    edited = {**config, **changes}
    edited = {key: value for key, value in edited.items() if value is not None}
    path = tmp_path / "target.toml"
    write_target_config(path, edited)
    return path


def test_a_refused_create_makes_requirements_undecided_never_failed() -> None:
    """Runs the Triport suite (no preflight) with a create body the target refuses (400).
    Expects no requirement failed or warned: those that needed an invoice are undecided, naming the
    create and what the target answered; the verdict is error, not fail."""
    with ReferenceServer(ServerOptions(api="triport", keepalive_s=0.5)) as server:
        target = replace(Target.from_mapping(server.target_config()), create_body={"channel": "carrier-pigeon"})
        result = run_suite(target, RunSettings(max_examples=3, timeout_s=3, event_wait_s=1.5, timing_samples=5,
                                               property_tests=False))
    outcomes = {r.id: r for r in result.results}
    assert [r.id for r in result.results if r.outcome in ("fail", "warn")] == []
    assert outcomes["TRIPORT-CANCEL-01"].outcome == "error"
    assert "could not create an invoice (create.body)" in outcomes["TRIPORT-CANCEL-01"].reason
    assert "invalid channel" in outcomes["TRIPORT-CANCEL-01"].reason
    assert outcomes["TRIPORT-CANCEL-08"].outcome == "pass"  # needs no invoice of its own
    assert result.verdict == "error"


def test_a_failed_read_back_is_undecided() -> None:
    """Runs TRIPORT-CANCEL-04 with a paid fixture id the target does not know, so the read-back after the
    (correct) 404 cannot work. Expects it undecided, naming the read, not failed."""
    with ReferenceServer(ServerOptions(api="triport")) as server:
        target = Target.from_mapping(server.target_config())
        target = replace(target, fixtures={**target.fixtures, "paid": ("inv_000000000000",)})
        result = run_suite(target, RunSettings(property_tests=False), selector(["TRIPORT-CANCEL-04"]))
    requirement = result.get("TRIPORT-CANCEL-04")
    assert requirement.outcome == "error", requirement.reason
    assert requirement.reason.startswith("could not read invoice inv_000000000000 back")


def test_the_preflight_stops_a_refused_create_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs `conformance run` with a create body the target refuses (both users' creates, sent at once).
    Expects exit 3 before any test, with one line naming create.body and what the target answered
    the primary user."""
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = config_file(tmp_path, server.target_config(), create={"body": {"channel": "carrier-pigeon"}})
        assert cli.main(["run", *QUICK, "--config", str(config), "--report-dir", str(tmp_path / "out")]) == 3
    captured = capsys.readouterr()
    error = captured.err.strip().splitlines()
    assert len(error) == 1 and "fix create.body" in error[0] and "400" in error[0] and "invalid channel" in error[0]
    assert "second user" not in error[0]
    assert "PASS" not in captured.out and "FAIL" not in captured.out and "Traceback" not in captured.err


def test_the_preflight_names_the_second_users_credential(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs with an other_session the target does not know (so the second user's create is 401).
    Expects exit 3 with one line naming credentials.other_session."""
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = server.target_config()
        config = config_file(tmp_path, config, credentials={**config["credentials"], "other_session": "stale"})
        assert cli.main(["run", *QUICK, "--config", str(config)]) == 3
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "as the second user" in error[0] and "fix credentials.other_session" in error[0]


def test_teos_without_create_is_told_what_to_configure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs TEOS in profile full with no [create]. Expects exit 3, naming create.body and what TEOS needs."""
    with ReferenceServer(ServerOptions(api="teos")) as server:
        config = config_file(tmp_path, server.target_config(), create=None)
        assert cli.main(["run", *QUICK, "--config", str(config)]) == 3
    error = capsys.readouterr().err.strip()
    assert "create.body" in error and "UniqueAssetId" in error


@pytest.mark.parametrize("variant", [None, *(v.name for v in TRIPORT_VARIANTS)], ids=lambda v: v or "clean")
def test_triport_without_create_builds_a_body_from_the_docs(variant: str | None, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    """Runs `conformance run` against the reference (each conformant variant; CSRF on) with no [create].
    Expects exit 0, the body built from the docs with a rail the target lists, said on the console and in
    report.json."""
    options = ServerOptions(api="triport", csrf=True, keepalive_s=0.5,
                            variants=frozenset({variant}) if variant else frozenset())
    with ReferenceServer(options) as server:
        config = config_file(tmp_path, server.target_config(), create=None)
        code = cli.main(["run", *QUICK, "--config", str(config), "--report-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert 'invoices are created with a body built from the docs: {"channel":"crypto-onchain","rail":"sol-native"' \
        in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["create_body"] == "built from the docs"


def test_csrf_without_the_second_users_token_skips_the_second_users_writes(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture) -> None:
    """Runs against a CSRF-enforcing reference whose config has no other_csrf_token.
    Expects exit 0, and each requirement that needs the second user's writes skipped for that reason."""
    with ReferenceServer(ServerOptions(api="triport", csrf=True, keepalive_s=0.5)) as server:
        config = server.target_config()
        credentials = {k: v for k, v in config["credentials"].items() if k != "other_csrf_token"}
        path = config_file(tmp_path, config, credentials=credentials)
        assert cli.main(["run", *QUICK, "--config", str(path), "--report-dir", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    skipped = {r["id"]: r["reason"] for r in report["requirements"] if r["outcome"] == "skip"}
    assert set(skipped) >= {"TRIPORT-CANCEL-09", "TRIPORT-CANCEL-10", "TRIPORT-CANCEL-13", "TRIPORT-EVENTS-05",
                            "TRIPORT-OWNER-01", "TRIPORT-OWNER-02"}
    assert all(reason == "not configured: other_csrf_token" for reason in skipped.values())
