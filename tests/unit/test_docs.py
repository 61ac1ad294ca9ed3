"""The docs cannot drift: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from emscad.cli import app
from emscad.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(group: typer.Typer, prefix: str = "emscad") -> list[str]:
    names = []
    for command in group.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        names.append(f"{prefix} {name.replace('_', '-')}")
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        names += _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return names


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    for field in Settings.model_fields:
        assert f"`EMSCAD_{field.upper()}`" in text, f"EMSCAD_{field.upper()} is undocumented"


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(app)
    assert "emscad route" in commands
    assert "emscad region import" in commands
    for command in commands:
        assert f"## `{command}" in text, f"{command} is undocumented in docs/cli.md"
