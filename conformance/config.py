"""Target config files (TOML, `${VAR}` from the environment) -> Target. Every error names its key."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.target import CREDENTIALS, FIXTURES, Target, TargetError

# The keys a config may have, per table; anything else is a typo worth stopping for.
TOP_LEVEL = {"api", "base_url", "label", "credentials", "fixtures", "create", "settle", "run"}
# [run]: the run's settings, named as the command line's options (which override them).
RUN = {"profile": (str,), "seed": (int,), "max_examples": (int,), "max_time": (int, float), "timeout": (int, float),
       "workers": (int,), "max_rps": (int, float), "deadline": (int, float), "strict": (bool,),
       "only": (list,), "exclude": (list,), "baseline": (str,)}  # baseline: a path, from the config's folder
TABLES = {"create": {"body"}, "settle": {"deadline_s"}, "run": set(RUN)}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """A config that cannot be used; the message is one line naming the file and the key."""


def _expand(value: Any, key: str, environ: Mapping[str, str]) -> Any:
    """`${VAR}` in strings (anywhere in the tree) read from the environment; unset is an error."""
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(f"{key}: environment variable {name} is not set")
            return environ[name]
        return VARIABLE.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _expand(v, f"{key}.{k}", environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{key}[{i}]", environ) for i, v in enumerate(value)]
    return value


def _check_keys(data: Mapping[str, Any]) -> None:
    for key in data:
        if key not in TOP_LEVEL:
            raise ConfigError(f"{key}: unknown key (known: {', '.join(sorted(TOP_LEVEL))})")
    api = data.get("api")
    if not isinstance(api, str) or api not in CREDENTIALS:
        raise ConfigError(f"api: must be one of {', '.join(CREDENTIALS)}")
    allowed = {"credentials": set(CREDENTIALS.get(api, ())), "fixtures": set(FIXTURES.get(api, ())), **TABLES}
    for table, keys in allowed.items():
        if table not in data:
            continue
        if not isinstance(data[table], dict):
            raise ConfigError(f"{table}: must be a table")
        for key in data[table]:
            if key not in keys:
                raise ConfigError(f"{table}.{key}: unknown key for api {api!r} (known: {', '.join(sorted(keys))})")


def _check_url(url: Any) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base_url: {url!r} is not an http(s) URL with a host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(f"base_url: {url!r} has a malformed port") from None


def target_from_mapping(data: Mapping[str, Any], base_url: str | None = None,
                        environ: Mapping[str, str] | None = None) -> Target:
    """A Target from parsed config data; `base_url` (from --base-url) overrides the file's."""
    _check_keys(data)
    environ = os.environ if environ is None else environ
    expanded = {key: _expand(value, key, environ) for key, value in data.items()}
    if base_url is not None:
        expanded["base_url"] = base_url
    if "base_url" not in expanded:
        raise ConfigError("base_url: required (in the file or as --base-url)")
    _check_url(expanded["base_url"])
    try:
        return Target.from_mapping(expanded)
    except TargetError as exc:
        raise ConfigError(str(exc)) from None


def load_target(path: Path, base_url: str | None = None, environ: Mapping[str, str] | None = None) -> Target:
    """Read a TOML target config; every problem is a ConfigError naming the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return target_from_mapping(data, base_url, environ)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def run_table(path: Path) -> dict[str, Any]:
    """The config's [run] table (empty if it has none), each value of the type its option takes;
    a ConfigError names the file and the key. The target's own keys are checked by load_target."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # load_target says what is wrong with the file
    table = data.get("run", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: run: must be a table")
    for key, value in table.items():
        kinds = RUN.get(key)
        if kinds is None:
            raise ConfigError(f"{path}: run.{key}: unknown key (known: {', '.join(sorted(RUN))})")
        wrong_bool = isinstance(value, bool) and bool not in kinds  # TOML's true is no number
        if wrong_bool or not isinstance(value, kinds) or (kinds == (list,) and not all(isinstance(v, str)
                                                                                       for v in value)):
            wanted = "a list of id globs" if kinds == (list,) else " or ".join(kind.__name__ for kind in kinds)
            raise ConfigError(f"{path}: run.{key}: must be {wanted}, not {value!r}")
    if "baseline" in table:
        table["baseline"] = path.parent / table["baseline"]
    return dict(table)
