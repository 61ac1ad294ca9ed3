"""Random sequences of dispatch commands never break the invariants that tie units to calls."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent
from emscad.incidents import lifecycle as incidents
from emscad.incidents.models import Disposition, IncidentStatus
from emscad.units import lifecycle as units
from emscad.units.models import UnitStatus
from tests.factories.dispatch import Log

INCIDENTS = ["i1", "i2", "i3"]
UNITS = ["u1", "u2", "u3", "u4"]


class Dispatch(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.log = Log()
        for i in INCIDENTS:
            self.log.new_incident(i)
        for u in UNITS:
            self.log.new_unit(u)

    def _try(self, make: object) -> None:
        try:
            events = make()  # type: ignore[operator]
        except (Conflict, InvalidInput):
            return
        if isinstance(events, DomainEvent):
            events = [events]
        self.log.record(*events)

    @rule(unit=st.sampled_from(UNITS), incident=st.sampled_from(INCIDENTS))
    def assign(self, unit: str, incident: str) -> None:
        if self.log.incidents[incident].status is IncidentStatus.CLOSED:
            return
        self._try(lambda: units.assign(self.log.units[unit], incident))

    @rule(unit=st.sampled_from(UNITS), incident=st.sampled_from(INCIDENTS))
    def unassign(self, unit: str, incident: str) -> None:
        self._try(lambda: units.unassign(self.log.units[unit], incident))

    @rule(unit=st.sampled_from(UNITS), to=st.sampled_from(list(UnitStatus)))
    def status(self, unit: str, to: UnitStatus) -> None:
        self._try(lambda: units.change_status(self.log.units[unit], to, destination="h1"))

    @rule(incident=st.sampled_from(INCIDENTS))
    def close(self, incident: str) -> None:
        self._try(lambda: incidents.close(self.log.incidents[incident], Disposition(code="other")))

    @rule(incident=st.sampled_from(INCIDENTS))
    def reopen(self, incident: str) -> None:
        self._try(lambda: incidents.reopen(self.log.incidents[incident], "more"))

    @precondition(lambda self: len(self.log.events) > 0)
    @invariant()
    def units_and_incidents_agree(self) -> None:
        for unit in self.log.units.values():
            assert (unit.incident is not None) == unit.status.committed
            if unit.incident is not None:
                assert unit.id in self.log.incidents[unit.incident].units
        for incident in self.log.incidents.values():
            for u in incident.units:
                assert self.log.units[u].incident == incident.id
            assert len(set(incident.units)) == len(incident.units)
            if incident.status is IncidentStatus.CLOSED:
                assert incident.units == ()
            if incident.units:
                assert incident.status is IncidentStatus.ACTIVE

    @invariant()
    def replay_gives_the_same_state(self) -> None:
        for i in INCIDENTS:
            assert incidents.replay(self.log.events, i) == self.log.incidents[i]
        for u in UNITS:
            assert units.replay(self.log.events, u) == self.log.units[u]

    @invariant()
    def every_event_survives_serialisation(self) -> None:
        for rec in self.log.events[-3:]:
            event = rec.event
            assert DomainEvent.from_payload(event.type, event.payload()) == event


TestDispatch = Dispatch.TestCase
TestDispatch.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
