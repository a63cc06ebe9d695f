"""The reference servers' negative controls (faults) and conformant variants, as data.

A fault is built to break one catalogue requirement, named in `breaks`; the suite must fail that
requirement when the fault is on. A fault can also be visible to the whole-API requirements
(`*-SCHEMA-01` sees any undocumented status), which is expected. A variant is a behaviour the
docs allow; the suite must pass every requirement with any variant on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    api: str
    breaks: str
    description: str
    requires_csrf: bool = False


@dataclass(frozen=True)
class Variant:
    name: str
    api: str
    description: str
    requires_csrf: bool = False


def _faults(api: str, rows: list[tuple]) -> tuple[Fault, ...]:
    return tuple(Fault(name, api, breaks, description, *rest) for name, breaks, description, *rest in rows)


def _variants(api: str, rows: list[tuple]) -> tuple[Variant, ...]:
    return tuple(Variant(name, api, description, *rest) for name, description, *rest in rows)


TRIPORT_FAULTS = _faults("triport", [
    ("cancel-200", "TRIPORT-CANCEL-01", "a successful cancel answers 200 instead of 204"),
    ("cancel-204-body", "TRIPORT-CANCEL-01", "a successful cancel's 204 carries a JSON body"),
    ("cancel-hangs", "TRIPORT-CANCEL-01", "a cancel of a pending invoice never answers"),
    ("cancel-noop", "TRIPORT-CANCEL-02", "a cancel answers 204 but changes nothing"),
    ("list-stale", "TRIPORT-CANCEL-03", "the list reports cancelled invoices as pending"),
    ("cancel-paid", "TRIPORT-CANCEL-04", "paid invoices can be cancelled"),
    ("cancel-expired", "TRIPORT-CANCEL-05", "expired invoices can be cancelled"),
    ("recancel-204", "TRIPORT-CANCEL-06", "cancelling a cancelled invoice answers 204 again"),
    ("rejection-drifts", "TRIPORT-CANCEL-07", "repeating a rejected cancel changes the error text"),
    ("unknown-400", "TRIPORT-CANCEL-08", "an unknown invoice id answers 400"),
    ("cancel-any-owner", "TRIPORT-CANCEL-09", "another user's pending invoice can be cancelled"),
    ("leaky-404", "TRIPORT-CANCEL-10", "another user's invoice gets a 404 with its own message"),
    ("etag-by-owner", "TRIPORT-CANCEL-10", "a cancel's 404 carries an ETag derived from the invoice's owner"),
    ("cancel-all-pending", "TRIPORT-CANCEL-11", "a cancel cancels all of the caller's pending invoices"),
    ("get-cancels", "TRIPORT-CANCEL-12", "a GET on the cancel path cancels the invoice"),
    ("slow-foreign-404", "TRIPORT-CANCEL-13", "the 404 for another user's invoice takes 80 ms longer"),
    ("error-not-json", "TRIPORT-ERROR-01", "404 and 401 bodies are plain text"),
    ("error-text-plain", "TRIPORT-ERROR-02", "404 and 401 bodies are JSON labelled text/plain"),
    ("no-cookie-is-primary", "TRIPORT-AUTH-01", "a request without a session acts as the primary user"),
    ("any-cookie-is-primary", "TRIPORT-AUTH-02", "an unknown session acts as the primary user"),
    ("expired-session-valid", "TRIPORT-AUTH-03", "an expired session is still accepted"),
    ("existence-before-auth", "TRIPORT-AUTH-04", "unknown ids answer 404 before the session is checked"),
    ("cancel-race", "TRIPORT-CONC-01", "cancel checks and sets the status non-atomically"),
    ("events-no-snapshot", "TRIPORT-EVENTS-01", "the stream starts without a snapshot frame"),
    ("events-silent-cancel", "TRIPORT-EVENTS-02", "open streams are not told of a cancellation"),
    ("events-terminal-open", "TRIPORT-EVENTS-03", "a cancelled invoice's stream stays open after the snapshot"),
    ("csrf-missing-ok", "TRIPORT-CSRF-01", "with CSRF on, a cancel without a token is accepted", True),
    ("csrf-any-token", "TRIPORT-CSRF-02", "with CSRF on, any token value is accepted", True),
    ("csrf-unbound", "TRIPORT-CSRF-03", "with CSRF on, any session's token is accepted", True),
    ("csrf-double-submit", "TRIPORT-CSRF-03", "with CSRF on, any token is accepted when cookie and header agree",
     True),
    ("get-any-owner", "TRIPORT-OWNER-01", "a get of another user's invoice answers 200 with it"),
    ("list-all-users", "TRIPORT-OWNER-02", "the list shows every user's invoices"),
    ("events-user-broadcast", "TRIPORT-EVENTS-04", "a stream also carries the events of its owner's other invoices"),
    ("events-broadcast", "TRIPORT-EVENTS-05", "a stream carries every invoice's events, other users' included"),
    ("events-any-owner", "TRIPORT-EVENTS-05", "another user's invoice can be subscribed to"),
    ("crash-on-long-id", "TRIPORT-ROBUST-01", "an invoice id longer than 64 characters answers 500"),
    ("rails-not-array", "TRIPORT-SCHEMA-01", "the rails list is an object instead of an array"),
    ("cl-and-te", "TRIPORT-HTTP-01", "answers with a body carry both Content-Length and Transfer-Encoding"),
])

TEOS_FAULTS = _faults("teos", [
    ("cancel-200", "TEOS-CANCEL-01", "an accepted cancel answers 200 instead of 202"),
    ("tx-without-state", "TEOS-CANCEL-01", "the 202 transaction has no State"),
    ("cancel-hangs", "TEOS-CANCEL-01", "a cancel never answers"),
    ("cancel-noop", "TEOS-CANCEL-02", "a cancel answers 202 but changes nothing"),
    ("batch-first-only", "TEOS-CANCEL-02", "a batch stops after its first id"),
    ("stuck-processing", "TEOS-CANCEL-02", "cancelled invoices stay Processing forever"),
    ("unknown-id-400", "TEOS-CANCEL-03", "a batch with an unknown id is rejected with 400"),
    ("cancel-paid", "TEOS-CANCEL-04", "Paid invoices are cancelled too"),
    ("cancel-expired", "TEOS-CANCEL-05", "Expired invoices are cancelled too"),
    ("recancel-400", "TEOS-CANCEL-06", "a batch with an already Cancelled invoice is rejected with 400"),
    ("cross-tenant", "TEOS-CANCEL-07", "another tenant's Open invoices are cancelled"),
    ("duplicates-400", "TEOS-CANCEL-08", "a batch that lists an id twice is rejected with 400"),
    ("duplicates-toggle", "TEOS-CANCEL-08", "each copy of an id in a batch toggles it: an even count cancels nothing"),
    ("cancel-all-open", "TEOS-CANCEL-09", "a cancel cancels all of the tenant's Open invoices"),
    ("non-json-202", "TEOS-VALID-01", "a body that is not JSON is accepted as an empty batch"),
    ("missing-ids-202", "TEOS-VALID-02", "a body without invoiceIds is accepted as an empty batch"),
    ("scalar-ids-202", "TEOS-VALID-03", "a string invoiceIds is taken as a one-id batch"),
    ("non-string-skipped", "TEOS-VALID-04", "non-string entries are skipped and the rest is cancelled"),
    ("empty-list-200", "TEOS-VALID-05", "an empty invoiceIds answers 200"),
    ("non-guid-400-but-cancels", "TEOS-VALID-06", "a non-GUID id answers 400 after cancelling the rest"),
    ("error-body-bare", "TEOS-ERROR-01", "400 bodies lack code and message"),
    ("html-400", "TEOS-ERROR-01", "a body that is not JSON gets the framework's HTML 400 page"),
    ("get-any-tenant", "TEOS-TENANT-01", "a get of another tenant's invoice answers 200 with it"),
    ("tx-names-foreign", "TEOS-TENANT-01", "a 202 counts the batch's ids that belong to another tenant"),
    ("list-all-tenants", "TEOS-TENANT-02", "the list shows every tenant's invoices"),
    ("no-token-is-primary", "TEOS-AUTH-01", "a request without a token acts as the primary tenant"),
    ("any-token-is-primary", "TEOS-AUTH-02", "an unknown token acts as the primary tenant"),
    ("cancel-race-409", "TEOS-CONC-01", "concurrent cancels of one invoice answer 409 to the losers"),
    ("tx-unreadable", "TEOS-TX-01", "cancel transactions cannot be read back (404)"),
    ("crash-on-bad-key", "TEOS-ROBUST-01", "a malformed invoice key answers 500"),
    ("list-status-lowercase", "TEOS-SCHEMA-01", "the list reports statuses in lower case"),
    ("cl-and-te", "TEOS-HTTP-01", "answers with a body carry both Content-Length and Transfer-Encoding"),
])

TRIPORT_VARIANTS = _variants("triport", [
    ("alt-messages", "other 401/404 message texts"),
    ("extra-error-members", "error bodies also carry `message` and a per-request `request_id`"),
    ("json-charset", "JSON responses are `application/json; charset=utf-8`"),
    ("uuid-ids", "invoice ids are UUIDs instead of `inv_` + hex"),
    ("create-200", "create answers 200 instead of 201"),
    ("connection-close", "every response carries `Connection: close`"),
    ("request-id-header", "every response carries a per-request `X-Request-Id` header"),
    ("events-stay-open", "the stream stays open after `invoice_cancelled`"),
    ("csrf-server-wide", "one CSRF token for every session (with --csrf)", True),
])

TEOS_VARIANTS = _variants("teos", [
    ("alt-messages", "other error message texts"),
    ("extra-error-members", "error bodies carry extra members"),
    ("json-charset", "JSON responses are `application/json; charset=utf-8`"),
    ("connection-close", "every response carries `Connection: close`"),
    ("bare-list", "the invoice list is a bare array"),
    ("numeric-state", "transaction State is an integer"),
    ("tx-array", "a 202 carries an array of transactions"),
    ("omit-nulls", "null members are left out of transactions and invoices"),
    ("empty-list-400", "an empty invoiceIds is answered 400"),
    ("non-guid-400", "a non-GUID id is answered 400 (nothing cancelled)"),
])

FAULTS: dict[str, tuple[Fault, ...]] = {"triport": TRIPORT_FAULTS, "teos": TEOS_FAULTS}
VARIANTS: dict[str, tuple[Variant, ...]] = {"triport": TRIPORT_VARIANTS, "teos": TEOS_VARIANTS}
