"""The notification outbox on SQLite and PostgreSQL, with a real SMTP server on 127.0.0.1:
enqueue in the caller's transaction, send, retry, give up, cancel, acknowledge, record."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from emscad.clock import FixedClock
from emscad.errors import NotFound
from emscad.incidents.models import Severity
from emscad.intake.sms.gateway import RecordingGateway
from emscad.notify.channels import Channel, ConsoleChannel, SmsChannel, SmtpChannel, SmtpConfig
from emscad.notify.lifecycle import after_attempt
from emscad.notify.models import ChannelKind, Notification, Outcome, Result, Status
from emscad.notify.policy import RetryPolicy
from emscad.notify.worker import OutboxRunner, OutboxWorker
from emscad.storage import migrate
from emscad.storage.audit_sql import SqlAuditLog
from emscad.storage.db import Database
from emscad.storage.notify_sql import SqlOutbox, acknowledge_alarm, enqueue, find
from emscad.storage.notify_tables import notification_attempts, notifications
from emscad.storage.tables import metadata
from tests.unit.notify.factories import T0, notification
from tests.unit.notify.smtpd import HOST, Inbox, free_port, smtp_server

S = timedelta(seconds=1)
FROM = "alerts@emscad.example.org"
SMS_FROM = "+15015550100"


@pytest.fixture
def outbox(database: Database) -> SqlOutbox:
    return SqlOutbox(database)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def smtp(port: int) -> SmtpChannel:
    config = SmtpConfig(
        host=HOST,
        port=port,
        from_address=FROM,
        starttls=False,
        timeout_s=5.0,
        local_hostname="emscad.test",
    )
    return SmtpChannel(config)


def worker(
    outbox: SqlOutbox,
    channels: Sequence[Channel],
    clock: FixedClock,
    *,
    name: str = "w1",
    policy: RetryPolicy | None = None,
    batch: int = 50,
) -> OutboxWorker:
    return OutboxWorker(
        outbox,
        channels,
        clock,
        np.random.default_rng(1),
        policy=policy,
        name=name,
        batch=batch,
        parallel=1,
    )


def results(outbox: SqlOutbox, n: Notification) -> list[Result]:
    return [a.result for a in outbox.attempts(n.id)]


def audit_actions(database: Database) -> list[tuple[str, str]]:
    return [(r.entry.action, r.entry.subject) for r in SqlAuditLog(database).read()]


# -- enqueueing --------------------------------------------------------------------------------


def test_an_alert_is_enqueued_with_the_event_that_caused_it_or_not_at_all(
    database: Database, outbox: SqlOutbox
) -> None:
    n = notification(alarm="sos:s-1")

    def enqueue_then_fail() -> None:
        with database.transaction(write=True) as conn:
            enqueue(conn, n)
            raise RuntimeError("writing the SOS event failed")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()
    assert outbox.find(n.id) is None
    with database.transaction(write=True) as conn:
        stored, created = enqueue(conn, n)
    assert created
    assert stored == n
    assert outbox.find(n.id) == n
    assert outbox.for_alarm("sos:s-1") == [n]


def test_enqueueing_the_same_dedupe_key_again_keeps_the_first(
    database: Database, outbox: SqlOutbox
) -> None:
    first = notification(id="n-first", dedupe_key="sos:s-1|0|email|dana")
    again = notification(id="n-again", dedupe_key="sos:s-1|0|email|dana", subject="Retry")
    assert outbox.enqueue(first) == (first, True)
    with database.transaction(write=True) as conn:
        assert enqueue(conn, again) == (first, False)
        assert find(conn, "n-again") is None
    assert [n.id for n in outbox.recent()] == ["n-first"]


# -- sending -----------------------------------------------------------------------------------


def test_due_notifications_go_out_on_every_channel_and_each_delivery_is_recorded(
    database: Database, outbox: SqlOutbox, clock: FixedClock
) -> None:
    inbox, gateway = Inbox(), RecordingGateway()
    shown: list[Notification] = []
    console = notification(channel=ChannelKind.CONSOLE)
    sms = notification(channel=ChannelKind.SMS)
    email = notification(channel=ChannelKind.EMAIL)
    for n in (console, sms, email):
        outbox.enqueue(n)
    with smtp_server(inbox) as port:
        channels: list[Channel] = [
            ConsoleChannel(shown.append),
            SmsChannel(gateway, from_number=SMS_FROM),
            smtp(port),
        ]
        w = worker(outbox, channels, clock)
        assert w.run_once(T0) == 3
        assert w.run_once(T0 + 3600 * S) == 0
    assert [n.id for n in shown] == [console.id]
    assert [t.to for t in gateway.sent] == ["+15015550123"]
    assert [m.message["X-Emscad-Notification"] for m in inbox.messages] == [email.id]
    for n in (console, sms, email):
        stored = outbox.find(n.id)
        assert stored is not None
        assert stored.status is Status.SENT
        assert stored.sent_at == T0
        [attempt] = outbox.attempts(n.id)
        assert (attempt.result, attempt.number, attempt.worker) == (Result.SENT, 1, "w1")
        assert ("notification.sent", f"notification:{n.id}") in audit_actions(database)
    assert outbox.attempts(sms.id)[0].provider_id == "rec-000001"
    assert outbox.attempts(email.id)[0].provider_id == f"<{email.id}@emscad.example.org>"
    assert SqlAuditLog(database).verify().ok


def test_an_email_is_retried_while_the_server_is_down_and_delivered_when_it_is_back(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    port = free_port()  # nothing listens here yet
    n = notification()
    outbox.enqueue(n)
    w = worker(outbox, [smtp(port)], clock)
    assert w.run_once(T0) == 1
    waiting = outbox.find(n.id)
    assert waiting is not None
    assert waiting.status is Status.PENDING
    assert T0 + 1 * S <= waiting.due_at <= T0 + 2 * S
    assert "cannot reach" in waiting.last_error
    assert w.run_once(T0 + S / 2) == 0  # backing off
    inbox = Inbox()
    with smtp_server(inbox, port=port):
        clock.advance(2 * S)
        assert w.run_once() == 1
    sent = outbox.find(n.id)
    assert sent is not None
    assert sent.status is Status.SENT
    assert sent.sent_at == T0 + 2 * S
    assert sent.attempts == 2
    assert results(outbox, n) == [Result.RETRYABLE, Result.SENT]
    assert len(inbox.messages) == 1


def test_a_refused_mailbox_fails_at_once_and_is_never_retried(
    database: Database, outbox: SqlOutbox, clock: FixedClock
) -> None:
    inbox = Inbox(reject={"gone@example.org"})
    n = notification(address="gone@example.org")
    outbox.enqueue(n)
    with smtp_server(inbox) as port:
        w = worker(outbox, [smtp(port)], clock)
        assert w.run_once(T0) == 1
        assert w.run_once(T0 + 3600 * S) == 0
    failed = outbox.find(n.id)
    assert failed is not None
    assert failed.status is Status.FAILED
    assert failed.failed_at == T0
    assert "550" in failed.last_error
    assert results(outbox, n) == [Result.PERMANENT]
    assert ("notification.failed", f"notification:{n.id}") in audit_actions(database)
    assert outbox.recent(status=Status.FAILED) == [failed]


def test_retries_end_when_a_channel_stays_down(outbox: SqlOutbox, clock: FixedClock) -> None:
    down = SmsChannel(RecordingGateway(fail_with="Twilio refused: HTTP 503"), from_number=SMS_FROM)
    n = notification(channel=ChannelKind.SMS)
    outbox.enqueue(n)
    w = worker(outbox, [down], clock, policy=RetryPolicy(max_attempts=3))
    for _ in range(3):
        due = outbox.find(n.id)
        assert due is not None
        clock.set(max(due.due_at, clock.now()))
        assert w.run_once() == 1
    gave_up = outbox.find(n.id)
    assert gave_up is not None
    assert gave_up.status is Status.FAILED
    assert gave_up.last_error == "gave up after 3 attempts: recording: Twilio refused: HTTP 503"
    assert results(outbox, n) == [Result.RETRYABLE] * 3


def test_a_channel_that_is_not_set_up_fails_the_notification_visibly(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    n = notification(channel=ChannelKind.SMS)
    outbox.enqueue(n)
    assert worker(outbox, [ConsoleChannel()], clock).run_once(T0) == 1
    failed = outbox.find(n.id)
    assert failed is not None
    assert failed.status is Status.FAILED
    assert failed.last_error == "the sms channel is not set up"


def test_the_most_urgent_are_claimed_first(outbox: SqlOutbox) -> None:
    low = notification(severity=Severity.LOW, alarm="watch:w-1")
    high = notification(severity=Severity.HIGH, alarm="sos:s-2", created_at=T0 + S)
    outbox.enqueue(low)
    outbox.enqueue(high)
    [claim] = outbox.claim_due(now=T0 + S, limit=1, lease=60 * S, worker="w1")
    assert claim.notification.id == high.id


class _Buggy:
    kind = ChannelKind.SMS

    def send(self, notification: Notification) -> Outcome:
        raise RuntimeError("bug in the channel")


def test_a_slow_or_broken_channel_does_not_hold_back_the_others(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    shown = threading.Event()
    email = notification(channel=ChannelKind.EMAIL)
    sms = notification(channel=ChannelKind.SMS)
    console = notification(channel=ChannelKind.CONSOLE)
    for n in (email, sms, console):
        outbox.enqueue(n)
    with socket.socket() as mute:
        mute.bind((HOST, 0))
        mute.listen()  # a mail server that accepts and never answers
        slow = SmtpChannel(
            SmtpConfig(
                host=HOST,
                port=mute.getsockname()[1],
                from_address=FROM,
                starttls=False,
                timeout_s=3.0,
                local_hostname="emscad.test",
            )
        )
        channels: dict[ChannelKind, Channel] = {
            ChannelKind.EMAIL: slow,
            ChannelKind.SMS: _Buggy(),
            ChannelKind.CONSOLE: ConsoleChannel(lambda _: shown.set()),
        }
        w = OutboxWorker(outbox, channels, clock, np.random.default_rng(1), parallel=4)
        sending = threading.Thread(target=w.run_once, args=(T0,))
        sending.start()
        # The console alarm goes out while the mail server keeps the email waiting.
        assert shown.wait(2.0)
        sending.join(30)
    assert [outbox.find(n.id).status for n in (email, sms, console)] == [  # type: ignore[union-attr]
        Status.PENDING,
        Status.PENDING,
        Status.SENT,
    ]
    assert "timed out" in outbox.attempts(email.id)[0].detail
    assert outbox.attempts(sms.id)[0].detail == "RuntimeError: bug in the channel"


# -- cancelling and acknowledging --------------------------------------------------------------


def test_acknowledging_an_alarm_records_it_and_cancels_what_has_not_gone_out(
    database: Database, outbox: SqlOutbox, clock: FixedClock
) -> None:
    alarm = "sos:s-9"
    console = notification(channel=ChannelKind.CONSOLE, alarm=alarm, user="")
    email = notification(alarm=alarm, user="u-sup")
    other = notification(alarm="sos:s-10")
    port = free_port()  # the mail server is down
    with database.transaction(write=True) as conn:
        for n in (console, email, other):
            enqueue(conn, n)
    w = worker(outbox, [ConsoleChannel(), smtp(port)], clock)
    assert w.run_once(T0) == 3
    with database.transaction(write=True) as conn:
        done = acknowledge_alarm(conn, alarm, by="u-disp", at=T0 + 10 * S)
    assert {n.id for n in done.acknowledged} == {console.id, email.id}
    assert [n.id for n in done.cancelled] == [email.id]
    inbox = Inbox()
    with smtp_server(inbox, port=port):
        assert w.run_once(T0 + 3600 * S) == 1  # only the other alarm's email
    assert [m.message["X-Emscad-Alarm"] for m in inbox.messages] == ["sos:s-10"]
    by_id = {n.id: n for n in outbox.for_alarm(alarm)}
    assert by_id[console.id].status is Status.SENT
    assert by_id[console.id].acknowledged_by == "u-disp"
    assert by_id[email.id].status is Status.CANCELLED
    assert by_id[email.id].cancel_reason == "acknowledged by u-disp"
    assert by_id[email.id].cancelled_at == T0 + 10 * S
    assert by_id[email.id].acknowledged_at == T0 + 10 * S
    assert results(outbox, email) == [Result.RETRYABLE]
    actions = audit_actions(database)
    assert ("notification.acknowledged", f"alarm:{alarm}") in actions
    assert ("notification.cancelled", f"alarm:{alarm}") in actions
    # A second acknowledgement finds nothing new to mark or cancel.
    again = outbox.acknowledge_alarm(alarm, by="u-sup", at=T0 + 20 * S)
    assert (again.acknowledged, again.cancelled) == ((), ())


def test_a_notification_cancelled_while_it_is_being_sent_stays_cancelled(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    n = notification(channel=ChannelKind.CONSOLE)
    outbox.enqueue(n)

    def acknowledged_meanwhile(sending: Notification) -> None:
        outbox.cancel_alarm(sending.alarm, at=T0, reason="acknowledged by u-disp")

    assert worker(outbox, [ConsoleChannel(acknowledged_meanwhile)], clock).run_once(T0) == 1
    stored = outbox.find(n.id)
    assert stored is not None
    assert stored.status is Status.CANCELLED
    assert stored.attempts == 1
    assert results(outbox, n) == [Result.SENT]  # it went out: the record says so


def test_each_acknowledgement_is_recorded_and_the_first_kept(
    database: Database, outbox: SqlOutbox
) -> None:
    n = notification(channel=ChannelKind.CONSOLE)
    outbox.enqueue(n)
    first = outbox.acknowledge(n.id, by="u-disp", at=T0 + 5 * S)
    later = outbox.acknowledge(n.id, by="u-sup", at=T0 + 9 * S)
    assert (first.acknowledged_by, first.acknowledged_at) == ("u-disp", T0 + 5 * S)
    assert later == first
    acks = [
        r.entry for r in SqlAuditLog(database).read() if r.entry.subject == f"notification:{n.id}"
    ]
    assert [(e.actor, e.detail["first"]) for e in acks] == [("u-disp", True), ("u-sup", False)]
    assert "subject" not in acks[0].detail  # the message text stays out of the audit trail
    with pytest.raises(NotFound):
        outbox.acknowledge("n-missing", by="u-disp", at=T0)


# -- several workers, crashed workers, the background runner -----------------------------------


def test_a_claim_whose_worker_died_is_taken_over_after_its_lease(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    n = notification(channel=ChannelKind.CONSOLE)
    outbox.enqueue(n)
    [dead] = outbox.claim_due(now=T0, limit=10, lease=60 * S, worker="w-dead")
    w2 = worker(outbox, [ConsoleChannel()], clock, name="w2")
    assert w2.run_once(T0 + 30 * S) == 0  # still leased
    assert w2.run_once(T0 + 61 * S) == 1
    attempts = outbox.attempts(n.id)
    assert [(a.result, a.worker) for a in attempts] == [
        (Result.UNKNOWN, "w-dead"),
        (Result.SENT, "w2"),
    ]
    # The dead worker's late report is recorded, and changes nothing.
    updated, attempt = after_attempt(
        dead.notification,
        Outcome.retryable("timed out"),
        now=T0 + 70 * S,
        policy=RetryPolicy(),
        rng=np.random.default_rng(0),
        worker="w-dead",
    )
    stored = outbox.record(dead, updated, attempt)
    assert stored.status is Status.SENT
    assert len(outbox.attempts(n.id)) == 3


class _Watching:
    """A console channel that notices two sends of one notification at the same time."""

    kind = ChannelKind.CONSOLE

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []
        self.sent: Counter[str] = Counter()

    def send(self, notification: Notification) -> Outcome:
        with self.lock:
            if notification.id in self.in_flight:
                self.overlaps.append(notification.id)
            self.in_flight.add(notification.id)
        time.sleep(0.002)
        with self.lock:
            self.in_flight.discard(notification.id)
            self.sent[notification.id] += 1
        return Outcome.sent("shown")


def test_workers_running_at_once_never_send_one_notification_twice(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    ids = [f"n-par-{i:03d}" for i in range(60)]
    for i in ids:
        outbox.enqueue(notification(id=i, channel=ChannelKind.CONSOLE, alarm=f"sos:{i}"))
    channel = _Watching()
    workers = [worker(outbox, [channel], clock, name=f"w{k}", batch=4) for k in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(w: OutboxWorker) -> None:
        try:
            start.wait()
            w.run_once(T0)
        except BaseException as exc:  # report it in the test, not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert channel.overlaps == []
    assert channel.sent == Counter(dict.fromkeys(ids, 1))
    assert all(len(outbox.attempts(i)) == 1 for i in ids)
    assert len(outbox.recent(status=Status.SENT, limit=100)) == 60


def test_the_runner_sends_in_the_background_as_soon_as_it_is_woken(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    delivered = threading.Event()
    channel = ConsoleChannel(lambda _: delivered.set())
    runner = OutboxRunner(worker(outbox, [channel], clock), interval_s=60.0)
    runner.start()
    try:
        assert runner.running
        with pytest.raises(RuntimeError, match="already running"):
            runner.start()
        time.sleep(0.05)  # its first pass finds nothing; then it sleeps for a minute
        outbox.enqueue(notification(channel=ChannelKind.CONSOLE))
        runner.notify()
        assert delivered.wait(10)
    finally:
        runner.stop()
    assert not runner.running
    runner.stop()  # stopping twice is harmless


def test_the_runner_keeps_going_when_a_pass_fails(clock: FixedClock) -> None:
    passes = threading.Semaphore(0)

    class Flaky:
        calls = 0

        def claim_due(self, **_: Any) -> list[Any]:
            Flaky.calls += 1
            passes.release()
            if Flaky.calls == 1:
                raise ConnectionError("the database is restarting")
            return []

        def record(self, *_: Any) -> Notification:
            raise AssertionError("nothing was claimed")

    runner = OutboxRunner(
        OutboxWorker(Flaky(), [], clock, np.random.default_rng(0), name="w"), interval_s=0.01
    )
    runner.start()
    try:
        assert passes.acquire(timeout=10)
        assert passes.acquire(timeout=10)
    finally:
        runner.stop()
    assert Flaky.calls >= 2


def test_an_unreachable_database_is_reported_not_swallowed() -> None:
    """The runner logs it and tries again on its next pass (see the test above)."""
    gone = SqlOutbox(Database(f"postgresql://postgres@{HOST}:{free_port()}/nowhere"))
    with pytest.raises(sa.exc.OperationalError, match="Connection refused"):
        gone.claim_due(now=T0, limit=10, lease=60 * S, worker="w1")


# -- the schema --------------------------------------------------------------------------------


MINE = {notifications.name, notification_attempts.name}


def _mine(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in MINE


def test_the_migration_builds_exactly_the_tables_the_code_uses(database: Database) -> None:
    with database.transaction(write=False) as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _mine, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def test_the_migration_downgrades_and_upgrades_again(database: Database) -> None:
    config = migrate._config()
    with database.transaction(write=True) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    with database.transaction(write=False) as conn:
        tables = set(conn.dialect.get_table_names(conn))
    assert not tables & MINE
    migrate.upgrade(database)
    assert migrate.current(database) == migrate.head()
