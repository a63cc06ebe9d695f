"""The suite under plain pytest: `pytest --pyargs conformance.suite --conformance-config FILE`, run in a
subprocess as a vendor would, with pytest's own options and reporters."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config


def pytest_suite(tmp_path: Path, *args: str, faults: frozenset[str] = frozenset(),
                 run_table: str = "") -> subprocess.CompletedProcess[str]:
    with ReferenceServer(ServerOptions(api="triport", faults=faults)) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        config.write_text(config.read_text() + "\n[run]\nmax_examples = 3\ntimeout = 3\n" + run_table)
        command = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider",
                   "--conformance-config", str(config), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)


def test_a_conformant_target_passes_with_pytests_own_options(tmp_path: Path) -> None:
    """Selects two requirements by their markers, verbose, with --junitxml, against a clean reference.
    Expects exit 0, each of their tests PASSED and in the junit file, and no other API's test run."""
    done = pytest_suite(tmp_path, "-m", "triport_cancel_04 or triport_auth_01", "-v", "--junitxml", "out.xml")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if " PASSED" in line]
    assert passed and all("test_triport_cancel_04" in line or "test_triport_auth_01" in line for line in passed)
    cases = ET.parse(tmp_path / "out.xml").getroot().iter("testcase")
    assert {case.get("name").split("[")[0] for case in cases} >= {"test_triport_cancel_04_paid_is_404_and_stays_paid"}
    assert "teos" not in done.stdout.lower().replace("conformance", "")


def test_a_broken_target_fails_the_session(tmp_path: Path) -> None:
    """`-k triport_cancel_01` against a reference whose cancel answers 200. Expects exit 1 and the test FAILED
    with the kit's expected/got line."""
    done = pytest_suite(tmp_path, "-k", "triport_cancel_01", "-v", faults=frozenset({"cancel-200"}))
    assert done.returncode == 1, done.stdout[-3000:]
    assert any("test_triport_cancel_01" in line and "FAILED" in line for line in done.stdout.splitlines())
    assert "expected status 204; got status 200" in done.stdout


def test_a_failed_should_is_warned_and_does_not_fail_the_session(tmp_path: Path) -> None:
    """`-m triport_error_02` (a SHOULD) against a reference labelling errors text/plain. Expects exit 0,
    the test WARNED and `warned` in pytest's summary line; with [run] strict, exit 1."""
    done = pytest_suite(tmp_path, "-m", "triport_error_02", "-v", faults=frozenset({"error-text-plain"}))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "WARNED" in done.stdout and " warned" in done.stdout.splitlines()[-1]
    strict = pytest_suite(tmp_path, "-m", "triport_error_02", faults=frozenset({"error-text-plain"}),
                          run_table="strict = true\n")
    assert strict.returncode == 1, strict.stdout[-3000:]


def test_what_could_not_be_decided_is_undecided_never_passed(tmp_path: Path) -> None:
    """[run] deadline of 50 ms, which passes before any test starts. Expects every test UNDECIDED (the
    kit's rule: not started by the deadline), the session failing, `undecided` in the summary line."""
    done = pytest_suite(tmp_path, "-m", "triport_auth_01", "-v", run_table="deadline = 0.05\n")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "UNDECIDED" in done.stdout and "undecided" in done.stdout.splitlines()[-1]
    assert " PASSED" not in done.stdout


def test_the_suite_without_a_target_is_a_usage_error(tmp_path: Path) -> None:
    """`pytest --pyargs conformance.suite` with no --conformance-config. Expects pytest's usage-error
    exit (4) and one line saying what to pass, not a screen of missing fixtures."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 4
    assert "conformance.suite needs a target: pass --conformance-config FILE" in done.stderr
