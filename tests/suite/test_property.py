"""The Schemathesis run is decided by its seed and case budget: the same seed sends the same cases
(shown by the run's digest), whatever else the process has loaded; another seed sends others, and
the time ceiling only ever cuts it short."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.capture import Capture
from conformance.driver import CaseDigest, run_schemathesis
from conformance.http import Redactor
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.results import PropertyRun
from conformance.target import RunSettings, Target


def generate(api: str, **settings: float) -> PropertyRun:
    """One Schemathesis run against a fresh reference server (fresh ids, fresh credentials)."""
    with ReferenceServer(ServerOptions(api=api)) as server:
        target = Target.from_mapping(server.target_config())
        return run_schemathesis(target, RunSettings(timeout_s=3, **settings), lambda text: text)


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_same_seed_same_cases_other_seed_other_cases(api: str) -> None:
    """Runs Schemathesis three times, each against a new server: seed 7, seed 7, seed 8.
    Expects the two seed-7 runs to send identical cases (digest and count), the seed-8 run different
    ones, and none cut by the time ceiling."""
    first, again, other = (generate(api, seed=seed, max_examples=3) for seed in (7, 7, 8))
    assert first.cases > 50 and not (first.cut or again.cut or other.cut)
    assert (again.cases, again.digest) == (first.cases, first.digest)
    assert other.digest != first.digest


def test_capturing_for_report_har_changes_no_case(tmp_path: Path) -> None:
    """Runs Triport's generated cases (event streams among them) with seed 7, once captured for
    report.har and once not. Expects the same digest and count: the capture never reads a body the
    cases would read (a stream), so it cannot change them, and every case is in the capture."""
    with ReferenceServer(ServerOptions(api="triport")) as server:
        target = Target.from_mapping(server.target_config())
        plain = run_schemathesis(target, RunSettings(timeout_s=3, seed=7, max_examples=3), Redactor([]))
    with ReferenceServer(ServerOptions(api="triport")) as server:
        target = Target.from_mapping(server.target_config())
        captured = run_schemathesis(target, RunSettings(timeout_s=3, seed=7, max_examples=3), Redactor([]),
                                    capture=Capture(tmp_path, Redactor([])))
    assert (captured.cases, captured.digest) == (plain.cases, plain.digest)
    lines = sum(len(part.read_text().splitlines()) for part in tmp_path.glob("*.jsonl"))
    assert lines >= captured.cases


def test_the_time_ceiling_cuts_the_run_and_says_so() -> None:
    """Runs with a case budget far beyond a 1 s ceiling.
    Expects the run to stop, marked cut, after sending some cases (and findings still collected)."""
    cut = generate("teos", seed=7, max_examples=100_000, max_time_s=1)
    assert cut.cut and cut.cases > 0
    assert cut.findings == []


def _digest(assigned: str, token: str, sent_id: str) -> str:
    """The digest of one run whose target listed `assigned` and issued `token`, and whose one case
    cancelled `sent_id` with that token."""
    digest = CaseDigest([token])
    listing = {"invoices": [{"id": assigned}]}
    digest.learn(SimpleNamespace(headers={"content-type": ["application/json"]}, json=lambda: listing))
    digest.add(SimpleNamespace(method="POST", path="/v1/billing/invoices/{id}/cancel",
                               path_parameters={"id": sent_id}, query={},
                               headers={"Authorization": f"Bearer {token}"}, cookies={}, body=b"", media_type=None))
    return digest.hexdigest


def test_digest_ignores_assigned_ids_and_credentials_but_not_what_was_generated() -> None:
    """Folds one cancel into the digests of two runs whose targets assigned different ids and issued
    different tokens; expects equal digests. The same run sending an id of its own changes it."""
    one = _digest("inv_aaaaaaaaaaaa", "tok-one", sent_id="inv_aaaaaaaaaaaa")
    two = _digest("inv_bbbbbbbbbbbb", "tok-two", sent_id="inv_bbbbbbbbbbbb")
    generated = _digest("inv_bbbbbbbbbbbb", "tok-two", sent_id="inv_cccccccccccc")
    assert one == two
    assert generated != two


# A run in a fresh process: which of the kit's modules are loaded is then up to the arguments.
LOADED = """
import sys
import conformance.driver as prop
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.target import RunSettings, Target
if "keep-local-constants" in sys.argv:
    prop._no_local_constants = lambda: None
if "also-triport" in sys.argv:
    import conformance.reference.triport
with ReferenceServer(ServerOptions(api="teos")) as server:
    target = Target.from_mapping(server.target_config())
    print(prop.run_schemathesis(target, RunSettings(timeout_s=3, max_examples=3), str).digest)
"""


def _digest_in_process(*flags: str) -> str:
    done = subprocess.run([sys.executable, "-c", LOADED, *flags], capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout.split()[-1]


def test_the_cases_do_not_depend_on_which_modules_are_loaded() -> None:
    """Runs TEOS' Schemathesis at seed 0 in fresh processes, with and without the Triport reference
    module loaded. Expects the same digest. Negative control: with Hypothesis' local constants (the
    literals of loaded non-installed modules) left on, the two runs send different cases."""
    assert _digest_in_process() == _digest_in_process("also-triport")
    assert _digest_in_process("keep-local-constants") != _digest_in_process("keep-local-constants", "also-triport")


def test_a_run_without_a_usable_cache_still_writes_nothing_where_it_runs(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs Schemathesis from an empty folder with the cache's parent a file (so no cache folder can
    be made). Expects the run to finish (Hypothesis kept in a temporary folder instead) and the
    working folder still empty."""
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    run = generate("teos", seed=3, max_examples=1)
    assert run.cases > 0 and not run.cut
    assert list((tmp_path / "work").iterdir()) == []
