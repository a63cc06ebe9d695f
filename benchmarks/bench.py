"""Time to verdict, CPU, memory and requests of `conformance run`, beside a plain `st run`.

    python benchmarks/bench.py [--repeats 3] [--latency-ms 50] [--workers 4] [--out benchmarks/RESULTS.md]
    python benchmarks/bench.py --only-workers | --only-hostile   (one table, printed)

The reference servers run in this process (one thread each), wrapped to count the requests they
answer; both tools run as child processes against them, alternately, with the same OpenAPI
document, seed and example budget. Medians of `--repeats` runs. Nothing here asserts a timing:
RESULTS.md is for people.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.driver import cache_dir
from conformance.reference.common import ServerOptions
from conformance.reference.runner import Recorder, ReferenceServer, write_target_config
from conformance.specs import spec_dir
from conformance.target import RunSettings

DEFAULTS = RunSettings()
NOTES = "<!-- notes: kept when bench.py rewrites the tables above -->"


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float  # the largest single process of the run
    requests: int
    exit_code: int


@contextmanager
def servers(apis: list[str], latency_ms: float, faults: frozenset[str] = frozenset(),
            wrap: Any = None) -> Iterator[dict[str, tuple[ReferenceServer, Recorder, Path]]]:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="conformance-bench-") as folder:
        running = {}
        for api in apis:
            options = ServerOptions(api=api, latency_s=latency_ms / 1000, faults=faults)
            server = stack.enter_context(ReferenceServer(options, **({"wrap": wrap} if wrap else {})))
            counter = server.recorder
            config = Path(folder) / f"{api}.toml"
            write_target_config(config, server.target_config())
            running[api] = (server, counter, config)
        yield running


def measure(command: list[str], counters: list[Recorder], exits: tuple[int, ...] = (0, 1)) -> Sample:
    """One run of `command` under GNU time (CPU and peak RSS of it and the children it waited for)."""
    before = sum(len(c.requests) for c in counters)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as usage, \
            tempfile.TemporaryDirectory(prefix="conformance-bench-cwd-") as scratch:
        # From a scratch folder: plain `st run` keeps its caches (.schemathesis/, .hypothesis/) in its
        # working directory. Both tools get Hypothesis' Unicode tables ready-made (seconds of CPU to
        # compute), as a user who has run either before would: the kit from its cache, `st run` linked to it.
        (Path(scratch) / ".hypothesis").mkdir()
        (Path(scratch) / ".hypothesis" / "unicode_data").symlink_to(cache_dir() / "unicode_data")
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-o", usage.name, "-f", "%U %S %M", *command], cwd=scratch,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        user, system, peak_kb = usage.read().split()[-3:]
    if done.returncode not in exits:  # 1: a check found something, still a complete run
        raise SystemExit(f"bench: {' '.join(command[:4])} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    sent = sum(len(c.requests) for c in counters) - before
    return Sample(wall, float(user) + float(system), int(peak_kb) / 1024, sent, done.returncode)


def conformance_command(configs: list[Path], report_dir: Path, workers: int = 1) -> list[str]:
    if len(configs) == 1:
        return [sys.executable, "-m", "conformance", "run", "--config", str(configs[0]), "--report-dir",
                str(report_dir), "--workers", str(workers)]
    # Both APIs: the bundled-server form is the README's; here the servers are ours, so one run each.
    return ["sh", "-c", " && ".join(" ".join(conformance_command([c], report_dir / c.stem, workers)) for c in configs)]


def st_command(api: str, server: ReferenceServer, *extra: str) -> list[str]:
    """Plain `st run` as issue 16 measures it: the same document, seed and budget, every check."""
    config = server.target_config()
    header = (f"Cookie: nl_session={config['credentials']['session']}" if api == "triport"
              else f"Authorization: Bearer {config['credentials']['token']}")
    return ["st", "run", str(spec_dir() / f"{api}.openapi.yaml"), "--url", server.base_url, "-H", header,
            "--max-examples", str(DEFAULTS.max_examples), "--seed", str(DEFAULTS.seed), "--workers", "1",
            "--checks", "all", "--no-color", *extra]


def median(samples: list[Sample], field: str) -> float:
    return statistics.median(getattr(s, field) for s in samples)


def per_requirement(report: Path) -> list[tuple[str, int, float]]:
    """(requirement, requests, seconds) from a run's report.json, the most requests first; the
    generated cases as one row (a case is one request)."""
    data = json.loads(report.read_text())
    rows = [(r["id"], sum(len(t["evidence"]) for t in r["tests"]), r["duration_s"] or 0.0)
            for r in data["requirements"]]
    if data["property"]:
        rows.append(("(Schemathesis: all phases)", data["property"]["cases"], data["property"]["duration_s"]))
    return sorted(rows, key=lambda row: (-row[1], row[0]))


# `st run` stops fuzzing an operation at its first failure (here: checks the kit turns off, spec/
# schemathesis.yaml says why); with --continue-on-failure it sends its whole budget, as the kit does.
ST_VARIANTS = {"st run": (), "st run --continue-on-failure": ("--continue-on-failure",)}


def local(repeats: int) -> tuple[list[str], dict[str, list[tuple[str, int, float]]]]:
    lines = ["| APIs | tool | wall s | CPU s | peak RSS MB | requests |", "|---|---|---|---|---|---|"]
    spent: dict[str, list[tuple[str, int, float]]] = {}
    for apis in (["triport"], ["teos"], ["triport", "teos"]):
        variants = ST_VARIANTS if len(apis) == 1 else {"st run": ()}
        with servers(apis, 0) as running, tempfile.TemporaryDirectory() as reports:
            counters = [counter for _, counter, _ in running.values()]
            samples: dict[str, list[Sample]] = {"conformance run": [], **{tool: [] for tool in variants}}
            for _ in range(repeats):  # alternate, so drift hits every tool alike
                samples["conformance run"].append(
                    measure(conformance_command([c for _, _, c in running.values()], Path(reports)), counters))
                for tool, extra in variants.items():
                    plain = [" ".join(f"'{part}'" for part in st_command(api, server, *extra))
                             for api, (server, _, _) in running.items()]
                    samples[tool].append(measure(["sh", "-c", "; ".join(plain) + "; true"], counters))
            if len(apis) == 1:
                spent[apis[0]] = per_requirement(Path(reports) / "report.json")
            for tool, taken in samples.items():
                lines.append(f"| {' + '.join(apis)} | {tool} | {median(taken, 'wall_s'):.1f} | "
                             f"{median(taken, 'cpu_s'):.1f} | {median(taken, 'peak_rss_mb'):.0f} | "
                             f"{median(taken, 'requests'):.0f} |")
            ours = samples["conformance run"]
            for tool in variants:
                lines.append(f"| {' + '.join(apis)} | ratio to {tool} | "
                             f"{median(ours, 'wall_s') / median(samples[tool], 'wall_s'):.2f}x | "
                             f"{median(ours, 'cpu_s') / median(samples[tool], 'cpu_s'):.2f}x | | |")
    with tempfile.TemporaryDirectory() as reports:  # the README's first command: its own fresh servers
        bundled = [measure([sys.executable, "-m", "conformance", "run", "--report-dir", reports], [])
                   for _ in range(repeats)]
    lines.append(f"| triport + teos | `conformance run` (bundled servers, one process) | "
                 f"{median(bundled, 'wall_s'):.1f} | {median(bundled, 'cpu_s'):.1f} | "
                 f"{median(bundled, 'peak_rss_mb'):.0f} | (in process) |")
    return lines, spent


# Triport's latency requirement runs while nothing else is sent (it compares 404 timings): without it,
# the row says what the rest of the run gains from the processes.
SLOW_RUNS = (("triport", ()), ("triport", ("--exclude", "TRIPORT-CANCEL-13")), ("teos", ()))


def slow(repeats: int, latency_ms: float, workers: int) -> list[str]:
    lines = ["| API | --workers | wall s | CPU s | requests |", "|---|---|---|---|---|"]
    for api, extra in SLOW_RUNS:
        label = f"{api}, `{' '.join(extra)}`" if extra else api
        results = {}
        for n in (1, workers):
            with servers([api], latency_ms) as running, tempfile.TemporaryDirectory() as reports:
                _, counter, config = running[api]
                results[n] = [measure([*conformance_command([config], Path(reports), n), *extra], [counter])
                              for _ in range(repeats)]
            lines.append(f"| {label} | {n} | {median(results[n], 'wall_s'):.1f} | {median(results[n], 'cpu_s'):.1f} | "
                         f"{median(results[n], 'requests'):.0f} |")
        speedup = median(results[1], "wall_s") / median(results[workers], "wall_s")
        lines.append(f"| {label} | speed-up | {speedup:.2f}x | | |")
    return lines


def bombing(app: Any) -> Any:
    """ASGI middleware: every cancel is answered with a gzip body that inflates to 1 GiB (about 1 MB sent)."""
    async def bomb(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].lower().endswith("/cancel"):
            await send({"type": "http.response.start", "status": 404 if "/v1/" in scope["path"] else 400,
                        "headers": [(b"content-type", b"application/json"), (b"content-encoding", b"gzip"),
                                    (b"content-length", str(len(BOMB)).encode())]})
            await send({"type": "http.response.body", "body": BOMB})
            return
        await app(scope, receive, send)
    return bomb


BOMB = b""


def hostile(repeats: int) -> list[str]:
    """Time to verdict against a cancel that never answers (`--timeout 5`), and peak memory against a
    cancel that answers a decompression bomb."""
    global BOMB
    BOMB = gzip.compress(b"\0" * 2**30, compresslevel=9)
    lines = []  # rows of the loopback table: same columns
    for api in ("triport", "teos"):
        for label, faults, wrap in (("cancel never answers", frozenset({"cancel-hangs"}), None),
                                    ("cancel answers a 1 GiB gzip bomb", frozenset(), bombing)):
            with servers([api], 0, faults, wrap) as running, tempfile.TemporaryDirectory() as reports:
                _, counter, config = running[api]
                command = [*conformance_command([config], Path(reports)), "--timeout", "5"]
                samples = [measure(command, [counter], exits=(0, 1, 3)) for _ in range(repeats)]
            lines.append(f"| {api} | conformance run `--timeout 5`, {label} (exit {samples[-1].exit_code}) | "
                         f"{median(samples, 'wall_s'):.1f} | {median(samples, 'cpu_s'):.1f} | "
                         f"{median(samples, 'peak_rss_mb'):.0f} | {median(samples, 'requests'):.0f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument("--hostile-repeats", type=int, default=1,
                        help="runs per hostile target (each takes up to a minute; default 1)")
    parser.add_argument("--only-hostile", action="store_true", help="measure the hostile targets only (print them)")
    parser.add_argument("--only-workers", action="store_true",
                        help="measure --workers 1 against --workers N with the latency only (print them)")
    args = parser.parse_args()
    if args.only_hostile:
        print("\n".join(hostile(args.hostile_repeats)))
        return 0
    if args.only_workers:
        print("\n".join(slow(args.repeats, args.latency_ms, args.workers)))
        return 0
    command = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as reports:  # untimed: fills the kit's cache that both tools then read
        subprocess.run([sys.executable, "-m", "conformance", "run", "--api", "teos", "--only", "TEOS-SCHEMA-01",
                        "--max-examples", "1", "--report-dir", reports], capture_output=True, check=False)
    local_lines, spent = local(args.repeats)
    slow_lines = slow(args.repeats, args.latency_ms, args.workers)
    hostile_lines = hostile(args.hostile_repeats)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"{platform.system()} {platform.release()}")
    text = [
        "# Benchmarks", "",
        f"Produced by `{command.strip()}` on {time.strftime('%Y-%m-%d')} ({machine}).",
        (f"Default budget: `--max-examples {DEFAULTS.max_examples}`, seed {DEFAULTS.seed}; medians of "
         f"{args.repeats} alternating runs ({args.hostile_repeats} for each hostile target); requests "
         "counted at the servers."), "",
        "## On loopback: `conformance run` beside plain `st run` (same documents, seed and budget)", "",
        *local_lines, *hostile_lines, "",
        f"## With {args.latency_ms:g} ms per request: `--workers 1` against `--workers {args.workers}`", "",
        *slow_lines, "",
        "## Requests and time per requirement (loopback, the last `conformance run` of each API)", "",
        *[line for api, rows in spent.items() for line in (
            f"{api}:", "", "| requirement | requests | s |", "|---|---|---|",
            *[f"| {rid} | {count} | {seconds:.2f} |" for rid, count, seconds in rows], "")],
        "The seconds of the first whole-API requirement (ROBUST-01) include the generated cases' run,",
        "which its first test waits for.", "",
    ]
    # Hand-written notes below the marker survive a re-run; only the measured part is rewritten.
    notes = args.out.read_text().partition(NOTES)[2] if args.out.exists() else ""
    args.out.write_text("\n".join(text) + (f"\n{NOTES}{notes}" if notes else ""))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
