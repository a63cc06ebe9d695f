"""Locate and load the contract files in `spec/` (OpenAPI documents and the catalogue)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(Exception):
    """A contract file is missing or malformed; the message names the file."""


def spec_dir() -> Path:
    """The folder holding the contracts: bundled in the wheel, or `spec/` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "spec", here.parent / "spec"):
        if (candidate / "requirements.yaml").is_file():
            return candidate
    raise SpecError(f"no spec/ folder with requirements.yaml next to {here}")


# libyaml's parser when PyYAML has it (several times faster; the constructor, and so the duplicate
# check, stays Python either way).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A SafeLoader that refuses duplicate mapping keys, which plain YAML silently overwrites."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file strictly; any problem becomes a SpecError naming the file."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader)
    except OSError as exc:
        raise SpecError(f"{path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: {exc}".replace("\n", " ")) from exc


@cache
def load_document(name: str) -> dict[str, Any]:
    """One OpenAPI document of `spec/` by file name, parsed (not validated)."""
    document = load_yaml(spec_dir() / name)
    if not isinstance(document, dict) or "openapi" not in document:
        raise SpecError(f"{name}: not an OpenAPI document")
    return document


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Map operationId to (METHOD, path) for every operation of a document."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (method.upper(), path)
    return found


def decision_ids(document: dict[str, Any]) -> list[str]:
    """Ids of the decisions a document records under `x-decisions`, in order."""
    return [entry.get("id") for entry in document.get("x-decisions", [])]


def spec_sha256(names: list[str]) -> str:
    """One digest over the named contract files, so a report pins the exact contract it used."""
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0")
        digest.update((spec_dir() / name).read_bytes())
    return digest.hexdigest()


def resolve_pointer(document: Any, reference: str) -> Any:
    """The value a local `#/...` reference points at; KeyError when it points nowhere."""
    if not reference.startswith("#"):
        raise KeyError(f"{reference}: only local references are used in spec/")
    node = document
    for token in filter(None, reference[1:].split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(reference)
    return node


def unresolved_refs(document: Any) -> list[str]:
    """Every `$ref` in a document that does not resolve inside it."""
    broken: list[str] = []
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str):
                try:
                    resolve_pointer(document, reference)
                except KeyError:
                    broken.append(reference)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return sorted(broken)
