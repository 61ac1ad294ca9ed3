"""Watch-feed commands: plate reads and offender-monitoring events, and restoring protection."""

from __future__ import annotations

from dataclasses import dataclass

from emscad.dispatch.safety.alerts import Message, degraded_message, watch_message
from emscad.dispatch.safety.base import SafetyBase, Who
from emscad.dispatch.session import Session
from emscad.errors import NotFound
from emscad.events import Recorded
from emscad.incidents.models import Incident
from emscad.safety.events import (
    AlertIncidentLinked,
    ProtectionDegraded,
    WatchAcknowledged,
    WatchAlerted,
)
from emscad.safety.feeds import GpsEvent, PlateRead
from emscad.safety.watch import (
    OutcomeKind,
    WatchLog,
    WatchOutcome,
    acknowledge_alert,
    apply_watch,
    assess,
    restore_protection,
    targets_for,
    watch_key,
)


@dataclass(frozen=True, slots=True)
class WatchResult:
    outcome: WatchOutcome
    incident: Incident | None


class WatchCommands(SafetyBase):
    def plate_read(self, who: Who, read: PlateRead) -> WatchResult:
        """A plate reader's read: an alert (and an incident) if it is a respondent's
        vehicle inside a stay-away zone; recorded either way when it is on an order."""
        return self._watch(who, read)

    def gps_event(self, who: Who, event: GpsEvent) -> WatchResult:
        """An offender-monitoring event: zone entry or proximity alerts; tamper, battery and
        signal loss mark the order's protection as degraded until a supervisor restores it."""
        return self._watch(who, event)

    def _watch(self, who: Who, item: PlateRead | GpsEvent) -> WatchResult:
        item.check()

        def command(s: Session) -> WatchResult:
            orders = self._active_orders(s)
            key = watch_key(item)
            before = s.tx.watch_log(keys=[key], orders=[o.id for o in orders])
            outcome = assess(
                item,
                orders,
                self.policy.places(s.tx),
                s.at,
                recent=before.last_alert,
                window=self.policy.dedupe,
            )
            recorded = s.record(list(outcome.events))
            s.tx.save_watch(before, _fold(before, recorded))
            incident = None
            if outcome.incident is not None and outcome.kind is OutcomeKind.ALERT:
                incident = self._raise_incident(s, outcome.incident)
                s.record([AlertIncidentLinked(alarm=outcome.incident.key, incident=incident.id)])
            self._notify(s, self._messages(s, outcome, incident))
            return WatchResult(outcome, incident)

        return self._run(who, command)

    def _messages(
        self, s: Session, outcome: WatchOutcome, incident: Incident | None
    ) -> list[Message]:
        describe = {a.order: a.respondent for a in outcome.alerts}
        number = incident.number if incident is not None else ""
        messages: list[Message] = []
        for event in outcome.events:
            if isinstance(event, WatchAlerted):
                found = watch_message(
                    event, respondent=describe.get(event.order, ""), incident=number
                )
                if found is not None:
                    messages.append(found)
            elif isinstance(event, ProtectionDegraded):
                order = s.order(event.order)
                messages.append(degraded_message(event, targets_for(order)))
        return messages

    def watch_alerts(self, *, limit: int = 200) -> list[Recorded]:
        """High watch alerts nobody has acknowledged yet: every console sounds them."""
        with self.dispatch.store.read() as tx:
            return tx.open_watch_alerts(limit=limit)

    def acknowledge_watch(self, who: Who, seq: int) -> tuple[Recorded, Recorded]:
        """A person has the high watch alert that event `seq` announced (and any alert for
        another order in the same read): every console stops sounding it and its
        notifications record who took it. Once: later calls answer the first
        acknowledgement. Its incident goes on in the queue. Returns (the alert, the
        acknowledgement)."""

        def command(s: Session) -> tuple[Recorded, Recorded]:
            found = s.tx.events_after(seq - 1, limit=1)
            alert = found[0] if found and found[0].seq == seq else None
            if alert is None or not isinstance(alert.event, WatchAlerted):
                raise NotFound(f"no watch alert watch:{seq}")
            key = alert.event.incident_key or ""
            story = s.tx.events_for_subjects([key])
            new = acknowledge_alert(alert.event, (r.event for r in story), who.actor, s.at)
            if not new:
                return alert, next(r for r in story if isinstance(r.event, WatchAcknowledged))
            (rec,) = s.record(new)
            s.tx.acknowledge_notifications(key, by=who.name, at=s.at)
            return alert, rec

        return self._run(who, command)

    def restore_protection(self, who: Who, order_id: str, reason: str) -> None:
        def command(s: Session) -> None:
            before = s.tx.watch_log(orders=[order_id])
            event = restore_protection(before, order_id, who.actor, s.at, reason)
            s.tx.save_watch(before, _fold(before, s.record([event])))

        self._run(who, command)

    def degraded(self) -> list[ProtectionDegraded]:
        with self.dispatch.store.read() as tx:
            return tx.degraded_orders()


def _fold(log: WatchLog, recorded: list[Recorded]) -> WatchLog:
    for rec in recorded:
        log = apply_watch(log, rec)
    return log
