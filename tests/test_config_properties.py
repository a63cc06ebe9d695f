"""Property-based tests of the config loader: whatever a file holds, the loader returns a usable
target or one ConfigError line naming the file and the problem; never another exception, never a
credential in the message. Through the CLI, a malformed file is exit 2 with one line."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import cli
from conformance.config import ConfigError, load_target
from conformance.reference.runner import to_toml
from conformance.target import Target

SECRETS = ("prop-session-5b1c", "prop-other-9e2d")
VALID = {
    "api": "triport", "base_url": "http://127.0.0.1:9",
    "credentials": {"session": SECRETS[0], "other_session": SECRETS[1]},
    "fixtures": {"paid": ["inv_1"], "expired": ["inv_2"]},
    "create": {"body": {"channel": "crypto-onchain"}},
    "settle": {"deadline_s": 30},
}
KEYS = st.sampled_from(["api", "base_url", "credentials", "fixtures", "create", "settle", "session", "token",
                        "paid", "expired", "body", "deadline_s", "other_session", "extra"])
SCALARS = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["", "http://", "https://h:99999", "${UNSET_VAR}", "teos"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)
# A mutation: (table or None for the top level, key, new value or None to delete it)
MUTATIONS = st.lists(st.tuples(st.sampled_from([None, "credentials", "fixtures", "create", "settle"]), KEYS,
                               st.one_of(st.none(), VALUES)), min_size=1, max_size=3)


def load(text: str | bytes) -> Target | ConfigError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "target.toml"
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        try:
            return load_target(path, environ={})
        except ConfigError as exc:
            return exc


def mutate(mutations: list[tuple[str | None, str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for table, key, value in mutations:
        place = data if table is None else data.setdefault(table, {})
        if not isinstance(place, dict):
            continue
        if value is None:
            place.pop(key, None)
        else:
            place[key] = value
    return data


def assert_clear(outcome: Target | ConfigError) -> None:
    if isinstance(outcome, ConfigError):
        message = str(outcome)
        assert message and "\n" not in message and "target.toml: " in message
        assert not any(secret in message for secret in SECRETS), message


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_load_or_give_one_clear_line(content: bytes | str) -> None:
    assert_clear(load(content))


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_any_mutation_of_a_valid_config_loads_or_gives_one_clear_line(mutations: list) -> None:
    try:
        text = to_toml(mutate(mutations))
    except TypeError:  # not expressible as TOML (the writer refuses): nothing to load
        return
    assert_clear(load(text))


def test_the_unmutated_config_loads() -> None:
    """The base of the mutations is itself valid, so the mutations are what breaks it."""
    assert isinstance(load(to_toml(VALID)), Target)


@pytest.mark.parametrize("text", ['api = "triport"\nbase_url = 5\n[credentials]\nsession = "x"\n',
                                  "api = [\n", b"\xff\xfe", 'api = "stripe"\n'],
                         ids=["wrong-type", "not-toml", "not-utf8", "unknown-api"])
def test_a_malformed_file_is_exit_2_and_one_line(text: str | bytes, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "target.toml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    assert cli.main(["run", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("conformance: ") and captured.err.count("\n") == 1 and captured.out == ""
