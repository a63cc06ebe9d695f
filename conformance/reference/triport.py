"""The Triport console-billing reference server: spec/triport.openapi.yaml, faults and variants."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from conformance.reference.common import ServerOptions, json_response, now_iso, open_db, read_body

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, balance_micro INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
    expires_at REAL NOT NULL, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, user_id TEXT NOT NULL,
    status TEXT NOT NULL, amount_micro INTEGER NOT NULL, description TEXT, channel TEXT NOT NULL,
    rail TEXT NOT NULL, bill_action TEXT NOT NULL, created_at TEXT NOT NULL, expires_at REAL NOT NULL,
    paid_at TEXT, processed_at TEXT, payments_received_micro INTEGER NOT NULL DEFAULT 0);
"""
STATUSES = ("pending", "paid", "expired", "cancelled")
TERMINAL = ("paid", "expired", "cancelled")
# rail -> (network, token, decimals, confirmations, channels)
RAILS = {
    "sol-native": ("solana", "SOL", 9, 32, ("crypto-onchain", "crypto-inapp")),
    "sol-spl-usdc": ("solana", "USDC", 6, 32, ("crypto-onchain", "crypto-inapp")),
    "sol-spl-usdt": ("solana", "USDT", 6, 32, ("crypto-onchain", "crypto-inapp")),
    "tron-usdt": ("tron", "USDT", 6, 19, ("crypto-onchain",)),
    "tron-usdc": ("tron", "USDC", 6, 19, ("crypto-onchain",)),
    "eth-usdt": ("ethereum", "USDT", 6, 12, ("crypto-onchain", "crypto-inapp")),
    "eth-usdc": ("ethereum", "USDC", 6, 12, ("crypto-onchain", "crypto-inapp")),
    "bsc-usdt": ("bsc", "USDT", 18, 15, ("crypto-onchain",)),
    "bsc-usdc": ("bsc", "USDC", 18, 15, ("crypto-onchain",)),
    "polygon-usdc": ("polygon", "USDC", 6, 64, ("crypto-onchain", "crypto-inapp")),
    "polygon-usdt": ("polygon", "USDT", 6, 64, ("crypto-onchain", "crypto-inapp")),
}
BILL_TYPES = ("subscription_purchase", "subscription_renew", "topup")
PLAN_PRICES_MICRO = {"starter": 9_000_000, "growth": 49_000_000, "scale": 199_000_000}
MONTHS = (1, 3, 6, 12)
DEFAULT_TTL_S = 1800
# Bounds the docs leave to the server; past them create answers 400 (SQLite and clocks overflow).
MAX_TTL_S = 366 * 86400
MAX_AMOUNT = 10**15
MESSAGES = {  # (standard, alt-messages variant)
    401: ("auth required", "unauthorized"),
    404: ("not found", "invoice unavailable"),
    "cancel-404": ("not found or not pending", "invoice unavailable"),
}


class TriportApp:
    """State, handlers and the Starlette app for one Triport reference server."""

    def __init__(self, options: ServerOptions):
        self.options = options
        self.db = open_db(options.db, SCHEMA)
        self.subscribers: dict[str, set[asyncio.Queue]] = {}
        self.rejected: set[str] = set()  # ids rejected once (only the rejection-drifts fault reads it)
        self.server_csrf = secrets.token_urlsafe(16)  # the csrf-server-wide variant's one token
        if self.db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
            self._seed()
        cancel = {"POST": self.cancel_invoice} | ({"GET": self.cancel_invoice} if options.fault("get-cancels") else {})
        self.asgi = Starlette(
            routes=[
                _route("/v1/billing/invoices", {"POST": self.create_invoice, "GET": self.list_invoices}),
                _route("/v1/billing/invoices/{id}", {"GET": self.get_invoice}),
                _route("/v1/billing/invoices/{id}/cancel", cancel),
                _route("/v1/billing/invoices/{id}/pay-from-balance", {"POST": self.pay_from_balance}),
                _route("/v1/billing/invoices/{id}/events", {"GET": self.invoice_events}),
                _route("/v1/billing/rails", {"GET": self.list_rails}),
            ],
            exception_handlers={HTTPException: self._http_exception},
        )

    # ------------------------------------------------------------------ set-up

    def _seed(self) -> None:
        now = time.time()
        for role in ("primary", "other"):
            user = f"usr_{secrets.token_hex(4)}"
            self.db.execute("INSERT INTO users VALUES (?, ?)", (user, 1_000_000_000))
            self._session(user, role, now + 30 * 86400)
            if role == "primary":
                self._session(user, "expired", now - 60)
                for status in ("paid", "paid", "expired", "expired"):
                    self._insert(user, status, {"type": "topup", "plan": "starter", "months": 1})
            else:
                for _ in range(3):
                    self._insert(user, "pending", {"type": "topup", "plan": "starter", "months": 1})

    def _session(self, user: str, role: str, expires_at: float) -> None:
        csrf = self.server_csrf if self.options.variant("csrf-server-wide") else secrets.token_urlsafe(16)
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                        (secrets.token_urlsafe(24), user, csrf, expires_at, role))

    def _insert(self, user: str, status: str, bill_action: dict[str, Any], rail: str = "eth-usdc",
                channel: str = "crypto-onchain", amount: int | None = None, description: str | None = None,
                ttl_s: int = DEFAULT_TTL_S) -> str:
        invoice_id = str(uuid.uuid4()) if self.options.variant("uuid-ids") else f"inv_{secrets.token_hex(6)}"
        if amount is None:
            amount = PLAN_PRICES_MICRO[bill_action["plan"]] * bill_action["months"]
        paid_at = now_iso() if status == "paid" else None
        self.db.execute(
            "INSERT INTO invoices (id, user_id, status, amount_micro, description, channel, rail, bill_action,"
            " created_at, expires_at, paid_at, processed_at, payments_received_micro)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (invoice_id, user, status, amount, description, channel, rail, json.dumps(bill_action),
             now_iso(), time.time() + ttl_s, paid_at, paid_at, amount if status == "paid" else 0),
        )
        return invoice_id

    def target_config(self, base_url: str) -> dict[str, Any]:
        sessions = {r["role"]: r for r in self.db.execute("SELECT * FROM sessions")}
        primary, other = sessions["primary"]["user_id"], sessions["other"]["user_id"]

        def ids(user: str, status: str) -> list[str]:
            rows = self.db.execute("SELECT id FROM invoices WHERE user_id=? AND status=? ORDER BY seq",
                                   (user, status))
            return [row["id"] for row in rows]

        credentials = {"session": sessions["primary"]["token"], "other_session": sessions["other"]["token"],
                       "expired_session": sessions["expired"]["token"]}
        if self.options.csrf:
            credentials |= {"csrf_token": sessions["primary"]["csrf"],
                            "other_csrf_token": sessions["other"]["csrf"]}
        return {
            "api": "triport", "base_url": base_url, "credentials": credentials,
            "fixtures": {"paid": ids(primary, "paid"), "expired": ids(primary, "expired"),
                         "other_pending": ids(other, "pending")},
            "create": {"body": {"channel": "crypto-onchain", "rail": "eth-usdc",
                                "bill_action": {"type": "topup", "plan": "starter", "months": 1}}},
        }

    # ------------------------------------------------------------------ shared pieces

    def error(self, status: int, message: str | None = None, key: int | str | None = None) -> Response:
        """The flat error envelope, shaped by the message/member variants and the error faults."""
        if message is None:
            message = MESSAGES[key or status][1 if self.options.variant("alt-messages") else 0]
        body: dict[str, Any] = {"error": message}
        if self.options.variant("extra-error-members"):
            body |= {"message": message.capitalize(), "request_id": f"req_{secrets.token_hex(8)}"}
        if status in (401, 404) and self.options.fault("error-not-json"):
            return Response(message, status_code=status, media_type="text/plain")
        if status in (401, 404) and self.options.fault("error-text-plain"):
            return Response(json.dumps(body), status_code=status, media_type="text/plain")
        return json_response(self.options, body, status)

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = self.error(exc.status_code, exc.detail.lower())
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    def authenticate(self, request: Request) -> sqlite3.Row | None:
        """The session's row, or None (401). Expired sessions are invalid."""
        token = request.cookies.get("nl_session")
        if token is None:
            return self._primary() if self.options.fault("no-cookie-is-primary") else None
        row = self.db.execute("SELECT * FROM sessions WHERE token=?", (token,)).fetchone()
        if row is None:
            return self._primary() if self.options.fault("any-cookie-is-primary") else None
        if row["expires_at"] <= time.time() and not self.options.fault("expired-session-valid"):
            return None
        return row

    def gate(self, request: Request, csrf: bool = False) -> sqlite3.Row | Response:
        """The caller's session, or the 401 (no valid session) or 403 (CSRF) that refuses the request."""
        session = self.authenticate(request)
        if session is None:
            return self.error(401)
        problem = self.csrf_problem(request, session) if csrf else None
        return problem or session

    def _primary(self) -> sqlite3.Row:
        return self.db.execute("SELECT * FROM sessions WHERE role='primary'").fetchone()

    def csrf_problem(self, request: Request, session: sqlite3.Row) -> Response | None:
        """403 when CSRF is enforced and the header is missing or not this session's token."""
        if not self.options.csrf:
            return None
        header = request.headers.get("x-csrf-token")
        cookie = request.cookies.get("nl_csrf", header)
        if header is None:
            return None if self.options.fault("csrf-missing-ok") else self.error(403, "csrf_missing")
        if self.options.fault("csrf-any-token"):
            return None
        if self.options.fault("csrf-double-submit"):  # any value, as long as cookie and header agree
            valid = cookie == header
        elif self.options.fault("csrf-unbound"):  # any session's token
            issued = self.db.execute("SELECT 1 FROM sessions WHERE csrf=?", (header,)).fetchone() is not None
            valid = issued and cookie == header
        else:
            valid = header == session["csrf"] and cookie == header
        return None if valid else self.error(403, "csrf_invalid")

    def owned(self, invoice_id: str, session: sqlite3.Row) -> sqlite3.Row | None:
        self.sweep()
        return self.db.execute("SELECT * FROM invoices WHERE id=? AND user_id=?",
                               (invoice_id, session["user_id"])).fetchone()

    def sweep(self) -> None:
        """Expire pending invoices whose time is up, telling their subscribers."""
        rows = self.db.execute("SELECT id FROM invoices WHERE status='pending' AND expires_at<=?",
                               (time.time(),)).fetchall()
        for row in rows:
            self.db.execute("UPDATE invoices SET status='expired' WHERE id=? AND status='pending'", (row["id"],))
            self.notify(row["id"], "invoice_expired", {"id": row["id"], "status": "expired"})

    def notify(self, invoice_id: str, event: str, data: dict[str, Any]) -> None:
        listeners = [invoice_id]
        if self.options.fault("events-broadcast"):  # every stream hears every invoice
            listeners = list(self.subscribers)
        elif self.options.fault("events-user-broadcast"):  # every stream of the owner hears its invoices
            owner = self._find(invoice_id)
            listeners = [i for i in self.subscribers if (row := self._find(i)) and owner
                         and row["user_id"] == owner["user_id"]]
        for listener in listeners:
            for queue in self.subscribers.get(listener, ()):
                queue.put_nowait((event, data))

    def render(self, row: sqlite3.Row, summary: bool = False) -> dict[str, Any]:
        network = RAILS[row["rail"]][0]
        invoice = {
            "id": row["id"], "user_id": row["user_id"], "amount_micro": row["amount_micro"],
            "amount_usd": f"{row['amount_micro'] / 1_000_000:.2f}", "status": row["status"],
            "description": row["description"], "channel": row["channel"], "rail": row["rail"],
            "bill_action": json.loads(row["bill_action"]), "created_at": row["created_at"],
            "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["expires_at"])),
            "paid_at": row["paid_at"], "processed_at": row["processed_at"],
        }
        if not summary:
            address = "0x" + uuid.uuid5(uuid.NAMESPACE_URL, row["id"]).hex.ljust(40, "0")
            invoice |= {"address": {"network": network, "address": address},
                        "qr_uri": f"{network}:{address}",
                        "payments_received_micro": row["payments_received_micro"]}
        return invoice

    # ------------------------------------------------------------------ operations

    async def create_invoice(self, request: Request) -> Response:
        session = self.gate(request, csrf=True)
        if isinstance(session, Response):
            return session
        raw = await read_body(request)
        try:
            body = json.loads(raw) if raw is not None else None
        except ValueError:
            body = None
        invalid = _create_problem(body)
        if invalid:
            return self.error(400, invalid)
        pending = self.db.execute("SELECT COUNT(*) FROM invoices WHERE user_id=? AND status='pending'",
                                  (session["user_id"],)).fetchone()[0]
        if pending >= self.options.pending_limit:
            return self.error(409, "too many pending invoices")
        invoice_id = self._insert(
            session["user_id"], "pending", body["bill_action"], body["rail"], body["channel"],
            body.get("amount_micro") or None, body.get("description"), body.get("ttl_seconds", DEFAULT_TTL_S),
        )
        row = self.db.execute("SELECT * FROM invoices WHERE id=?", (invoice_id,)).fetchone()
        return json_response(self.options, self.render(row), 200 if self.options.variant("create-200") else 201)

    async def list_invoices(self, request: Request) -> Response:
        session = self.gate(request)
        if isinstance(session, Response):
            return session
        status = request.query_params.get("status")
        paging = [request.query_params.get(name, "0") for name in ("limit", "offset")]
        if status is not None and status not in STATUSES:
            return self.error(400, "invalid status")
        if not all(p.isdigit() for p in paging):
            return self.error(400, "invalid paging")
        # Clamp instead of refusing: SQLite integers are 64-bit, and both readings are conformant.
        limit, offset = (min(int(p), 2**62) for p in paging)
        self.sweep()
        query, params = "SELECT * FROM invoices WHERE user_id=?", [session["user_id"]]
        if self.options.fault("list-all-users"):
            query, params = "SELECT * FROM invoices WHERE 1=1", []
        if status is not None:
            stale = self.options.fault("list-stale")  # the fault lists cancelled invoices as pending
            statuses = ("pending", "cancelled") if stale and status == "pending" else (status,)
            if stale and status == "cancelled":
                statuses = ()
            query += f" AND status IN ({','.join('?' * len(statuses)) or 'NULL'})"
            params += statuses
        query += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        rows = self.db.execute(query, (*params, min(limit, 1000) or 100, offset)).fetchall()
        invoices = [self.render(row, summary=True) for row in rows]
        if self.options.fault("list-stale"):
            for invoice in invoices:
                invoice["status"] = "pending" if invoice["status"] == "cancelled" else invoice["status"]
        return json_response(self.options, {"invoices": invoices})

    async def get_invoice(self, request: Request) -> Response:
        session = self.gate(request)
        if isinstance(session, Response):
            return session
        row = self._find(request.path_params["id"]) if self.options.fault("get-any-owner") else \
            self.owned(request.path_params["id"], session)
        return self.error(404) if row is None else json_response(self.options, self.render(row))

    async def cancel_invoice(self, request: Request) -> Response:
        invoice_id = request.path_params["id"]
        if self.options.fault("existence-before-auth") and self._find(invoice_id) is None:
            return self.error(404, key="cancel-404")
        session = self.gate(request, csrf=True)
        if isinstance(session, Response):
            return session
        if self.options.fault("crash-on-long-id") and len(invoice_id) > 64:
            raise RuntimeError("invoice id too long for the index")
        if self.options.fault("cancel-hangs"):
            await asyncio.sleep(3600)
        self.sweep()
        if await self._transition(invoice_id, session["user_id"]):
            return self._cancelled()
        return await self._rejected(invoice_id, session["user_id"])

    async def _transition(self, invoice_id: str, user: str) -> bool:
        """Move one pending invoice of `user` to cancelled: one conditional UPDATE, so it is atomic."""
        fault = self.options.fault
        if fault("cancel-race"):  # check, yield to other requests, then set: two may both win
            row = self._find(invoice_id)
            await asyncio.sleep(0.05)
            won = row is not None and row["user_id"] == user and row["status"] == "pending"
            if won:
                self.db.execute("UPDATE invoices SET status='cancelled', processed_at=? WHERE id=?",
                                (now_iso(), invoice_id))
        else:
            cancellable = ["pending"] + [s for s, f in (("paid", "cancel-paid"), ("expired", "cancel-expired"),
                                                       ("cancelled", "recancel-204")) if fault(f)]
            owner = "" if fault("cancel-any-owner") else " AND user_id=:user"
            where = f"id=:id{owner} AND status IN ({','.join(repr(s) for s in cancellable)})"
            if fault("cancel-noop"):
                won = self.db.execute(f"SELECT 1 FROM invoices WHERE {where}", {"id": invoice_id, "user": user})
                won = won.fetchone() is not None
            else:
                won = self.db.execute(f"UPDATE invoices SET status='cancelled', processed_at=:now WHERE {where}",
                                      {"id": invoice_id, "user": user, "now": now_iso()}).rowcount == 1
        if won and fault("cancel-all-pending"):
            self.db.execute("UPDATE invoices SET status='cancelled' WHERE user_id=? AND status='pending'", (user,))
        if won and not fault("events-silent-cancel"):
            self.notify(invoice_id, "invoice_cancelled", {"id": invoice_id, "status": "cancelled"})
        return won

    def _cancelled(self) -> Response:
        if self.options.fault("cancel-200"):
            return Response(status_code=200)
        if self.options.fault("cancel-204-body"):
            return Response(b"{}", status_code=204,
                            headers={"content-type": "application/json", "content-length": "2"})
        return Response(status_code=204)

    async def _rejected(self, invoice_id: str, user: str) -> Response:
        """The one 404 for unknown, foreign and terminal invoices (faults make it tell them apart)."""
        row = self._find(invoice_id)
        foreign = row is not None and row["user_id"] != user
        if row is None and self.options.fault("unknown-400"):
            return self.error(400, "no such invoice")
        if foreign and self.options.fault("slow-foreign-404"):
            await asyncio.sleep(0.08)
        if foreign and self.options.fault("leaky-404"):
            return self.error(404, "invoice belongs to another account")
        if invoice_id in self.rejected and self.options.fault("rejection-drifts"):
            return self.error(404, "invoice already rejected")
        self.rejected.add(invoice_id)
        response = self.error(404, key="cancel-404")
        if self.options.fault("etag-by-owner"):  # a cache tag derived from whose invoice it is
            owner = row["user_id"] if row is not None else "-"
            response.headers["etag"] = f'W/"{uuid.uuid5(uuid.NAMESPACE_OID, owner).hex[:16]}"'
        return response

    def _find(self, invoice_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM invoices WHERE id=?", (invoice_id,)).fetchone()

    async def pay_from_balance(self, request: Request) -> Response:
        session = self.gate(request, csrf=True)
        if isinstance(session, Response):
            return session
        row = self.owned(request.path_params["id"], session)
        if row is None:
            return self.error(404)
        user = session["user_id"]
        if row["status"] == "pending":
            balance = self.db.execute("SELECT balance_micro FROM users WHERE id=?", (user,)).fetchone()[0]
            if balance < row["amount_micro"]:
                return self.error(402, "insufficient balance")
            paid = self.db.execute(
                "UPDATE invoices SET status='paid', paid_at=:now, processed_at=:now, payments_received_micro="
                "amount_micro WHERE id=:id AND status='pending'", {"id": row["id"], "now": now_iso()}).rowcount
            if paid:
                self.db.execute("UPDATE users SET balance_micro=balance_micro-? WHERE id=?",
                                (row["amount_micro"], user))
                self.notify(row["id"], "invoice_paid", {"id": row["id"], "status": "paid"})
        elif row["status"] != "paid":
            return self.error(409, "invoice is not payable")
        balance = self.db.execute("SELECT balance_micro FROM users WHERE id=?", (user,)).fetchone()[0]
        return json_response(self.options, {"invoice_id": row["id"], "status": "paid", "new_balance_micro": balance})

    async def invoice_events(self, request: Request) -> Response:
        session = self.gate(request)
        if isinstance(session, Response):
            return session
        row = self._find(request.path_params["id"]) if self.options.fault("events-any-owner") else \
            self.owned(request.path_params["id"], session)
        if row is None:
            return self.error(404)
        return StreamingResponse(self._stream(row["id"]), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})

    async def _stream(self, invoice_id: str) -> AsyncIterator[str]:
        queue: asyncio.Queue = asyncio.Queue()
        self.subscribers.setdefault(invoice_id, set()).add(queue)  # before the read: no event is missed
        try:
            status = self._find(invoice_id)["status"]
            first = "invoice_status" if self.options.fault("events-no-snapshot") else "snapshot"
            yield _frame(first, {"id": invoice_id, "status": status})
            if status in TERMINAL and not self.options.fault("events-terminal-open"):
                return
            while True:
                try:
                    event, data = await asyncio.wait_for(queue.get(), timeout=self.options.keepalive_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield _frame(event, data)
                if event != "invoice_cancelled" or not self.options.variant("events-stay-open"):
                    return
        finally:
            self.subscribers[invoice_id].discard(queue)

    async def list_rails(self, request: Request) -> Response:
        rails = [{"id": rail, "display_name": f"{token} on {network.capitalize()}", "network": network,
                  "token": token, "decimals": decimals, "confirmations": confirmations, "channels": list(channels)}
                 for rail, (network, token, decimals, confirmations, channels) in RAILS.items()]
        if self.options.fault("rails-not-array"):
            return json_response(self.options, {"rails": {rail["id"]: rail for rail in rails}})
        return json_response(self.options, {"rails": rails})


def _route(path: str, handlers: dict[str, Callable[[Request], Awaitable[Response]]]) -> Route:
    """One route per path, so a 405 lists every method the path has in `Allow`."""
    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))


def _frame(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _create_problem(body: Any) -> str | None:
    """Why a create body is invalid, or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    action = body.get("bill_action")
    action = action if isinstance(action, dict) else {}
    # Membership tests hash their operand: only strings and ints may reach them (JSON gives dicts too).
    channel, rail, kind, plan = (v if isinstance(v, str) else None for v in (
        body.get("channel"), body.get("rail"), action.get("type"), action.get("plan")))
    checks = [
        (channel in ("crypto-onchain", "crypto-inapp"), "invalid channel"),
        (rail in RAILS, "invalid rail"),
        (rail not in RAILS or channel in RAILS[rail][4], "rail/channel mismatch"),
        (kind in BILL_TYPES and plan in PLAN_PRICES_MICRO and _is_int(action.get("months"))
         and action["months"] in MONTHS, "invalid bill_action"),
        ("amount_micro" not in body or (_is_int(body["amount_micro"]) and 0 <= body["amount_micro"] <= MAX_AMOUNT),
         "invalid amount_micro"),
        ("description" not in body or isinstance(body["description"], str), "invalid description"),
        ("ttl_seconds" not in body or (_is_int(body["ttl_seconds"]) and 1 <= body["ttl_seconds"] <= MAX_TTL_S),
         "invalid ttl_seconds"),
    ]
    return next((message for ok, message in checks if not ok), None)


def create_app(options: ServerOptions) -> TriportApp:
    return TriportApp(options)
