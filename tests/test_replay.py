"""`conformance replay`: a failing requirement's recorded requests sent again, the answers then and now."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import cli
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3"]


def test_a_replay_reproduces_the_failure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs TRIPORT-CANCEL-01 against a reference whose cancel answers 200, then replays the report with
    the config. Expects the failing test's create and cancel sent again with the config's session put
    back (the server answers them, not 401), the cancel answering 200 then and now (the failure
    reproduced), and no credential in what replay prints."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        assert cli.main(["run", *QUICK, "--config", str(config), "--only", "TRIPORT-CANCEL-01",
                         "--report-dir", str(tmp_path / "out")]) == 1
        capsys.readouterr()
        before = len(server.recorder.requests)
        assert cli.main(["replay", str(tmp_path / "out"), "--config", str(config)]) == 0
        sent = server.recorder.requests[before:]
        secrets = list(server.target_config()["credentials"].values())
    out = capsys.readouterr().out
    assert out.startswith("TRIPORT-CANCEL-01 FAIL: expected status 204; got status 200\n")
    assert [(method, status) for method, _path, status, *_ in sent] == [("POST", 201), ("POST", 200)]
    cancel = out[out.index("/cancel"):]
    assert "then: 200" in cancel and "now:  200" in cancel and "same answer" in cancel
    assert not [secret for secret in secrets if secret in out]


def test_a_replay_needs_the_credentials_its_requests_carry(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Replays a failing run's report with --base-url only. Expects exit 2 and one line naming the
    credential the requests need; a passing run's report: exit 2, nothing to replay."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        cli.main(["run", *QUICK, "--config", str(config), "--only", "TRIPORT-CANCEL-01", "--report-dir",
                  str(tmp_path / "failed")])
        cli.main(["run", *QUICK, "--config", str(config), "--only", "TRIPORT-AUTH-01", "--report-dir",
                  str(tmp_path / "passed")])
        capsys.readouterr()
        assert cli.main(["replay", str(tmp_path / "failed"), "--base-url", server.base_url]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "carry credentials.session: pass --config FILE" in err
        assert cli.main(["replay", str(tmp_path / "passed"), "--config", str(config)]) == 2
        assert "no requirement failed in this report" in capsys.readouterr().err
