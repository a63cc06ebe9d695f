"""A `--workers` process: reads its job (target, settings, requirement ids, a share of the
Schemathesis run) from stdin; runs the share, then the requirements; writes one JSON line per
result, then what its observer saw and how often it was throttled (parallel.py)."""

from __future__ import annotations

import json
import os
import sys

from conformance.engine import SuiteBroken, run_here, run_suite
from conformance.http import Redactor
from conformance.parallel import result_to
from conformance.suite.property import Part, run_schemathesis
from conformance.target import RunSettings, Target


def main() -> int:
    job = json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # the protocol owns the real stdout; anything else printed goes to stderr

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")

    target = Target.from_mapping(job["target"])
    settings = RunSettings(**job["settings"])
    if job["part"]:  # a share of the Schemathesis run, for the coordinator's whole-API requirements
        operations = job["part"]["operations"]
        part = Part(tuple(job["part"]["phases"]), None if operations is None else tuple(operations))
        send({"property": run_schemathesis(target, settings, Redactor(target.secrets()), part).to_dict()})
    if not job["requirements"]:
        return 0
    wanted = set(job["requirements"])
    run = run_suite if job["whole"] else run_here  # a whole API's run may share itself out again
    try:
        result = run(target, settings, wanted.__contains__, lambda r: send({"result": result_to(r)}))
    except SuiteBroken as exc:
        send({"problem": f"the suite could not run: {exc}"})
        return 1
    send({"observed": result.observed, "throttled": result.throttled,
          "run": result.property_run.to_dict() if result.property_run else None})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
