"""One typed settings object, read from the environment (prefix EMSCAD_) once at start-up."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_LINE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-use"
CONSOLE_ROLES = ("call_taker", "dispatcher", "supervisor", "analyst", "admin")
# Settings that hold secrets: each may instead be read from the file EMSCAD_<NAME>_FILE names
# (Docker and systemd credentials), so a secret never has to sit in the environment.
SECRET_FIELDS = (
    "secret_key",
    "database_url",
    "twilio_auth_token",
    "telnyx_public_key",
    "smtp_password",
)


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

    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Twilio's auth token: checks X-Twilio-Signature on webhooks."
    )
    twilio_account_sid: str | None = Field(
        default=None, description="Twilio account SID, for sending replies through Twilio."
    )
    telnyx_public_key: str | None = Field(
        default=None, description="Telnyx's Ed25519 public key (base64) for webhook signatures."
    )
    telnyx_tolerance_s: float = Field(
        default=300.0, gt=0, le=3600, description="How old a Telnyx webhook may be."
    )
    text_lines: dict[str, str] = Field(
        default_factory=dict,
        description='Text lines by name and E.164 number, e.g. {"agency": "+15015550123"}.',
    )
    sos_lines: tuple[str, ...] = Field(
        default=(), description="Which text lines are the staff SOS number."
    )
    sos_keywords: tuple[str, ...] = Field(
        default=("sos", "help me", "911"), description="Words that raise an SOS by text."
    )
    sms_gateway: str = Field(
        default="recording",
        pattern="^(recording|twilio)$",
        description="How replies are sent: 'recording' (kept, not sent) or 'twilio'.",
    )

    sos_ladder: str = Field(
        default="0=consoles,dispatcher; 60=supervisor; 120=on_duty",
        max_length=500,
        description="Who an unacknowledged staff SOS reaches, and when (seconds=targets; ...).",
    )
    checkin_ladder: str = Field(
        default="0=consoles,dispatcher; 60=supervisor; 120=on_duty",
        max_length=500,
        description="Who a missed check-in's welfare alert reaches, and when.",
    )
    escort_ladder: str = Field(
        default="0=dispatcher,supervisor; 300=on_duty",
        max_length=500,
        description="Who an escort request nobody accepted reaches, and when.",
    )
    checkin_grace_s: int = Field(
        default=60, ge=0, le=900, description="Seconds after a missed deadline before alerting."
    )
    watch_dedupe_s: int = Field(
        default=300, ge=0, le=86_400, description="One alert per plate and camera in this window."
    )
    shift_end_recent_alert_h: float = Field(
        default=12, gt=0, le=168, description="A watch alert this recent makes escorts urged."
    )
    shift_end_timer_min: int = Field(
        default=5, ge=1, le=720, description="The check-in timer offered at shift end."
    )
    name_match_threshold: float = Field(
        default=88, ge=50, le=100, description="Fuzzy name score (0-100) that matches an order."
    )
    protected_place_radius_m: float = Field(
        default=304.8, gt=0, le=5000, description="Stay-away radius around the agency's stations."
    )
    safety_tick_s: float = Field(
        default=1.0, gt=0, le=60, description="How often escalations and timers are checked."
    )

    smtp_host: str | None = Field(default=None, description="Mail server for email alerts.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The mail server's port.")
    smtp_from: str | None = Field(default=None, description="Sender address of email alerts.")
    smtp_username: str | None = Field(default=None, description="Mail server login name.")
    smtp_password: SecretStr | None = Field(default=None, description="Mail server password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade to TLS with STARTTLS.")
    smtp_ssl: bool = Field(default=False, description="TLS from the first byte (port 465).")
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120, description="SMTP timeout.")
    notify_sms_line: str | None = Field(
        default=None, description="The text line alerts are texted from (none: no text alerts)."
    )
    notify_max_attempts: int = Field(
        default=20, ge=1, le=1000, description="Delivery attempts per notification."
    )
    notify_backoff_base_s: float = Field(
        default=2.0, gt=0, le=3600, description="First retry delay (doubles each time)."
    )
    notify_backoff_cap_s: float = Field(
        default=60.0, gt=0, le=86_400, description="Longest delay between retries."
    )
    notify_max_age_s: float = Field(
        default=3600.0, gt=0, le=7 * 86_400, description="Stop retrying after this long."
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

    @model_validator(mode="after")
    def _text_lines_consistent(self) -> Settings:
        for name, number in self.text_lines.items():
            if not _LINE_NAME.match(name):
                raise ValueError(
                    f"EMSCAD_TEXT_LINES: line name {name!r} must be 1 to 24 lower-case "
                    "letters, digits, '-' or '_'"
                )
            if not _E164.match(number):
                raise ValueError(f"EMSCAD_TEXT_LINES: {name}'s number {number!r} is not E.164")
        if self.notify_sms_line is not None and self.notify_sms_line not in self.text_lines:
            raise ValueError("EMSCAD_NOTIFY_SMS_LINE names a line not in EMSCAD_TEXT_LINES")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("EMSCAD_SMTP_HOST needs EMSCAD_SMTP_FROM (the sender address)")
        unknown = sorted(set(self.sos_lines) - set(self.text_lines))
        if unknown:
            raise ValueError(f"EMSCAD_SOS_LINES names lines not in EMSCAD_TEXT_LINES: {unknown}")
        if self.sms_gateway == "twilio" and not (
            self.twilio_account_sid and self.twilio_auth_token
        ):
            raise ValueError(
                "EMSCAD_SMS_GATEWAY=twilio needs EMSCAD_TWILIO_ACCOUNT_SID and "
                "EMSCAD_TWILIO_AUTH_TOKEN"
            )
        return self

    @property
    def regions_dir(self) -> Path:
        return self.home / "regions"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'emscad.db'}"
