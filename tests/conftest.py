"""Fixtures shared by the kit's self-tests."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import specs
from conformance.catalogue import Catalogue, load_catalogue

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = ("triport.openapi.yaml", "teos.openapi.yaml")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session", params=DOCUMENTS, ids=lambda name: name.split(".")[0])
def document_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def document(document_name: str) -> dict[str, Any]:
    return specs.load_document(document_name)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`shared/` beside the checkout (CI and developers have it); the sources the kit is built from."""
    path = REPO.parent / "shared"
    if not (path / "seeds").is_dir():
        pytest.skip(f"no shared/seeds beside the checkout at {path}: source cross-checks need it")
    return path


BYTES_REPR = re.compile(r"(?<![\w\\])b['\"]")  # `b'..'` or `b".."`, not `\\b'` nor a word ending in b


@pytest.fixture(scope="session")
def bytes_reprs() -> Callable[[str], list[str]]:
    """Where a text (console output, a report, HTML unescaped) shows a Python bytes repr, with context."""
    def found(text: str) -> list[str]:
        text = html.unescape(text)
        return [text[max(0, m.start() - 60):m.end() + 20] for m in BYTES_REPR.finditer(text)]
    return found
