"""Guards on the package layout: the domain core stays pure, I/O libraries stay at the edges."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "emscad"

# Domain packages never reach for the web, the database or the command line.
PURE = [
    "regions",
    "routing",
    "incidents",
    "units",
    "agency",
    "dispatch",
    "recommend",
    "accounts",
    "geocoding",
    "simulation",
    "intake",
    "safety",
]
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "typer", "rich", "uvicorn")
FORBIDDEN_OWN = ("emscad.web", "emscad.storage", "emscad.cli")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    # A package still being written has no modules yet: nothing to check.
    return sorted((SRC / package).rglob("*.py")) if (SRC / package).is_dir() else []


@pytest.mark.parametrize("package", PURE)
def test_domain_packages_do_not_import_frameworks(package: str) -> None:
    for path in _modules(package):
        for name in _imports(path):
            root = name.split(".")[0]
            assert root not in FORBIDDEN, f"{path.relative_to(SRC)} imports {name}"
            assert not name.startswith(FORBIDDEN_OWN), f"{path.relative_to(SRC)} imports {name}"


def test_routing_is_pure() -> None:
    """The router does no I/O: it is handed a network and answers from memory."""
    for path in _modules("routing"):
        imports = _imports(path)
        assert "osmium" not in imports
        assert "emscad.regions.files" not in imports, path


def test_osm_reading_stays_in_private_modules() -> None:
    for path in SRC.rglob("*.py"):
        if "osmium" in {n.split(".")[0] for n in _imports(path)}:
            assert path.name.startswith("_"), f"{path.relative_to(SRC)} imports osmium"


def test_no_module_grows_past_what_one_person_can_hold() -> None:
    for path in SRC.rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 600, f"{path.relative_to(SRC)} has {lines} lines: split it"


def test_no_naive_clock_in_the_core() -> None:
    """Time comes from an injected Clock; only clock.py may ask the system."""
    for path in SRC.rglob("*.py"):
        if path.name == "clock.py" or "cli" in path.parts:
            continue
        text = path.read_text()
        assert "datetime.now(" not in text, path
        assert "utcnow(" not in text, path
        assert "time.time(" not in text, path
