"""The simulation drives the services like any client: no web, database or CLI imports."""

from __future__ import annotations

import ast
from pathlib import Path

SIMULATION = Path(__file__).resolve().parents[3] / "src" / "emscad" / "simulation"
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "typer", "rich", "uvicorn")
FORBIDDEN_OWN = ("emscad.web", "emscad.storage", "emscad.cli")


def test_simulation_imports_no_framework_storage_or_web_code() -> None:
    modules = sorted(SIMULATION.glob("*.py"))
    assert modules
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                assert not name.startswith(FORBIDDEN_OWN), f"{path.name} imports {name}"
