"""/api/notifications: a supervisor sees which alerts went out and which failed, and why,
with email through a real SMTP server on 127.0.0.1 that refuses one mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emscad.clock import FixedClock
from emscad.dispatch.safety.base import Who
from emscad.safety.events import SosSource
from emscad.safety.staff import StaffRecord
from emscad.storage.db import Database
from emscad.web.app import create_app
from emscad.web.runtime import build_runtime
from tests.factories.api import T0, Api, seed, settings_for
from tests.factories.safety import on_shift
from tests.unit.notify.smtpd import HOST, Inbox, smtp_server

REFUSED = "sue@example.org"


@dataclass
class Mailed:
    api: Api
    inbox: Inbox


@pytest.fixture
def mailed(database: Database, tmp_path: Path) -> Iterator[Mailed]:
    """The app with email through a test server that refuses the supervisor's mailbox."""
    inbox = Inbox(reject={REFUSED})
    with smtp_server(inbox) as port:
        settings = settings_for(tmp_path / "home", database).model_copy(
            update={
                "smtp_host": HOST,
                "smtp_port": port,
                "smtp_from": "alerts@emscad.example.org",
                "smtp_starttls": False,
                "smtp_timeout_s": 5.0,
            }
        )
        clock = FixedClock(T0)
        rt = build_runtime(settings, clock=clock)
        app = create_app(rt, migrate=False, warm=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            tokens = seed(rt)
            yield Mailed(Api(client=client, runtime=rt, clock=clock, tokens=tokens), inbox)
        rt.close()


def _who(api: Api, username: str) -> Who:
    user = api.runtime.accounts.user(username)
    return Who(name=username, user=user.id, roles=frozenset(user.roles))


def _staff(api: Api) -> None:
    """The dispatcher and the supervisor on shift with email addresses; a staffer."""
    users = {u.username: u for u in api.runtime.accounts.users()}
    boss = _who(api, "supervisor")
    for username, name, address in (
        ("dispatcher", "Dee Spatcher", "dee@example.org"),
        ("supervisor", "Sue Pervisor", REFUSED),
    ):
        record = StaffRecord(
            user=users[username].id, name=name, email=address, schedule=on_shift(T0)
        )
        api.runtime.safety.save_staff_record(boss, record, expected_version=0)
    staffer = StaffRecord(user=users["staffer"].id, name="Sam Staff")
    api.runtime.safety.save_staff_record(boss, staffer, expected_version=0)


def _sos(api: Api, username: str, *, silent: bool = False) -> str:
    who = _who(api, username)
    answer = api.runtime.safety.raise_sos(
        who, staff_user=who.user, source=SosSource.APP, silent=silent
    )
    api.runtime.outbox.worker.run_once()
    return answer.sos.key


def _get(api: Api, path: str, persona: str, **params: Any) -> Any:
    return api.client.get(path, headers=api.headers(persona), params=params)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    found: dict[str, Any] = response.json()
    return found


def _reads(api: Api) -> list[Any]:
    records = api.runtime.audit.read(limit=100_000)
    return [r.entry for r in records if r.entry.action == "read.notifications"]


def test_a_supervisor_sees_every_alert_of_an_sos_and_why_one_failed(mailed: Mailed) -> None:
    api = mailed.api
    _staff(api)
    key = _sos(api, "staffer")
    api.clock.advance(timedelta(seconds=61))  # unacknowledged: the supervisor is told too
    assert api.runtime.safety.tick() == 1
    api.runtime.outbox.worker.run_once()
    assert [m.rcpt_tos for m in mailed.inbox.messages] == [["dee@example.org"]]

    listed = _ok(_get(api, "/api/notifications", "supervisor"))
    assert {n["alarm"] for n in listed} == {key}
    emails = {n["recipient"]["address"]: n for n in listed if n["channel"] == "email"}
    assert emails["dee@example.org"]["status"] == "sent"
    assert emails["dee@example.org"]["sent_at"] is not None
    failed = emails[REFUSED]
    assert (failed["status"], failed["attempts"], failed["retrying"]) == ("failed", 1, False)
    assert "550" in failed["last_error"]
    assert failed["recipient"]["name"] == "supervisor"
    assert (failed["kind"], failed["severity"]) == ("sos", "high")
    # What the alert said stays out of the list: it may describe a protected person.
    assert not {"subject", "body"} & set(failed)

    only_failed = _ok(_get(api, "/api/notifications", "supervisor", status="failed"))
    assert [n["id"] for n in only_failed] == [failed["id"]]
    both = _ok(_get(api, "/api/notifications", "admin", status=["failed", "sent"]))
    assert {n["status"] for n in both} == {"failed", "sent"}
    assert len(both) == len(listed)
    assert _ok(_get(api, "/api/notifications", "supervisor", alarm="sos:other")) == []
    later = (T0 + timedelta(hours=1)).isoformat()
    assert _ok(_get(api, "/api/notifications", "supervisor", since=later)) == []
    since_start = _ok(_get(api, "/api/notifications", "supervisor", since=T0.isoformat()))
    assert len(since_start) == len(listed)
    assert len(_ok(_get(api, "/api/notifications", "supervisor", alarm=key))) == len(listed)
    assert len(_ok(_get(api, "/api/notifications", "admin", limit=1))) == 1

    one = _ok(_get(api, f"/api/notifications/{failed['id']}", "supervisor"))
    [attempt] = one["attempt_log"]
    assert attempt["number"] == 1
    assert attempt["result"] == "failed_permanent"
    assert "User unknown" in attempt["detail"]

    # Every read that showed something is in the audit trail: who, which alerts, from where.
    # An empty answer showed nothing about anyone, and an answer this reader was shown and
    # audited moments ago (by another filter here) is not recorded twice.
    reads = _reads(api)
    assert len(reads) == 5
    assert reads[0].actor == "supervisor"
    assert set(reads[0].detail["notifications"]) == {n["id"] for n in listed}
    assert reads[-1].subject == f"notification:{failed['id']}"


def test_only_supervisors_and_administrators_read_deliveries(mailed: Mailed) -> None:
    api = mailed.api
    _staff(api)
    _sos(api, "staffer")
    for persona in ("calltaker", "dispatcher", "medic1", "staffer", "analyst"):
        _problem(_get(api, "/api/notifications", persona), 403)
    _problem(api.client.get("/api/notifications"), 401)
    assert _reads(api) == []


def test_bad_filters_and_unknown_ids_are_problems_not_errors(mailed: Mailed) -> None:
    api = mailed.api
    _problem(_get(api, "/api/notifications", "supervisor", status="lost"), 422)
    _problem(_get(api, "/api/notifications", "supervisor", limit=0), 422)
    _problem(_get(api, "/api/notifications", "supervisor", limit=501), 422)
    _problem(_get(api, "/api/notifications", "supervisor", alarm=""), 422)
    _problem(_get(api, "/api/notifications", "supervisor", since="yesterday"), 422)
    _problem(_get(api, "/api/notifications", "supervisor", since="2026-07-06T12:00:00"), 422)
    _problem(_get(api, "/api/notifications/nope", "supervisor"), 404)
    _problem(_get(api, "/api/notifications/" + "x" * 41, "supervisor"), 422)


def test_the_alerts_of_my_own_silent_sos_are_not_shown_to_me(mailed: Mailed) -> None:
    api = mailed.api
    _staff(api)
    key = _sos(api, "supervisor", silent=True)
    theirs = _ok(_get(api, "/api/notifications", "admin"))
    assert theirs
    assert {n["alarm"] for n in theirs} == {key}
    assert _ok(_get(api, "/api/notifications", "supervisor")) == []
    assert _ok(_get(api, "/api/notifications", "supervisor", alarm=key)) == []
    _problem(_get(api, f"/api/notifications/{theirs[0]['id']}", "supervisor"), 404)
    _ok(_get(api, f"/api/notifications/{theirs[0]['id']}", "admin"))


def test_a_polled_unchanged_answer_is_audited_once_in_ten_minutes(mailed: Mailed) -> None:
    api = mailed.api
    _staff(api)
    _sos(api, "staffer")
    for _ in range(3):  # the supervisor's panel asking again and again
        _ok(_get(api, "/api/notifications", "supervisor", status="sent"))
    assert len(_reads(api)) == 1
    _ok(_get(api, "/api/notifications", "admin", status="sent"))  # another reader
    assert len(_reads(api)) == 2
    api.clock.advance(timedelta(minutes=10))
    _ok(_get(api, "/api/notifications", "supervisor", status="sent"))
    assert len(_reads(api)) == 3
    api.clock.advance(timedelta(seconds=61))  # the supervisor is told too: a new answer
    api.runtime.safety.tick()
    api.runtime.outbox.worker.run_once()
    _ok(_get(api, "/api/notifications", "supervisor", status="sent"))
    assert len(_reads(api)) == 4
