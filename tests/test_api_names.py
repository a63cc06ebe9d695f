"""Knowledge of each API lives in one place: outside its own modules, no code spells an API's name."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance.apis import APIS

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"


def allowed(path: Path, root: Path) -> bool:
    """An API's own modules: its description, suite folder, checks, reference server; and the faults table."""
    parts = path.relative_to(root).parts
    own = set(APIS) | {f"{name}.py" for name in APIS}
    return parts[0] == "apis" or (len(parts) > 1 and parts[1] in own) or parts == ("reference", "faults.py")


def spelled_names(root: Path) -> list[str]:
    """`file:line` of every string constant (docstrings aside) that is an API's name, outside its own modules."""
    names = set(APIS) | {api.prefix for api in APIS.values()}
    found = []
    for path in sorted(root.rglob("*.py")):
        if allowed(path, root):
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        found += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and (node.value.lower() in names or node.value.upper() in names)]
    return found


def test_no_module_outside_an_apis_own_spells_its_name() -> None:
    """Reads every module of the package. Expects no API name outside conformance/apis/ and the API's own modules."""
    assert spelled_names(PACKAGE) == []


def test_a_planted_name_is_found(tmp_path: Path) -> None:
    """Plants `if api == "teos"` in a module of a copy-shaped tree.
    Expects it reported, and the API's own module not."""
    planted = '"""A docstring naming teos is fine."""\n\nGOOD = 1\nif GOOD == "teos":\n    pass\n'
    (tmp_path / "engine.py").write_text(planted)
    (tmp_path / "suite" / "teos").mkdir(parents=True)
    (tmp_path / "suite" / "teos" / "conftest.py").write_text('API = "teos"\n')
    assert spelled_names(tmp_path) == ["engine.py:4"]
