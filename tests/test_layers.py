"""The package's layers point one way: ARCHITECTURE.md's layer table, read here and enforced on
every import the code makes at run time (imports for type checking only are not edges)."""

from __future__ import annotations

import ast
import graphlib
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"


def layers(architecture: str) -> list[list[set[str]]]:
    """The ```layers block, top layer first: each layer a list of groups (`a b | c`: a and b may
    import each other, neither imports c, nor c them)."""
    block = re.search(r"```layers\n(.*?)```", architecture, re.DOTALL)
    assert block, "ARCHITECTURE.md has no ```layers block"
    table = []
    for line in block.group(1).splitlines():
        members = line.split("#", 1)[0].split(":", 1)[-1].strip()
        if members:
            table.append([set(group.split()) for group in members.split("|")])
    return table


def unit(module: str) -> str:
    """The layer table's name for a module: its first part below `conformance` (a package or a module)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "conformance"


def imports(root: Path) -> dict[str, set[str]]:
    """module -> the kit's modules it imports when it runs (at any depth: lazy imports count)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        module = ".".join(("conformance", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        typing_only = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(branch.test) for node in ast.walk(branch)}
        found = graph.setdefault(module, set())
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("conformance.")}
            elif isinstance(node, ast.ImportFrom) and node.module == "conformance":  # from conformance import specs
                found |= {f"conformance.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conformance."):
                found.add(node.module)
    return graph


def violations(graph: dict[str, set[str]], table: list[list[set[str]]]) -> list[str]:
    """Every import that points up the table or across to a sibling group, and every module the table lacks."""
    place = {name: (depth, index) for depth, layer in enumerate(table) for index, group in enumerate(layer)
             for name in group}
    found = []
    for module, imported in sorted(graph.items()):
        if module == "conformance" and not imported:  # the package itself: its version, nothing imported
            continue
        if unit(module) not in place:
            found.append(f"{module}: in no layer of ARCHITECTURE.md")
            continue
        here = place[unit(module)]
        for target in sorted(imported):
            there = place.get(unit(target))
            if there is None or unit(target) == unit(module) or unit(target) == "conformance":
                continue
            if there[0] < here[0] or (there[0] == here[0] and there[1] != here[1]):
                found.append(f"{module} imports {target}: {unit(target)} is not below {unit(module)}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """A cycle among modules, as `a -> b -> a`, or nothing."""
    try:
        graphlib.TopologicalSorter({m: {t for t in ts if t in graph} - {m} for m, ts in graph.items()}).prepare()
    except graphlib.CycleError as cycle:
        return [" -> ".join(cycle.args[1])]
    return []


def test_every_import_points_down_the_architecture_layers() -> None:
    """Reads each module's imports and ARCHITECTURE.md's layer table.
    Expects every module in a layer, each import to its own group or a layer below, and no cycle."""
    graph = imports(PACKAGE)
    table = layers((ROOT / "ARCHITECTURE.md").read_text())
    assert violations(graph, table) == []
    assert cycles(graph) == []


def test_a_planted_upward_import_and_a_cycle_are_found(tmp_path: Path) -> None:
    """Copies the package and plants an engine -> suite import and an http -> engine one (a cycle).
    Expects both reported: the checks above can fail."""
    copy = tmp_path / "conformance"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "spec"))
    with (copy / "engine.py").open("a") as engine:
        engine.write("\nfrom conformance.suite.whole_api import judge\n")
    with (copy / "http.py").open("a") as http:
        http.write("\ndef later():\n    import conformance.engine\n")
    table = layers((ROOT / "ARCHITECTURE.md").read_text())
    found = violations(imports(copy), table)
    assert "conformance.engine imports conformance.suite.whole_api: suite is not below engine" in found
    assert "conformance.http imports conformance.engine: engine is not below http" in found
    assert cycles(imports(copy)) != []
