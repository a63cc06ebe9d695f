"""What a person sees: the console of each CLI scenario, stored (tests/__snapshots__/) and compared
whole, so any change in what a user reads shows in review. Ports, timings, paths, dates, ids the
server assigned and digests are normalised first. After a deliberate change:
`python -m pytest tests/test_console.py --snapshot-update`, then read the diff."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from conformance import cli
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3"]

NORMAL = (  # (pattern, replacement), applied in order
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"\b(inv_)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\binv_[0-9A-Za-z]{6,}\b"), "<id>"),
    (re.compile(r"\bdigest [0-9a-f]{12}\b"), "digest <digest>"),
    (re.compile(r"\b\d+ generated cases in \d+\.\d s"), "<n> generated cases in <t> s"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms)\b"), "<t> \\2"),
)


def normalised(text: str, tmp_path: Path) -> str:
    text = text.replace(str(tmp_path), "<tmp>")
    for pattern, replacement in NORMAL:
        text = pattern.sub(replacement, text)
    return text


def console(args: list[str], capsys: pytest.CaptureFixture, tmp_path: Path) -> str:
    code = cli.main(args)
    captured = capsys.readouterr()
    return normalised(f"exit {code}\n--- stdout\n{captured.out}--- stderr\n{captured.err}", tmp_path)


def config_for(server: ReferenceServer, tmp_path: Path) -> str:
    config = tmp_path / "target.toml"
    write_target_config(config, server.target_config())
    return str(config)


def test_a_passing_run(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`conformance run` against a clean TEOS reference: every requirement's line, the generated
    cases, the verdict, the summary; exit 0."""
    with ReferenceServer(ServerOptions(api="teos")) as server:
        config = config_for(server, tmp_path)
        shown = console(["run", *QUICK, "--config", config, "--report-dir", str(tmp_path / "out")], capsys, tmp_path)
    assert shown == snapshot


def test_a_failing_run(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`conformance run --only TRIPORT-CANCEL-0[12]` against a Triport reference whose cancel answers
    200 (fault cancel-200): the failing requirement with its reason; exit 1."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        shown = console(["run", *QUICK, "--config", config_for(server, tmp_path), "--only", "TRIPORT-CANCEL-0[12]",
                         "--report-dir", str(tmp_path / "out")], capsys, tmp_path)
    assert shown == snapshot


def test_a_config_error(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A config with an unknown key: one line naming it, nothing run; exit 2."""
    config = tmp_path / "target.toml"
    config.write_text('api = "teos"\nbase_url = "http://127.0.0.1:9"\nbase_ulr = "typo"\n'
                      '[credentials]\ntoken = "t"\n')
    assert console(["run", "--config", str(config)], capsys, tmp_path) == snapshot


def test_an_unreachable_target(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A config whose target does not listen: one line saying it cannot be reached; exit 3."""
    with socket.socket() as closed:  # a port nothing listens on once this socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = tmp_path / "target.toml"
    config.write_text(f'api = "teos"\nbase_url = "http://127.0.0.1:{port}"\n[credentials]\ntoken = "t"\n')
    assert console(["run", *QUICK, "--config", str(config), "--report-dir", str(tmp_path / "out")],
                   capsys, tmp_path) == snapshot


def test_a_dry_run(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`conformance run --dry-run --only 'TEOS-CANCEL-*'`: the selection, nothing sent; exit 0."""
    assert console(["run", "--dry-run", "--only", "TEOS-CANCEL-*"], capsys, tmp_path) == snapshot


def test_the_requirement_catalogue(snapshot: SnapshotAssertion, capsys: pytest.CaptureFixture,
                                   tmp_path: Path) -> None:
    """`conformance requirements --api triport`: the catalogue as a table; exit 0."""
    assert console(["requirements", "--api", "triport"], capsys, tmp_path) == snapshot
