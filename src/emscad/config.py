"""One typed settings object, read from the environment (prefix EMSCAD_) once at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-use"
CONSOLE_ROLES = ("call_taker", "dispatcher", "supervisor", "analyst", "admin")
# Settings that hold secrets: each may instead be read from the file EMSCAD_<NAME>_FILE names
# (Docker and systemd credentials), so a secret never has to sit in the environment.
SECRET_FIELDS = ("secret_key", "database_url")


def default_home() -> Path:
    """`$XDG_DATA_HOME/emscad`, else `~/.local/share/emscad`."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "emscad"


class Settings(BaseSettings):
    """Every knob emscad has. Each field is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="EMSCAD_", frozen=True, extra="ignore")

    home: Path = Field(
        default_factory=default_home,
        description="Data directory: regions live in HOME/regions, later the database too.",
    )
    lights_sirens_factor: float = Field(
        default=1.25,
        ge=1.0,
        le=2.0,
        description="Speed multiplier for lights-and-sirens driving, capped per road class.",
    )
    max_snap_m: float = Field(
        default=500.0,
        gt=0,
        le=50_000,
        description="A point farther than this from every road is off the map.",
    )

    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql://USER@HOST/DB; default HOME/emscad.db.",
    )
    region: str = Field(default="demo", description="The region the server routes on.")
    timezone: str = Field(
        default="America/Chicago",
        description="The agency's time zone (IANA name): incident numbers follow its year.",
    )
    response_plan: Path | None = Field(
        default=None, description="A response plan JSON file; default: the built-in plan."
    )
    avl_stale_after_s: float = Field(
        default=120.0, gt=0, description="An AVL fix older than this is flagged as stale."
    )
    host: str = Field(default="127.0.0.1", description="Address `emscad serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `emscad serve` listens on.")

    production: bool = Field(
        default=False,
        description="Production mode: refuse the default secret key and insecure cookies.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY),
        description="Encrypts MFA secrets at rest. At least 32 characters in production.",
    )
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (required in prod)."
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A session unused this long ends."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, le=24 * 7, description="A session ends this long after login."
    )
    mfa_roles: tuple[str, ...] = Field(
        default=CONSOLE_ROLES, description="Roles that must use a second factor (TOTP)."
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="The address users open emscad at; WebAuthn keys are bound to its host.",
    )
    lockout_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins that lock an account."
    )
    lockout_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="The window in which failures count."
    )
    login_rate_per_minute: int = Field(
        default=20, ge=1, description="Login attempts allowed per client address per minute."
    )
    webhook_rate_per_minute: int = Field(
        default=600, ge=1, description="Webhook requests allowed per client address per minute."
    )
    tile_url: str | None = Field(
        default=None,
        description="A raster tile server URL template for the console map (online agencies); "
        "default: the region's own roads, offline.",
    )

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in SECRET_FIELDS:
            path = os.environ.get(f"EMSCAD_{name.upper()}_FILE")
            if path and name not in data and f"EMSCAD_{name.upper()}" not in os.environ:
                try:
                    data[name] = Path(path).read_text().rstrip("\r\n")
                except OSError as exc:
                    message = f"EMSCAD_{name.upper()}_FILE: cannot read {path}: {exc}"
                    raise ValueError(message) from None
        return data

    @model_validator(mode="after")
    def _safe_for_production(self) -> Settings:
        if self.production:
            key = self.secret_key.get_secret_value()
            if key == DEV_SECRET_KEY or len(key) < 32:
                raise ValueError(
                    "production needs EMSCAD_SECRET_KEY (or its _FILE) of 32+ characters, "
                    "not the default"
                )
            if not self.cookie_secure:
                raise ValueError("production needs EMSCAD_COOKIE_SECURE=true (HTTPS)")
        return self

    @property
    def regions_dir(self) -> Path:
        return self.home / "regions"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'emscad.db'}"
