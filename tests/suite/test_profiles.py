"""Profile safe, for production targets: it creates nothing and changes nothing, and reports what it
cannot decide as skipped, never passed."""

from __future__ import annotations

import re

import pytest

from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.run import run_suite
from conformance.target import RunSettings, Target

TABLES = {"triport": "SELECT id, status FROM invoices", "teos": "SELECT Id, Status FROM invoices"}
# Decidable with rejection probes on fixtures, unknown ids, missing credentials and invalid bodies.
DECIDED_SAFELY = {
    "triport": {"TRIPORT-CANCEL-04", "TRIPORT-CANCEL-05", "TRIPORT-CANCEL-08", "TRIPORT-AUTH-01",
                "TRIPORT-AUTH-04", "TRIPORT-ERROR-01"},
    "teos": {"TEOS-AUTH-01", "TEOS-AUTH-02"},
}


# What profile safe must never do, by (method, path pattern): create, cancel or pay successfully.
FORBIDDEN = {
    "triport": [("POST", r"/v1/billing/invoices"), ("POST", r"/v1/billing/invoices/[^/]+/(cancel|pay-from-balance)")],
    "teos": [("POST", r"/odata/v1\.0/Invoices"), ("POST", r"/odata/v1\.0/Invoices/Cancel")],
}


def forbidden(api: str, requests: list[list]) -> list[list]:
    """Recorded requests that created, cancelled or paid successfully. A TEOS 202 ignores unknown and
    non-Open ids, so a batch cancel counts only if it answered 2xx and the table changed (checked apart)."""
    return [r for r in requests for method, pattern in FORBIDDEN[api]
            if r[0] == method and re.fullmatch(pattern, r[1]) and 200 <= (r[2] or 0) < 300
            and not (api == "teos" and r[1].endswith("/Cancel"))]


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_safe_profile_changes_nothing_and_skips_what_it_cannot_decide(api: str) -> None:
    """Runs profile safe against a clean, recording reference; expects no create, cancel or pay
    answered with success, the invoice table unchanged, the probe requirements passed, and every
    requirement that needs a create or a cancel skipped with why."""
    with ReferenceServer(ServerOptions(api=api)) as server:
        def table() -> list[tuple]:
            return sorted(tuple(row) for row in server.app.db.execute(TABLES[api]))

        before = table()
        result = run_suite(Target.from_mapping(server.target_config()), RunSettings(profile="safe", timing_samples=5))
        assert table() == before
        assert server.recorder.requests and forbidden(api, server.recorder.requests) == []
        # The same recorder does see a full run's creates and cancels: the check above can fail.
        full = run_suite(Target.from_mapping(server.target_config()),
                         RunSettings(timing_samples=5, property_tests=False), lambda rid: rid.endswith("CANCEL-01"))
        assert full.verdict == "pass" and forbidden(api, server.recorder.requests)
    outcomes = {r.id: r for r in result.results}
    assert {rid for rid in DECIDED_SAFELY[api] if outcomes[rid].outcome != "pass"} == set()
    for r in result.results:
        assert r.outcome in ("pass", "skip"), f"{r.id}: {r.outcome} {r.reason}"
        if r.outcome == "skip":
            assert r.reason.startswith(("not decidable in profile safe", "not configured")), r.reason
    assert outcomes[f"{api.upper()}-SCHEMA-01"].outcome == "skip"
