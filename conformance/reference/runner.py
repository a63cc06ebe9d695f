"""Run a reference server: in a background thread (tests, `conformance run`) or in the foreground."""

from __future__ import annotations

import importlib
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from conformance.reference.common import ReferenceApp, ServerOptions, Wrapper


def build(options: ServerOptions) -> ReferenceApp:
    """The reference server an options object describes (not yet listening)."""
    return importlib.import_module(f"conformance.reference.{options.api}").create_app(options)  # one module per API


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one, so the URL is known before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that say TCP, and without that
    # every kept-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _uvicorn(app: ReferenceApp, options: ServerOptions, tls: tuple[str, str] | None = None) -> uvicorn.Server:
    # httptools writes what the app declares, so a fault can put bytes on a 204 (h11 refuses).
    config = uvicorn.Config(
        Wrapper(app.asgi, options), http="httptools", lifespan="off", log_level="error",
        access_log=False, timeout_graceful_shutdown=1,
        ssl_certfile=tls[0] if tls else None, ssl_keyfile=tls[1] if tls else None,
    )
    return uvicorn.Server(config)


class Recorder:
    """ASGI wrapper: every request's method, path, answered status and (the first 64 KiB of) its
    body, in order: for tests that must prove what a run did, and for counting in benchmarks."""

    def __init__(self, app: Any):
        self.app, self.requests = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = [scope["method"], scope["path"], None, b""]
        self.requests.append(entry)

        async def receiving() -> Any:
            message = await receive()
            if message["type"] == "http.request" and len(entry[3]) < 65536:
                entry[3] += message.get("body", b"")[:65536 - len(entry[3])]
            return message

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                entry[2] = message["status"]
            await send(message)

        await self.app(scope, receiving, sending)


class ReferenceServer:
    """A reference server on loopback in a daemon thread, for the duration of a `with` block."""

    def __init__(self, options: ServerOptions, host: str = "127.0.0.1", port: int = 0,
                 tls: tuple[str, str] | None = None, wrap: Callable[[Any], Any] | None = None):
        """`tls`: (certificate file, key file) to serve HTTPS. `wrap`: an ASGI middleware around the
        app (tests put misbehaviour there). `recorder` sees every request, as answered."""
        self.options = options
        self.app = build(options)
        self._socket = bind(host, port)
        self.base_url = base_url_of(self._socket)
        if tls:
            self.base_url = self.base_url.replace("http://", "https://", 1)
        self._server = _uvicorn(self.app, options, tls)
        app = self._server.config.app
        self.recorder = Recorder(wrap(app) if wrap else app)
        self._server.config.app = self.recorder
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True,
            name=f"reference-{options.api}",
        )

    def target_config(self) -> dict[str, Any]:
        return self.app.target_config(self.base_url)

    def __enter__(self) -> ReferenceServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.options.api} reference server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask the server to stop, without waiting (stop several, then join them)."""
        self._server.should_exit = True
        self._server.force_exit = True  # open event streams and hung requests must not delay the stop

    def join(self) -> None:
        self._thread.join(timeout=10)
        self._socket.close()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self.join()


def serve_forever(options: ServerOptions, host: str, port: int, write_config: Path | None = None) -> None:
    """Serve in the foreground until interrupted, printing the base URL first."""
    app = build(options)
    sock = bind(host, port)
    base_url = base_url_of(sock)
    if write_config is not None:
        write_target_config(write_config, app.target_config(base_url))
    print(f"{options.api} reference server: {base_url}", flush=True)
    _uvicorn(app, options).run(sockets=[sock])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(config: dict[str, Any]) -> str:
    """Top-level scalars, then one table per top-level dict (nested dicts become inline tables)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for table, values in config.items():
        if isinstance(values, dict):
            lines += ["", f"[{table}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def write_target_config(path: Path, config: dict[str, Any]) -> None:
    """Write a target config readable only by its owner: it holds live credentials."""
    header = f"# Target config for the bundled {config['api']} reference server (conformance serve).\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(header + to_toml(config))
