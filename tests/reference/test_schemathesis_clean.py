"""Schemathesis, all phases and checks, finds nothing against each clean reference server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import specs
from conformance.driver import policy

PHASES = ("Examples", "Coverage", "Fuzzing", "Stateful")


def schemathesis_config(api: str, config: dict[str, Any]) -> str:
    """Scheme-level auth (so negative cases can really drop it), declared links only, overrides."""
    credentials = config["credentials"]
    if api == "triport":
        lines = ["[auth.openapi.nlSession]", f"api_key = {json.dumps(credentials['session'])}"]
    else:
        lines = ["[auth.openapi.bearerAuth]", f"bearer = {json.dumps(credentials['token'])}"]
    lines += ["[phases.stateful]", "inference.algorithms = []"]
    # Answers the documents allow that a generic check does not expect: spec/schemathesis.yaml.
    for operation_id, checks in policy()["expected_statuses"][api].items():
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}"]
        lines += [f"checks.{check}.expected-statuses = {json.dumps(statuses)}" for check, statuses in checks.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_schemathesis_finds_nothing(serve: Callable[..., Any], tmp_path: Path, api: str) -> None:
    """Runs `st run` with every phase and check on a clean server; expects exit 0 and all phases run."""
    st = shutil.which("st")
    assert st, "schemathesis' `st` command is installed with the kit"
    running = serve(api)
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text(schemathesis_config(api, running.config))
    result = subprocess.run(
        [st, "--config-file", str(config_file), "run", str(specs.spec_dir() / f"{api}.openapi.yaml"),
         "--url", running.base_url, "--phases", "examples,coverage,fuzzing,stateful", "--checks", "all",
         "--max-examples", "10", "--max-time", "15", "--seed", "7", "--request-timeout", "5", "--no-color"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,  # its cache stays out of the repo
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for phase in PHASES:
        assert re.search(rf"✅ {phase}", output), f"{phase} did not run:\n{output[-2000:]}"
    generated = int(re.search(r"(\d+) generated", output).group(1))
    assert generated >= 50, output[-2000:]
