"""A full run cancels and pays only invoices it created: bystanders (including one whose id is the
docs' own example, which Schemathesis' examples phase sends) survive, Schemathesis phases included.
And it leaves no litter: whatever it created and left open, generated cases included, it cancels."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.engine import run_suite
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.suite.property import OwnershipGuard
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


def _run(api: str, protected: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[bool, int]:
    """Whether every bystander is still open after a full run, and how many more open invoices
    there are than before it. Unprotected: the guard neither swaps ids nor learns what was created."""
    if not protected:
        monkeypatch.setattr(OwnershipGuard, "restrict", lambda self, case: None)
        monkeypatch.setattr(OwnershipGuard, "learn", lambda self, case, response: None)
    with ReferenceServer(ServerOptions(api=api, keepalive_s=0.5)) as server:
        bystanders = _bystanders(server, api)
        _, read, status = BYSTANDERS[api]
        count = (f"SELECT count(*) FROM invoices WHERE {'status' if api == 'triport' else 'Status'}=?", (status,))
        open_before = server.app.db.execute(*count).fetchone()[0]
        target = replace(Target.from_mapping(server.target_config()), settle_deadline_s=3.0)
        run_suite(target, SETTINGS)
        untouched = all(server.app.db.execute(read, (i,)).fetchone()[0] == status for i in bystanders)
        return untouched, server.app.db.execute(*count).fetchone()[0] - open_before


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_a_full_run_touches_only_what_it_created_and_leaves_no_litter(api: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the full profile (targeted and Schemathesis) next to open invoices the run did not create.
    Expects every one of them still open, and no more open invoices than before the run. Without the
    guard, the same run cancels some of them and leaves its generated invoices open."""
    assert _run(api, protected=True, monkeypatch=monkeypatch) == (True, 0)
    untouched, litter = _run(api, protected=False, monkeypatch=monkeypatch)
    assert not untouched, "the negative control did not bite: no bystander was cancelled"
    assert litter > 0, "the negative control did not bite: generated invoices were tidied up anyway"
