"""Profile safe, for production targets: it creates nothing and changes nothing, and reports what it
cannot decide as skipped, never passed."""

from __future__ import annotations

import pytest

from conformance.engine import run_suite
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.target import RunSettings, Target

TABLES = {"triport": "SELECT id, status FROM invoices", "teos": "SELECT Id, Status FROM invoices"}
# Decidable with rejection probes on fixtures, unknown ids, missing credentials and invalid bodies.
DECIDED_SAFELY = {
    "triport": {"TRIPORT-CANCEL-04", "TRIPORT-CANCEL-05", "TRIPORT-CANCEL-08", "TRIPORT-AUTH-01",
                "TRIPORT-AUTH-04", "TRIPORT-ERROR-01"},
    "teos": {"TEOS-AUTH-01", "TEOS-AUTH-02"},
}


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_safe_profile_changes_nothing_and_skips_what_it_cannot_decide(api: str) -> None:
    """Runs profile safe against a clean reference; expects the invoice table unchanged, the probe
    requirements passed, and every requirement that needs a create or a cancel skipped with why."""
    with ReferenceServer(ServerOptions(api=api)) as server:
        def table() -> list[tuple]:
            return sorted(tuple(row) for row in server.app.db.execute(TABLES[api]))

        before = table()
        result = run_suite(Target.from_mapping(server.target_config()), RunSettings(profile="safe", timing_samples=5))
        assert table() == before
    outcomes = {r.id: r for r in result.results}
    assert {rid for rid in DECIDED_SAFELY[api] if outcomes[rid].outcome != "pass"} == set()
    for r in result.results:
        assert r.outcome in ("pass", "skip"), f"{r.id}: {r.outcome} {r.reason}"
        if r.outcome == "skip":
            assert r.reason.startswith(("not decidable in profile safe", "not configured")), r.reason
    assert outcomes[f"{api.upper()}-SCHEMA-01"].outcome == "skip"
