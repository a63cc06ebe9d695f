"""The TEOS (CoreLedger) reference server: invoices, the batch cancel, and its transactions.

Implements spec/teos.openapi.yaml on Starlette with state in SQLite. Each fault in
faults.TEOS_FAULTS breaks one requirement on purpose; each variant in faults.TEOS_VARIANTS is a
reading the contract's `x-decisions` allow.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from conformance.reference.common import ServerOptions, json_response, now_iso, open_db, read_body

INVOICE_FIELDS = ("Id", "Status", "UniqueAssetId", "DesiredAmount", "TargetAddress", "SenderAddress",
                  "Description", "CreatedBy", "CreatedOn", "UpdatedOn", "DueOn", "TransactionId")
TX_FIELDS = ("Id", "State", "BlockchainTransactionId", "CorrelationId", "Type", "OnCreated", "OnUpdated",
             "OnSubmitted", "OnCommitted", "OnConfirmed", "OnRevokedByBlockchain", "OnRevokedByUser",
             "OnRevokedByTxServer", "SignedBy", "CreatedBy", "GasPrice", "GasUsed", "DataAsJson",
             "SigningParametersAsJson")
# Variant `numeric-state`: the contract's enum order. The docs give no mapping and TEOS-D-TX-STATE
# says the numbers are not graded; only the integer type is the visible difference.
STATE_NUMBERS = {name: number for number, name in enumerate(
    ("Received", "Submitted", "RevokedByUser", "RevokedByTxServer", "Committed", "RevokedByBlockchain",
     "Confirmed"))}
ZERO_ADDRESS = "0x" + "0" * 40
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# One `$filter` clause and what joins it to the next; parsed from left to right (see _parse_filter).
FILTER_CLAUSE = re.compile(
    r"\s*([A-Za-z]+)\s+eq\s+(?:'((?:[^']|'')*)'|([0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}))"
    r"\s*(?:(and)\s+|\Z)")
DIGITS = re.compile(r"[0-9]+")
CREATE_CHECKS: dict[str, Callable[[Any], bool]] = {  # CreateInvoiceRequest; Description is optional
    "UniqueAssetId": lambda value: isinstance(value, str),
    "TargetAddress": lambda value: isinstance(value, str),
    "DesiredAmount": lambda value: isinstance(value, str) and DIGITS.fullmatch(value) is not None,
    "DueOn": lambda value: isinstance(value, str) and _parse_iso(value),
    "Description": lambda value: isinstance(value, str),
}

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS invoices (
    Id TEXT PRIMARY KEY, Tenant TEXT NOT NULL, Status TEXT NOT NULL,
    {", ".join(f"{name} TEXT" for name in INVOICE_FIELDS[2:])}
);
CREATE TABLE IF NOT EXISTS transactions (
    Id TEXT PRIMARY KEY, Tenant TEXT NOT NULL, State TEXT NOT NULL,
    {", ".join(f"{name} TEXT" for name in TX_FIELDS[2:])}
);
"""

MESSAGES = {  # (default, variant `alt-messages`)
    "invalid": ("The request data is invalid.", "One or more validation errors occurred."),
    "not_found": ("The requested entity was not found.", "No entity with this key exists."),
    "conflict": ("The invoice is already being cancelled.", "A concurrent request changed the invoice."),
    "route": ("The requested resource does not exist.", "No such resource."),
    "method": ("The method is not allowed for this resource.", "Method not supported here."),
}


@dataclass(frozen=True)
class Tenant:
    id: str
    token: str
    user: str  # the GUID written to CreatedBy


def _guid() -> str:
    return str(uuid.uuid4())


def _is_guid(value: str) -> bool:
    return GUID.fullmatch(value) is not None


def _parse_iso(value: str) -> bool:
    """True for an ISO-8601 date-time (a time part is required: a bare date is not a date-time)."""
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return any(separator in value for separator in "Tt ")


def _count(value: str) -> int | None:
    """A non-negative integer query option; huge values are capped so slicing stays cheap."""
    if DIGITS.fullmatch(value) is None:
        return None
    digits = value.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10**18


def _parse_filter(text: str) -> list[tuple[str, str]] | None:
    """`<Field> eq '<value>'` / `<Field> eq <guid>` joined by ` and `, for Id and Status; else None."""
    clauses, position = [], 0
    while True:
        match = FILTER_CLAUSE.match(text, position)
        if match is None:
            return None
        field, quoted, bare, joiner = match.groups()
        value = bare if bare is not None else quoted.replace("''", "'")
        if field == "Id" and _is_guid(value):
            clauses.append(("Id", value.lower()))
        elif field == "Status" and bare is None:
            clauses.append(("Status", value))
        else:
            return None
        position = match.end()
        if joiner is None:
            return clauses


def _parse_orderby(text: str) -> list[str] | None:
    """`<Field>[ asc|desc]`, comma-separated, as SQL ORDER BY terms; None when unparseable."""
    terms = []
    for item in text.split(","):
        words = item.split()
        if not 1 <= len(words) <= 2 or words[0] not in INVOICE_FIELDS:
            return None
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            return None
        terms.append(f"{words[0]} {direction.upper()}")
    return terms


def _parse_select(text: str) -> list[str] | None:
    fields = [item.strip() for item in text.split(",")]
    if fields == ["*"]:
        return list(INVOICE_FIELDS)
    return fields if all(field in INVOICE_FIELDS for field in fields) else None


Handler = Callable[["TeosApp", Request, Tenant], Awaitable[Response]]


def authenticated(handler: Handler) -> Callable[[TeosApp, Request], Awaitable[Response]]:
    """Auth is checked first on every operation; the handler gets the token's tenant."""
    @functools.wraps(handler)
    async def endpoint(self: TeosApp, request: Request) -> Response:
        tenant = self._tenant(request)
        if tenant is None:  # no body: TEOS-D-401-BODY leaves it open
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await handler(self, request, tenant)
    return endpoint


class TeosApp:
    """One TEOS reference server: two tenants, their invoices and transactions."""

    def __init__(self, options: ServerOptions):
        self.options = options
        self.db = open_db(options.db, SCHEMA)
        self.primary = Tenant(_guid(), secrets.token_urlsafe(24), _guid())
        self.other = Tenant(_guid(), secrets.token_urlsafe(24), _guid())
        self._trace_prefix = secrets.token_hex(6).upper()
        self._trace_counter = itertools.count(1)
        self._in_flight: set[str] = set()  # fault `cancel-race-409`: ids some request began cancelling
        self.fixtures = self._seed()
        self.asgi = Starlette(routes=[
            # One route per path, so a wrong method's 405 lists every allowed method in `Allow`.
            Route("/odata/v1.0/Invoices", self.invoices, methods=["GET", "POST"]),
            Route("/odata/v1.0/Invoices/Cancel", self.cancel_invoices, methods=["POST"]),
            # `()` has no key for `{key}` to match; it is still a malformed key, so 400, not 404.
            Route("/odata/v1.0/Invoices()", self.get_invoice, methods=["GET"]),
            Route("/odata/v1.0/Invoices({key})", self.get_invoice, methods=["GET"]),
            Route("/odata/v1.0/Transactions()", self.get_transaction, methods=["GET"]),
            Route("/odata/v1.0/Transactions({key})", self.get_transaction, methods=["GET"]),
        ], exception_handlers={HTTPException: self._http_error})

    # ---------------------------------------------------------------- set-up and config

    def _seed(self) -> dict[str, list[str]]:
        """The fixtures target_config names: the primary's Paid and Expired, the other's Open."""
        past = (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="seconds").replace("+00:00", "Z")
        paid = [self._insert(self.primary, "Paid", SenderAddress="0x" + secrets.token_hex(20),
                             TransactionId=_guid()) for _ in range(2)]
        expired = [self._insert(self.primary, "Expired", DueOn=past) for _ in range(2)]
        other_open = [self._insert(self.other, "Open") for _ in range(3)]
        return {"paid": paid, "expired": expired, "other_open": other_open}

    def _insert(self, tenant: Tenant, status: str, **fields: str | None) -> str:
        now = now_iso()
        row = {"Id": _guid(), "Status": status, "UniqueAssetId": "0x" + "0" * 39 + "1",
               "DesiredAmount": "1000000", "TargetAddress": "0x" + secrets.token_hex(20),
               "SenderAddress": ZERO_ADDRESS, "Description": "Reference invoice", "CreatedBy": tenant.user,
               "CreatedOn": now, "UpdatedOn": now, "DueOn": _one_year_ahead(), "TransactionId": ZERO_GUID,
               **fields}
        names = ", ".join(row)
        self.db.execute(f"INSERT INTO invoices (Tenant, {names}) VALUES (?{', ?' * len(row)})",
                        (tenant.id, *row.values()))
        return row["Id"]

    def target_config(self, base_url: str) -> dict[str, Any]:
        return {
            "api": "teos", "base_url": base_url,
            "credentials": {"token": self.primary.token, "other_token": self.other.token},
            "fixtures": self.fixtures,
            "create": {"body": {"UniqueAssetId": "0x" + "0" * 39 + "1",
                                "TargetAddress": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                "DesiredAmount": "1000000", "DueOn": _one_year_ahead(),
                                "Description": "Conformance kit invoice"}},
            "settle": {"deadline_s": 30},
        }

    # ---------------------------------------------------------------- shared pieces

    def _tenant(self, request: Request) -> Tenant | None:
        """The token's tenant; None when the header is missing or names no issued token."""
        header = request.headers.get("authorization")
        if header is None:
            return self.primary if self.options.fault("no-token-is-primary") else None
        scheme, _, token = header.partition(" ")
        for tenant in (self.primary, self.other):
            if scheme.lower() == "bearer" and secrets.compare_digest(token.strip().encode(),
                                                                     tenant.token.encode()):
                return tenant
        return self.primary if self.options.fault("any-token-is-primary") else None

    def _error(self, status: int, code: int, key: str, target: str | None = None) -> Response:
        if status == 400 and self.options.fault("error-body-bare"):
            return json_response(self.options, {"error": "bad request"}, 400)
        message = MESSAGES[key][1 if self.options.variant("alt-messages") else 0]
        body: dict[str, Any] = {"code": code, "message": message, "target": target, "details": [],
                                "clTraceId": f"{self._trace_prefix}:{next(self._trace_counter):08X}"}
        if self.options.variant("extra-error-members"):
            body |= {"requestId": _guid(), "timestamp": now_iso()}
        return json_response(self.options, body, status)

    def _invalid(self, target: str | None = None) -> Response:
        return self._error(400, 10001, "invalid", target)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        """Unknown paths and wrong methods get the error body too, so every body is JSON."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            response = self._error(405, 10005, "method")
            response.headers.update(exc.headers or {})
            return response
        return self._error(exc.status_code, 10004, "route")

    def _shape(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.options.variant("omit-nulls"):
            return {name: value for name, value in item.items() if value is not None}
        return item

    def _invoice(self, row: Any) -> dict[str, Any]:
        return self._shape({name: row[name] for name in INVOICE_FIELDS})

    def _transaction(self, row: Any) -> dict[str, Any]:
        item = {name: row[name] for name in TX_FIELDS}
        if self.options.variant("numeric-state"):
            item["State"] = STATE_NUMBERS[item["State"]]
        return self._shape(item)

    @staticmethod
    async def _json(request: Request) -> tuple[bool, Any]:
        """(True, value) for a body that parses as JSON; (False, None) for anything else."""
        body = await read_body(request)
        if body is None:  # over MAX_BODY_BYTES: 413 is undocumented, and the data is invalid
            return False, None
        try:
            return True, json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
            return False, None

    # ---------------------------------------------------------------- invoices

    async def invoices(self, request: Request) -> Response:
        return await (self.create_invoice if request.method == "POST" else self.list_invoices)(request)

    @authenticated
    async def create_invoice(self, request: Request, tenant: Tenant) -> Response:
        ok, body = await self._json(request)
        if not ok or not isinstance(body, dict):
            return self._invalid()
        for name, valid in CREATE_CHECKS.items():
            if not valid(body.get(name)) and (name != "Description" or "Description" in body):
                return self._invalid(name)
        key = self._insert(tenant, "Open", **{name: body.get(name) for name in CREATE_CHECKS})
        row = self.db.execute("SELECT * FROM invoices WHERE Id = ?", (key,)).fetchone()
        return json_response(self.options, self._invoice(row), 201)

    @authenticated
    async def get_invoice(self, request: Request, tenant: Tenant) -> Response:
        key = request.path_params.get("key", "")
        if not _is_guid(key):
            if self.options.fault("crash-on-bad-key"):
                raise ValueError(f"malformed invoice key {key!r}")
            return self._invalid("key")
        scope, params = ("", ()) if self.options.fault("get-any-tenant") else (" AND Tenant = ?", (tenant.id,))
        row = self.db.execute(f"SELECT * FROM invoices WHERE Id = ?{scope}", (key.lower(), *params)).fetchone()
        if row is None:
            return self._error(404, 20004, "not_found", "key")
        return json_response(self.options, self._invoice(row))

    def _list_query(self, request: Request) -> dict[str, Any] | None:
        """The parsed OData query options, or None when one cannot be parsed (400)."""
        params = request.query_params
        if any(name.startswith("$") and name not in ("$filter", "$select", "$orderby", "$top", "$skip",
                                                     "$count") for name in params):
            return None
        query = {
            "filter": _parse_filter(params["$filter"]) if "$filter" in params else [],
            "select": _parse_select(params["$select"]) if "$select" in params else list(INVOICE_FIELDS),
            "orderby": _parse_orderby(params["$orderby"]) if "$orderby" in params else [],
            "top": _count(params["$top"]) if "$top" in params else 10**18,
            "skip": _count(params["$skip"]) if "$skip" in params else 0,
            "count": {"true": True, "false": False}.get(params.get("$count", "false").lower()),
        }
        return None if any(value is None for value in query.values()) else query

    @authenticated
    async def list_invoices(self, request: Request, tenant: Tenant) -> Response:
        query = self._list_query(request)
        if query is None:
            return self._invalid("$query")
        where = "".join(f" AND {field} = ?" for field, _ in query["filter"])
        order = ", ".join([*query["orderby"], "rowid ASC"])  # field names are whitelisted
        scope = "? = ?" if self.options.fault("list-all-tenants") else "Tenant = ?"
        first = (1, 1) if self.options.fault("list-all-tenants") else (tenant.id,)
        rows = self.db.execute(f"SELECT * FROM invoices WHERE {scope}{where} ORDER BY {order}",
                               (*first, *(value for _, value in query["filter"]))).fetchall()
        items = []
        for row in rows[query["skip"]:query["skip"] + query["top"]]:
            item = self._invoice(row)
            if self.options.fault("list-status-lowercase"):
                item["Status"] = item["Status"].lower()
            items.append({name: item[name] for name in query["select"] if name in item})
        if self.options.variant("bare-list"):
            return json_response(self.options, items)
        body: dict[str, Any] = {"@odata.context": f"{str(request.base_url).rstrip('/')}/odata/v1.0/"
                                                  "$metadata#Invoices"}
        if query["count"]:
            body["@odata.count"] = len(rows)
        body["value"] = items
        return json_response(self.options, body)

    # ---------------------------------------------------------------- cancel

    @authenticated
    async def cancel_invoices(self, request: Request, tenant: Tenant) -> Response:
        if self.options.fault("cancel-hangs"):
            await asyncio.sleep(3600)
        ids = await self._cancel_ids(request)
        if isinstance(ids, Response):
            return ids
        if not ids and self.options.variant("empty-list-400"):
            return self._invalid("invoiceIds")
        guids = [value.lower() for value in ids if _is_guid(value)]
        non_guid = len(guids) < len(ids)
        if non_guid and self.options.variant("non-guid-400"):
            return self._invalid("invoiceIds")
        rejected = self._screen(tenant, guids)
        if rejected is not None:
            return rejected
        tx_id = _guid()
        moved = await self._apply(tenant, guids, tx_id, nonempty=bool(ids))
        if moved is None:
            return self._error(409, 20009, "conflict", "invoiceIds")
        if non_guid and self.options.fault("non-guid-400-but-cancels"):
            return self._invalid("invoiceIds")
        foreign = self.db.execute(f"SELECT COUNT(*) FROM invoices WHERE Tenant != ? AND Id IN "
                                  f"({', '.join('?' * len(guids))})", (tenant.id, *guids)).fetchone()[0]
        row = self._record_transaction(tenant, tx_id, moved, foreign if self.options.fault("tx-names-foreign") else 0)
        transaction = self._transaction(row)
        if self.options.fault("tx-without-state"):
            del transaction["State"]
        ok_status = 200 if self.options.fault("cancel-200") or (
            not ids and self.options.fault("empty-list-200")) else 202
        return json_response(self.options, [transaction] if self.options.variant("tx-array") else transaction,
                             ok_status)

    async def _cancel_ids(self, request: Request) -> list[str] | Response:
        """The batch's ids, or the 400 for a body that is not `{"invoiceIds": [strings]}`."""
        ok, body = await self._json(request)
        if not ok and self.options.fault("html-400"):
            return HTMLResponse("<html><body><h1>400 Bad Request</h1></body></html>", status_code=400)
        if not ok:
            return [] if self.options.fault("non-json-202") else self._invalid()
        if not isinstance(body, dict):
            return self._invalid()
        if "invoiceIds" not in body:
            return [] if self.options.fault("missing-ids-202") else self._invalid("invoiceIds")
        ids = body["invoiceIds"]
        if isinstance(ids, str) and self.options.fault("scalar-ids-202"):
            return [ids]
        if not isinstance(ids, list):
            return self._invalid("invoiceIds")
        if self.options.fault("non-string-skipped"):
            return [value for value in ids if isinstance(value, str)]
        if not all(isinstance(value, str) for value in ids):
            return self._invalid("invoiceIds")
        return ids

    def _screen(self, tenant: Tenant, guids: list[str]) -> Response | None:
        """Faults that reject a well-formed batch before anything changes."""
        marks = ", ".join("?" * len(guids))
        rows = self.db.execute(f"SELECT Tenant, Status FROM invoices WHERE Id IN ({marks})", guids).fetchall()
        if self.options.fault("duplicates-400") and len(set(guids)) < len(guids):
            return self._invalid("invoiceIds")
        if self.options.fault("unknown-id-400") and len(rows) < len(set(guids)):
            return self._invalid("invoiceIds")
        if self.options.fault("recancel-400") and any(
                row["Tenant"] == tenant.id and row["Status"] == "Cancelled" for row in rows):
            return self._invalid("invoiceIds")
        return None

    def _deferred(self) -> bool:
        return self.options.async_delay > 0 or self.options.fault("stuck-processing")

    def _targets(self, tenant: Tenant, guids: list[str], nonempty: bool) -> list[str]:
        """The ids the batch tries to move: each listed id once, unless a fault widens or cuts it."""
        if self.options.fault("cancel-noop"):
            return []
        if self.options.fault("cancel-all-open") and nonempty:
            return [row["Id"] for row in self.db.execute(
                "SELECT Id FROM invoices WHERE Tenant = ? AND Status = 'Open'", (tenant.id,))]
        if self.options.fault("duplicates-toggle"):  # each copy flips it: an even count leaves it as it was
            return [key for key in dict.fromkeys(guids) if guids.count(key) % 2]
        unique = list(dict.fromkeys(guids))  # duplicates are harmless: each id is moved at most once
        return unique[:1] if self.options.fault("batch-first-only") else unique

    async def _apply(self, tenant: Tenant, guids: list[str], tx_id: str, nonempty: bool) -> list[str] | None:
        """Move the batch's Open invoices; the ids moved, or None for the race fault's 409."""
        sources = ["Open"] + ["Paid"] * self.options.fault("cancel-paid") + \
            ["Expired"] * self.options.fault("cancel-expired")
        cross = self.options.fault("cross-tenant")
        scope, scope_params = ("", ()) if cross else (" AND Tenant = ?", (tenant.id,))
        status = "Processing" if self._deferred() else "Cancelled"
        moved = []
        for key in self._targets(tenant, guids, nonempty):
            if self.options.fault("cancel-race-409"):
                count = await self._racy_move(key, status, tx_id, scope, scope_params)
                if count is None:
                    return None
            else:
                # One conditional statement: of concurrent cancels, exactly one moves the invoice.
                count = self.db.execute(
                    f"UPDATE invoices SET Status = ?, UpdatedOn = ?, TransactionId = ? WHERE Id = ?{scope}"
                    f" AND Status IN ({', '.join('?' * len(sources))})",
                    (status, now_iso(), tx_id, key, *scope_params, *sources)).rowcount
            moved += [key] * count
        return moved

    async def _racy_move(self, key: str, status: str, tx_id: str, scope: str,
                         scope_params: tuple[str, ...]) -> int | None:
        """Fault `cancel-race-409`: read, pause, then write; a request that finds another already
        cancelling the invoice answers 409 (None) instead of being ignored."""
        row = self.db.execute(f"SELECT Status FROM invoices WHERE Id = ?{scope}",
                              (key, *scope_params)).fetchone()
        if row is None or row["Status"] != "Open":
            return 0
        if key in self._in_flight:
            return None
        self._in_flight.add(key)
        await asyncio.sleep(0.05)
        self.db.execute("UPDATE invoices SET Status = ?, UpdatedOn = ?, TransactionId = ? WHERE Id = ?",
                        (status, now_iso(), tx_id, key))
        return 1

    def _record_transaction(self, tenant: Tenant, tx_id: str, moved: list[str], foreign: int = 0) -> Any:
        """Store the cancel transaction: Confirmed now, or Submitted until the delayed settle."""
        now = now_iso()
        deferred = self._deferred()
        row = {"Id": tx_id, "State": "Submitted" if deferred else "Confirmed",
               "CorrelationId": _guid(), "Type": "CancelInvoices", "OnCreated": now, "OnUpdated": now,
               "OnSubmitted": now, "CreatedBy": tenant.user,
               "DataAsJson": json.dumps({"invoiceIds": moved} | ({"otherTenants": foreign} if foreign else {}))}
        if not deferred:
            row |= {"OnCommitted": now, "OnConfirmed": now, "BlockchainTransactionId": _tx_hash()}
        self.db.execute(f"INSERT INTO transactions (Tenant, {', '.join(row)}) VALUES (?{', ?' * len(row)})",
                        (tenant.id, *row.values()))
        if self.options.async_delay > 0 and not self.options.fault("stuck-processing"):
            asyncio.get_running_loop().call_later(self.options.async_delay, self._settle, tx_id, moved)
        return self.db.execute("SELECT * FROM transactions WHERE Id = ?", (tx_id,)).fetchone()

    def _settle(self, tx_id: str, moved: list[str]) -> None:
        """The delayed half of a cancel: Processing invoices become Cancelled, the transaction Confirmed."""
        now = now_iso()
        for key in moved:
            self.db.execute("UPDATE invoices SET Status = 'Cancelled', UpdatedOn = ? "
                            "WHERE Id = ? AND Status = 'Processing'", (now, key))
        self.db.execute("UPDATE transactions SET State = 'Confirmed', OnUpdated = ?, OnCommitted = ?, "
                        "OnConfirmed = ?, BlockchainTransactionId = ? WHERE Id = ?",
                        (now, now, now, _tx_hash(), tx_id))

    # ---------------------------------------------------------------- transactions

    @authenticated
    async def get_transaction(self, request: Request, tenant: Tenant) -> Response:
        key = request.path_params.get("key", "")
        if not _is_guid(key):
            return self._invalid("key")  # TEOS-D-TX-KEY allows 400 or 404
        row = None if self.options.fault("tx-unreadable") else self.db.execute(
            "SELECT * FROM transactions WHERE Id = ? AND Tenant = ?", (key.lower(), tenant.id)).fetchone()
        if row is None:
            return self._error(404, 20004, "not_found", "key")
        return json_response(self.options, self._transaction(row))


def _tx_hash() -> str:
    return "0x" + secrets.token_hex(32)


def _one_year_ahead() -> str:
    return (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds").replace("+00:00", "Z")


def create_app(options: ServerOptions) -> TeosApp:
    return TeosApp(options)
