"""The suite's shape: every test names one catalogue requirement, by marker and by name; every
requirement of the catalogue has at least one test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import conformance.suite
from conformance.catalogue import Catalogue


def suite_tests() -> list[tuple[str, str, list]]:
    found = []
    for module_info in pkgutil.walk_packages(conformance.suite.__path__, "conformance.suite."):
        if not module_info.name.rsplit(".", 1)[-1].startswith("test_"):
            continue
        module = importlib.import_module(module_info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and func.__module__ == module.__name__:
                found.append((module.__name__, name, getattr(func, "pytestmark", [])))
    return found


def test_every_test_names_one_known_requirement_by_marker_and_name(catalogue: Catalogue) -> None:
    known = {r.id for r in catalogue.requirements}
    problems = []
    for module, name, marks in suite_tests():
        ids = [m.args[0] for m in marks if m.name == "requirement"]
        if len(ids) != 1 or ids[0] not in known:
            problems.append(f"{module}.{name}: requirement markers {ids}")
        elif not name.startswith("test_" + ids[0].lower().replace("-", "_") + "_"):
            problems.append(f"{module}.{name}: name does not start with its id {ids[0]}")
    assert problems == []


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_every_requirement_has_a_test(catalogue: Catalogue, api: str) -> None:
    tested = {m.args[0] for _, _, marks in suite_tests() for m in marks if m.name == "requirement"}
    assert sorted(r.id for r in catalogue.for_api(api) if r.id not in tested) == []


def test_every_test_says_what_it_sends_and_expects() -> None:
    for module, name, _ in suite_tests():
        func = getattr(importlib.import_module(module), name)
        lines = [line.strip() for line in (func.__doc__ or "").strip().splitlines()]
        assert len(lines) >= 2 and lines[1].startswith("Expect"), f"{module}.{name}"
