"""The incident state machine, its timeline and NEMSIS times."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emscad.errors import Conflict, InvalidInput
from emscad.incidents import lifecycle as incidents
from emscad.incidents.events import IncidentLocationChanged, Triage
from emscad.incidents.models import (
    Confidence,
    Disposition,
    IncidentStatus,
    Location,
    Note,
)
from emscad.incidents.timeline import timeline
from emscad.incidents.times import unit_responses
from emscad.units import lifecycle as units
from emscad.units.models import UnitStatus
from tests.factories.dispatch import T0, Log

S = UnitStatus


def test_a_new_incident_waits_for_a_unit() -> None:
    log = Log()
    incident = log.new_incident()
    assert incident.status is IncidentStatus.PENDING
    assert incident.version == 1


def test_updates_produce_events_only_for_real_changes() -> None:
    log = Log()
    incident = log.new_incident()
    assert incidents.update(incident, location=incident.location) == []
    moved = replace(incident.location, lon=-92.31, confidence=Confidence.CONFIRMED)
    events = incidents.update(incident, location=moved, triage=incidents.triage_of(incident))
    assert len(events) == 1
    assert isinstance(events[0], IncidentLocationChanged)
    assert events[0].before == incident.location


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (Location(text=""), "address or coordinates"),
        (Location(text="x", lon=1.0), "both longitude and latitude"),
        (Location(text="x", lon=200.0, lat=1.0), "±180"),
        (Location(text="x", lon=float("nan"), lat=1.0), "finite"),
        (Location(text="x" * 500), "longer than"),
        (Location(text="x", lon=1.0, lat=1.0, uncertainty_m=-1.0), "uncertainty"),
    ],
)
def test_bad_locations_are_refused(location: Location, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        incidents.check_location(location)


def test_priority_must_be_one_to_four() -> None:
    with pytest.raises(InvalidInput, match="priority"):
        incidents.check_triage(Triage(chief_complaint="x", priority=0, determinant=""))


def test_closing_needs_a_known_disposition_and_no_units() -> None:
    log = Log()
    log.new_incident()
    log.new_unit()
    log.record(*units.assign(log.units["u1"], "i1"))
    with pytest.raises(InvalidInput, match="unknown disposition"):
        incidents.close(log.incidents["i1"], Disposition(code="done"))
    with pytest.raises(Conflict, match="still has units"):
        incidents.close(log.incidents["i1"], Disposition(code="transported"))


def test_a_closed_incident_refuses_changes_but_takes_notes_and_reopens() -> None:
    log = Log()
    log.new_incident()
    log.record(incidents.close(log.incidents["i1"], Disposition(code="cancelled")))
    closed = log.incidents["i1"]
    assert closed.status is IncidentStatus.CLOSED
    assert closed.closed_at is not None
    with pytest.raises(Conflict, match="closed; reopen it first"):
        incidents.update(closed, caller=replace(closed.caller, name="Bob"))
    log.record(incidents.add_note(closed, Note(id="n1", at=T0, author="d", text="late info")))
    log.record(incidents.reopen(log.incidents["i1"], "caller called back"))
    assert log.incidents["i1"].status is IncidentStatus.PENDING
    assert log.incidents["i1"].notes[0].text == "late info"


def test_reopen_needs_a_reason_and_a_closed_incident() -> None:
    log = Log()
    incident = log.new_incident()
    with pytest.raises(Conflict, match="not closed"):
        incidents.reopen(incident, "why")
    log.record(incidents.close(incident, Disposition(code="false_alarm")))
    with pytest.raises(InvalidInput, match="reason"):
        incidents.reopen(log.incidents["i1"], " ")


def test_nemsis_times_follow_the_unit_through_the_call() -> None:
    log = Log()
    log.new_incident()
    log.new_unit()
    log.record(*units.assign(log.units["u1"], "i1"))
    for status in (S.EN_ROUTE, S.ON_SCENE, S.AT_PATIENT):
        log.record(*units.change_status(log.units["u1"], status))
    log.record(*units.change_status(log.units["u1"], S.TRANSPORTING, destination="h1"))
    for status in (S.AT_HOSPITAL, S.TRANSFERRED, S.AVAILABLE):
        log.record(*units.change_status(log.units["u1"], status))
    (response,) = unit_responses(log.events, "i1")
    stamps = [
        response.psap_call,
        response.notified,
        response.en_route,
        response.on_scene,
        response.at_patient,
        response.left_scene,
        response.at_destination,
        response.transfer_of_care,
        response.back_in_service,
    ]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert response.destination == "h1"
    assert response.cancelled is None


def test_a_cancelled_response_is_stamped_cancelled() -> None:
    log = Log()
    log.new_incident()
    log.new_unit()
    log.record(*units.assign(log.units["u1"], "i1"))
    log.record(units.unassign(log.units["u1"], "i1", reason="closer unit"))
    log.record(*units.assign(log.units["u1"], "i1"))
    first, second = unit_responses(log.events, "i1")
    assert first.cancelled is not None
    assert second.cancelled is None
    assert second.notified > first.notified


def test_the_timeline_describes_each_step() -> None:
    log = Log()
    log.new_incident()
    log.new_unit()
    log.record(*units.assign(log.units["u1"], "i1"))
    log.record(*units.change_status(log.units["u1"], S.EN_ROUTE))
    names = {"u1": "Medic 1"}
    lines = [entry["text"] for entry in timeline(log.events, lambda i: names.get(i or "", "?"))]
    incident_lines = [line for line in lines if "Medic 1" in line or "Incident" in line]
    assert incident_lines[0].startswith("Incident 26-000001 created: chest pain, P2")
    assert "Medic 1 dispatched" in incident_lines
    assert "Medic 1 en route" in incident_lines
