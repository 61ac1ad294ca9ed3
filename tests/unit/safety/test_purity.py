"""The safety package is pure: no web, database, CLI or I/O libraries, no system clock."""

from __future__ import annotations

import ast
from pathlib import Path

SAFETY = Path(__file__).resolve().parents[3] / "src" / "emscad" / "safety"
FORBIDDEN = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "httpx",
    "requests",
    "typer",
    "rich",
    "uvicorn",
    "socket",
    "subprocess",
    "random",
}
FORBIDDEN_OWN = ("emscad.web", "emscad.storage", "emscad.cli", "emscad.notify", "emscad.dispatch")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_safety_package_imports_no_frameworks_or_io() -> None:
    modules = sorted(SAFETY.glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        for name in _imports(path):
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN_OWN), f"{path.name} imports {name}"


def _calls(path: Path) -> set[str]:
    """Names of what the module calls: `open`, `now`, `read_text`..."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                found.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                found.add(node.func.attr)
    return found


def test_the_safety_package_never_reads_the_system_clock_or_files() -> None:
    banned = {"now", "utcnow", "today", "time", "monotonic", "open", "read_text", "write_text"}
    for path in SAFETY.glob("*.py"):
        used = _calls(path) & banned
        assert not used, f"{path.name} calls {used}"


def test_modules_stay_small() -> None:
    for path in SAFETY.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 500, path.name
