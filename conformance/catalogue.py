"""The requirement catalogue (`spec/requirements.yaml`) as typed, validated data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance import specs

LEVELS = ("MUST", "SHOULD", "MAY")
# <API>-<AREA>-<NN>: named areas and two-digit numbers, never positional section numbers.
ID_PATTERN = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<area>[A-Z]+)-(?P<number>\d{2})$")

_REQUIRED_FIELDS = ("id", "level", "title", "statement", "source", "operation", "accepted")
_OPTIONAL_FIELDS = ("observed_via", "needs", "decisions")
# Parts of a response a requirement other than <API>-SCHEMA-01 may grade (`grades`): the whole-API
# requirements and Schemathesis' checks leave those parts to it, so a SHOULD is never failed as a MUST.
RESPONSE_PARTS = ("media_type", "schema")
STATUS_PATTERN = re.compile(r"^[1-5]([0-9]{2}|XX)$")


class CatalogueError(specs.SpecError):
    """The catalogue is malformed or disagrees with the documents; lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("spec/requirements.yaml: " + "; ".join(problems))


@dataclass(frozen=True)
class Api:
    name: str
    prefix: str
    document: str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    sections: tuple[str, ...]
    seed: str | None = None


@dataclass(frozen=True)
class Grades:
    """Response parts a requirement grades: `status` is a code or a range (`4XX`); no operations: all."""

    status: str
    parts: tuple[str, ...]
    operations: tuple[str, ...] = ()

    def covers(self, operation_id: str, status: int, part: str) -> bool:
        code = str(status)
        return (part in self.parts and (not self.operations or operation_id in self.operations)
                and (self.status == code or (self.status.endswith("XX") and self.status[0] == code[0])))


@dataclass(frozen=True)
class Requirement:
    id: str
    api: str
    level: str
    title: str
    statement: str
    source: str
    section: str
    operation: str
    accepted: tuple[str, ...]
    observed_via: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    grades: tuple[Grades, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    version: int
    apis: dict[str, Api]
    sources: dict[str, Source]
    requirements: tuple[Requirement, ...]
    retired: tuple[str, ...]

    def for_api(self, api: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.api == api)

    def grader(self, api: str, operation_id: str, status: int, part: str) -> str:
        """The requirement that grades one part (RESPONSE_PARTS) of a response: the one whose `grades`
        cover it, else the API's SCHEMA-01. Decided here, once, for the targeted answers and Schemathesis."""
        for requirement in self.for_api(api):
            if any(g.covers(operation_id, status, part) for g in requirement.grades):
                return requirement.id
        return f"{self.apis[api].prefix}-SCHEMA-01"

    def get(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)


def _strings(value: Any) -> tuple[str, ...] | None:
    """A list of non-empty strings as a tuple, or None when it is anything else."""
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def _parse_api(name: str, raw: Any, problems: list[str]) -> Api | None:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("prefix", "document")):
        problems.append(f"apis.{name}: needs string 'prefix' and 'document'")
        return None
    inputs = _strings(raw.get("inputs", []))
    if inputs is None:
        problems.append(f"apis.{name}.inputs: must be a list of strings")
        inputs = ()
    return Api(name, raw["prefix"], raw["document"], inputs)


def _parse_source(key: str, raw: Any, problems: list[str]) -> Source | None:
    sections = _strings(raw.get("sections")) if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(raw.get("title"), str) or not sections:
        problems.append(f"sources.{key}: needs a 'title' and a list of 'sections'")
        return None
    return Source(key, raw["title"], str(raw.get("url", "")), sections, raw.get("seed"))


def _parse_requirement(index: int, raw: Any, apis: dict[str, Api], problems: list[str]) -> Requirement | None:
    label = f"requirements[{index}]"
    if not isinstance(raw, dict):
        problems.append(f"{label}: not a mapping")
        return None
    label = f"{label} ({raw.get('id', '?')})"
    missing = [k for k in _REQUIRED_FIELDS if k not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS) - {"grades"})
    if missing or unknown:
        problems.append(f"{label}: missing {missing}, unknown {unknown}")
        return None
    match = ID_PATTERN.match(str(raw["id"]))
    api = next((a.name for a in apis.values() if match and a.prefix == match["prefix"]), None)
    if api is None:
        problems.append(f"{label}: id must be <API>-<AREA>-<NN> with a known API prefix")
        return None
    source = raw["source"]
    lists = {k: _strings(raw.get(k, [])) for k in ("accepted", *_OPTIONAL_FIELDS)}
    if (
        raw["level"] not in LEVELS
        or not all(isinstance(raw[k], str) and raw[k].strip() for k in ("title", "statement", "operation"))
        or not isinstance(source, dict)
        or not all(isinstance(source.get(k), str) for k in ("ref", "section"))
        or None in lists.values()
        or not lists["accepted"]
    ):
        problems.append(
            f"{label}: level must be one of {LEVELS}; title, statement, operation non-empty strings; "
            "source {ref, section}; accepted a non-empty list of strings; other lists of strings"
        )
        return None
    grades = _parse_grades(label, raw.get("grades", []), raw["level"], problems)
    return Requirement(
        id=raw["id"], api=api, level=raw["level"], title=raw["title"].strip(),
        statement=" ".join(raw["statement"].split()), source=source["ref"], section=source["section"],
        operation=raw["operation"], **lists, grades=grades,
    )


def _parse_grades(label: str, raw: Any, level: str, problems: list[str]) -> tuple[Grades, ...]:
    if raw and level == "MUST":
        problems.append(f"{label}: grades: only a SHOULD or MAY takes response parts from SCHEMA-01")
    entries = raw if isinstance(raw, list) else [None]
    grades = []
    for entry in entries:
        parts = _strings(entry.get("parts")) if isinstance(entry, dict) else None
        operations = _strings(entry.get("operations", [])) if isinstance(entry, dict) else None
        status = str(entry.get("status")) if isinstance(entry, dict) else ""
        if not parts or set(parts) - set(RESPONSE_PARTS) or operations is None or not STATUS_PATTERN.match(status):
            problems.append(f"{label}: grades: each entry needs a status (400, 4XX), parts from "
                            f"{RESPONSE_PARTS} and optional operations")
            continue
        grades.append(Grades(status, parts, operations))
    return tuple(grades)


def parse_catalogue(data: Any) -> Catalogue:
    """Build a Catalogue from parsed YAML, checking its own consistency."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in ("apis", "sources")):
        raise CatalogueError(["top level must be a mapping with 'apis', 'sources' and 'requirements'"])
    problems: list[str] = []
    apis = {n: a for n, raw in data["apis"].items() if (a := _parse_api(n, raw, problems))}
    sources = {k: s for k, raw in data["sources"].items() if (s := _parse_source(k, raw, problems))}
    raw_requirements = data.get("requirements")
    if not isinstance(raw_requirements, list) or not raw_requirements:
        raise CatalogueError([*problems, "'requirements' must be a non-empty list"])
    requirements = [
        r for i, raw in enumerate(raw_requirements) if (r := _parse_requirement(i, raw, apis, problems))
    ]
    retired = _strings(data.get("retired") or [])
    if retired is None:
        problems.append("retired: must be a list of ids")
        retired = ()
    seen: set[str] = set()
    for requirement in requirements:
        where = requirement.id
        if requirement.id in seen:
            problems.append(f"{where}: duplicate id")
        if requirement.id in retired:
            problems.append(f"{where}: reuses a retired id")
        seen.add(requirement.id)
        source = sources.get(requirement.source)
        if source is None:
            problems.append(f"{where}: unknown source {requirement.source!r}")
        elif requirement.section not in source.sections:
            problems.append(f"{where}: source {source.key!r} has no section {requirement.section!r}")
        unknown_needs = set(requirement.needs) - set(apis[requirement.api].inputs)
        if unknown_needs:
            problems.append(f"{where}: needs unknown inputs {sorted(unknown_needs)}")
    if problems:
        raise CatalogueError(problems)
    return Catalogue(int(data.get("version", 1)), apis, sources, tuple(requirements), retired)


def check_against_documents(catalogue: Catalogue, documents: dict[str, dict[str, Any]]) -> list[str]:
    """Problems between the catalogue and the OpenAPI documents (keyed by file name)."""
    problems: list[str] = []
    for requirement in catalogue.requirements:
        document = documents[catalogue.apis[requirement.api].document]
        operation_ids = specs.operations(document)
        graded = [o for g in requirement.grades for o in g.operations]
        for operation in (requirement.operation, *requirement.observed_via, *graded):
            if operation not in operation_ids:
                problems.append(f"{requirement.id}: no operation {operation!r} in its document")
        known = set(specs.decision_ids(document))
        for decision in requirement.decisions:
            if decision not in known:
                problems.append(f"{requirement.id}: no decision {decision!r} in its document")
    return problems


@cache
def load_catalogue() -> Catalogue:
    """The bundled catalogue, checked for consistency with its documents."""
    catalogue = parse_catalogue(specs.load_yaml(specs.spec_dir() / "requirements.yaml"))
    documents = {api.document: specs.load_document(api.document) for api in catalogue.apis.values()}
    problems = check_against_documents(catalogue, documents)
    if problems:
        raise CatalogueError(problems)
    return catalogue
