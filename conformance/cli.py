"""The `conformance` command: argument parsing, output formats and exit codes only."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from conformance import __version__
from conformance.catalogue import Requirement, load_catalogue
from conformance.specs import SpecError

EXIT_OK = 0
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
    requirements.add_argument("--api", choices=("triport", "teos", "all"), default="all")
    requirements.add_argument("--format", choices=tuple(FORMATS), default="table")
    requirements.set_defaults(handler=_requirements)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SpecError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
