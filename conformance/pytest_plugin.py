"""The suite under plain pytest (registered as a `pytest11` entry point):

    pytest --pyargs conformance.suite --conformance-config target.toml [-k ...] [-m ...] [--junitxml ...]

runs the requirements of the config's API with pytest's own reporters and options. The config's
[run] table sets the run as for `conformance run`. Each test carries a marker named after its
requirement (`-m triport_cancel_01`). The kit's grading shows in pytest's words: a failed step a
requirement needed (or a fixture) is UNDECIDED (it still fails the session: nothing was certified),
a failed SHOULD is WARNED (it does not fail the session, unless [run] strict is set). Without
--conformance-config this plugin only registers the markers.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import load_catalogue

SUITE = Path(__file__).resolve().parent / "suite"
VERDICT = pytest.StashKey[str]()  # "undecided" | "warned" on a test report's item


def marker_name(requirement_id: str) -> str:
    return requirement_id.lower().replace("-", "_")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "conformance kit")
    group.addoption("--conformance-config", metavar="FILE", type=Path,
                    help="run conformance.suite against this target config (TOML; its [run] table applies)")


def suite_markers() -> list[str]:
    """The markers conformance/suite/pytest.ini declares (`--pyargs` does not make it the ini file)."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(SUITE / "pytest.ini")
    return [line.strip() for line in ini["pytest"]["markers"].splitlines() if line.strip()]


def pytest_configure(config: pytest.Config) -> None:
    for line in suite_markers():
        config.addinivalue_line("markers", line)
    for requirement in load_catalogue().requirements:
        config.addinivalue_line("markers", f"{marker_name(requirement.id)}: {requirement.id} {requirement.title}")
    path = config.getoption("conformance_config", None)
    if path is not None:
        config.pluginmanager.register(Conformance(config, path), "conformance-suite")


class Conformance:
    """The engine's plugins for one target, and the kit's grading in pytest's report."""

    def __init__(self, config: pytest.Config, path: Path):
        from conformance.config import ConfigError, load_target, run_table
        from conformance.engine import Plan, Session, selector
        from conformance.run import Untestable, preflight, settings_from

        try:
            table = run_table(path)
            settings = settings_from(table)
            selected = selector(table.get("only"), table.get("exclude"))
            target = preflight(load_target(path), settings, selected)
        except (ConfigError, ValueError) as exc:
            raise pytest.UsageError(f"--conformance-config: {exc}") from None
        except Untestable as exc:
            raise pytest.UsageError(f"cannot test: {exc}") from None
        self.catalogue = load_catalogue()
        self.strict = settings.strict
        self.session = Session(Plan(target, settings, self.catalogue, selected))
        for plugin in self.session.plugins():
            config.pluginmanager.register(plugin)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("requirement")
            if marker:
                item.add_marker(marker_name(marker.args[0]))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
        report = yield
        if not report.failed:
            return report
        from conformance.http import CheckFailed

        judged = call.when == "call" and call.excinfo is not None and call.excinfo.errisinstance(
            (CheckFailed, AssertionError))
        marker = item.get_closest_marker("requirement")
        level = self.catalogue.get(marker.args[0]).level if marker else "MUST"
        if not judged:
            report.conformance = "undecided"  # a step it needed failed: nothing was decided
        elif level != "MUST" and not self.strict:
            report.conformance = "warned"  # a SHOULD: reported, not failing the session
            report.outcome = "passed"
        return report

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        verdict = getattr(report, "conformance", None)
        if verdict == "undecided":
            return "undecided", "U", "UNDECIDED"
        if verdict == "warned" and report.when == "call":
            return "warned", "W", "WARNED"
        return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The suite needs a target: collected without --conformance-config, it is a usage error, not
    a screen of missing fixtures."""
    if config.getoption("conformance_config", None) is None and any(
            SUITE in Path(str(item.path)).parents for item in items):
        raise pytest.UsageError("conformance.suite needs a target: pass --conformance-config FILE")
