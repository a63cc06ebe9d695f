"""The project skeleton keeps its promises: README commands, CI entry point, packaging, reports/."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CI_SCRIPT = REPO / ".ci" / "run"
README = REPO / "README.md"


def _ci_lines() -> list[str]:
    lines = [line.strip() for line in CI_SCRIPT.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "set ", "cd ", "(", "|", "fi", "if "))]


def _ci_command() -> str:
    """The line of .ci/run that runs the self-tests (the README's test command)."""
    return next(line for line in _ci_lines() if "python -m pytest" in line)


def test_ci_runs_the_readme_test_command() -> None:
    command = _ci_command()
    assert "pytest" in command
    assert f"{command}\n" in README.read_text()


def test_tox_has_a_contributors_environments_and_ci_runs_lint_and_spec() -> None:
    """Reads tox.ini and .ci/run. Expects environments tests, lint (ruff, pinned), spec (the documents,
    catalogue and report schema) and certify (the bundled run); and .ci/run running lint and spec."""
    import configparser

    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    assert {"tox"} | {"testenv:lint", "testenv:spec", "testenv:certify"} <= set(tox.sections())
    assert "tests" in tox["testenv:{tests,py311,py312,py313}"].name.split(":")[1]
    assert "ruff==" in tox["testenv:lint"]["deps"] and "ruff check" in tox["testenv:lint"]["commands"]
    spec = tox["testenv:spec"]["commands"]
    assert "openapi-spec-validator spec/triport.openapi.yaml spec/teos.openapi.yaml" in spec
    assert "load_catalogue" in spec and "report.schema.json" in spec
    assert "conformance run" in tox["testenv:certify"]["commands"]
    assert any("tox -e lint,spec" in line for line in _ci_lines())


def test_readme_first_screen_shows_the_two_setup_commands() -> None:
    first_screen = "\n".join(README.read_text().splitlines()[:30])
    assert _ci_command() in first_screen
    assert "&& conformance run" in first_screen


def test_console_script_target_exists() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    module, _, attribute = pyproject["project"]["scripts"]["conformance"].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)


@pytest.fixture
def git_checkout() -> None:
    if shutil.which("git") is None or _git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: reports/ hygiene is checked in one")


@pytest.mark.usefixtures("git_checkout")
def test_generated_reports_are_ignored() -> None:
    assert _git("check-ignore", "-q", "reports/2026-11-21T000000Z-triport/report.json").returncode == 0
    for kept in ("reports/README.md", "reports/.gitignore"):
        assert _git("check-ignore", "-q", kept).returncode == 1, kept


def test_the_wheel_carries_the_contracts(tmp_path: Path) -> None:
    """`pip install .` must work outside the checkout, so spec/ ships inside the package."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    [wheel] = tmp_path.glob("conformance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for contract in sorted(p.name for p in (REPO / "spec").iterdir()):
        assert f"conformance/spec/{contract}" in names
    assert "conformance/cli.py" in names
    _run_installed(wheel, tmp_path)


def _run_installed(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel alone into a folder and run it from elsewhere: no checkout involved."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    listed = subprocess.run([sys.executable, "-m", "conformance", "requirements", "--format", "json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert len(json.loads(listed.stdout)) >= 40
    server = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--api", "teos"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().startswith("teos reference server: http://127.0.0.1:")
    finally:
        server.terminate()
        server.wait(timeout=10)
