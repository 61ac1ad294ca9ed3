"""One typed settings object, read from the environment (prefix EMSCAD_) once at start-up."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def regions_dir(self) -> Path:
        return self.home / "regions"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'emscad.db'}"
