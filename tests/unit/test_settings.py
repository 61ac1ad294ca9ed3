"""Settings: secrets from files, and production refusing unsafe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from emscad.config import Settings


def test_production_refuses_the_default_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMSCAD_PRODUCTION", "true")
    monkeypatch.setenv("EMSCAD_COOKIE_SECURE", "true")
    with pytest.raises(ValidationError, match="EMSCAD_SECRET_KEY"):
        Settings()


def test_production_refuses_insecure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMSCAD_PRODUCTION", "true")
    monkeypatch.setenv("EMSCAD_SECRET_KEY", "x" * 40)
    with pytest.raises(ValidationError, match="COOKIE_SECURE"):
        Settings()


def test_a_secret_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("k" * 40 + "\n")
    monkeypatch.setenv("EMSCAD_SECRET_KEY_FILE", str(secret))
    monkeypatch.setenv("EMSCAD_PRODUCTION", "true")
    monkeypatch.setenv("EMSCAD_COOKIE_SECURE", "true")
    assert Settings().secret_key.get_secret_value() == "k" * 40


def test_an_unreadable_secret_file_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMSCAD_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValidationError, match="EMSCAD_SECRET_KEY_FILE: cannot read"):
        Settings()


def test_the_safety_settings_default_to_the_domain_defaults() -> None:
    from emscad.dispatch.safety.policy import SafetyPolicy

    assert SafetyPolicy.from_settings(Settings()) == SafetyPolicy()


def test_an_unusable_escalation_ladder_names_its_setting() -> None:
    from emscad.dispatch.safety.policy import SafetyPolicy
    from emscad.errors import InvalidInput

    with pytest.raises(InvalidInput, match="EMSCAD_SOS_LADDER"):
        SafetyPolicy.from_settings(Settings(sos_ladder="30=consoles"))
