"""The `conformance` command line: the catalogue listing, usage errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance import __version__, cli
from conformance.catalogue import Catalogue
from conformance.specs import SpecError


def test_requirements_json_lists_the_whole_catalogue(catalogue: Catalogue, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["requirements", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["id"] for entry in listed] == [r.id for r in catalogue.requirements]
    assert listed[0]["statement"] == catalogue.requirements[0].statement


def test_requirements_table_filters_by_api(catalogue: Catalogue, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["requirements", "--api", "teos"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(catalogue.for_api("teos"))
    assert all(line.startswith("TEOS-") for line in lines)


def test_requirements_markdown_is_a_table(catalogue: Catalogue, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["requirements", "--format", "md", "--api", "triport"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["| id | level | title | source |", "|---|---|---|---|"]
    assert len(lines) == 2 + len(catalogue.for_api("triport"))


@pytest.mark.parametrize(
    "argv",
    [["requirements", "--format", "xml"], ["requirements", "--api", "stripe"], ["frobnicate"], []],
    ids=["bad-format", "bad-api", "unknown-command", "no-command"],
)
def test_usage_errors_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("conformance")


def test_a_broken_spec_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    def broken() -> None:
        raise SpecError("spec/requirements.yaml: duplicate key 'id'")

    monkeypatch.setattr(cli, "load_catalogue", broken)
    assert cli.main(["requirements"]) == 2
    assert capsys.readouterr().err == "conformance: error: spec/requirements.yaml: duplicate key 'id'\n"


def test_the_module_runs_as_a_program() -> None:
    result = subprocess.run([sys.executable, "-m", "conformance", "--version"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, f"conformance {__version__}")


def test_faults_json_is_the_catalogue(capsys: pytest.CaptureFixture) -> None:
    from conformance.reference.faults import FAULTS

    assert cli.main(["faults", "--api", "teos", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(f["name"], f["breaks"]) for f in listed] == [(f.name, f.breaks) for f in FAULTS["teos"]]


def test_faults_variants_table(capsys: pytest.CaptureFixture) -> None:
    from conformance.reference.faults import VARIANTS

    assert cli.main(["faults", "--variants", "--api", "triport"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == [v.name for v in VARIANTS["triport"]]


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "conformance", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_serve_prints_its_url_and_writes_a_private_config(api: str, tmp_path) -> None:
    """Starts `conformance serve`; expects the base URL first, a working server and a 0600 config."""
    import stat
    import tomllib

    import requests

    config_path = tmp_path / "target.toml"
    process = _serve("--api", api, "--write-config", str(config_path))
    try:
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        assert line.startswith(f"{api} reference server: http://127.0.0.1:")
        config = tomllib.loads(config_path.read_text())
        assert (config["api"], config["base_url"]) == (api, base_url)
        assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
        if api == "triport":
            response = requests.get(f"{base_url}/v1/billing/invoices/{config['fixtures']['paid'][0]}",
                                    cookies={"nl_session": config["credentials"]["session"]}, timeout=10)
            assert response.json()["status"] == "paid"
        else:
            response = requests.get(f"{base_url}/odata/v1.0/Invoices({config['fixtures']['paid'][0]})",
                                    headers={"Authorization": f"Bearer {config['credentials']['token']}"},
                                    timeout=10)
            assert response.json()["Status"] == "Paid"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--api", "triport", "--fault", "nope"], "unknown triport fault 'nope'"),
     (["--api", "teos", "--host", "256.0.0.1"], "cannot serve on 256.0.0.1:0"),
     (["--api", "teos", "--async-delay", "-2"], "delays must be non-negative")],
    ids=["unknown-fault", "bad-host", "negative-delay"],
)
def test_serve_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    process = _serve(*args)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert stderr.count("\n") == 1 and message in stderr, stderr
