"""Fixtures shared by the kit's self-tests."""

from __future__ import annotations

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
