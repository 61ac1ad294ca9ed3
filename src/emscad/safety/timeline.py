"""Timeline lines for safety events: what an SOS, a check-in or a watch alert went through.

Order events say only that the order changed: its content is for the roles that may read
it, through the order's own (audited) view, never on an incident's timeline.
"""

from __future__ import annotations

from collections.abc import Callable

from emscad.events import DomainEvent
from emscad.safety.events import (
    AlertIncidentLinked,
    CheckInAcknowledged,
    CheckInCancelled,
    CheckInEscalated,
    CheckInExtended,
    CheckInMissed,
    CheckInResolved,
    CheckInSafe,
    CheckInStarted,
    EscortAccepted,
    EscortCancelled,
    EscortCompleted,
    EscortEscalated,
    EscortRequested,
    OrderCreated,
    OrderUpdated,
    OrderVerified,
    OrderWithdrawn,
    ProtectionDegraded,
    ProtectionRestored,
    SosAcknowledged,
    SosCleared,
    SosEscalated,
    SosLocationUpdated,
    SosRaised,
    WatchAcknowledged,
    WatchAlerted,
)
from emscad.safety.models import Position, Target, hms

Names = Callable[[str | None], str]  # a user id -> what people call them


def _targets(targets: tuple[Target, ...], name: Names) -> str:
    words = [
        name(t.id) if t.audience.value == "user" else (t.id or t.audience.value) for t in targets
    ]
    return ", ".join(w.replace("_", " ") for w in words)


def _at(position: Position | None) -> str:
    if position is None:
        return "location unknown"
    accuracy = f" ±{position.uncertainty_m:.0f} m" if position.uncertainty_m is not None else ""
    return f"at {position.lat:.5f}, {position.lon:.5f}{accuracy}"


def describe(event: DomainEvent, name: Names) -> str | None:
    """A timeline line for a safety event, or None for any other event."""
    e = event
    if isinstance(e, SosRaised):
        silent = " (SILENT)" if e.silent else ""
        who = name(e.staff_user)
        return f"Staff SOS{silent} raised by {who} via {e.source.value}, {_at(e.position)}"
    if isinstance(e, SosEscalated):
        return f"SOS alarm step {e.level + 1}: {_targets(e.targets, name)}"
    if isinstance(e, SosAcknowledged):
        who = name(e.by) if e.human else f"{e.by} (automatic, escalation continues)"
        return f"SOS acknowledged by {who}"
    if isinstance(e, SosCleared):
        return f"SOS cleared by {name(e.by)}: {e.reason}"
    if isinstance(e, SosLocationUpdated):
        return f"SOS location updated, {_at(e.position)}"
    if isinstance(e, CheckInStarted):
        return f"Check-in timer started by {name(e.staff_user)}, due {hms(e.deadline)}"
    if isinstance(e, CheckInExtended):
        return f"Check-in timer extended to {hms(e.after)}"
    if isinstance(e, CheckInSafe):
        return "Checked in as safe" + (" (after the welfare alert)" if e.late else "")
    if isinstance(e, CheckInCancelled):
        return "Check-in timer cancelled"
    if isinstance(e, CheckInMissed):
        return f"Check-in missed (due {hms(e.deadline)}): welfare alert"
    if isinstance(e, CheckInEscalated):
        return f"Welfare alert step {e.level + 1}: {_targets(e.targets, name)}"
    if isinstance(e, CheckInAcknowledged):
        return f"Welfare alert acknowledged by {name(e.by)}"
    if isinstance(e, CheckInResolved):
        return f"Welfare alert resolved by {name(e.by)}: {e.reason}"
    if isinstance(e, EscortRequested):
        return f"Escort requested by {name(e.staff_user)} at {e.place}"
    if isinstance(e, EscortEscalated):
        return f"Escort request step {e.level + 1}: {_targets(e.targets, name)}"
    if isinstance(e, EscortAccepted):
        return f"Escort accepted by {name(e.by)}"
    if isinstance(e, EscortCompleted):
        return f"Escort completed ({name(e.by)})"
    if isinstance(e, EscortCancelled):
        return f"Escort cancelled by {name(e.by)}" + (f": {e.reason}" if e.reason else "")
    if isinstance(e, WatchAlerted):
        return f"Watch alert ({e.severity.value}): {e.reason}"
    if isinstance(e, WatchAcknowledged):
        return f"Watch alert acknowledged by {name(e.by)}"
    if isinstance(e, ProtectionDegraded):
        return f"Protection degraded: monitor {e.device} reports {e.cause.value}"
    if isinstance(e, ProtectionRestored):
        return f"Protection restored by {name(e.by)}: {e.reason}"
    if isinstance(e, AlertIncidentLinked):
        return f"Incident raised for {e.alarm.partition(':')[0]} alarm"
    if isinstance(e, OrderCreated | OrderUpdated | OrderVerified | OrderWithdrawn):
        return f"Protective order {e.type.partition('.')[2]} (ref {e.order})"
    return None
