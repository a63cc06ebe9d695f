"""What both reference servers share (`reference.common.Wrapper`)."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from conformance.apis import api_for
from conformance.reference.common import ServerOptions
from conformance.reference.runner import ReferenceServer
from conformance.target import Target


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_a_client_gone_before_its_body_is_read_is_no_server_error(api: str, caplog: pytest.LogCaptureFixture,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Sends an authenticated create (its whole body) to a server that answers 0.3 s late, and hangs
    up at once, as a run cut at its deadline does. Expects nothing logged at ERROR (no traceback
    from the server's thread), and the next request answered."""
    with ReferenceServer(ServerOptions(api=api, latency_s=0.3)) as server:
        # uvicorn's loggers, configured as it starts, do not propagate to the root, where caplog listens.
        monkeypatch.setattr(logging.getLogger("uvicorn.error"), "handlers", [caplog.handler])
        target, address = Target.from_mapping(server.target_config()), urlsplit(server.base_url)
        cookies, headers = api_for(api).auth(target, "primary", "POST")
        lines = [f"POST {api_for(api).invoices} HTTP/1.1", f"Host: {address.netloc}",
                 "Content-Type: application/json", "Content-Length: 2", *(f"{k}: {v}" for k, v in headers.items()),
                 *([f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}"] if cookies else [])]
        with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n{}").encode())
        time.sleep(0.6)  # past the latency: the app has tried to read the body by now
        answered = requests.get(server.base_url + api_for(api).probe, timeout=5, allow_redirects=False)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert answered.status_code == 401
