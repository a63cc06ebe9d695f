"""`conformance run`: certify, gate on exit codes, write a valid report, and fail clearly on bad input."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from conformance import cli, specs
from conformance.catalogue import load_catalogue
from conformance.config import load_target
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer, write_target_config

QUICK = ["--max-examples", "3", "--max-time", "120", "--timeout", "3"]
SCHEMA = json.loads((specs.spec_dir() / "report.schema.json").read_text())


def run(*args: str) -> int:
    return cli.main(["run", *args])


def test_bundled_servers_are_certified(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs `conformance run` with no target; expects exit 0, a valid report per API recording the
    generated cases, and a summary line: every requirement passed, none skipped (CSRF is enforced)."""
    assert run(*QUICK, "--report-dir", str(tmp_path)) == 0
    lines = capsys.readouterr().out.splitlines()
    total = len(load_catalogue().requirements)
    assert lines[-1] == f"{total} requirements: {total} passed, 0 failed, 0 skipped"
    for api in ("triport", "teos"):
        written = {p.name for p in (tmp_path / api).iterdir()}
        assert written == {"report.json", "junit.xml", "summary.md", "report.html", "report.har"}
        report = json.loads((tmp_path / api / "report.json").read_text())
        jsonschema.validate(report, SCHEMA)
        assert (report["api"], report["verdict"]) == (api, "pass")
        generated = report["property"]
        assert generated["cases"] > 0 and not generated["cut"]
        assert f"{api}: {generated['cases']} generated cases in " in "\n".join(lines)


@pytest.mark.parametrize("workers", ["1", "3"])
def test_the_deadline_ends_the_run_with_what_is_decided(workers: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    """Runs the bundled Triport server with a 1 s deadline for the whole run.
    Expects exit 3, the reports written, and the requirements it did not reach reported undecided
    with that reason (never passed)."""
    assert run(*QUICK, "--api", "triport", "--deadline", "1", "--workers", workers,
               "--report-dir", str(tmp_path)) == 3
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    late = [r for r in report["requirements"] if "not started: the run's --deadline had passed" in r["reason"]]
    assert late and all(r["outcome"] == "error" for r in late)
    assert "Traceback" not in capsys.readouterr().err


def test_dry_run_lists_the_selection(capsys: pytest.CaptureFixture) -> None:
    assert run("--dry-run", "--only", "TRIPORT-CANCEL-0*", "--exclude", "*-09") == 0
    ids = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert ids == [f"TRIPORT-CANCEL-0{n}" for n in range(1, 9)]


@pytest.fixture
def faulty(tmp_path: Path) -> tuple[ReferenceServer, Path]:
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        yield server, config


def test_a_broken_target_fails_with_its_requirement_and_no_secret(faulty: tuple, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    """Runs against a reference with a fault; expects exit 1, the fault's requirement failing in the
    report, and none of the target's credentials anywhere in what the run wrote."""
    server, config = faulty
    assert run(*QUICK, "--config", str(config), "--only", "TRIPORT-CANCEL-0[12]", "--report-dir",
               str(tmp_path / "out")) == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    failing = {r["id"] for r in report["requirements"] if r["outcome"] == "fail"}
    assert "TRIPORT-CANCEL-01" in failing and report["verdict"] == "fail"
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    failed_cases = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert {name.split()[0] for name in failed_cases} == failing and suite.get("failures") == str(len(failing))
    # The failure's reproduce lines are the failing test's own requests, not a passing sibling's.
    cancel = next(r for r in report["requirements"] if r["id"] == "TRIPORT-CANCEL-01")
    failed_test = next(t for t in cancel["tests"] if t["name"] == cancel["failing_test"])
    assert failed_test["outcome"] == "failed" and cancel["statement"] and cancel["source"]["url"].startswith("https://")
    case = next(c for c in suite.iter("testcase") if c.get("name").startswith("TRIPORT-CANCEL-01 "))
    reproduce = [line.removeprefix("reproduce: ") for line in case.find("failure").text.splitlines()
                 if line.startswith("reproduce: ")]
    assert reproduce == [e["curl"] for e in failed_test["evidence"][-3:]] and reproduce
    assert "| ❌ fail | TRIPORT-CANCEL-01 |" in (tmp_path / "out" / "summary.md").read_text()
    written = "".join(p.read_text() for p in (tmp_path / "out").iterdir()) + capsys.readouterr().out
    for secret in server.target_config()["credentials"].values():
        assert secret not in written


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_a_passing_parallel_run_writes_no_secret(api: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs every requirement, generated cases included, with --workers 4 against a clean reference
    whose credentials (all of them, CSRF tokens too) are unique strings. Expects exit 0 and none of
    them in the console (stdout and stderr) or in any byte of any report."""
    with ReferenceServer(ServerOptions(api=api, csrf=api == "triport")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        assert run(*QUICK, "--config", str(config), "--workers", "4", "--report-dir", str(tmp_path / "out")) == 0
        secrets = list(server.target_config()["credentials"].values())
    captured = capsys.readouterr()
    written = captured.out + captured.err + "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert len(secrets) >= 2 and "<redacted>" in written
    assert not [secret for secret in secrets if secret in written]


def every_third_cancel_is_429(app: Any) -> Any:
    """ASGI middleware: every third cancel is answered 429 with `Retry-After: 0`, unseen by the app."""
    seen = {"cancels": 0}

    async def limited(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/cancel"):
            seen["cancels"] += 1
            if seen["cancels"] % 3 == 0:
                await send({"type": "http.response.start", "status": 429,
                            "headers": [(b"retry-after", b"0"), (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)
    return limited


def every_cancel_is_429(app: Any) -> Any:
    """ASGI middleware: every TEOS cancel is answered 429, its wait in X-Rate-Limit-Reset (an epoch
    time one second ago), unseen by the app."""
    async def limited(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/Cancel"):
            reset = str(int(time.time()) - 1).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"x-rate-limit-reset", reset), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)
    return limited


def test_a_target_that_stays_rate_limited_leaves_requirements_undecided(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    """TEOS-D-RATE-LIMIT: runs TEOS-CANCEL-01 against a reference whose every cancel is answered 429.
    Expects exit 3, the requirement undecided (never failed) with the reason naming the 429s, and
    one try and three retries of the cancel the test sent: one retry loop, the client's."""
    with ReferenceServer(ServerOptions(api="teos"), wrap=every_cancel_is_429) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        code = run(*QUICK, "--config", str(config), "--only", "TEOS-CANCEL-01",
                   "--report-dir", str(tmp_path / "out"))
        limited = [r for r in server.recorder.requests if r[2] == 429]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (requirement,) = report["requirements"]
    assert code == 3 and requirement["outcome"] == "error"
    assert "still answered 429 after 3 waits" in requirement["reason"]
    assert limited
    # Each of its two tests stopped at its first cancel: one try and three retries, never a loop in a loop.
    for test in requirement["tests"]:
        assert [e["status"] for e in test["evidence"] if e["status"] == 429] == [429] * 4, test["name"]


def test_a_rate_limited_target_is_waited_out_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Runs the cancel requirements against a reference that answers every third cancel 429.
    Expects them all to pass (each 429 waited out and resent), the retries counted in report.json
    and said on the console, and each 429 in the evidence."""
    with ReferenceServer(ServerOptions(api="triport"), wrap=every_third_cancel_is_429) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        # Not CANCEL-01: its generated cases (Schemathesis) take a 429 as the answer, by design.
        assert run(*QUICK, "--config", str(config), "--only", "TRIPORT-CANCEL-0[2-9]", "--only", "TRIPORT-CANCEL-1*",
                   "--report-dir", str(tmp_path / "out")) == 0
        limited = [r for r in server.recorder.requests if r[2] == 429]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["throttled"]["retries"] == len(limited) > 0
    shown = sum(e["retried_after_s"] is not None for r in report["requirements"] for t in r["tests"]
                for e in t["evidence"])
    assert 0 < shown <= len(limited)  # the rest were in the final tidy-up, outside any requirement
    assert f"the target answered 429 {len(limited)} time(s)" in capsys.readouterr().out


def test_rejected_credentials_exit_3(faulty: tuple, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, config = faulty
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(re.sub(r'session = "[^"]+"', 'session = "not-a-session"', config.read_text(), count=1))
    assert run(*QUICK, "--config", str(wrong), "--report-dir", str(tmp_path / "out")) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused the configured credentials" in err


def test_an_unreachable_target_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = tmp_path / "t.toml"
        config.write_text(f'api = "teos"\nbase_url = "http://127.0.0.1:{port}"\n[credentials]\ntoken = "x"\n')
        assert run(*QUICK, "--config", str(config)) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach" in err


CONFIGS = [
    ("unknown-key", 'api = "teos"\nbase_url = "http://x.test"\ncolour = 1\n[credentials]\ntoken = "t"\n', "colour"),
    ("unknown-credential", 'api = "teos"\nbase_url = "http://x.test"\n[credentials]\nsession = "s"\n',
     "credentials.session"),
    ("unset-variable", 'api = "teos"\nbase_url = "http://x.test"\n[credentials]\ntoken = "${NOPE_UNSET}"\n',
     "NOPE_UNSET"),
    ("bad-url", 'api = "teos"\nbase_url = "ftp//x"\n[credentials]\ntoken = "t"\n', "base_url"),
    ("bad-port", 'api = "teos"\nbase_url = "http://x.test:99999"\n[credentials]\ntoken = "t"\n', "base_url"),
    ("missing-credential", 'api = "teos"\nbase_url = "http://x.test"\n', "credentials.token"),
    ("bad-api", 'api = "stripe"\nbase_url = "http://x.test"\n', "api"),
    ("not-toml", "api = \n", "not valid TOML"),
    ("bad-deadline", ('api = "teos"\nbase_url = "http://x.test"\n[credentials]\ntoken = "t"\n[settle]\n'
                      'deadline_s = -1\n'), "settle.deadline_s"),
]


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_a_bad_config_is_one_line_naming_the_key_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                           text: str, key: str) -> None:
    config = tmp_path / "t.toml"
    config.write_text(text)
    assert run("--config", str(config)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and key in err and "Traceback" not in err


def test_variables_are_read_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text('api = "teos"\nbase_url = "https://x.test"\n[credentials]\ntoken = "${TOKEN}"\n')
    target = load_target(config, environ={"TOKEN": "from-env"})
    assert target.credential("token") == "from-env" and "from-env" not in repr(target)


def test_a_missing_config_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("--config", str(tmp_path / "absent.toml")) == 2
    assert "cannot read it" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--workers", "0"], ["--max-examples", "0"], ["--max-time", "-1"]],
                         ids=["workers", "max-examples", "max-time"])
def test_an_impossible_budget_is_one_line_and_exit_2(option: list[str], capsys: pytest.CaptureFixture) -> None:
    assert run(*option) == 2
    err = capsys.readouterr().err
    assert err.startswith("conformance: ") and len(err.strip().splitlines()) == 1


def test_base_url_alone_is_refused(capsys: pytest.CaptureFixture) -> None:
    """A target needs credentials: --base-url without --config is a usage error, not a run."""
    assert run("--base-url", "http://x.test") == 2
    assert "--config" in capsys.readouterr().err


def test_the_readme_config_examples_load(tmp_path: Path) -> None:
    """Every TOML example in the README is a config the loader accepts (with its variables set), or a
    [run] table it accepts."""
    import tomllib

    from conformance.config import run_table, target_from_mapping

    class Everything(dict):
        def __contains__(self, name: object) -> bool:
            return True

        def __getitem__(self, name: str) -> str:
            return f"value-of-{name}"

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)
    configs = [block for block in blocks if block.startswith("api = ")]
    assert len(configs) == 2
    environ = Everything()
    apis = {target_from_mapping(tomllib.loads(block), environ=environ).api for block in configs}
    assert apis == {"triport", "teos"}
    tables = [block for block in blocks if block.startswith("[run]")]  # a [run] table shown on its own
    for block in tables:
        path = tmp_path / "run.toml"
        path.write_text(block)
        assert run_table(path)
    assert len(tables) == 1


def test_progress_is_plain_lines_outside_a_terminal_and_a_bar_inside_one() -> None:
    """Feeds three finished requirements to the progress display, as CI and as a terminal.
    Expects plain lines with no control characters for CI, and a bar redrawn in place on a terminal."""
    from conformance.results import RequirementResult
    from conformance.run import ProgressBar

    result = RequirementResult("TRIPORT-CANCEL-08", "MUST", "An unknown invoice id is 404", "pass", "", 0.1, [])
    for interactive in (False, True):
        lines: list[str] = []
        bar = ProgressBar(3, lines.append, interactive, width=6)
        for _ in range(3):
            bar.step(result)
        bar.done()
        text = "".join(lines)
        if interactive:
            assert "[##....] 1/3" in text and "[######] 3/3" in text and "\r" in text
        else:
            assert lines == ["TRIPORT-CANCEL-08    PASS  An unknown invoice id is 404"] * 3


@pytest.fixture
def self_signed_https(tmp_path: Path) -> tuple[Path, Path]:
    """A TEOS reference served over HTTPS with a certificate no CA vouches for: (config, certificate)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    with ReferenceServer(ServerOptions(api="teos"), tls=(str(cert), str(key))) as server:
        config = tmp_path / "t.toml"
        write_target_config(config, server.target_config())
        yield config, cert


def test_a_tls_failure_exits_3_in_one_line(self_signed_https: tuple[Path, Path], capsys: pytest.CaptureFixture) -> None:
    """Points the run at an HTTPS target with an untrusted certificate; TLS is verified by default.
    Expects exit 3 and one line naming the TLS problem, no traceback."""
    config, _ = self_signed_https
    assert run(*QUICK, "--config", str(config)) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SSLError" in err and "Traceback" not in err


@pytest.mark.parametrize("trust", ["ca-bundle", "insecure"])
def test_the_certificate_can_be_trusted_explicitly(self_signed_https: tuple[Path, Path], trust: str,
                                                   tmp_path: Path) -> None:
    """Runs the same untrusted HTTPS target with --ca-bundle <its certificate>, or with --insecure.
    Expects a complete run (exit 0) over TLS, generated cases included."""
    config, cert = self_signed_https
    option = ["--ca-bundle", str(cert)] if trust == "ca-bundle" else ["--insecure"]
    assert run(*QUICK, *option, "--config", str(config), "--only", "TEOS-CANCEL-01", "--only", "TEOS-SCHEMA-01",
               "--report-dir", str(tmp_path / "out")) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["target"].startswith("https://") and report["property"]["cases"] > 0
    assert report["tls"] == ("ca-bundle" if trust == "ca-bundle" else "not verified")


def test_a_missing_ca_bundle_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("--ca-bundle", str(tmp_path / "absent.pem")) == 2
    err = capsys.readouterr().err
    assert err.startswith("conformance: error: --ca-bundle") and err.count("\n") == 1


@pytest.mark.parametrize("workers", ["1", "3"])
def test_ctrl_c_during_the_generated_cases_leaves_the_run_undecided(workers: str, tmp_path: Path) -> None:
    """Starts `conformance run --only TRIPORT-SCHEMA-01` with a case budget that takes minutes, and
    sends Ctrl-C (SIGINT to its process group) once the generated cases are under way. Expects exit
    3 within seconds, SCHEMA-01 undecided in the report, and no traceback. (Schemathesis catches
    the interrupt and winds down quietly: without the kit raising it again, the partial run passed.)"""
    with ReferenceServer(ServerOptions(api="triport")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        process = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--config", str(config), "--only",
                                    "TRIPORT-SCHEMA-01", "--max-examples", "100000", "--workers", workers,
                                    "--report-dir", str(tmp_path / "out")],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        process.stdout.readline()  # "triport: testing ...": the run has begun
        time.sleep(3)  # the generated cases are being sent (the one requirement is all Schemathesis)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 3, out[-500:] + err[-500:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(r["id"], r["outcome"]) for r in report["requirements"]] == [("TRIPORT-SCHEMA-01", "error")]
    assert "Traceback" not in out + err


def test_slow_answers_are_cut_at_the_deadline_which_the_last_line_names(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    """Runs against a reference that answers every request 0.8 s late, with --deadline 8 (preflight included).
    Expects exit 3, the reports written, what did not finish undecided for the deadline (never passed),
    and the last line naming --deadline as what stopped the run (not --max-time)."""
    with ReferenceServer(ServerOptions(api="triport", latency_s=0.8)) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        code = run(*QUICK, "--config", str(config), "--deadline", "8", "--report-dir", str(tmp_path / "out"))
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 3
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    stopped = [r for r in report["requirements"] if "--deadline" in r["reason"]]
    assert stopped and all(r["outcome"] == "error" for r in stopped)
    assert lines[-1].endswith("the run's --deadline (8 s) stopped it") and "--max-time" not in "\n".join(lines)


def test_the_configs_run_table_sets_the_run_and_the_command_line_overrides_it(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A config whose [run] table sets seed 5, max_examples 2, strict, and only TEOS-AUTH-*.
    Expects --dry-run to list the AUTH requirements only, a run's report to carry seed 5, 2 cases and
    strict; with --seed 9 and --no-strict on the command line, seed 9 and not strict."""
    with ReferenceServer(ServerOptions(api="teos")) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        config.write_text(config.read_text() + '\n[run]\nseed = 5\nmax_examples = 2\nstrict = true\n'
                          'only = ["TEOS-AUTH-*"]\ntimeout = 3\n')
        assert run("--config", str(config), "--dry-run") == 0
        assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["TEOS-AUTH-01", "TEOS-AUTH-02"]
        assert run("--config", str(config), "--report-dir", str(tmp_path / "a")) == 0
        assert run("--config", str(config), "--seed", "9", "--no-strict", "--report-dir", str(tmp_path / "b")) == 0
    first, second = (json.loads((tmp_path / d / "report.json").read_text()) for d in ("a", "b"))
    assert (first["seed"], first["max_examples"], first["strict"]) == (5, 2, True)
    assert (second["seed"], second["max_examples"], second["strict"]) == (9, 2, False)
    assert [r["id"] for r in second["requirements"]] == ["TEOS-AUTH-01", "TEOS-AUTH-02"]


@pytest.mark.parametrize(("table", "said"), [
    ("seeds = 5", "run.seeds: unknown key (known: baseline, deadline, exclude, max_examples"),
    ("seed = \"five\"", "run.seed: must be int, not 'five'"),
    ("strict = 1", "run.strict: must be bool, not 1"),
    ("workers = true", "run.workers: must be int, not True"),
    ("only = \"TEOS-*\"", "run.only: must be a list of id globs, not 'TEOS-*'"),
])
def test_a_bad_run_table_is_one_line_naming_the_key(table: str, said: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    """A [run] table with an unknown key or a value of the wrong type. Expects exit 2 and one line naming it."""
    config = tmp_path / "target.toml"
    config.write_text(f'api = "teos"\nbase_url = "http://127.0.0.1:9"\n[credentials]\ntoken = "t"\n[run]\n{table}\n')
    assert run("--config", str(config)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err


@pytest.mark.parametrize("workers", [1, 3])
def test_report_har_holds_every_exchange_and_no_credential(workers: int, tmp_path: Path) -> None:
    """Runs CANCEL-01 and -02 (targeted tests and generated cases) against a reference whose cancel answers
    200, in one process and shared by three. Expects report.har to be a HAR 1.2 log with one entry per
    request the server saw (preflight, tests, generated cases, tidy-up; every process's), generated
    ones marked, bodies as text, and no credential anywhere in it."""
    with ReferenceServer(ServerOptions(api="triport", faults=frozenset({"cancel-200"}))) as server:
        config = tmp_path / "target.toml"
        write_target_config(config, server.target_config())
        assert run(*QUICK, "--config", str(config), "--only", "TRIPORT-CANCEL-0[12]", "--workers", str(workers),
                   "--report-dir", str(tmp_path / "out")) == 1
        seen = Counter((method, path.split("?")[0]) for method, path, *_ in server.recorder.requests)
        secrets = list(server.target_config()["credentials"].values())
    text = (tmp_path / "out" / "report.har").read_text()
    log = json.loads(text)["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "conformance-kit"
    logged = Counter((e["request"]["method"], unquote(urlsplit(e["request"]["url"]).path)) for e in log["entries"])
    assert seen - logged == Counter()  # every request the server saw is in the HAR
    # and only the one the server cannot see: Schemathesis' probe with a NUL byte in a header, refused by uvicorn
    probes = sum(1 for e in log["entries"]
                 if any(h["name"] == "X-Schemathesis-Probe-Null" for h in e["request"]["headers"]))
    assert sum((logged - seen).values()) == probes > 0
    generated = [e for e in log["entries"] if (e.get("comment") or "").startswith("generated by Schemathesis")]
    assert generated and len(generated) < len(log["entries"])
    # The tidy-up reads back what the generated cases created: said so, never as the last test's request.
    assert any(e.get("comment") == "tidy-up" for e in log["entries"])
    theirs = {json.loads(e["response"]["content"]["text"])["id"] for e in generated
              if e["request"]["method"] == "POST" and e["response"]["status"] == 201}
    tests = [e for e in log["entries"] if "::" in (e.get("comment") or "")]
    assert theirs and not [e["comment"] for e in tests if any(i in e["request"]["url"] for i in theirs)]
    created = next(e for e in log["entries"] if e["request"]["method"] == "POST" and e["response"]["status"] == 201)
    assert json.loads(created["response"]["content"]["text"])["status"] == "pending"
    assert "<redacted>" in text and not [secret for secret in secrets if secret in text]
