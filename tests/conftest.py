"""Fixtures shared by every test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emscad.cli import main
from emscad.cli._common import settings


@pytest.fixture
def emscad_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh EMSCAD_HOME for CLI tests."""
    home = tmp_path / "home"
    monkeypatch.setenv("EMSCAD_HOME", str(home))
    settings.cache_clear()
    yield home
    settings.cache_clear()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(emscad_home: Path, capsys: pytest.CaptureFixture[str]) -> object:
    """Run the `emscad` CLI in-process: cli("region", "info", "x") -> CliResult."""

    def run(*args: str) -> CliResult:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code=code, out=captured.out, err=captured.err)

    return run
