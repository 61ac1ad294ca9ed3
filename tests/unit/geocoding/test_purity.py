"""The geocoder is pure: no frameworks, and file reading only in its private CSV module."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "emscad" / "geocoding"
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "typer", "rich", "uvicorn")
FORBIDDEN_OWN = ("emscad.web", "emscad.storage", "emscad.cli", "emscad.regions.files")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_geocoding_imports_no_framework_and_no_region_files() -> None:
    for path in sorted(SRC.glob("*.py")):
        for name in _imports(path):
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN_OWN), f"{path.name} imports {name}"


def test_only_the_private_csv_module_reads_files() -> None:
    for path in sorted(SRC.glob("*.py")):
        if path.name == "_csv.py":
            continue
        text = path.read_text()
        for call in ("open(", "read_text(", "read_bytes(", "pathlib"):
            assert call not in text, f"{path.name} does file I/O ({call})"
