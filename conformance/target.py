"""What a run is pointed at (Target) and how hard it pushes (RunSettings): typed, frozen, secret-safe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.apis import APIS as DESCRIPTIONS

APIS = tuple(DESCRIPTIONS)
PROFILES = ("full", "safe")
CREDENTIALS = {name: api.credentials for name, api in DESCRIPTIONS.items()}
FIXTURES = {name: api.fixtures for name, api in DESCRIPTIONS.items()}
PRIMARY = {name: api.primary for name, api in DESCRIPTIONS.items()}
LABEL_MAX = 80  # a column header in a grid of many runs, not a description


class TargetError(ValueError):
    """A target description is unusable; the message names the key."""


@dataclass(frozen=True)
class Secret:
    """A credential. Its repr never shows the value, so it cannot leak through a log or a traceback."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__


@dataclass(frozen=True)
class Target:
    api: str
    base_url: str
    credentials: Mapping[str, Secret]
    fixtures: Mapping[str, tuple[str, ...]]
    create_body: Mapping[str, Any]
    settle_deadline_s: float = 30.0
    create_source: str = "config"  # config | built from the docs (the preflight built the body) | none
    label: str | None = None  # who the target is, for a reader of many reports (None: its host:port)

    def credential(self, name: str) -> str | None:
        secret = self.credentials.get(name)
        return secret.value if secret else None

    @property
    def csrf(self) -> bool:
        """CSRF requirements run only where the config says the target enforces it."""
        return "csrf_token" in self.credentials

    def has(self, need: str) -> bool:
        """Whether a catalogue `needs` entry (`other_session`, `fixtures.paid`, ...) is configured."""
        if need.startswith("fixtures."):
            return bool(self.fixtures.get(need.split(".", 1)[1]))
        if need == "other_csrf_token" and not self.csrf:  # the second user's writes need a token only where
            return True                                  # CSRF is enforced
        return need in self.credentials

    def to_mapping(self) -> dict[str, Any]:
        """The target-config shape `from_mapping` reads, credentials included: for a worker's stdin
        only, never for anything that is written or shown."""
        return {"api": self.api, "base_url": self.base_url,
                "credentials": {name: secret.value for name, secret in self.credentials.items()},
                "fixtures": {name: list(ids) for name, ids in self.fixtures.items()},
                "create": {"body": dict(self.create_body)}, "settle": {"deadline_s": self.settle_deadline_s},
                "create_source": self.create_source} | ({"label": self.label} if self.label else {})

    def secrets(self) -> list[str]:
        return [secret.value for secret in self.credentials.values()]

    @property
    def shown_label(self) -> str:
        return self.label or host_port(self.base_url)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Target:
        """A Target from the parsed target-config shape (`conformance serve --write-config`)."""
        api = data.get("api")
        if api not in APIS:
            raise TargetError(f"api: must be one of {', '.join(APIS)}")
        base_url = data.get("base_url")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise TargetError("base_url: must be an http:// or https:// URL")
        raw_credentials = data.get("credentials") or {}
        credentials = {}
        for name, value in raw_credentials.items():
            if name not in CREDENTIALS[api]:
                raise TargetError(f"credentials.{name}: unknown for {api}")
            if not isinstance(value, str) or not value:
                raise TargetError(f"credentials.{name}: must be a non-empty string")
            credentials[name] = Secret(value)
        if PRIMARY[api] not in credentials:
            raise TargetError(f"credentials.{PRIMARY[api]}: required")
        fixtures = {}
        for name, ids in (data.get("fixtures") or {}).items():
            if name not in FIXTURES[api]:
                raise TargetError(f"fixtures.{name}: unknown for {api}")
            if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
                raise TargetError(f"fixtures.{name}: must be a list of ids")
            fixtures[name] = tuple(ids)
        create_body = (data.get("create") or {}).get("body") or {}
        deadline = (data.get("settle") or {}).get("deadline_s", 30.0)
        if not isinstance(deadline, int | float) or isinstance(deadline, bool) or deadline <= 0:
            raise TargetError("settle.deadline_s: must be a positive number of seconds")
        source = data.get("create_source", "config" if create_body else "none")
        label = _label(data.get("label"), credentials)
        return cls(api, base_url.rstrip("/"), credentials, fixtures, dict(create_body), float(deadline), source,
                   label)


def _label(label: Any, credentials: Mapping[str, Secret]) -> str | None:
    """The config's label: one printable line, never holding a credential (it is shown everywhere)."""
    if label is None:
        return None
    if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX or not label.isprintable():
        raise TargetError(f"label: must be a non-empty line of at most {LABEL_MAX} printable characters")
    if any(secret.value in label for secret in credentials.values()):
        raise TargetError("label: holds a credential's value; a label is shown in every report")
    return label


def host_port(url: str) -> str:
    """A base URL's host and port (no scheme, user or path): a target's label when it has none."""
    parts = urlsplit(url)
    host = parts.hostname or url
    host = f"[{host}]" if ":" in host else host
    try:
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:  # a malformed port: the host alone
        return host


@dataclass(frozen=True)
class RunSettings:
    """How a run behaves; every budget is explicit so a run is bounded and reproducible."""

    profile: str = "full"
    strict: bool = False
    seed: int = 0
    max_examples: int = 25  # Schemathesis cases per operation and phase: this decides the cases
    max_time_s: float = 300.0  # ceiling on the Schemathesis run (a hang guard, not a budget to spend)
    timeout_s: float = 10.0  # per request
    event_wait_s: float = 5.0  # how long to wait for an SSE frame the docs promise
    concurrency: int = 8
    repeats: int = 3  # how often a rejected cancel is repeated
    timing_samples: int = 15
    property_tests: bool = True
    workers: int = 1  # processes sharing the requirements (parallel.py)
    max_rps: float | None = None  # requests per second, across the whole run (workers share it)
    ca_bundle: str | None = None  # verify TLS against these CAs instead of the system's
    insecure: bool = False  # do not verify TLS at all (explicitly asked for)
    deadline_s: float | None = None  # for the whole run: what has not started by then is reported undecided
    capture_dir: str | None = None  # where each process captures its exchanges for report.har (None: no HAR)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}")
        if self.concurrency < 2 or self.repeats < 2 or self.max_examples < 1 or self.workers < 1:
            raise ValueError("concurrency and repeats must be at least 2, max_examples and workers at least 1")
        if min(self.timeout_s, self.event_wait_s, self.max_time_s) <= 0:
            raise ValueError("timeouts and budgets must be positive")
        if self.max_rps is not None and self.max_rps <= 0:
            raise ValueError("max_rps must be positive")
        if self.deadline_s is not None and self.deadline_s <= 0:
            raise ValueError("the deadline must be positive")
        if self.ca_bundle and self.insecure:
            raise ValueError("a CA bundle and insecure exclude each other: verify against the bundle, or not at all")

    @property
    def tls_verify(self) -> bool | str:
        """What requests (and Schemathesis) take as `verify`."""
        return False if self.insecure else (self.ca_bundle or True)
