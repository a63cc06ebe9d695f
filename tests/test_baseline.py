"""`--baseline`: a CI job fails on a new failure only, and is told what is new, accepted and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conformance import cli, specs
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3", "--only", "TRIPORT-CANCEL-0[12]"]
SCHEMA = json.loads((specs.spec_dir() / "report.schema.json").read_text())


def run(config: Path, out: Path, *extra: str) -> int:
    return cli.main(["run", *QUICK, "--config", str(config), "--report-dir", str(out), *extra])


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A Triport reference whose cancel answers 200 (fault cancel-200: CANCEL-01 and CANCEL-02 fail)."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        yield config


def test_an_earlier_reports_failures_are_accepted(broken: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    """Runs CANCEL-01 and -02 against the broken reference twice: without a baseline, then with the
    first run's report.json as one. Expects exit 1, then exit 0 with both failures listed as accepted
    (the verdict still fail: the baseline changes the exit code, never what was found)."""
    assert run(broken, tmp_path / "first") == 1
    capsys.readouterr()
    assert run(broken, tmp_path / "second", "--baseline", str(tmp_path / "first" / "report.json")) == 0
    out = capsys.readouterr().out
    assert "baseline: 0 new failure(s), 2 accepted (TRIPORT-CANCEL-01, TRIPORT-CANCEL-02), 0 fixed" in out
    report = json.loads((tmp_path / "second" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["verdict"] == "fail" and report["baseline"]["new"] == []
    assert {a["id"] for a in report["baseline"]["accepted"]} == {"TRIPORT-CANCEL-01", "TRIPORT-CANCEL-02"}
    assert "Baseline `" in (tmp_path / "second" / "summary.md").read_text()


def test_a_failure_the_baseline_does_not_accept_fails_the_run(broken: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture) -> None:
    """A TOML baseline accepting CANCEL-01 only. Expects exit 1, CANCEL-02 named as new, CANCEL-01 accepted
    with the file's reason."""
    accepted = tmp_path / "accepted.toml"
    accepted.write_text('[[accepted]]\nid = "TRIPORT-CANCEL-01"\nreason = "known: ticket BILL-12"\n')
    assert run(broken, tmp_path / "out", "--baseline", str(accepted)) == 1
    assert "baseline: 1 new failure(s) (TRIPORT-CANCEL-02), 1 accepted (TRIPORT-CANCEL-01)" in capsys.readouterr().out
    compared = json.loads((tmp_path / "out" / "report.json").read_text())["baseline"]
    assert compared["accepted"] == [{"id": "TRIPORT-CANCEL-01", "reason": "known: ticket BILL-12"}]


def test_an_accepted_failure_that_passes_now_is_fixed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A TOML baseline accepting CANCEL-01, against a clean reference. Expects exit 0 and CANCEL-01 fixed."""
    accepted = tmp_path / "accepted.toml"
    accepted.write_text('[[accepted]]\nid = "TRIPORT-CANCEL-01"\nreason = "was broken"\n')
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        assert run(config, tmp_path / "out", "--baseline", str(accepted)) == 0
    assert "0 accepted, 1 fixed (TRIPORT-CANCEL-01)" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "said"), [
    ('[[accepted]]\nid = "TRIPORT-NOPE-01"\nreason = "x"\n', "accepted[0].id: 'TRIPORT-NOPE-01' is no requirement"),
    ('[[accepted]]\nid = "TRIPORT-CANCEL-01"\n', "accepted[0].reason: say why the failure is accepted"),
    ('[[acepted]]\nid = "TRIPORT-CANCEL-01"\n', "acepted: unknown key"),
])
def test_a_bad_baseline_is_one_line(text: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A baseline naming an unknown id, an entry without a reason, a misspelt table. Expects exit 2, one line."""
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(text)
    assert cli.main(["run", "--baseline", str(accepted)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err
