"""The TEOS reference server: documented behaviour, conformant variants, and every fault."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from conformance.reference.common import MAX_BODY_BYTES
from conformance.reference.faults import TEOS_FAULTS, TEOS_VARIANTS
from conformance.reference.teos import MESSAGES

INVOICES = "/odata/v1.0/Invoices"
CANCEL = f"{INVOICES}/Cancel"
SEED_TX_FIELDS = ("Id", "State", "BlockchainTransactionId", "CorrelationId", "Type", "OnCreated", "OnUpdated",
                  "OnSubmitted", "OnCommitted", "OnConfirmed", "OnRevokedByBlockchain", "OnRevokedByUser",
                  "OnRevokedByTxServer", "SignedBy", "CreatedBy", "GasPrice", "GasUsed", "DataAsJson",
                  "SigningParametersAsJson")
ERROR_MEMBERS = ["clTraceId", "code", "details", "message", "target"]


def invoice_path(key: str) -> str:
    return f"{INVOICES}({key})"


def tx_path(key: str) -> str:
    return f"/odata/v1.0/Transactions({key})"


def unknown_guid() -> str:
    return str(uuid.uuid4())


class Teos:
    """Test-side helper around one running TEOS reference server. `validate=False` is for faulty
    servers, whose answers break the contract on purpose."""

    def __init__(self, running: Any, validate: bool = True):
        self.running, self.client, self.config = running, running.client, running.config
        self.validate = validate
        self.fixtures = self.config["fixtures"]
        credentials = self.config["credentials"]
        self.tokens = {"primary": credentials["token"], "other": credentials["other_token"]}

    def headers(self, who: str) -> dict[str, str]:
        """`primary`, `other`, `none` (no header) or `bad` (a token the server never issued)."""
        if who == "none":
            return {}
        return {"Authorization": f"Bearer {self.tokens.get(who, 'not-a-token-we-issued')}"}

    def request(self, method: str, path: str, who: str = "primary", **kwargs: Any) -> requests.Response:
        kwargs.setdefault("validate", self.validate)
        return self.client.request(method, path, headers=self.headers(who), **kwargs)

    def create(self, who: str = "primary") -> str:
        response = self.request("POST", INVOICES, who, json=self.config["create"]["body"])
        assert response.status_code == 201, response.text
        return response.json()["Id"]

    def status(self, key: str, who: str = "primary") -> str:
        response = self.request("GET", invoice_path(key), who)
        assert response.status_code == 200, response.text
        return response.json()["Status"]

    def statuses(self, keys: list[str], who: str = "primary") -> list[str]:
        return [self.status(key, who) for key in keys]

    def cancel(self, ids: Any = None, *, body: Any = None, data: bytes | str | None = None,
               who: str = "primary", **kwargs: Any) -> requests.Response:
        """POST a batch of ids, another JSON body, or raw bytes to the cancel endpoint."""
        if data is not None:
            return self.request("POST", CANCEL, who, data=data, **kwargs)
        return self.request("POST", CANCEL, who, json={"invoiceIds": ids} if body is None else body, **kwargs)

    def settled(self, key: str, seconds: float = 3.0) -> list[str]:
        """Every distinct status the invoice reads until it leaves Open/Processing or time runs out."""
        seen, deadline = [], time.monotonic() + seconds
        while True:
            status = self.status(key)
            if not seen or seen[-1] != status:
                seen.append(status)
            if status not in ("Open", "Processing") or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)


@pytest.fixture
def teos(serve: Callable[..., Any]) -> Teos:
    return Teos(serve("teos"))


def transaction_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    return body[0] if isinstance(body, list) else body


def concurrent_cancels(t: Teos, key: str, count: int = 8) -> list[int]:
    """`count` cancels of one invoice released together by a barrier; their status codes."""
    barrier = threading.Barrier(count)

    def one(_: int) -> int:
        barrier.wait()
        return t.cancel([key]).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


# ---------------------------------------------------------------- create, get, list
# Each clean-server test runs a table of cases on one server (a server costs ~0.2 s to stop) and
# compares every case's observation at once, so a failure names each case that went wrong.


def test_create_answers_201_with_an_open_invoice(teos: Teos) -> None:
    """Sends the config's create body.
    Expects 201 with an Open invoice: every documented field, zero sender and transaction, a GUID creator."""
    body = teos.config["create"]["body"]
    response = teos.request("POST", INVOICES, json=body)
    assert response.status_code == 201
    invoice = response.json()
    assert invoice["Status"] == "Open"
    assert {name: invoice[name] for name in body} == body
    assert invoice["SenderAddress"] == "0x" + "0" * 40
    assert invoice["TransactionId"] == "00000000-0000-0000-0000-000000000000"
    uuid.UUID(invoice["CreatedBy"])
    assert invoice["CreatedOn"] and invoice["UpdatedOn"]
    assert teos.status(invoice["Id"]) == "Open"


MISSING = object()  # in a create-body override: leave the member out
BAD_CREATE_BODIES: dict[str, bytes | dict[str, Any]] = {
    "not-json": b"{nope",
    "array": b"[]",
    "no-asset": {"UniqueAssetId": MISSING},
    "no-due": {"DueOn": MISSING},
    "amount-not-digits": {"DesiredAmount": "12.5"},
    "amount-number": {"DesiredAmount": 12},
    "due-not-a-date": {"DueOn": "next tuesday"},
    "due-date-only": {"DueOn": "2030-01-01"},
    "description-number": {"Description": 5},
    "target-null": {"TargetAddress": None},
    "oversized": {"Description": "x" * (MAX_BODY_BYTES + 1)},
}


def test_create_rejects_invalid_bodies_with_400(teos: Teos) -> None:
    """Sends create bodies that break CreateInvoiceRequest (not JSON, missing or mistyped members, too big).
    Expects 400 with code and message for each, and no invoice added."""
    before = len(_list(teos, {})["value"])
    observed = {}
    for case, bad in BAD_CREATE_BODIES.items():
        if isinstance(bad, bytes):
            response = teos.request("POST", INVOICES, data=bad)
        else:
            body = {**teos.config["create"]["body"], **bad}
            response = teos.request("POST", INVOICES, json={k: v for k, v in body.items() if v is not MISSING})
        observed[case] = (response.status_code, {"code", "message"} <= set(response.json()))
    assert observed == dict.fromkeys(BAD_CREATE_BODIES, (400, True))
    assert len(_list(teos, {})["value"]) == before


def test_get_invoice_reads_only_the_tenants_invoices(teos: Teos) -> None:
    """Sends GET Invoices({key}) with an own Id in lower and upper case, an unknown GUID, another tenant's Id.
    Expects 200 with the invoice for both cases of the own Id, 404 with code 20004 for the others."""
    key = teos.create()
    keys = {"lower": key, "upper": key.upper(), "unknown": unknown_guid(),
            "other": teos.fixtures["other_open"][0]}
    observed = {}
    for case, probe in keys.items():
        response = teos.request("GET", invoice_path(probe))
        body = response.json()
        observed[case] = (response.status_code, body.get("Id", body.get("code")))
    assert observed == {"lower": (200, key), "upper": (200, key),
                        "unknown": (404, 20004), "other": (404, 20004)}


def test_list_is_the_tenants_invoices_in_an_odata_wrapper(teos: Teos) -> None:
    """Sends GET Invoices as the primary tenant.
    Expects 200 `{"@odata.context", "value"}` holding exactly its seeded Paid and Expired invoices."""
    body = _list(teos, {})
    assert body["@odata.context"] == f"{teos.running.base_url}/odata/v1.0/$metadata#Invoices"
    ids = {item["Id"] for item in body["value"]}
    assert ids == set(teos.fixtures["paid"]) | set(teos.fixtures["expired"])


def _list(t: Teos, params: dict[str, str]) -> Any:
    response = t.request("GET", INVOICES, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(t: Teos, params: dict[str, str]) -> list[str]:
    return [item["Id"] for item in _list(t, params)["value"]]


# case -> (what the option yields, what it must yield), on the primary's four seeded invoices
LIST_QUERIES: dict[str, Callable[[Teos], tuple[Any, Any]]] = {
    "filter-status": lambda t: (set(_ids(t, {"$filter": "Status eq 'Paid'"})), set(t.fixtures["paid"])),
    "filter-id-guid": lambda t: (_ids(t, {"$filter": f"Id eq {t.fixtures['paid'][0].upper()}"}),
                                 [t.fixtures["paid"][0]]),
    "filter-and": lambda t: (_ids(t, {"$filter": f"Id eq '{t.fixtures['paid'][0]}' and Status eq 'Expired'"}),
                             []),
    "select": lambda t: ({tuple(sorted(item)) for item in _list(t, {"$select": "Id,Status"})["value"]},
                         {("Id", "Status")}),
    "orderby-desc": lambda t: ([item["DueOn"] for item in _list(t, {"$orderby": "DueOn desc"})["value"]],
                               sorted((item["DueOn"] for item in _list(t, {})["value"]), reverse=True)),
    "top": lambda t: (_ids(t, {"$top": "1"}), _ids(t, {})[:1]),
    "skip": lambda t: (_ids(t, {"$skip": "3"}), _ids(t, {})[3:]),
    "count-true": lambda t: (_list(t, {"$count": "true", "$top": "0"}).get("@odata.count"), 4),
    "count-false": lambda t: ("@odata.count" in _list(t, {"$count": "false"}), False),
}


def test_list_applies_each_query_option(teos: Teos) -> None:
    """Sends GET Invoices with each OData query option ($filter, $select, $orderby, $top, $skip, $count).
    Expects 200 and the option applied to the tenant's four seeded invoices."""
    results = {case: query(teos) for case, query in LIST_QUERIES.items()}
    assert {case: actual for case, (actual, _) in results.items()} == \
        {case: expected for case, (_, expected) in results.items()}


BAD_QUERIES = {
    "filter-unquoted-status": {"$filter": "Status eq Open"},
    "filter-other-field": {"$filter": "DesiredAmount eq '1'"},
    "filter-ne": {"$filter": "Status ne 'Open'"},
    "filter-or": {"$filter": "Status eq 'Paid' or Status eq 'Open'"},
    "filter-id-not-guid": {"$filter": "Id eq 'x'"},
    "filter-empty": {"$filter": ""},
    "select-unknown": {"$select": "Id,Nope"},
    "orderby-unknown": {"$orderby": "Nope"},
    "orderby-direction": {"$orderby": "Id sideways"},
    "top-negative": {"$top": "-1"},
    "skip-fraction": {"$skip": "1.5"},
    "count-maybe": {"$count": "maybe"},
    "unsupported-option": {"$expand": "Transactions"},
}


def test_list_rejects_unparseable_query_options_with_400(teos: Teos) -> None:
    """Sends GET Invoices with each query option the server cannot parse (TEOS-D-ODATA-QUERY).
    Expects 400 with the error body (code 10001) for each."""
    observed = {}
    for case, params in BAD_QUERIES.items():
        response = teos.request("GET", INVOICES, params=params)
        observed[case] = (response.status_code, response.json().get("code"))
    assert observed == dict.fromkeys(BAD_QUERIES, (400, 10001))


# ---------------------------------------------------------------- cancel


def test_cancel_of_open_invoices_answers_202_with_a_transaction(teos: Teos) -> None:
    """Sends a batch of two Open invoices (TEOS-CANCEL-01/02/09, TEOS-TX-01).
    Expects 202 with a Confirmed transaction carrying every seed field; both Cancelled, an unlisted one
    still Open, and the transaction readable back (key in upper case too)."""
    listed, unlisted = [teos.create(), teos.create()], teos.create()
    response = teos.cancel(listed)
    assert response.status_code == 202
    transaction = response.json()
    assert set(SEED_TX_FIELDS) <= set(transaction)
    assert transaction["State"] == "Confirmed" and transaction["Type"] == "CancelInvoices"
    assert teos.statuses(listed) == ["Cancelled", "Cancelled"]
    assert teos.status(unlisted) == "Open"
    read_back = teos.request("GET", tx_path(transaction["Id"].upper()))
    assert read_back.status_code == 200 and read_back.json() == transaction


def _fixture(name: str) -> Callable[[Teos], tuple[str, str, str]]:
    """(id, who reads it, its seeded status) for a seeded invoice a primary cancel must leave alone."""
    return {
        "paid": lambda t: (t.fixtures["paid"][0], "primary", "Paid"),
        "expired": lambda t: (t.fixtures["expired"][0], "primary", "Expired"),
        "other-tenant": lambda t: (t.fixtures["other_open"][0], "other", "Open"),
    }[name]


# case -> (the batch around an Open `key`, the seeded invoice it also names, if any)
IGNORED_IDS: dict[str, tuple[Callable[[str], list[str]], str | None]] = {
    "unknown": (lambda key: [unknown_guid(), key], None),
    "paid": (lambda key: [key], "paid"),
    "expired": (lambda key: [key], "expired"),
    "other-tenant": (lambda key: [key], "other-tenant"),
    "duplicate": (lambda key: [key, key, key.upper()], None),
    "non-guid": (lambda key: ["not-a-guid", "", "'x'", key], None),
}


def test_cancel_ignores_ids_it_cannot_cancel(teos: Teos) -> None:
    """Sends batches of one Open invoice plus an unknown / Paid / Expired / other tenant's / duplicate /
    non-GUID id (TEOS-CANCEL-03..08, TEOS-VALID-06).
    Expects 202 for each; the Open invoice Cancelled, the seeded invoice as it was."""
    observed, expected = {}, {}
    for case, (batch, seeded) in IGNORED_IDS.items():
        key = teos.create()
        other, who, before = _fixture(seeded)(teos) if seeded else (None, "primary", None)
        code = teos.cancel([other, *batch(key)] if other else batch(key)).status_code
        observed[case] = (code, teos.status(key), other and teos.status(other, who))
        expected[case] = (202, "Cancelled", before)
    assert observed == expected


def test_recancel_and_empty_batch_answer_202_and_change_nothing(teos: Teos) -> None:
    """Sends one invoice's batch twice, then `{"invoiceIds": []}` (TEOS-CANCEL-06, TEOS-VALID-05).
    Expects 202 each time, the invoice Cancelled, and the empty batch changing no invoice."""
    key, bystander = teos.create(), teos.create()
    assert [teos.cancel([key]).status_code for _ in range(2)] == [202, 202]
    assert teos.status(key) == "Cancelled"
    before = _list(teos, {"$select": "Id,Status"})["value"]
    assert teos.cancel([]).status_code == 202
    assert _list(teos, {"$select": "Id,Status"})["value"] == before
    assert teos.status(bystander) == "Open"


BAD_CANCEL_BODIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "not-json": lambda key: {"data": f'{{"invoiceIds": ["{key}"]'},
    "empty-body": lambda key: {"data": b""},
    "invalid-utf8": lambda key: {"data": b'{"invoiceIds": ["\xff"]}'},
    "json-array": lambda key: {"body": [key]},
    "json-string": lambda key: {"body": key},
    "no-invoiceIds": lambda key: {"body": {"ids": [key]}},
    "ids-string": lambda key: {"body": {"invoiceIds": key}},
    "ids-number": lambda key: {"body": {"invoiceIds": 7}},
    "ids-object": lambda key: {"body": {"invoiceIds": {"0": key}}},
    "ids-null": lambda key: {"body": {"invoiceIds": None}},
    "entry-number": lambda key: {"body": {"invoiceIds": [key, 7]}},
    "entry-null": lambda key: {"body": {"invoiceIds": [key, None]}},
    "entry-object": lambda key: {"body": {"invoiceIds": [key, {"Id": key}]}},
    "oversized": lambda key: {"body": {"invoiceIds": [key] + ["x" * 1024] * (MAX_BODY_BYTES // 1024)}},
    "deeply-nested": lambda key: {"data": "[" * (MAX_BODY_BYTES - 1)},
}


def test_invalid_cancel_bodies_are_400_and_change_nothing(teos: Teos) -> None:
    """Sends cancel bodies that are not `{"invoiceIds": [strings]}`, each naming an Open invoice
    (TEOS-VALID-01..04, TEOS-ERROR-01).
    Expects 400 with the error body (code 10001, a message, details []) and the invoice still Open."""
    observed = {}
    for case, make in BAD_CANCEL_BODIES.items():
        key = teos.create()
        response = teos.cancel(**make(key))
        error = response.json()
        observed[case] = (response.status_code, error.get("code"), bool(error.get("message")),
                          teos.status(key))
    assert observed == dict.fromkeys(BAD_CANCEL_BODIES, (400, 10001, True, "Open"))


OPERATIONS = {
    "create": ("POST", INVOICES),
    "list": ("GET", INVOICES),
    "get": ("GET", invoice_path(str(uuid.UUID(int=7)))),
    "cancel": ("POST", CANCEL),
    "transaction": ("GET", tx_path(str(uuid.UUID(int=7)))),
}
CREDENTIALS = {"none": None, "bad": "Bearer not-a-token-we-issued", "wrong-scheme": "Basic {token}",
               "bare-token": "{token}", "empty": ""}


def test_requests_without_a_valid_token_are_401(teos: Teos) -> None:
    """Sends every operation with no Authorization, an unknown token, the token under Basic or no scheme,
    or an empty header, each a cancel of an Open invoice where it can be (TEOS-AUTH-01/02, TEOS-D-401-BODY).
    Expects 401 with `WWW-Authenticate: Bearer` and no body, and the invoice still Open."""
    key, observed = teos.create(), {}
    for operation, (method, path) in OPERATIONS.items():
        for case, header in CREDENTIALS.items():
            headers = {} if header is None else {"Authorization": header.format(token=teos.tokens["primary"])}
            response = teos.client.request(method, path, headers=headers, json={"invoiceIds": [key]})
            observed[f"{operation}-{case}"] = (response.status_code, response.headers.get("WWW-Authenticate"),
                                               response.content)
    assert observed == {f"{op}-{case}": (401, "Bearer", b"") for op in OPERATIONS for case in CREDENTIALS}
    assert teos.status(key) == "Open"


def test_transaction_reads_outside_the_tenant_fail(teos: Teos) -> None:
    """Sends GET Transactions({key}) with a non-GUID key, an unknown GUID, and another tenant's transaction.
    Expects 400 for the non-GUID (TEOS-D-TX-KEY) and 404 for the others, each with an error code."""
    foreign = transaction_of(teos.cancel([teos.fixtures["other_open"][0]], who="other"))["Id"]
    observed = {}
    for case, key in {"non-guid": "nope", "unknown": unknown_guid(), "other-tenant": foreign}.items():
        response = teos.request("GET", tx_path(key))
        observed[case] = (response.status_code, response.json().get("code"))
    assert observed == {"non-guid": (400, 10001), "unknown": (404, 20004), "other-tenant": (404, 20004)}


def test_concurrent_cancels_all_answer_202(teos: Teos) -> None:
    """Sends 8 simultaneous cancels of one Open invoice (TEOS-CONC-01).
    Expects 202 for every one and the invoice Cancelled."""
    key = teos.create()
    assert concurrent_cancels(teos, key) == [202] * 8
    assert teos.status(key) == "Cancelled"


def test_async_delay_settles_through_processing(serve: Callable[..., Any]) -> None:
    """Sends a cancel of one Open invoice to a server with async_delay=0.3 (TEOS-D-SETTLE-TIME).
    Expects 202 with a Submitted transaction, the invoice Processing, then Cancelled and Confirmed."""
    t = Teos(serve("teos", async_delay=0.3))
    key = t.create()
    response = t.cancel([key])
    assert response.status_code == 202
    transaction = transaction_of(response)
    assert transaction["State"] == "Submitted"
    assert t.settled(key) == ["Processing", "Cancelled"]
    assert t.request("GET", tx_path(transaction["Id"])).json()["State"] == "Confirmed"


ODD_REQUESTS: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "key-nul": ("GET", invoice_path("%00"), {}, 400),
    "key-quoted": ("GET", invoice_path("'x'"), {}, 400),
    "key-empty": ("GET", invoice_path(""), {}, 400),
    "key-braced-guid": ("GET", invoice_path("{" + str(uuid.UUID(int=1)) + "}"), {}, 400),
    "key-slash": ("GET", invoice_path("%2F"), {}, 404),
    "key-long": ("GET", invoice_path("a" * 4000), {}, 400),
    "key-unicode": ("GET", invoice_path("%C3%A9%F0%9F%92%A5"), {}, 400),
    "tx-key-quoted": ("GET", tx_path("'x'"), {}, 400),
    "tx-key-empty": ("GET", tx_path(""), {}, 400),
    "tx-key-long": ("GET", tx_path("f" * 4000), {}, 400),
    "top-huge": ("GET", INVOICES + "?$top=" + "9" * 5000, {}, 200),
    "create-oversized": ("POST", INVOICES, {"data": b"{" * (MAX_BODY_BYTES * 2)}, 400),
    "cancel-binary": ("POST", CANCEL, {"data": bytes(range(256)) * 8}, 400),
}


def test_bad_input_gets_a_documented_answer_never_a_5xx(teos: Teos) -> None:
    """Sends odd keys, a huge query value, oversized and binary bodies (TEOS-ROBUST-01).
    Expects each its documented answer (400, 404 where the key breaks the path, 200 for a huge $top)
    and the server still answering."""
    observed = {case: teos.request(method, path, **kwargs).status_code
                for case, (method, path, kwargs, _) in ODD_REQUESTS.items()}
    assert observed == {case: expected for case, (_, _, _, expected) in ODD_REQUESTS.items()}
    assert teos.request("GET", INVOICES).status_code == 200


# ---------------------------------------------------------------- variants


def assert_conformant_flow(t: Teos) -> None:
    """Cancels Open, Paid, another tenant's, unknown and duplicate ids and reads them back; a 400; a 401."""
    key, unlisted = t.create(), t.create()
    paid, foreign = t.fixtures["paid"][0], t.fixtures["other_open"][0]
    response = t.cancel([key, paid, foreign, unknown_guid(), key])
    assert response.status_code == 202
    transaction = transaction_of(response)
    assert t.request("GET", tx_path(transaction["Id"])).json()["Id"] == transaction["Id"]
    assert t.settled(key)[-1] == "Cancelled"
    assert (t.status(paid), t.status(foreign, "other"), t.status(unlisted)) == ("Paid", "Open", "Open")
    assert t.cancel(data="nope").status_code == 400
    assert t.cancel([unlisted], who="none").status_code == 401
    assert t.request("GET", INVOICES).status_code == 200
    assert t.status(unlisted) == "Open"


def _bad_cancel_error(t: Teos) -> dict[str, Any]:
    return t.cancel(data="nope").json()


def _nulls_shown(t: Teos) -> tuple[bool, bool]:
    """(a transaction member is null, an invoice created without Description shows it)."""
    body = {k: v for k, v in t.config["create"]["body"].items() if k != "Description"}
    key = t.request("POST", INVOICES, json=body).json()["Id"]
    invoice = t.request("GET", invoice_path(key)).json()
    return None in transaction_of(t.cancel([key])).values(), "Description" in invoice


def _non_guid_batch(t: Teos) -> tuple[int, str]:
    key = t.create()
    return t.cancel(["not-a-guid", key]).status_code, t.status(key)


Probe = Callable[[Teos], Any]
# variant -> (probe, what the probe observes on a clean server); the variant must observe something else.
VARIANT_PROBES: dict[str, tuple[Probe, Any]] = {
    "alt-messages": (lambda t: _bad_cancel_error(t)["message"], MESSAGES["invalid"][0]),
    "extra-error-members": (lambda t: sorted(_bad_cancel_error(t)), ERROR_MEMBERS),
    "json-charset": (lambda t: t.request("GET", INVOICES).headers["content-type"], "application/json"),
    "connection-close": (lambda t: t.request("GET", INVOICES).headers.get("connection"), None),
    "bare-list": (lambda t: type(t.request("GET", INVOICES).json()).__name__, "dict"),
    "numeric-state": (lambda t: type(transaction_of(t.cancel([t.create()]))["State"]).__name__, "str"),
    "tx-array": (lambda t: type(t.cancel([t.create()]).json()).__name__, "dict"),
    "omit-nulls": (_nulls_shown, (True, True)),
    "empty-list-400": (lambda t: t.cancel([]).status_code, 202),
    "non-guid-400": (_non_guid_batch, (202, "Cancelled")),
}


def test_every_variant_has_a_probe() -> None:
    """Sends nothing: compares the variant catalogue with the probe table.
    Expects one probe per TEOS variant, no more."""
    assert set(VARIANT_PROBES) == {variant.name for variant in TEOS_VARIANTS}


def test_clean_server_shows_no_variant(teos: Teos) -> None:
    """Sends every variant probe to a clean server.
    Expects each probe's clean observation."""
    observed = {name: probe(teos) for name, (probe, _) in VARIANT_PROBES.items()}
    assert observed == {name: clean for name, (_, clean) in VARIANT_PROBES.items()}


@pytest.mark.parametrize("variant", [v.name for v in TEOS_VARIANTS], ids=[v.name for v in TEOS_VARIANTS])
def test_variant_is_visible_and_conformant(serve: Callable[..., Any], variant: str) -> None:
    """Sends the conformant flow (every answer validated against the contract), then the variant's probe.
    Expects the flow to pass and the probe to observe something other than a clean server does."""
    t = Teos(serve("teos", variants=(variant,)))
    assert_conformant_flow(t)
    probe, clean = VARIANT_PROBES[variant]
    assert probe(t) != clean


# ---------------------------------------------------------------- faults


def _cancel_with(t: Teos, ids: Callable[[str], Any], who: str = "primary") -> tuple[int, str]:
    """Cancel a body built around a fresh Open invoice; (status code, the invoice's status after)."""
    key = t.create()
    return t.cancel(body={"invoiceIds": ids(key)}, who=who).status_code, t.status(key)


def _fixture_after_cancel(t: Teos, name: str) -> tuple[int, str]:
    key, who, _ = _fixture(name)(t)
    return t.cancel([key]).status_code, t.status(key, who)


def _answers(t: Teos) -> str:
    try:
        t.cancel([t.create()], timeout=1)
    except requests.Timeout:
        return "timeout"
    return "answered"


def _batch_of_two(t: Teos) -> list[str]:
    keys = [t.create(), t.create()]
    t.cancel(keys)
    return t.statuses(keys)


def _unlisted_after_cancel(t: Teos) -> str:
    listed, unlisted = t.create(), t.create()
    t.cancel([listed])
    return t.status(unlisted)


def _race(t: Teos) -> tuple[list[int], str]:
    key = t.create()
    return sorted(set(concurrent_cancels(t, key))), t.status(key)


def _tx_read_back(t: Teos) -> int:
    return t.request("GET", tx_path(transaction_of(t.cancel([t.create()]))["Id"])).status_code


def _bad_key_then_list(t: Teos) -> tuple[int, int]:
    return t.request("GET", invoice_path("'x'")).status_code, t.request("GET", INVOICES).status_code


def _listed_statuses(t: Teos) -> list[str]:
    seeded = set(t.fixtures["paid"]) | set(t.fixtures["expired"])
    listed = t.request("GET", INVOICES).json()["value"]
    return sorted(item["Status"] for item in listed if item["Id"] in seeded)


def _settles(t: Teos) -> list[str]:
    key = t.create()
    t.cancel([key])
    return t.settled(key, seconds=0.5)


def _second_cancel(t: Teos) -> int:
    key = t.create()
    t.cancel([key])
    return t.cancel([key]).status_code


CANCELLED = (202, "Cancelled")
# fault -> (probe, what a clean server shows, what the fault shows)
FAULT_PROBES: dict[str, tuple[Probe, Any, Any]] = {
    "cancel-200": (lambda t: t.cancel([t.create()]).status_code, 202, 200),
    "tx-without-state": (lambda t: "State" in transaction_of(t.cancel([t.create()])), True, False),
    "cancel-hangs": (_answers, "answered", "timeout"),
    "cancel-noop": (lambda t: _cancel_with(t, lambda key: [key]), CANCELLED, (202, "Open")),
    "batch-first-only": (_batch_of_two, ["Cancelled", "Cancelled"], ["Cancelled", "Open"]),
    "stuck-processing": (_settles, ["Cancelled"], ["Processing"]),
    "unknown-id-400": (lambda t: _cancel_with(t, lambda key: [unknown_guid(), key]), CANCELLED,
                       (400, "Open")),
    "cancel-paid": (lambda t: _fixture_after_cancel(t, "paid"), (202, "Paid"), CANCELLED),
    "cancel-expired": (lambda t: _fixture_after_cancel(t, "expired"), (202, "Expired"), CANCELLED),
    "recancel-400": (_second_cancel, 202, 400),
    "cross-tenant": (lambda t: _fixture_after_cancel(t, "other-tenant"), (202, "Open"), CANCELLED),
    "duplicates-400": (lambda t: _cancel_with(t, lambda key: [key, key]), CANCELLED, (400, "Open")),
    "cancel-all-open": (_unlisted_after_cancel, "Open", "Cancelled"),
    "non-json-202": (lambda t: t.cancel(data="nope").status_code, 400, 202),
    "missing-ids-202": (lambda t: t.cancel(body={}).status_code, 400, 202),
    "scalar-ids-202": (lambda t: _cancel_with(t, lambda key: key), (400, "Open"), CANCELLED),
    "non-string-skipped": (lambda t: _cancel_with(t, lambda key: [key, 7]), (400, "Open"), CANCELLED),
    "empty-list-200": (lambda t: t.cancel([]).status_code, 202, 200),
    "non-guid-400-but-cancels": (_non_guid_batch, CANCELLED, (400, "Cancelled")),
    "error-body-bare": (lambda t: {"code", "message"} <= set(_bad_cancel_error(t)), True, False),
    "no-token-is-primary": (lambda t: _cancel_with(t, lambda key: [key], "none"), (401, "Open"), CANCELLED),
    "any-token-is-primary": (lambda t: _cancel_with(t, lambda key: [key], "bad"), (401, "Open"), CANCELLED),
    "cancel-race-409": (_race, ([202], "Cancelled"), ([202, 409], "Cancelled")),
    "tx-unreadable": (_tx_read_back, 200, 404),
    "crash-on-bad-key": (_bad_key_then_list, (400, 200), (500, 200)),
    "list-status-lowercase": (_listed_statuses, ["Expired", "Expired", "Paid", "Paid"],
                              ["expired", "expired", "paid", "paid"]),
    "duplicates-toggle": (lambda t: _cancel_with(t, lambda key: [key, key]), CANCELLED, (202, "Open")),
    "html-400": (lambda t: t.cancel(data="nope").headers["content-type"].split(";")[0], "application/json",
                 "text/html"),
    "get-any-tenant": (lambda t: t.request("GET", invoice_path(t.fixtures["other_open"][0])).status_code, 404, 200),
    "tx-names-foreign": (lambda t: "otherTenants" in transaction_of(t.cancel([t.fixtures["other_open"][0]]))[
        "DataAsJson"], False, True),
    "cl-and-te": (lambda t: "transfer-encoding" in t.request("GET", INVOICES).headers, False, True),
    "list-all-tenants": (lambda t: t.fixtures["other_open"][0] in {
        i["Id"] for i in t.request("GET", INVOICES).json()["value"]}, False, True),
}


def test_every_fault_has_a_probe() -> None:
    """Sends nothing: compares the fault catalogue with the probe table.
    Expects one probe per TEOS fault, no more."""
    assert set(FAULT_PROBES) == {fault.name for fault in TEOS_FAULTS}


def test_clean_server_gives_every_conformant_observation(teos: Teos) -> None:
    """Sends every fault probe to one clean server, validating each answer against the contract.
    Expects each probe's conformant observation."""
    observed = {name: probe(teos) for name, (probe, _, _) in FAULT_PROBES.items()}
    assert observed == {name: clean for name, (_, clean, _) in FAULT_PROBES.items()}


@pytest.mark.parametrize("fault", TEOS_FAULTS, ids=[fault.name for fault in TEOS_FAULTS])
def test_fault_is_observable(serve: Callable[..., Any], fault: Any) -> None:
    """Sends the fault's probe to a server with that fault on (answers unvalidated: they break the contract).
    Expects the misbehaviour the fault's description names, which differs from the clean observation."""
    probe, clean, faulty = FAULT_PROBES[fault.name]
    observed = probe(Teos(serve("teos", faults=(fault.name,)), validate=False))
    assert observed == faulty != clean, f"{fault.name} ({fault.description}) observed {observed!r}"
