"""The `conformance` command: argument parsing, output formats and exit codes only."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from conformance import __version__
from conformance.apis import APIS
from conformance.catalogue import Requirement, load_catalogue
from conformance.specs import SpecError
from conformance.target import RunSettings

DEFAULTS = RunSettings()

EXIT_OK = 0
EXIT_FAILED = 1  # grid: a run's verdict is fail
EXIT_USAGE = 2  # usage or configuration error, as for argparse


def _format_table(requirements: Sequence[Requirement]) -> str:
    width = max(len(r.id) for r in requirements)
    return "\n".join(f"{r.id:<{width}}  {r.level:<6}  {r.title}" for r in requirements)


def _format_markdown(requirements: Sequence[Requirement]) -> str:
    lines = ["| id | level | title | source |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {r.level} | {r.title} | {r.source}: {r.section} |" for r in requirements]
    return "\n".join(lines)


def _format_json(requirements: Sequence[Requirement]) -> str:
    fields = ("id", "api", "level", "title", "statement", "source", "section", "operation",
              "observed_via", "accepted", "needs", "decisions")
    return json.dumps([{f: getattr(r, f) for f in fields} for r in requirements], indent=2)


FORMATS = {"table": _format_table, "md": _format_markdown, "json": _format_json}


def _faults(args: argparse.Namespace) -> int:
    from conformance.reference.faults import FAULTS, VARIANTS

    apis = tuple(APIS) if args.api == "all" else (args.api,)
    catalogue = VARIANTS if args.variants else FAULTS
    entries = [entry for api in apis for entry in catalogue[api]]
    if args.format == "json":
        print(json.dumps([vars(entry) for entry in entries], indent=2))
        return EXIT_OK
    width = max(len(entry.name) for entry in entries)
    for entry in entries:
        breaks = "" if args.variants else f"{entry.breaks:<18} "
        print(f"{entry.api:<8} {entry.name:<{width}}  {breaks}{entry.description}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference.common import ServerOptions
    from conformance.reference.runner import serve_forever

    try:
        options = ServerOptions(
            api=args.api, faults=frozenset(args.fault), variants=frozenset(args.variant), csrf=args.csrf,
            async_delay=args.async_delay, latency_s=args.latency_ms / 1000, db=args.db or ":memory:",
        )
    except ValueError as exc:
        return _fail(str(exc))
    try:
        serve_forever(options, args.host, args.port, args.write_config)
    except OSError as exc:  # the address is taken or not ours, the config path is not writable
        return _fail(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from conformance.config import ConfigError
    from conformance.engine import SuiteBroken
    from conformance.run import EXIT_UNTESTABLE, RunRequest, Untestable, execute, settings_from

    if args.ca_bundle and not args.ca_bundle.is_file():
        return _fail(f"--ca-bundle: {args.ca_bundle} is not a readable file")
    try:
        chosen = _run_options(args)
        settings = settings_from(chosen, insecure=args.insecure,
                                 ca_bundle=str(args.ca_bundle) if args.ca_bundle else None)
    except ValueError as exc:  # a ConfigError from the [run] table, or a value out of range
        return _fail(str(exc))
    args.only, args.exclude, args.baseline = chosen.get("only"), chosen.get("exclude"), chosen.get("baseline")
    request = RunRequest(args.api, args.base_url, args.config, args.report_dir, settings, args.only, args.exclude,
                         args.dry_run, baseline=args.baseline,
                         interactive=sys.stdout.isatty() and not os.environ.get("CI"))
    try:
        return execute(request, lambda line: print(line, flush=True))
    except ConfigError as exc:
        return _fail(str(exc))
    except (Untestable, SuiteBroken) as exc:
        if args.debug:
            raise
        print(f"conformance: cannot test: {exc}", file=sys.stderr)
        return EXIT_UNTESTABLE


def _run_options(args: argparse.Namespace) -> dict:
    """The config's [run] table, then what the command line gave (the defaults fill the rest)."""
    from conformance.config import RUN, run_table

    table = run_table(args.config) if args.config is not None else {}
    return table | {key: getattr(args, key) for key in RUN if getattr(args, key) is not None}


def _replay(args: argparse.Namespace) -> int:
    from conformance import replay
    from conformance.config import ConfigError, load_target
    from conformance.http import Redactor

    try:
        report = replay.load_report(args.report_dir)
        target = load_target(args.config, args.base_url) if args.config else None
        base_url = args.base_url or (target.base_url if target else report.get("target"))
        if target is not None and target.api != report.get("api"):
            raise ConfigError(f"--config: its api {target.api!r} is not the report's ({report.get('api')!r})")
        redact = Redactor(target.secrets() if target else [])
        for requirement in replay.chosen(report, args.requirement):
            test = replay.deciding(requirement)
            if test is None:
                print(f"{requirement['id']}: no recorded request to replay")
                continue
            done = replay.replay(test, base_url, target, args.timeout)
            replay.show(requirement, test, done, redact, lambda line: print(line, flush=True))
    except (ConfigError, replay.ReplayError) as exc:
        return _fail(str(exc))
    return EXIT_OK


def _grid(args: argparse.Namespace) -> int:
    from conformance.report import grid

    try:
        built = grid.read(args.report_dirs)
        written = grid.write(built, args.out)
    except grid.GridError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"--out: cannot write {args.out}: {exc.strerror or exc}")
    for column in built.columns:
        print(f"{column.report['verdict'].upper():<5}  {column.label}  ({column.api}, {column.folder})")
    for flag in built.flags:
        print(f"warning: {flag}")
    print(f"grid of {len(built.columns)} run(s), {len(built.rows)} requirement(s): {', '.join(map(str, written))}")
    return EXIT_FAILED if built.failing else EXIT_OK


def _fail(message: str) -> int:
    print(f"conformance: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _requirements(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    selected = catalogue.requirements if args.api == "all" else catalogue.for_api(args.api)
    print(FORMATS[args.format](selected))
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="conformance",
        description="Conformance kit for the Triport and TEOS invoice-cancellation APIs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    requirements = commands.add_parser("requirements", help="print the requirement catalogue")
    requirements.add_argument("--api", choices=(*APIS, "all"), default="all")
    requirements.add_argument("--format", choices=tuple(FORMATS), default="table")
    requirements.set_defaults(handler=_requirements)

    run = commands.add_parser("run", help="certify a target (default: the bundled reference servers)")
    run.add_argument("--api", choices=(*APIS, "all"),
                     help="default: the config's api, or all for the bundled servers")
    run.add_argument("--base-url", help="override the config's base_url")
    run.add_argument("--config", type=Path, metavar="FILE", help="target config (TOML); see the README")
    run.add_argument("--report-dir", type=Path, metavar="DIR", help="default: reports/<UTC timestamp>-<api>/")
    # Options a config's [run] table may also set default to None here: given, they override it.
    run.add_argument("--profile", choices=("full", "safe"),
                     help="safe: for production targets, creates and cancels nothing (default full)")
    run.add_argument("--strict", action=argparse.BooleanOptionalAction, help="a failed SHOULD fails the run")
    run.add_argument("--seed", type=int,
                     help=f"Schemathesis seed: same seed and budget, same cases (report: property.digest; "
                          f"default {DEFAULTS.seed})")
    run.add_argument("--max-examples", type=int, metavar="N",
                     help=f"generated cases per operation and phase (default {DEFAULTS.max_examples})")
    run.add_argument("--max-time", type=float, metavar="SECONDS",
                     help="ceiling on the generated cases; reaching it stops them early, unrepeatably "
                          f"(default {DEFAULTS.max_time_s})")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help=f"per request (default {DEFAULTS.timeout_s})")
    run.add_argument("--workers", type=int, metavar="N",
                     help=f"processes sharing the run (default {DEFAULTS.workers}); generated cases repeat with 1 "
                          "only")
    run.add_argument("--deadline", type=float, metavar="SECONDS",
                     help="for the whole run: requirements not started by then are reported undecided")
    run.add_argument("--max-rps", type=float, metavar="N", help="at most N requests a second, whole run")
    tls = run.add_mutually_exclusive_group()
    tls.add_argument("--ca-bundle", type=Path, metavar="PATH", help="verify TLS against these CA certificates")
    tls.add_argument("--insecure", action="store_true",
                     help="do not verify TLS certificates (never for a certification)")
    run.add_argument("--only", action="append", metavar="GLOB", help="requirement ids to run (repeatable)")
    run.add_argument("--exclude", action="append", metavar="GLOB", help="requirement ids to leave out")
    run.add_argument("--baseline", type=Path, metavar="PATH",
                     help="accepted failures: an earlier report.json, or a TOML file of [[accepted]] id + reason; "
                          "only a new failure fails the run")
    run.add_argument("--dry-run", action="store_true", help="list what would run, and stop")
    run.add_argument("--debug", action="store_true", help="show a traceback where an error would be one line")
    run.set_defaults(handler=_run)

    replay = commands.add_parser("replay", help="send a failing requirement's recorded requests again; "
                                                 "show the answers then and now")
    replay.add_argument("report_dir", type=Path, metavar="REPORT_DIR", help="a run's report folder (its report.json)")
    replay.add_argument("--requirement", metavar="ID", help="this requirement (default: every one that failed)")
    where = replay.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path, metavar="FILE", help="target config: its base_url and credentials")
    where.add_argument("--base-url", help="send here instead (no credentials: for requests that carry none)")
    replay.add_argument("--timeout", type=float, default=DEFAULTS.timeout_s, metavar="SECONDS",
                        help=f"per request (default {DEFAULTS.timeout_s})")
    replay.set_defaults(handler=_replay)

    grid = commands.add_parser("grid", help="read many runs' report.json as one grid: grid.html and grid.md")
    grid.add_argument("report_dirs", type=Path, nargs="+", metavar="REPORT_DIR",
                      help="a run's report folder, or a folder of them (one or two levels down)")
    grid.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                      help="where to write grid.html and grid.md (default: the current folder)")
    grid.set_defaults(handler=_grid)

    faults = commands.add_parser("faults", help="list the reference servers' faults (or --variants)")
    faults.add_argument("--api", choices=(*APIS, "all"), default="all")
    faults.add_argument("--variants", action="store_true", help="list the conformant variants instead")
    faults.add_argument("--format", choices=("table", "json"), default="table")
    faults.set_defaults(handler=_faults)

    serve = commands.add_parser("serve", help="run a bundled reference server")
    serve.add_argument("--api", choices=tuple(APIS), required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    serve.add_argument("--fault", action="append", default=[], metavar="NAME",
                       help="turn on a fault (see `conformance faults`); repeatable")
    serve.add_argument("--variant", action="append", default=[], metavar="NAME",
                       help="turn on a conformant variant (see `conformance faults --variants`); repeatable")
    serve.add_argument("--csrf", action="store_true", help="Triport: enforce the CSRF token on non-GET requests")
    serve.add_argument("--async-delay", type=float, default=0.0, metavar="SECONDS",
                       help="TEOS: cancellations take effect this long after the 202")
    serve.add_argument("--latency-ms", type=float, default=0.0, metavar="MS", help="delay every response")
    serve.add_argument("--db", metavar="PATH", help="keep state in this SQLite file (default: in memory)")
    serve.add_argument("--write-config", type=Path, metavar="FILE",
                       help="write a target config (credentials, fixture ids) for this server")
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SpecError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # the reader (`| head`) left early: nothing went wrong here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
