"""Intake commands: texts in and out, device locations, caller and premise history.

Each runs in the dispatch service's transactions (`DispatchService.run`), so texts and device
locations are events on the same log, audit trail and live stream as everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from emscad.dispatch.cautions import CautionQuery
from emscad.dispatch.idempotency import Idempotency, remember, replayed
from emscad.dispatch.service import DispatchService
from emscad.dispatch.session import Session
from emscad.errors import Conflict, Contention, InvalidInput, NotFound
from emscad.events import to_ms
from emscad.incidents.models import Caller, Caution, Incident, Location
from emscad.intake import device, premises, threads
from emscad.intake.device import DeviceLocationReceived, DeviceView
from emscad.intake.history import (
    SAME_ADDRESS_M,
    IntakeHistory,
    PremiseCaution,
    intake_history,
    keys,
)
from emscad.intake.phone import normalize_number
from emscad.intake.pidf.models import DeviceLocation
from emscad.intake.premises import PremiseCautionSaved
from emscad.intake.sms.gateway import OutboundResult, SmsGateway
from emscad.intake.sms.models import InboundText
from emscad.intake.threads import TextMessage, TextReceived, TextThread, thread_id

T = TypeVar("T")
log = logging.getLogger("emscad.intake")

HISTORY_CANDIDATES = 500  # incidents read per history lookup, by address and by number
PENDING = "pending"  # an Idempotency-Key whose reply is being sent


@dataclass(frozen=True, slots=True)
class TextLines:
    """The agency's text lines by name, and which of them are the staff SOS number."""

    numbers: Mapping[str, str]
    sos_lines: frozenset[str] = frozenset()
    sos_keywords: tuple[str, ...] = ()

    def number(self, line: str) -> str:
        found = self.numbers.get(line)
        if found is None:
            raise NotFound(f"no text line {line!r}")
        return found

    def keywords(self, line: str) -> tuple[str, ...]:
        return self.sos_keywords if line in self.sos_lines else ()


@dataclass(frozen=True, slots=True)
class Received:
    """A text taken in: its thread, the message, and whether it was new (not a redelivery)."""

    thread: TextThread
    message: TextMessage | None
    new: bool


@dataclass(frozen=True, slots=True)
class DeviceReport:
    id: int
    caller: str
    view: DeviceView


class IntakeService:
    def __init__(
        self,
        dispatch: DispatchService,
        *,
        gateway: SmsGateway,
        lines: TextLines,
        on_text: Callable[[Session, Received], None] | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.gateway = gateway
        self.lines = lines
        self.on_text = on_text

    def _run(self, actor: str, command: Callable[[Session], T]) -> T:
        """Run a command, retrying when another write to the same thread won the race.

        Texts only ever append to a thread, so running the command again on the fresh
        thread is always right; giving up would lose a caller's message.
        """
        for attempt in range(3):
            try:
                return self.dispatch.run(actor, command)
            except Conflict:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- texts ---------------------------------------------------------------------------------

    def receive_text(self, text: InboundText, *, line: str) -> Received:
        """Add an inbound text to its thread; a redelivered message id adds nothing."""
        self.lines.number(line)
        tid = thread_id(line, text.from_number)
        text = replace(text, received_at=to_ms(text.received_at))

        hook = self.on_text

        def command(s: Session) -> Received:
            claimed = s.tx.claim_message(
                text.provider.value, text.message_id, thread_id=tid, at=s.at
            )
            if not claimed:
                existing = s.thread(tid)
                if existing is None:  # claimed by a thread on another line: keep the first
                    raise Conflict(f"message {text.message_id} was received on another line")
                return Received(existing, None, new=False)
            events = threads.receive(
                s.thread(tid), text, line=line, sos_keywords=self.lines.keywords(line)
            )
            s.record(events)
            thread = s.thread(tid)
            assert thread is not None
            message = next((e.message for e in events if isinstance(e, TextReceived)), None)
            received = Received(thread, message, new=bool(events))
            if received.new and hook is not None:
                # In the same transaction: an SOS text and its alarm are kept together.
                hook(s, received)
                current = s.thread(tid)
                assert current is not None
                received = Received(current, message, new=True)
            return received

        actor = f"{text.provider.value}:{line}"
        try:
            return self._run(actor, command)
        except (Conflict, Contention):
            raise
        except Exception:
            if hook is None:
                raise
            # The hook failed (a bug, a bad record): the caller's text must not be lost with
            # it. Store the text alone; its SOS flag still shows on the console's text list.
            log.exception("the text hook failed for %s; storing the text without it", tid)
            hook = None
            return self._run(actor, command)

    def reply(
        self, actor: str, thread_id_: str, body: str, *, idempotency: Idempotency | None = None
    ) -> tuple[TextThread, TextMessage, bool]:
        """Send a dispatcher's reply and record it (a failed send is recorded as failed).

        With an Idempotency-Key the key is reserved before sending, so a retry of a request
        whose reply went out never sends it twice; if the server stopped between sending and
        recording, the retry says so instead of guessing.
        """
        thread = self.thread(thread_id_)
        text = threads.check_reply(thread, body)

        def reserve(s: Session) -> str | None:
            seen = replayed(s, idempotency)
            if seen == PENDING:
                raise Conflict(
                    "a reply with this Idempotency-Key was started but not recorded; "
                    "check the thread before sending again"
                )
            if seen is None:
                remember(s, idempotency, PENDING)
            return seen

        if idempotency is not None:
            seen = self.dispatch.run(actor, reserve)
            if seen is not None:
                done = self.thread(thread_id_)
                return done, _message(done, seen), True
        result = self._send(thread, text)

        def record(s: Session) -> TextMessage:
            current = s.thread(thread_id_)
            if current is None:
                raise NotFound(f"no text thread {thread_id_!r}")
            event = threads.record_reply(current, body=text, author=actor, at=s.at, result=result)
            s.record([event])
            if idempotency is not None:
                s.tx.finish_idempotent(actor, idempotency.key, result=event.message.id)
            return event.message

        message = self._run(actor, record)
        return self.thread(thread_id_), message, False

    def _send(self, thread: TextThread, text: str) -> OutboundResult:
        try:
            return self.gateway.send(thread.caller, thread.agency_number, text)
        except Exception as exc:  # a gateway bug must not lose the record
            name = getattr(self.gateway, "provider", "gateway")
            return OutboundResult(ok=False, provider=str(name), error=f"send failed: {exc}")

    def attach(self, actor: str, thread_id_: str, incident_id: str) -> TextThread:
        def command(s: Session) -> TextThread:
            thread = s.thread(thread_id_)
            if thread is None:
                raise NotFound(f"no text thread {thread_id_!r}")
            s.incident(incident_id)  # it must exist
            s.record(threads.attach(thread, incident_id))
            attached = s.thread(thread_id_)
            assert attached is not None
            return attached

        return self._run(actor, command)

    def thread(self, thread_id_: str) -> TextThread:
        with self.dispatch.store.read() as tx:
            found = tx.find_thread(thread_id_)
        if found is None:
            raise NotFound(f"no text thread {thread_id_!r}")
        return found

    def threads(
        self,
        *,
        incident: str | None = None,
        awaiting_reply: bool | None = None,
        unattached: bool = False,
        limit: int = 100,
    ) -> list[TextThread]:
        with self.dispatch.store.read() as tx:
            return tx.list_threads(
                incident=incident,
                awaiting_reply=awaiting_reply,
                unattached=unattached,
                limit=limit,
            )

    # -- device locations ------------------------------------------------------------------------

    def add_device_location(
        self,
        actor: str,
        incident_id: str,
        location: DeviceLocation,
        *,
        caller: str = "",
        idempotency: Idempotency | None = None,
    ) -> tuple[DeviceReport, bool]:
        """Keep a device fix beside the incident (never replacing its location)."""

        def command(s: Session) -> tuple[DeviceReport, bool]:
            incident = s.incident(incident_id)
            history = s.tx.device_locations(incident_id)
            seen = replayed(s, idempotency)
            if seen is not None:
                return _report(incident, history, int(seen)), True
            who = normalize_number(caller) or incident.caller.phone or "unknown"
            if len(who) > 100:
                raise InvalidInput("the caller's number or device id is longer than 100")
            new_id = s.tx.add_device_location(incident_id, who, location)
            s.record([DeviceLocationReceived(incident=incident_id, caller=who, location=location)])
            remember(s, idempotency, str(new_id))
            return _report(incident, [*history, (new_id, who, location)], new_id), False

        return self.dispatch.run(actor, command)

    def device_locations(self, incident_id: str) -> list[DeviceReport]:
        with self.dispatch.store.read() as tx:
            incident = tx.find_incident(incident_id)
            if incident is None:
                raise NotFound(f"no incident {incident_id!r}")
            history = tx.device_locations(incident_id)
        return [_report(incident, history, i) for i, _, _ in history]

    def confirm_device_location(
        self, actor: str, incident_id: str, location_id: int, *, expected_version: int | None
    ) -> Incident:
        """Make the device's point the incident location: a dispatcher's decision."""
        with self.dispatch.store.read() as tx:
            incident = tx.find_incident(incident_id)
            if incident is None:
                raise NotFound(f"no incident {incident_id!r}")
            history = tx.device_locations(incident_id)
        found = next((loc for i, _, loc in history if i == location_id), None)
        if found is None:
            raise NotFound(f"incident {incident.number} has no device location {location_id}")
        # Confirm against the version the dispatcher saw (or the one just read): a location
        # someone changed in between is not silently overwritten.
        version = incident.version if expected_version is None else expected_version
        return self.dispatch.update_incident(
            actor,
            incident_id,
            expected_version=version,
            location=device.confirm(found, incident.location),
        )

    # -- history and premise cautions ------------------------------------------------------------

    def history(
        self, *, location: Location, phone: str = "", exclude: str | None = None, limit: int = 10
    ) -> IntakeHistory:
        now = to_ms(self.dispatch.clock.now())
        found = sorted(keys(location))
        with self.dispatch.store.read() as tx:
            near = tx.incidents_near(
                found,
                location.lon,
                location.lat,
                radius_m=SAME_ADDRESS_M,
                before=now,
                limit=HISTORY_CANDIDATES,
            )
            by_phone = (
                tx.incidents_by_phone(phone, limit=HISTORY_CANDIDATES) if phone.strip() else []
            )
            cautions = tx.premise_cautions_near(found, location.lon, location.lat, now=now)
        return intake_history(
            location=location,
            phone=phone,
            candidates=[*near, *by_phone],
            cautions=cautions,
            now=now,
            exclude=exclude,
            limit=limit,
        )

    def cautions(self, *, location: Location, phone: str = "") -> list[Caution]:
        """The cautions a call taken now at this location from this number would carry:
        the place's premise cautions and the protective orders it touches."""
        query = CautionQuery(
            location=location,
            caller=Caller(phone=normalize_number(phone) if phone.strip() else ""),
            persons=(),
            at=to_ms(self.dispatch.clock.now()),
        )
        with self.dispatch.store.read() as tx:
            return [c for s in self.dispatch.caution_sources for c in s.cautions(tx, query)]

    def save_premise_caution(
        self, actor: str, caution: PremiseCaution, *, expected_version: int
    ) -> PremiseCaution:
        """Create (expected_version 0) or change a premise caution; open incidents at the
        place get it at once."""

        def command(s: Session) -> PremiseCaution:
            before = s.tx.find_premise_caution(caution.id)
            current = before.version if before is not None else 0
            if current != expected_version:
                raise Conflict(
                    f"premise caution {caution.id!r} is at version {current}, "
                    f"not {expected_version}; reload"
                )
            events = premises.save(before, caution)
            if not events:
                assert before is not None
                return before
            s.record(events)
            saved = next(e.caution for e in events if isinstance(e, PremiseCautionSaved))
            s.tx.save_premise_caution(saved, expected_version=current)
            self.dispatch.refresh_cautions(s)
            return saved

        return self.dispatch.run(actor, command)

    def remove_premise_caution(self, actor: str, caution_id: str, *, expected_version: int) -> None:
        def command(s: Session) -> None:
            found = s.tx.find_premise_caution(caution_id)
            s.record(premises.remove(found, caution_id))
            if not s.tx.delete_premise_caution(caution_id, expected_version=expected_version):
                raise Conflict(f"premise caution {caution_id!r} has changed; reload")
            self.dispatch.refresh_cautions(s)

        self.dispatch.run(actor, command)

    def premise_cautions(self, *, after: str = "", limit: int = 100) -> list[PremiseCaution]:
        with self.dispatch.store.read() as tx:
            return tx.list_premise_cautions(after=after, limit=limit)

    def premise_caution(self, caution_id: str) -> PremiseCaution:
        with self.dispatch.store.read() as tx:
            found = tx.find_premise_caution(caution_id)
        if found is None:
            raise NotFound(f"no premise caution {caution_id!r}")
        return found


def _message(thread: TextThread, message_id: str) -> TextMessage:
    for m in thread.messages:
        if m.id == message_id and m.direction is threads.Direction.OUTBOUND:
            return m
    raise NotFound(f"reply {message_id!r} is not on thread {thread.id}")


def _report(
    incident: Incident, history: Sequence[tuple[int, str, DeviceLocation]], wanted: int
) -> DeviceReport:
    """The view of fix `wanted`, with movement from the fix before it."""
    previous: DeviceLocation | None = None
    for i, caller, loc in history:
        if i == wanted:
            return DeviceReport(
                id=i, caller=caller, view=device.assess(incident.location, loc, previous=previous)
            )
        previous = loc
    raise NotFound(f"incident {incident.number} has no device location {wanted}")
