"""The notify package: no database, web or CLI; the network only in the email channel's private
module; time from the injected clock."""

from __future__ import annotations

import ast
from pathlib import Path

NOTIFY = Path(__file__).resolve().parents[3] / "src" / "emscad" / "notify"
FRAMEWORKS = {"fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "typer", "rich", "uvicorn"}
OWN = ("emscad.web", "emscad.storage", "emscad.cli", "emscad.safety")
NETWORK = {"smtplib", "ssl", "socket", "urllib", "http", "requests"}
# The decisions: given the notification, the outcome, the time and the rng, nothing else.
PURE = {"models.py", "policy.py", "lifecycle.py", "ports.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_package_imports_no_database_web_or_cli() -> None:
    modules = sorted(NOTIFY.glob("*.py"))
    assert {p.name for p in modules} >= PURE | {"channels.py", "worker.py", "_smtp.py"}
    for path in modules:
        for name in _imports(path):
            assert name.split(".")[0] not in FRAMEWORKS, f"{path.name} imports {name}"
            assert not name.startswith(OWN), f"{path.name} imports {name}"


def test_only_the_private_smtp_module_talks_to_the_network() -> None:
    for path in NOTIFY.glob("*.py"):
        roots = {n.split(".")[0] for n in _imports(path)}
        if path.name != "_smtp.py":
            assert not roots & NETWORK, f"{path.name} imports {roots & NETWORK}"


def test_the_decisions_do_no_io_and_never_read_the_system_clock() -> None:
    for path in NOTIFY.glob("*.py"):
        text = path.read_text()
        assert "datetime.now(" not in text, path.name
        assert "time.time(" not in text, path.name
        if path.name in PURE:
            roots = {n.split(".")[0] for n in _imports(path)}
            assert not roots & {"threading", "concurrent", "logging", "secrets", "random"}, path


def test_modules_stay_small() -> None:
    for path in NOTIFY.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 500, path.name
