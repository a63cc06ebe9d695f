"""A `--workers` process (parallel.py). Its first line on stdin is the job: target, settings and the
requirement ids it may be given. It collects the suite, then asks for units ({"next": true} on
stdout) and runs each as it is answered ({"unit": i, "part": ...} or {"unit": i, "requirements":
[...]}) until its input ends. It writes one JSON line per requirement result and per part's run,
and last what its observer saw and how often it was throttled. A whole API's run
(`"whole": true`) is one run of its own instead, which may share itself out again."""

from __future__ import annotations

import json
import os
import select
import sys

from conformance.driver import Part, preload
from conformance.engine import SuiteBroken, Unit, Units, run_units
from conformance.results import result_to
from conformance.run import run_suite
from conformance.target import RunSettings, Target


def main() -> int:
    # The protocol owns the real stdin and stdout (pytest's capture replaces sys.stdin and sys.stdout);
    # anything else printed goes to stderr.
    inp = os.fdopen(os.dup(sys.stdin.fileno()), "r")
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr
    # Started before the run's preflight (parallel.start_workers): the imports while the job is not there.
    preloaded = os.name == "posix" and not select.select([inp], [], [], 0)[0]
    if preloaded:
        preload()
    job = json.loads(inp.readline())

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")

    def take() -> Unit | None:
        nonlocal preloaded
        send({"next": True})
        if not preloaded:  # while the first answer may still be waiting for the quiet requirements
            preload()
            preloaded = True
        line = inp.readline()
        if not line:  # the end of its input: no more units
            return None
        unit = json.loads(line)
        if "part" in unit:
            operations = unit["part"]["operations"]
            return unit["unit"], Part(tuple(unit["part"]["phases"]), None if operations is None else tuple(operations),
                                      tuple(unit["part"]["share"]))
        return unit["unit"], list(unit["requirements"])

    target = Target.from_mapping(job["target"])
    settings = RunSettings(**job["settings"])
    wanted = set(job["requirements"])
    progress = lambda r: send({"result": result_to(r)})  # noqa: E731
    try:
        if job["whole"]:
            result = run_suite(target, settings, wanted.__contains__, progress)
        else:
            units = Units(take, lambda index, run: send({"unit": index, "property": run.to_dict()}))
            result = run_units(target, settings, wanted.__contains__, units, progress)
    except SuiteBroken as exc:
        send({"problem": f"the suite could not run: {exc}"})
        return 1
    send({"observed": result.observed, "throttled": result.throttled,
          "run": result.property_run.to_dict() if result.property_run else None})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
