"""docs/notifications.md cannot drift from the defaults in the code."""

from __future__ import annotations

import re
from pathlib import Path

from emscad.notify.channels import SmtpConfig
from emscad.notify.models import ChannelKind, Result, Status
from emscad.notify.policy import RetryPolicy
from emscad.notify.worker import DEFAULT_LEASE

DOC = (Path(__file__).resolve().parents[3] / "docs" / "notifications.md").read_text()


def _default(variable: str) -> str:
    m = re.search(rf"^\| `{variable}` \| ([^|]+) \|", DOC, re.MULTILINE)
    assert m is not None, f"{variable} is not in the docs"
    return m.group(1).strip()


def test_the_retry_defaults_match_the_code() -> None:
    policy = RetryPolicy()
    assert _default("EMSCAD_NOTIFY_MAX_ATTEMPTS") == f"`{policy.max_attempts}`"
    assert _default("EMSCAD_NOTIFY_BACKOFF_BASE_S") == f"`{policy.base.seconds}`"
    assert _default("EMSCAD_NOTIFY_BACKOFF_CAP_S") == f"`{policy.cap.seconds}`"
    assert _default("EMSCAD_NOTIFY_MAX_AGE_S") == f"`{policy.max_age.seconds}`"
    assert f"claim lapses ({DEFAULT_LEASE.seconds // 60} minutes)" in DOC


def test_the_smtp_defaults_match_the_code() -> None:
    config = SmtpConfig(host="h", from_address="a@b.c")
    assert _default("EMSCAD_SMTP_PORT") == f"`{config.port}`"
    assert _default("EMSCAD_SMTP_STARTTLS") == f"`{str(config.starttls).lower()}`"
    assert _default("EMSCAD_SMTP_SSL") == f"`{str(config.ssl).lower()}`"
    assert _default("EMSCAD_SMTP_TIMEOUT_S") == f"`{config.timeout_s:g}`"


def test_every_channel_state_and_result_is_documented() -> None:
    for value in [*ChannelKind, *Status, *Result]:
        assert f"`{value.value}`" in DOC or f"**{value.value}**" in DOC, value
