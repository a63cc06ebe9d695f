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
