"""A full run cancels and pays only invoices it created: bystanders (including one whose id is the
docs' own example, which Schemathesis' examples phase sends) survive, Schemathesis phases included.
And it leaves no litter: whatever it created and left open, generated cases included, it cancels."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from conformance.driver import OwnershipGuard
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.run import run_suite
from conformance.target import RunSettings, Target

SETTINGS = RunSettings(max_examples=5, max_time_s=120, timeout_s=3, event_wait_s=1.5, timing_samples=5)
# The example ids of the two documents' cancel operations (spec/*.openapi.yaml).
EXAMPLE_IDS = {"triport": ["inv_7c1f9a3e2b6d"],
               "teos": ["262fced5-70e0-41fa-3d70-08da3285184e", "af61d040-b1a9-4ab9-3d71-08da3285184e"]}
BYSTANDERS = {  # (insert, read status) against the reference's own store
    "triport": ("UPDATE invoices SET id=? WHERE id=?", "SELECT status FROM invoices WHERE id=?", "pending"),
    "teos": ("UPDATE invoices SET Id=? WHERE Id=?", "SELECT Status FROM invoices WHERE Id=?", "Open"),
}


def _bystanders(server: ReferenceServer, api: str) -> list[str]:
    """Open invoices of the primary user/tenant the run knows nothing of, one per example id and one more."""
    app, (rename, _, status) = server.app, BYSTANDERS[api]
    made = []
    for example in [*EXAMPLE_IDS[api], None]:
        if api == "triport":
            user = app.db.execute("SELECT user_id FROM sessions WHERE role='primary'").fetchone()[0]
            invoice_id = app._insert(user, status, {"type": "topup", "plan": "starter", "months": 1})
        else:
            invoice_id = app._insert(app.primary, status)
        if example:
            app.db.execute(rename, (example, invoice_id))
            invoice_id = example
        made.append(invoice_id)
    return made


IDS = {"triport": "SELECT id FROM invoices", "teos": "SELECT Id FROM invoices"}


def _touched(api: str, requests: list[list]) -> set[str]:
    """Every id a recorded request asked to cancel or pay (path ids; TEOS batch bodies)."""
    ids = set()
    for method, path, _, body in requests:
        if method != "POST":
            continue
        if match := re.fullmatch(r"/v1/billing/invoices/(.+)/(cancel|pay-from-balance)", path):
            ids.add(match.group(1))
        elif path == "/odata/v1.0/Invoices/Cancel":
            try:
                listed = json.loads(body).get("invoiceIds")
            except (ValueError, AttributeError, RecursionError):  # fuzzed bodies: not a batch of ids
                continue
            ids |= {i for i in listed if isinstance(i, str)} if isinstance(listed, list) else set()
    return ids


def _run(api: str, protected: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[bool, int, set[str]]:
    """After a full run: whether every bystander is still open, how many more open invoices there
    are than before, and which invoices that existed before the run (and were not named in its
    config) a request asked to cancel or pay, as the recording server saw it. Unprotected: the
    guard neither swaps ids nor learns what was created."""
    if not protected:
        monkeypatch.setattr(OwnershipGuard, "restrict", lambda self, case: None)
        monkeypatch.setattr(OwnershipGuard, "learn", lambda self, case, response: None)
    with ReferenceServer(ServerOptions(api=api, keepalive_s=0.5)) as server:
        bystanders = _bystanders(server, api)
        _, read, status = BYSTANDERS[api]
        count = (f"SELECT count(*) FROM invoices WHERE {'status' if api == 'triport' else 'Status'}=?", (status,))
        open_before = server.app.db.execute(*count).fetchone()[0]
        existing = {row[0] for row in server.app.db.execute(IDS[api])}
        target = replace(Target.from_mapping(server.target_config()), settle_deadline_s=3.0)
        named = {i for ids in target.fixtures.values() for i in ids}
        run_suite(target, SETTINGS)
        untouched = all(server.app.db.execute(read, (i,)).fetchone()[0] == status for i in bystanders)
        foreign = _touched(api, server.recorder.requests) & (existing - named)
        return untouched, server.app.db.execute(*count).fetchone()[0] - open_before, foreign


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_a_full_run_touches_only_what_it_created_and_leaves_no_litter(api: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the full profile (targeted and Schemathesis) on a recording server, next to open
    invoices the run did not create. Expects no request to cancel or pay an invoice that existed
    before the run unless the config named it, every bystander still open, and no more open
    invoices than before. Without the guard, the same run sends such requests, cancels
    bystanders, and leaves its generated invoices open."""
    assert _run(api, protected=True, monkeypatch=monkeypatch) == (True, 0, set())
    untouched, litter, foreign = _run(api, protected=False, monkeypatch=monkeypatch)
    assert foreign, "the negative control did not bite: no request for someone else's invoice"
    assert not untouched, "the negative control did not bite: no bystander was cancelled"
    assert litter > 0, "the negative control did not bite: generated invoices were tidied up anyway"
