"""The unit status state machine."""

from __future__ import annotations

import pytest

from emscad.errors import Conflict, InvalidInput
from emscad.units import lifecycle as units
from emscad.units.events import UnitStatusChanged, UnitUnassigned
from emscad.units.models import UnitStatus
from tests.factories.dispatch import Log

S = UnitStatus


def _dispatched() -> Log:
    log = Log()
    log.new_incident()
    log.new_unit()
    log.record(*units.assign(log.units["u1"], "i1"))
    return log


def test_a_dispatched_unit_is_committed_to_the_incident() -> None:
    log = _dispatched()
    assert log.units["u1"].status is S.DISPATCHED
    assert log.units["u1"].incident == "i1"
    assert log.incidents["i1"].units == ("u1",)


def test_a_busy_unit_cannot_be_dispatched_again() -> None:
    log = _dispatched()
    log.new_incident("i2")
    with pytest.raises(Conflict, match="Medic u1 is not available: dispatched on another"):
        units.assign(log.units["u1"], "i2")


def test_an_invalid_transition_names_what_is_allowed() -> None:
    log = _dispatched()
    with pytest.raises(Conflict, match=r"from dispatched to at hospital \(allowed: .*en route"):
        units.change_status(log.units["u1"], S.AT_HOSPITAL)


def test_full_response_back_into_service() -> None:
    log = _dispatched()
    for status in (S.EN_ROUTE, S.ON_SCENE, S.AT_PATIENT):
        log.record(*units.change_status(log.units["u1"], status))
    log.record(*units.change_status(log.units["u1"], S.TRANSPORTING, destination="h1"))
    assert log.units["u1"].destination == "h1"
    log.record(*units.change_status(log.units["u1"], S.AT_HOSPITAL))
    assert log.units["u1"].destination == "h1"
    log.record(*units.change_status(log.units["u1"], S.AVAILABLE))
    unit = log.units["u1"]
    assert unit.status is S.AVAILABLE
    assert unit.incident is None
    assert unit.destination is None
    assert log.incidents["i1"].units == ()
    assert log.incidents["i1"].served


def test_transport_needs_a_destination() -> None:
    log = _dispatched()
    log.record(*units.change_status(log.units["u1"], S.ON_SCENE))
    with pytest.raises(InvalidInput, match="destination"):
        units.change_status(log.units["u1"], S.TRANSPORTING)


def test_going_available_before_arrival_is_a_cancellation() -> None:
    log = _dispatched()
    log.record(*units.change_status(log.units["u1"], S.EN_ROUTE))
    events = units.change_status(log.units["u1"], S.AVAILABLE)
    assert isinstance(events[0], UnitUnassigned)
    log.record(*events)
    assert log.incidents["i1"].status.value == "pending"  # the call needs a unit again


def test_a_unit_clearing_a_hospital_is_cleared_then_dispatched() -> None:
    log = _dispatched()
    log.record(*units.change_status(log.units["u1"], S.ON_SCENE))
    log.record(*units.change_status(log.units["u1"], S.TRANSPORTING, destination="h1"))
    log.record(*units.change_status(log.units["u1"], S.AT_HOSPITAL))
    log.new_incident("i2")
    events = units.assign(log.units["u1"], "i2")
    assert isinstance(events[0], UnitStatusChanged)
    assert events[0].incident == "i1"
    assert events[0].after is S.AVAILABLE
    log.record(*events)
    assert log.units["u1"].incident == "i2"
    assert log.incidents["i1"].units == ()
    assert log.incidents["i2"].units == ("u1",)


def test_dispatching_goes_through_assignment_not_status() -> None:
    log = Log()
    log.new_unit()
    with pytest.raises(Conflict, match="assigning"):
        units.change_status(log.units["u1"], S.DISPATCHED)


def test_a_removed_unit_cannot_work() -> None:
    log = Log()
    log.new_unit()
    log.record(units.remove(log.units["u1"]))
    with pytest.raises(Conflict, match="no longer on the roster"):
        units.change_status(log.units["u1"], S.AVAILABLE)
    log.new_incident()
    with pytest.raises(Conflict, match="no longer on the roster"):
        units.assign(log.units["u1"], "i1")


def test_a_committed_unit_cannot_be_removed() -> None:
    log = _dispatched()
    with pytest.raises(Conflict, match="working an incident"):
        units.remove(log.units["u1"])


@pytest.mark.parametrize("status", list(UnitStatus))
def test_every_status_maps_to_eido(status: UnitStatus) -> None:
    assert status.eido_primary in {"Available", "ConditionallyAvailable", "NotAvailable"}
    assert status.eido_secondary
    assert (status.eido_primary == "Available") == status.available
