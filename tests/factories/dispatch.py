"""Incidents and units for tests, and a tiny in-memory log that applies events like storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from emscad.events import DomainEvent, Recorded
from emscad.incidents import lifecycle as incidents
from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Incident, Location, Source
from emscad.units import lifecycle as units
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, Unit, UnitStatus, UnitType

T0 = datetime(2026, 7, 6, 17, 20, tzinfo=UTC)


@dataclass
class Log:
    """Applies events to incidents and units the way the storage layer will."""

    events: list[Recorded] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    now: datetime = T0

    def record(self, *events: DomainEvent, actor: str = "dispatcher") -> None:
        for event in events:
            self.now += timedelta(seconds=7)
            rec = Recorded(seq=len(self.events) + 1, at=self.now, actor=actor, event=event)
            self.events.append(rec)
            if event.incident_id is not None:
                found = incidents.apply(self.incidents.get(event.incident_id), rec)
                if found is not None:
                    self.incidents[event.incident_id] = found
            if event.unit_id is not None:
                unit = units.apply(self.units.get(event.unit_id), rec)
                if unit is not None:
                    self.units[event.unit_id] = unit

    def new_incident(self, incident_id: str = "i1", *, priority: int = 2) -> Incident:
        self.record(
            incidents.create(
                incident_id=incident_id,
                number=f"26-{len(self.incidents) + 1:06d}",
                received_at=self.now,
                source=Source.PHONE,
                location=Location(text="712 W 7th St", lon=-92.3, lat=34.74),
                triage=Triage(chief_complaint="chest pain", priority=priority, determinant=""),
                caller=Caller(name="Ann", phone="+15015550100"),
            )
        )
        return self.incidents[incident_id]

    def new_unit(
        self,
        unit_id: str = "u1",
        *,
        unit_type: UnitType = UnitType.ALS,
        status: UnitStatus = UnitStatus.AVAILABLE_AT_STATION,
    ) -> Unit:
        profile = UnitProfile(
            call_sign=f"Medic {unit_id}",
            type=unit_type,
            capabilities=DEFAULT_CAPABILITIES[unit_type],
            station="station-1",
        )
        self.record(units.add(unit_id, profile, status=status))
        return self.units[unit_id]
