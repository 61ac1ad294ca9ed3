"""The simulator's pure parts: the agenda, paths and trips, dwell times and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from emscad.errors import InvalidInput
from emscad.geo import haversine_m
from emscad.simulation.agenda import Agenda
from emscad.simulation.config import SimulationConfig
from emscad.simulation.crews import Dwell
from emscad.simulation.trips import Path, Trip
from emscad.units.models import UnitStatus

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)


def test_agenda_runs_actions_in_time_order_and_equal_times_first_come_first() -> None:
    agenda = Agenda()
    ran: list[str] = []
    agenda.at(T0 + timedelta(seconds=5), lambda: ran.append("late"))
    agenda.at(T0, lambda: ran.append("first"))
    agenda.at(T0, lambda: ran.append("second"))
    assert agenda.next_due() == T0
    while (action := agenda.pop_due(T0 + timedelta(seconds=1))) is not None:
        action()
    assert ran == ["first", "second"]
    assert len(agenda) == 1
    assert agenda.pop_due(T0 + timedelta(seconds=4)) is None


def test_agenda_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Agenda().at(datetime(2026, 1, 1), lambda: None)  # noqa: DTZ001


def _l_path() -> Path:
    # East 0.01 degrees, then north 0.01 degrees.
    return Path.of([-92.30, -92.29, -92.29], [34.74, 34.74, 34.75])


def test_path_interpolates_by_distance_and_reports_heading() -> None:
    path = _l_path()
    first_leg = haversine_m(-92.30, 34.74, -92.29, 34.74)
    assert path.length_m == pytest.approx(first_leg + haversine_m(-92.29, 34.74, -92.29, 34.75))
    lon, lat, heading = path.at(0.0)
    assert (lon, lat) == (-92.30, 34.74)
    assert heading == pytest.approx(90.0, abs=0.1)  # heading east
    lon, lat, heading = path.at(1.0)
    assert (lon, lat) == pytest.approx((-92.29, 34.75))
    assert heading == pytest.approx(0.0, abs=0.1)  # north
    halfway_first_leg = float(first_leg / 2 / path.length_m)
    lon, lat, _ = path.at(halfway_first_leg)
    assert lon == pytest.approx(-92.295, abs=1e-6)
    assert lat == pytest.approx(34.74)


def test_remaining_distance_shrinks_as_the_trip_goes_on() -> None:
    path = _l_path()
    end = path.end
    trip = Trip(path=path, start=T0, seconds=100.0, arrive=UnitStatus.ON_SCENE)
    remaining = []
    for t in range(0, 101, 10):
        fix = trip.fix("m1", T0 + timedelta(seconds=t))
        assert fix is not None
        remaining.append(float(haversine_m(fix.position.lon, fix.position.lat, *end)))
    assert remaining == sorted(remaining, reverse=True)
    assert remaining[-1] == pytest.approx(0.0, abs=1e-6)


def test_a_trip_reports_speed_while_moving_and_stops_at_the_end() -> None:
    trip = Trip(path=_l_path(), start=T0, seconds=100.0, arrive=UnitStatus.ON_SCENE)
    moving = trip.fix("m1", T0 + timedelta(seconds=30))
    arrived = trip.fix("m1", trip.end)
    late = trip.fix("m1", trip.end + timedelta(minutes=5))
    assert moving is not None
    assert arrived is not None
    assert late is not None
    assert moving.position.speed_mps == pytest.approx(trip.path.length_m / 100, abs=0.01)  # type: ignore[union-attr]
    assert arrived.position.speed_mps == 0.0
    assert (late.position.lon, late.position.lat) == (arrived.position.lon, arrived.position.lat)
    assert trip.fraction(T0 - timedelta(seconds=5)) == 0.0


def test_a_trip_without_coordinates_reports_no_fixes() -> None:
    trip = Trip(path=None, start=T0, seconds=60.0, arrive=UnitStatus.ON_SCENE)
    assert trip.fix("m1", T0 + timedelta(seconds=30)) is None
    assert trip.end == T0 + timedelta(seconds=60)


def test_a_one_point_path_stays_put() -> None:
    path = Path.of([-92.3], [34.7])
    assert path.length_m == 0.0
    assert path.at(0.5) == (-92.3, 34.7, None)
    with pytest.raises(ValueError, match="one or more points"):
        Path.of([], [])


def test_dwell_times_have_the_configured_medians_divided_by_speed() -> None:
    real = Dwell(SimulationConfig(), np.random.default_rng(3))
    fast = Dwell(SimulationConfig(speed=4.0), np.random.default_rng(3))
    scenes = [real.on_scene() for _ in range(4000)]
    assert np.median(scenes) == pytest.approx(15 * 60, rel=0.05)
    fast_scenes = [fast.on_scene() for _ in range(4000)]
    assert np.median(fast_scenes) == pytest.approx(15 * 60 / 4, rel=0.05)
    hospital = [real.to_transfer() + real.to_clear() for _ in range(4000)]
    assert np.median(hospital) == pytest.approx(20 * 60, rel=0.1)
    turnouts = [real.turnout() for _ in range(1000)]
    assert min(turnouts) >= 30
    assert max(turnouts) <= 90


def test_dwell_times_are_never_shorter_than_a_second() -> None:
    dwell = Dwell(SimulationConfig(speed=1e6), np.random.default_rng(0))
    assert dwell.on_scene() == 1.0
    assert dwell.turnout() == 1.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("speed", 0.0),
        ("drive_speed", -1.0),
        ("rate_per_hour", -5.0),
        ("rate_per_hour", float("nan")),
        ("place_share", 1.5),
        ("turnout_s", (90.0, 30.0)),
        ("transport_rates", {"fall": 2.0}),
        ("actor", " "),
        ("poll_interval_s", 0.0),
        ("first_call_s", -1.0),
    ],
)
def test_settings_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        SimulationConfig(**{field: value})  # type: ignore[arg-type]


def test_default_rate_is_one_call_every_ninety_seconds() -> None:
    assert 3600 / SimulationConfig().rate_per_hour == 90
