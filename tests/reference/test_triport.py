"""The Triport reference server: documented behaviour, conformant variants, and every fault."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from conformance.reference.faults import TRIPORT_FAULTS, TRIPORT_VARIANTS

INVOICES = "/v1/billing/invoices"
UNKNOWN_ID = "inv_000000000000"


class Triport:
    """Test-side helper around one running Triport reference server."""

    def __init__(self, running: Any):
        self.running, self.client, self.config = running, running.client, running.config
        credentials = self.config["credentials"]
        self.primary = {"nl_session": credentials["session"]}
        self.other = {"nl_session": credentials["other_session"]}
        self.expired = {"nl_session": credentials["expired_session"]}
        self.csrf = credentials.get("csrf_token")
        self.other_csrf = credentials.get("other_csrf_token")

    def _send(self, method: str, path: str, cookies: dict[str, str] | None, csrf: str | None,
              **kwargs: Any) -> requests.Response:
        """A request as the console sends it: the CSRF token echoed from the nl_csrf cookie."""
        cookies = dict(cookies or {})
        headers = dict(kwargs.pop("headers", {}))
        if csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", csrf)
            cookies.setdefault("nl_csrf", csrf)
        return self.client.request(method, path, cookies=cookies, headers=headers, **kwargs)

    def create(self, cookies: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        cookies = cookies or self.primary
        csrf = self.other_csrf if cookies == self.other else self.csrf
        response = self._send("POST", INVOICES, cookies, csrf, json={**self.config["create"]["body"], **body})
        assert response.status_code == 201, response.text
        return response.json()

    def cancel(self, invoice_id: str, cookies: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return self._send("POST", f"{INVOICES}/{invoice_id}/cancel", cookies or self.primary, self.csrf, **kwargs)

    def status(self, invoice_id: str, cookies: dict[str, str] | None = None) -> str:
        response = self.client.get(f"{INVOICES}/{invoice_id}", cookies=cookies or self.primary)
        assert response.status_code == 200, response.text
        return response.json()["status"]

    def listed(self, status: str) -> list[str]:
        response = self.client.get(INVOICES, params={"status": status}, cookies=self.primary)
        assert response.status_code == 200, response.text
        return [invoice["id"] for invoice in response.json()["invoices"]]

    def stream(self, invoice_id: str, cookies: dict[str, str] | None = None) -> requests.Response:
        return self.client.get(f"{INVOICES}/{invoice_id}/events", cookies=cookies or self.primary,
                               stream=True, timeout=5)


def frames(response: requests.Response, seconds: float) -> Iterator[tuple[str, Any]]:
    """SSE frames as (event, data) — ("comment", text) for comments — until the server closes
    the stream or `seconds` pass (then a final ("open", None))."""
    deadline = time.monotonic() + seconds
    event, data, buffer = None, None, b""
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode()
            if text.startswith(":"):
                yield "comment", text[1:].strip()
            elif text.startswith("event:"):
                event = text[6:].strip()
            elif text.startswith("data:"):
                data = json.loads(text[5:])
            elif text == "" and event is not None:
                yield event, data
                event, data = None, None
        if time.monotonic() > deadline:
            response.close()
            yield "open", None
            return


def named(response: requests.Response, seconds: float) -> list[str]:
    """The names of the frames (comments left out) read within `seconds`; "open" if still open."""
    return [event for event, _ in frames(response, seconds) if event != "comment"]


@pytest.fixture
def triport(serve: Callable[..., Any]) -> Triport:
    return Triport(serve("triport", keepalive_s=0.2))


# ---------------------------------------------------------------- documented behaviour


def test_create_opens_a_pending_invoice(triport: Triport) -> None:
    """Sends a valid create body; expects 201 with a pending invoice carrying address and qr_uri."""
    invoice = triport.create(description="conformance")
    assert (invoice["status"], invoice["description"]) == ("pending", "conformance")
    assert invoice["address"]["address"] and invoice["qr_uri"] and invoice["payments_received_micro"] == 0


BODY = {"channel": "crypto-onchain", "rail": "eth-usdc", "bill_action": {"type": "topup", "plan": "starter",
                                                                          "months": 1}}


@pytest.mark.parametrize(
    "body",
    ["not json", {"rail": "eth-usdc"}, {**BODY, "rail": "doge"},
     {**BODY, "channel": "crypto-inapp", "rail": "tron-usdt"},
     {**BODY, "bill_action": {"type": "topup", "plan": "starter", "months": True}},
     {**BODY, "amount_micro": -1}, {**BODY, "amount_micro": 10**30}, {**BODY, "ttl_seconds": 0},
     {**BODY, "ttl_seconds": 10**12}, {**BODY, "description": 7}, {**BODY, "rail": {"id": "eth-usdc"}}],
    ids=["not-json", "missing-fields", "unknown-rail", "rail-channel-mismatch", "bool-months",
         "negative-amount", "huge-amount", "zero-ttl", "huge-ttl", "non-string-description", "object-rail"],
)
def test_invalid_create_bodies_are_400_and_create_nothing(triport: Triport, body: Any) -> None:
    """Sends an invalid create body; expects 400 with the envelope and no new invoice."""
    before = triport.listed("pending")
    data = body if isinstance(body, str) else json.dumps(body)
    response = triport.client.post(INVOICES, data=data, cookies=triport.primary)
    assert response.status_code == 400 and isinstance(response.json()["error"], str)
    assert triport.listed("pending") == before


def test_get_list_and_ownership(triport: Triport) -> None:
    """Reads own, foreign and unknown invoices; expects 200 for own only, one 404 otherwise."""
    own = triport.create()
    foreign = triport.config["fixtures"]["other_pending"][0]
    assert triport.status(own["id"]) == "pending"
    for invoice_id in (foreign, UNKNOWN_ID):
        assert triport.client.get(f"{INVOICES}/{invoice_id}", cookies=triport.primary).status_code == 404
    listed = triport.client.get(INVOICES, cookies=triport.primary).json()["invoices"]
    assert listed[0]["id"] == own["id"], "newest first"
    assert foreign not in {i["id"] for i in listed}
    assert not {"address", "qr_uri", "payments_received_micro"} & set(listed[0])


@pytest.mark.parametrize("query", [{"status": "open"}, {"limit": "-1"}, {"offset": "x"}],
                         ids=["unknown-status", "negative-limit", "non-numeric-offset"])
def test_list_rejects_bad_filters(triport: Triport, query: dict[str, str]) -> None:
    """Lists with a bad filter; expects 400 with the envelope."""
    assert triport.client.get(INVOICES, params=query, cookies=triport.primary).status_code == 400


def test_cancel_own_pending_is_204_empty_and_reads_cancelled(triport: Triport) -> None:
    """Cancels an own pending invoice; expects 204, zero bytes, then cancelled in get and list."""
    invoice_id = triport.create()["id"]
    response = triport.cancel(invoice_id)
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers.get("content-length", "0") == "0"
    assert triport.status(invoice_id) == "cancelled"
    assert invoice_id in triport.listed("cancelled") and invoice_id not in triport.listed("pending")


def test_the_three_404s_are_identical_and_change_nothing(triport: Triport) -> None:
    """Cancels unknown, foreign, paid, expired and cancelled ids twice; expects one identical 404."""
    cancelled = triport.create()["id"]
    triport.cancel(cancelled)
    fixtures = triport.config["fixtures"]
    probes = {UNKNOWN_ID: None, fixtures["other_pending"][0]: "pending", fixtures["paid"][0]: "paid",
              fixtures["expired"][0]: "expired", cancelled: "cancelled"}
    answers = set()
    for invoice_id, status in probes.items():
        for _ in range(2):
            response = triport.cancel(invoice_id)
            answers.add((response.status_code, tuple(sorted(k.lower() for k in response.headers if k != "date")),
                         response.content))
        if status:
            owner = triport.other if status == "pending" else triport.primary
            assert triport.status(invoice_id, owner) == status
    assert len(answers) == 1 and next(iter(answers))[0] == 404


@pytest.mark.parametrize("who", ["none", "invalid", "expired"])
def test_cancel_without_a_valid_session_is_401_and_changes_nothing(triport: Triport, who: str) -> None:
    """Cancels own pending and unknown ids without a valid session; expects 401 for both."""
    invoice_id = triport.create()["id"]
    cookies = {"none": {}, "invalid": {"nl_session": "nope"}, "expired": triport.expired}[who]
    for target in (invoice_id, UNKNOWN_ID):
        response = triport.client.post(f"{INVOICES}/{target}/cancel", cookies=cookies)
        assert response.status_code == 401 and isinstance(response.json()["error"], str)
    assert triport.status(invoice_id) == "pending"


def test_concurrent_cancels_succeed_exactly_once(triport: Triport) -> None:
    """Sends 10 simultaneous cancels of one pending invoice; expects one 204 and nine 404."""
    invoice_id = triport.create()["id"]
    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(lambda _: triport.cancel(invoice_id).status_code, range(10)))
    assert statuses == [204] + [404] * 9
    assert triport.status(invoice_id) == "cancelled"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_other_methods_on_cancel_do_not_cancel(triport: Triport, method: str) -> None:
    """Sends GET/HEAD to the cancel path; expects 405 and the invoice still pending."""
    invoice_id = triport.create()["id"]
    response = triport.client.request(method, f"{INVOICES}/{invoice_id}/cancel", cookies=triport.primary)
    assert response.status_code == 405
    assert triport.status(invoice_id) == "pending"


def test_csrf_when_enforced(serve: Callable[..., Any]) -> None:
    """With --csrf: cancels without, with a wrong and with the right token; expects 403, 403, 204."""
    triport = Triport(serve("triport", csrf=True))
    invoice_id = triport.create()["id"]
    path = f"{INVOICES}/{invoice_id}/cancel"
    missing = triport.client.post(path, cookies=triport.primary)
    wrong = triport.client.post(path, cookies=triport.primary, headers={"X-CSRF-Token": "forged"})
    foreign = triport.client.post(path, cookies=triport.primary,
                                  headers={"X-CSRF-Token": triport.config["credentials"]["other_csrf_token"]})
    assert [r.json()["error"] for r in (missing, wrong, foreign)] == ["csrf_missing", "csrf_invalid", "csrf_invalid"]
    assert triport.status(invoice_id) == "pending"
    assert triport.cancel(invoice_id).status_code == 204


def test_event_stream_snapshot_then_cancel_push(triport: Triport) -> None:
    """Subscribes to a pending invoice and cancels it; expects snapshot, keep-alives, invoice_cancelled."""
    invoice_id = triport.create()["id"]
    stream = triport.stream(invoice_id)
    assert stream.headers["content-type"].startswith("text/event-stream")
    seen = frames(stream, 3)
    assert next(seen) == ("snapshot", {"id": invoice_id, "status": "pending"})
    assert next(seen) == ("comment", "keep-alive")
    assert triport.cancel(invoice_id).status_code == 204
    rest = [frame for frame in seen if frame[0] != "comment"]
    assert rest == [("invoice_cancelled", {"id": invoice_id, "status": "cancelled"})]


@pytest.mark.parametrize("fixture", ["paid", "expired"])
def test_terminal_invoice_stream_is_one_snapshot(triport: Triport, fixture: str) -> None:
    """Subscribes to a terminal invoice; expects one snapshot with its status, then the close."""
    invoice_id = triport.config["fixtures"][fixture][0]
    assert named(triport.stream(invoice_id), 2) == ["snapshot"]


def test_event_stream_errors(triport: Triport) -> None:
    """Subscribes without a session and to an unknown id; expects 401 and 404."""
    invoice_id = triport.create()["id"]
    assert triport.client.get(f"{INVOICES}/{invoice_id}/events").status_code == 401
    assert triport.client.get(f"{INVOICES}/{UNKNOWN_ID}/events", cookies=triport.primary).status_code == 404


def test_pay_from_balance_is_idempotent_and_refuses_what_it_cannot_pay(triport: Triport) -> None:
    """Pays a pending invoice twice, then a cancelled and an unaffordable one; expects 200, 200, 409, 402."""
    invoice_id = triport.create()["id"]
    pay = f"{INVOICES}/{invoice_id}/pay-from-balance"
    first = triport.client.post(pay, cookies=triport.primary).json()
    second = triport.client.post(pay, cookies=triport.primary).json()
    assert first["status"] == second["status"] == "paid" and first == second
    assert triport.status(invoice_id) == "paid"
    cancelled = triport.create()["id"]
    triport.cancel(cancelled)
    assert triport.client.post(f"{INVOICES}/{cancelled}/pay-from-balance", cookies=triport.primary).status_code == 409
    costly = triport.create(amount_micro=10**15)["id"]
    assert triport.client.post(f"{INVOICES}/{costly}/pay-from-balance", cookies=triport.primary).status_code == 402


def test_rails_need_no_session(triport: Triport) -> None:
    """Lists rails without a session; expects 200 with every documented rail."""
    rails = triport.client.get("/v1/billing/rails").json()["rails"]
    assert {rail["id"] for rail in rails} >= {"eth-usdc", "sol-native", "polygon-usdt"}


def test_pending_invoices_expire_and_then_cannot_be_cancelled(triport: Triport) -> None:
    """Creates an invoice with a 1 s ttl and waits; expects expired, and 404 on cancel."""
    invoice_id = triport.create(ttl_seconds=1)["id"]
    time.sleep(1.1)
    assert triport.status(invoice_id) == "expired"
    assert triport.cancel(invoice_id).status_code == 404


@pytest.mark.parametrize("path_id", ["x" * 500, "%00", "%E2%98%83", "..%2F..", "'%20OR%201=1"],
                         ids=["long", "nul", "unicode", "dot-dot", "sql"])
def test_odd_ids_get_a_documented_4xx(triport: Triport, path_id: str) -> None:
    """Cancels and reads odd ids; expects a documented 4xx, never a 5xx."""
    assert triport.cancel(path_id).status_code == 404
    assert triport.client.get(f"{INVOICES}/{path_id}", cookies=triport.primary).status_code == 404


def test_oversized_create_body_is_400(triport: Triport) -> None:
    """Sends a 1 MB create body; expects 400 without a crash."""
    response = triport.client.post(INVOICES, data=b"{" + b" " * 1_000_000 + b"}", cookies=triport.primary)
    assert response.status_code == 400


def test_every_response_in_these_tests_was_validated(triport: Triport) -> None:
    """Runs a create/cancel/read round; expects the client to have validated each response."""
    invoice_id = triport.create()["id"]
    triport.cancel(invoice_id)
    triport.status(invoice_id)
    assert triport.client.validated == 3


# ---------------------------------------------------------------- conformant variants


VARIANT_SIGNS: dict[str, Callable[[Triport, requests.Response], bool]] = {
    "alt-messages": lambda t, r: r.json()["error"] == "invoice unavailable",
    "extra-error-members": lambda t, r: r.json()["request_id"].startswith("req_"),
    "json-charset": lambda t, r: r.headers["content-type"] == "application/json; charset=utf-8",
    "uuid-ids": lambda t, r: len(t.create()["id"]) == 36,
    "create-200": lambda t, r: t.client.post(INVOICES, json=t.config["create"]["body"],
                                             cookies=t.primary).status_code == 200,
    "connection-close": lambda t, r: r.headers["connection"] == "close",
    "request-id-header": lambda t, r: r.headers["x-request-id"].startswith("req_"),
    "events-stay-open": lambda t, r: True,  # shown in test_events_stay_open_variant
    "csrf-server-wide": lambda t, r: True,  # shown in test_csrf_server_wide_variant
}


@pytest.mark.parametrize("variant", [v.name for v in TRIPORT_VARIANTS])
def test_variant_is_conformant_and_visible(serve: Callable[..., Any], variant: str) -> None:
    """Runs the cancel round against a variant; expects documented answers and the variant's sign."""
    triport = Triport(serve("triport", variants=(variant,)))
    create = triport.client.post(INVOICES, json=triport.config["create"]["body"], cookies=triport.primary)
    assert create.status_code in (200, 201)
    invoice_id = create.json()["id"]
    assert triport.cancel(invoice_id).status_code == 204
    rejected = triport.cancel(invoice_id)
    assert rejected.status_code == 404 and isinstance(rejected.json()["error"], str)
    assert triport.client.post(f"{INVOICES}/{invoice_id}/cancel").status_code == 401
    assert VARIANT_SIGNS[variant](triport, rejected)


def test_csrf_server_wide_variant(serve: Callable[..., Any]) -> None:
    """With csrf-server-wide and CSRF on: both sessions hold one token; a made-up one is still 403."""
    triport = Triport(serve("triport", variants=("csrf-server-wide",), csrf=True))
    assert triport.csrf == triport.other_csrf
    invoice_id = triport.create()["id"]
    assert _csrf_answer(triport, {"X-CSRF-Token": "made-up"}) == 403
    assert triport.cancel(invoice_id).status_code == 204


def test_events_stay_open_variant(serve: Callable[..., Any]) -> None:
    """With events-stay-open: subscribes and cancels; expects invoice_cancelled and an open stream."""
    triport = Triport(serve("triport", variants=("events-stay-open",), keepalive_s=0.2))
    invoice_id = triport.create()["id"]
    stream = triport.stream(invoice_id)
    seen = frames(stream, 1.5)
    assert next(seen)[0] == "snapshot"
    triport.cancel(invoice_id)
    assert [e for e, _ in seen if e != "comment"] == ["invoice_cancelled", "open"]


# ---------------------------------------------------------------- faults
# Each probe sends what its requirement is about and returns what it observed; it is run
# against a clean and a faulty server, and the clean answer must be the conformant one.


def _cancel_status(t: Triport) -> Any:
    try:
        return t.cancel(t.create()["id"], timeout=1, validate=False).status_code
    except requests.Timeout:
        return "no answer"


def _cancel_then(t: Triport, read: Callable[[Triport, str], Any]) -> Any:
    invoice_id = t.create()["id"]
    t.cancel(invoice_id, validate=False)
    return read(t, invoice_id)


def _fixture_cancel(t: Triport, fixture: str) -> tuple[int, str]:
    invoice_id = t.config["fixtures"][fixture][0]
    return t.cancel(invoice_id, validate=False).status_code, t.status(invoice_id)


def _repeat_same(t: Triport) -> bool:
    invoice_id = t.config["fixtures"]["paid"][0]
    return len({t.cancel(invoice_id, validate=False).content for _ in range(3)}) == 1


def _foreign(t: Triport) -> tuple[int, str]:
    invoice_id = t.config["fixtures"]["other_pending"][0]
    return t.cancel(invoice_id, validate=False).status_code, t.status(invoice_id, t.other)


def _same_404(t: Triport) -> bool:
    foreign, unknown = t.config["fixtures"]["other_pending"][1], UNKNOWN_ID
    return t.cancel(foreign, validate=False).content == t.cancel(unknown, validate=False).content


def _only_named(t: Triport) -> str:
    keep, target = t.create()["id"], t.create()["id"]
    t.cancel(target, validate=False)
    return t.status(keep)


def _get_on_cancel(t: Triport) -> str:
    invoice_id = t.create()["id"]
    t.client.get(f"{INVOICES}/{invoice_id}/cancel", cookies=t.primary, validate=False)
    return t.status(invoice_id)


def _timing_close(t: Triport) -> bool:
    def median_ms(invoice_id: str) -> float:
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            t.cancel(invoice_id, validate=False)
            samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)

    return abs(median_ms(t.config["fixtures"]["other_pending"][0]) - median_ms(UNKNOWN_ID)) < 40


def _error_is_json(t: Triport) -> bool:
    response = t.cancel(UNKNOWN_ID, validate=False)
    try:
        return isinstance(response.json().get("error"), str)
    except ValueError:
        return False


def _cancel_as(t: Triport, cookies: dict[str, str]) -> int:
    invoice_id = t.create()["id"]
    return t.client.post(f"{INVOICES}/{invoice_id}/cancel", cookies=cookies, validate=False).status_code


def _race(t: Triport) -> int:
    invoice_id = t.create()["id"]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: t.cancel(invoice_id, validate=False).status_code, range(8)))
    return statuses.count(204)


def _first_frame(t: Triport) -> str:
    return named(t.stream(t.create()["id"]), 1)[0]


def _told_of_cancel(t: Triport) -> bool:
    invoice_id = t.create()["id"]
    seen = frames(t.stream(invoice_id), 1.5)
    next(seen)
    t.cancel(invoice_id, validate=False)
    return "invoice_cancelled" in [event for event, _ in seen]


def _cancelled_stream(t: Triport) -> list[str]:
    return _cancel_then(t, lambda t, i: named(t.stream(i), 1.5))


def _csrf_answer(t: Triport, headers: dict[str, str]) -> int:
    invoice_id = t.create()["id"]
    return t.client.post(f"{INVOICES}/{invoice_id}/cancel", cookies=t.primary, headers=headers,
                         validate=False).status_code


def _closed_status(response: requests.Response) -> int:
    response.close()  # a stream that was served never ends by itself
    return response.status_code


def _hears_other_cancel(t: Triport, owner: dict[str, str]) -> list[str]:
    """Subscribes to a fresh own invoice, then `owner` creates and cancels one of theirs: the frames heard."""
    watched = t.create()["id"]
    seen = frames(t.stream(watched), 1.0)
    next(seen)  # the snapshot
    other = t.create(owner)["id"]
    t.cancel(other, owner, validate=False)
    return [event for event, _ in seen if event != "comment"]


PROBES: dict[str, tuple[Callable[[Triport], Any], Any]] = {
    "cancel-200": (_cancel_status, 204),
    "cancel-204-body": (lambda t: t.cancel(t.create()["id"], validate=False).headers.get("content-length", "0"), "0"),
    "cancel-hangs": (_cancel_status, 204),
    "cancel-noop": (lambda t: _cancel_then(t, Triport.status), "cancelled"),
    "list-stale": (lambda t: _cancel_then(t, lambda t, i: i in t.listed("cancelled")), True),
    "cancel-paid": (lambda t: _fixture_cancel(t, "paid"), (404, "paid")),
    "cancel-expired": (lambda t: _fixture_cancel(t, "expired"), (404, "expired")),
    "recancel-204": (lambda t: _cancel_then(t, lambda t, i: t.cancel(i, validate=False).status_code), 404),
    "rejection-drifts": (_repeat_same, True),
    "unknown-400": (lambda t: t.cancel(UNKNOWN_ID, validate=False).status_code, 404),
    "cancel-any-owner": (_foreign, (404, "pending")),
    "leaky-404": (_same_404, True),
    "cancel-all-pending": (_only_named, "pending"),
    "get-cancels": (_get_on_cancel, "pending"),
    "slow-foreign-404": (_timing_close, True),
    "error-not-json": (_error_is_json, True),
    "error-text-plain": (lambda t: t.cancel(UNKNOWN_ID, validate=False).headers["content-type"], "application/json"),
    "no-cookie-is-primary": (lambda t: _cancel_as(t, {}), 401),
    "any-cookie-is-primary": (lambda t: _cancel_as(t, {"nl_session": "forged"}), 401),
    "expired-session-valid": (lambda t: _cancel_as(t, t.expired), 401),
    "existence-before-auth": (lambda t: t.client.post(f"{INVOICES}/{UNKNOWN_ID}/cancel", validate=False).status_code,
                              401),
    "cancel-race": (_race, 1),
    "events-no-snapshot": (_first_frame, "snapshot"),
    "events-silent-cancel": (_told_of_cancel, True),
    "events-terminal-open": (_cancelled_stream, ["snapshot"]),
    "csrf-missing-ok": (lambda t: _csrf_answer(t, {}), 403),
    "csrf-any-token": (lambda t: _csrf_answer(t, {"X-CSRF-Token": "forged"}), 403),
    "crash-on-long-id": (lambda t: t.cancel("x" * 100, validate=False).status_code, 404),
    "rails-not-array": (lambda t: isinstance(t.client.get("/v1/billing/rails", validate=False).json()["rails"], list),
                        True),
    "etag-by-owner": (lambda t: t.cancel(t.config["fixtures"]["other_pending"][1], validate=False).headers.get("etag")
                      == t.cancel(UNKNOWN_ID, validate=False).headers.get("etag"), True),
    "csrf-unbound": (lambda t: _csrf_answer(t, {"X-CSRF-Token": t.other_csrf}), 403),
    "csrf-double-submit": (lambda t: _csrf_answer(t, {"X-CSRF-Token": "made-up"}), 403),
    "get-any-owner": (lambda t: t.client.get(f"{INVOICES}/{t.config['fixtures']['other_pending'][0]}",
                                             cookies=t.primary, validate=False).status_code, 404),
    "list-all-users": (lambda t: t.config["fixtures"]["other_pending"][0] in t.listed("pending"), False),
    "events-user-broadcast": (lambda t: _hears_other_cancel(t, t.primary), ["open"]),
    "events-broadcast": (lambda t: _hears_other_cancel(t, t.other), ["open"]),
    "cl-and-te": (lambda t: "transfer-encoding" in t.client.get("/v1/billing/rails", validate=False).headers, False),
    "events-any-owner": (lambda t: _closed_status(t.client.get(
        f"{INVOICES}/{t.config['fixtures']['other_pending'][0]}/events", cookies=t.primary, validate=False,
        stream=True, timeout=5)), 404),
}


def test_every_fault_has_a_probe() -> None:
    assert set(PROBES) == {fault.name for fault in TRIPORT_FAULTS}


@pytest.mark.parametrize("fault", TRIPORT_FAULTS, ids=lambda fault: fault.name)
def test_fault_breaks_what_it_names(serve: Callable[..., Any], fault: Any) -> None:
    """Runs the fault's probe on a clean and a faulty server; expects conformant vs not."""
    probe, conformant = PROBES[fault.name]
    knobs = {"csrf": fault.requires_csrf, "keepalive_s": 0.2}
    clean = probe(Triport(serve("triport", **knobs)))
    broken = probe(Triport(serve("triport", faults=(fault.name,), **knobs)))
    assert clean == conformant, f"clean server: {clean!r}"
    assert broken != conformant, f"{fault.name} did not show: {broken!r}"
