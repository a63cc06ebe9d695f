"""What the kit knows of each API, in one place: its name and id prefix, its document, how a
client authenticates, the preflight probe, the paths the kit itself needs, and its open status."""

from __future__ import annotations

from conformance.apis.base import Api
from conformance.apis.teos import TEOS
from conformance.apis.triport import TRIPORT

APIS: dict[str, Api] = {api.name: api for api in (TRIPORT, TEOS)}


def api_for(name: str) -> Api:
    return APIS[name]


def api_of_path(path: str) -> Api:
    """The API a request path belongs to."""
    return next(api for api in APIS.values() if path.startswith(api.path_prefix))
