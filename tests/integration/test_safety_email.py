"""A staff SOS reaches a dispatcher by email through a real SMTP server on 127.0.0.1, with the
server's runtime built from its settings as `emscad serve` builds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emscad.clock import FixedClock
from emscad.dispatch.safety.base import Who
from emscad.notify.models import ChannelKind, Status
from emscad.safety.events import SosSource
from emscad.safety.staff import StaffRecord
from emscad.storage.db import Database
from emscad.storage.notify_sql import SqlOutbox
from emscad.web.runtime import Runtime, build_runtime
from tests.factories.api import T0, seed, settings_for
from tests.factories.safety import on_shift
from tests.unit.notify.smtpd import HOST, Inbox, smtp_server

FROM = "alerts@emscad.example.org"


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def mailed(database: Database, tmp_path: Path, inbox: Inbox) -> Iterator[Runtime]:
    """A runtime whose settings send email through the test server."""
    with smtp_server(inbox) as port:
        settings = settings_for(tmp_path / "home", database).model_copy(
            update={
                "smtp_host": HOST,
                "smtp_port": port,
                "smtp_from": FROM,
                "smtp_starttls": False,
                "smtp_timeout_s": 5.0,
            }
        )
        rt = build_runtime(settings, clock=FixedClock(T0))
        try:
            yield rt
        finally:
            rt.close()


def test_an_sos_is_emailed_to_the_dispatcher_on_their_staff_record(
    mailed: Runtime, inbox: Inbox
) -> None:
    rt = mailed
    seed(rt)
    users = {u.username: u for u in rt.accounts.users()}
    sue = users["supervisor"]
    admin = Who(name="supervisor", user=sue.id, roles=frozenset(sue.roles))
    dispatcher = StaffRecord(
        user=users["dispatcher"].id,
        name="Dee Spatcher",
        email="dee@example.org",
        mobile_phone="not a phone",
        schedule=on_shift(T0),
    )
    rt.safety.save_staff_record(admin, dispatcher, expected_version=0)
    rt.safety.save_staff_record(
        admin, StaffRecord(user=users["staffer"].id, name="Sam Staff"), expected_version=0
    )
    staffer = users["staffer"]
    answer = rt.safety.raise_sos(
        Who(name="staffer", user=staffer.id, roles=frozenset(staffer.roles)),
        staff_user=staffer.id,
        source=SosSource.APP,
    )
    assert rt.outbox.worker.run_once() >= 2  # the consoles, and the dispatcher's email
    [message] = [m.message for m in inbox.messages]
    assert message["To"] == "dee@example.org"
    assert message["From"] == FROM
    assert message["Subject"] == "STAFF SOS: Sam Staff"
    assert message["X-Emscad-Alarm"] == answer.sos.key
    assert message["X-Emscad-Kind"] == "sos"
    assert message["Importance"] == "high"
    body = message.get_content()
    assert "Sam Staff raised an SOS" in body
    assert answer.incident is not None
    assert answer.incident.number in body
    emails = [
        n
        for n in SqlOutbox(rt.database).for_alarm(answer.sos.key)
        if n.channel is ChannelKind.EMAIL
    ]
    assert [(n.recipient.address, n.status) for n in emails] == [("dee@example.org", Status.SENT)]
