"""The dispatch service on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emscad.agency.models import Hospital, Station
from emscad.clock import FixedClock
from emscad.dispatch.idempotency import Idempotency
from emscad.dispatch.ports import Fix
from emscad.dispatch.service import DispatchService
from emscad.dispatch.session import Session
from emscad.errors import Conflict, InvalidInput, NotFound
from emscad.incidents import lifecycle as incidents
from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Disposition, IncidentStatus, Location, Source
from emscad.storage.db import Database
from emscad.storage.sql import SqlStore
from emscad.units import lifecycle as units
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, Position, UnitStatus, UnitType

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)  # 17:20 in Little Rock


def _ids() -> Callable[[], str]:
    counter = iter(range(1, 1_000_000))
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"id{next(counter):06d}"

    return new_id


@pytest.fixture
def service(database: Database) -> DispatchService:
    commits: list[int] = []
    svc = DispatchService(
        SqlStore(database),
        clock=FixedClock(T0),
        new_id=_ids(),
        timezone=ZoneInfo("America/Chicago"),
        on_commit=commits.append,
    )
    svc.commits = commits  # type: ignore[attr-defined]
    return svc


def _create(svc: DispatchService, *, key: str | None = None, text: str = "712 W 7th St") -> str:
    body = {"text": text}
    incident, _ = svc.create_incident(
        "calltaker",
        source=Source.PHONE,
        location=Location(text=text, lon=-92.28, lat=34.74),
        triage=Triage(chief_complaint="chest pain", priority=1, determinant="10D1"),
        caller=Caller(name="Ann", phone="+15015550100"),
        idempotency=Idempotency.of(key, body) if key else None,
    )
    return incident.id


def _roster(svc: DispatchService, n: int = 2) -> None:
    svc.save_station("admin", Station(id="st1", name="Station One", lon=-92.29, lat=34.74))
    svc.save_hospital(
        "admin",
        Hospital(id="h1", name="General", lon=-92.3, lat=34.75, capabilities=("emergency",)),
    )
    for i in range(1, n + 1):
        svc.add_unit(
            "admin",
            f"m{i}",
            UnitProfile(
                call_sign=f"Medic {i}",
                type=UnitType.ALS,
                capabilities=DEFAULT_CAPABILITIES[UnitType.ALS],
                station="st1",
            ),
            status=UnitStatus.AVAILABLE_AT_STATION,
        )


def test_incident_numbers_count_per_local_year(service: DispatchService) -> None:
    first = service.incident(_create(service))
    second = service.incident(_create(service))
    assert (first.number, second.number) == ("26-000001", "26-000002")
    assert first.status is IncidentStatus.PENDING
    assert first.received_at == T0


def test_a_retried_create_returns_the_first_incident(service: DispatchService) -> None:
    a = _create(service, key="k-1")
    b = _create(service, key="k-1")
    assert a == b
    assert len(service.incidents([IncidentStatus.PENDING])) == 1
    with pytest.raises(InvalidInput, match="different request"):
        _create(service, key="k-1", text="somewhere else")


def test_concurrent_retries_create_one_incident(service: DispatchService) -> None:
    results: list[str] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            results.append(_create(service, key="same-key"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert len(service.incidents([IncidentStatus.PENDING])) == 1


def test_two_dispatchers_assigning_one_unit_exactly_one_wins(service: DispatchService) -> None:
    _roster(service, n=1)
    for round_ in range(8):
        a, b = _create(service), _create(service)
        barrier = threading.Barrier(2)
        outcome: dict[str, str] = {}

        def assign(
            incident_id: str,
            barrier: threading.Barrier = barrier,
            outcome: dict[str, str] = outcome,
        ) -> None:
            barrier.wait()
            try:
                service.assign("dispatcher", incident_id, "m1")
                outcome[incident_id] = "won"
            except Conflict:
                outcome[incident_id] = "conflict"

        threads = [threading.Thread(target=assign, args=(i,)) for i in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcome.values()) == ["conflict", "won"], round_
        winner = a if outcome[a] == "won" else b
        assert service.unit("m1").incident == winner
        service.unassign("dispatcher", winner, "m1")


def test_a_full_call_from_dispatch_to_close(service: DispatchService) -> None:
    _roster(service)
    incident_id = _create(service)
    service.assign("dispatcher", incident_id, "m1")
    assert service.incident(incident_id).status is IncidentStatus.ACTIVE
    service.set_destination("dispatcher", incident_id, "h1")
    for status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING):
        service.change_status("m1", "m1", status)
    assert service.unit("m1").destination == "h1"
    for status in (UnitStatus.AT_HOSPITAL, UnitStatus.TRANSFERRED, UnitStatus.AVAILABLE):
        service.change_status("m1", "m1", status)
    service.add_note("dispatcher", incident_id, "pt handed over")
    closed = service.close_incident("dispatcher", incident_id, Disposition(code="transported"))
    assert closed.status is IncidentStatus.CLOSED
    types = [r.event.type for r in service.incident_events(incident_id)]
    assert types[0] == "incident.created"
    assert types[-1] == "incident.closed"
    assert types.count("unit.status_changed") == 6


def test_an_invalid_transition_is_a_conflict_with_the_reason(service: DispatchService) -> None:
    _roster(service)
    with pytest.raises(Conflict, match="cannot go from available at station to transporting"):
        service.change_status("m1", "m1", UnitStatus.TRANSPORTING, destination="h1")


def test_a_stale_version_is_refused(service: DispatchService) -> None:
    _roster(service)
    version = service.unit("m1").version
    service.change_status("m1", "m1", UnitStatus.AVAILABLE)
    incident_id = _create(service)
    with pytest.raises(Conflict, match="has changed since you loaded it"):
        service.assign("dispatcher", incident_id, "m1", unit_version=version)


def test_stored_state_equals_a_replay_of_the_log(service: DispatchService) -> None:
    _roster(service, n=3)
    ids = [_create(service) for _ in range(3)]
    service.assign("d", ids[0], "m1")
    service.assign("d", ids[1], "m2")
    service.change_status("m2", "m2", UnitStatus.EN_ROUTE)
    service.unassign("d", ids[1], "m2", reason="closer unit")
    service.assign("d", ids[1], "m3")
    service.close_incident("d", ids[2], Disposition(code="duplicate"))
    log = service.events_after(0)
    assert [r.seq for r in log] == list(range(1, len(log) + 1))
    for incident_id in ids:
        assert incidents.replay(log, incident_id) == service.incident(incident_id)
    for unit_id in ("m1", "m2", "m3"):
        assert units.replay(log, unit_id) == service.unit(unit_id)


def test_concurrent_writers_get_gap_free_ordered_sequence_numbers(
    service: DispatchService,
) -> None:
    threads = [
        threading.Thread(target=lambda: [_create(service) for _ in range(5)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [r.seq for r in service.events_after(0)]
    assert seqs == list(range(1, 21))
    assert service.last_seq() == 20
    assert service.commits == sorted(service.commits)  # type: ignore[attr-defined]


def test_avl_keeps_the_newest_fix_and_refuses_unknown_units(service: DispatchService) -> None:
    _roster(service)
    newer = Position(lon=-92.25, lat=34.75, at=T0, accuracy_m=5.0)
    older = Position(lon=-92.0, lat=34.0, at=T0 - timedelta(minutes=5))
    assert service.report_positions([Fix("m1", newer), Fix("m1", older), Fix("m2", older)]) == 3
    assert service.unit("m1").position == newer
    assert service.unit("m2").position == older
    with pytest.raises(NotFound, match="unknown units: ghost"):
        service.report_positions([Fix("m1", newer), Fix("ghost", newer)])


def test_hospital_diversion_is_its_own_event(service: DispatchService) -> None:
    _roster(service)
    service.set_diversion("supervisor", "h1", True, "CT down")
    hospital = service.hospital("h1")
    assert hospital.diversion
    assert hospital.diversion_reason == "CT down"
    # an edit of the hospital's details does not silently lift the diversion
    edited = service.save_hospital(
        "admin", Hospital(id="h1", name="General Hospital", lon=-92.3, lat=34.75)
    )
    assert edited.diversion
    assert edited.name == "General Hospital"


def test_a_station_with_units_cannot_be_removed(service: DispatchService) -> None:
    _roster(service)
    with pytest.raises(InvalidInput, match="Medic 1"):
        service.remove_station("admin", "st1")


def test_unknown_things_are_not_found(service: DispatchService) -> None:
    with pytest.raises(NotFound):
        service.incident("nope")
    with pytest.raises(NotFound):
        service.assign("d", "nope", "nope")
    _roster(service)
    incident_id = _create(service)
    with pytest.raises(NotFound, match="no hospital"):
        service.set_destination("d", incident_id, "nowhere")


def test_a_new_incident_under_a_taken_id_is_refused_and_leaves_no_trace(
    database: Database,
) -> None:
    # A new incident's id is taken as free without a look-up; were it ever taken (a broken id
    # source), the insert finds the row and the whole call fails as a conflict.
    svc = DispatchService(
        SqlStore(database),
        clock=FixedClock(T0),
        new_id=lambda: "same",
        timezone=ZoneInfo("America/Chicago"),
    )
    first = _create(svc, text="1 First St")
    before = svc.last_seq()
    with pytest.raises(Conflict):
        _create(svc, text="2 Second St")
    assert svc.last_seq() == before
    assert svc.incident(first).location.text == "1 First St"
    assert [i.id for i in svc.incidents(list(IncidentStatus))] == [first]


def test_the_situation_reads_the_roster_in_one_statement_as_the_lists_do(
    service: DispatchService,
) -> None:
    _roster(service, n=3)
    service.save_station("admin", Station(id="st0", name="Station Zero", lon=-92.2, lat=34.7))
    service.report_positions(
        [Fix("m2", Position(lon=-92.27, lat=34.73, at=T0, accuracy_m=5, speed_mps=3))]
    )
    service.remove_unit("admin", "m3")
    incident_id = _create(service)
    incident, units, stations, hospitals = service.situation(incident_id)
    assert incident.id == incident_id
    assert units == service.units()  # active only, by call sign, with the latest fix
    assert [u.id for u in units] == ["m1", "m2"]
    assert units[1].position is not None
    assert units[1].position.speed_mps == 3
    assert units[0].position is None
    assert stations == service.stations()
    assert [s.id for s in stations] == ["st0", "st1"]
    assert hospitals == service.hospitals()
    assert [h.id for h in hospitals] == ["h1"]


def test_a_command_may_write_its_changes_early_and_go_on(service: DispatchService) -> None:
    incident_id = _create(service)
    before = service.incident(incident_id).version

    def command(s: Session) -> None:
        s.record(incidents.update(s.incident(incident_id), caller=Caller(name="Ann")))
        s.flush()  # visible to this transaction's queries from here on
        s.record(incidents.update(s.incident(incident_id), caller=Caller(name="Ann Lee")))
        s.flush()  # saves only the second change, against the first one's version

    service.run("calltaker", command)  # and the run's own flush finds nothing left to save
    after = service.incident(incident_id)
    assert after.caller.name == "Ann Lee"
    assert after.version == before + 2
