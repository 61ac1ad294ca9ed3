"""`emscad route` and `emscad region info` on a small region: output and clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from emscad.regions import files
from tests.conftest import CliResult
from tests.factories.regions import LAT0, LON0, STEP, square_region

Cli = Callable[..., CliResult]


@pytest.fixture
def home_with_square(emscad_home: Path) -> Path:
    files.write_region(emscad_home / "regions", square_region())
    return emscad_home


def _pt(x: float, y: float) -> str:
    return f"{LON0 + x * STEP:.6f},{LAT0 + y * STEP:.6f}"


def test_route_json_reports_both_modes(cli: Cli, home_with_square: Path) -> None:
    result = cli("route", "square", "--from", _pt(0.5, -0.1), "--to", _pt(0.5, 1.1), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["region"] == "square"
    assert data["seconds"] > data["lights_and_sirens_seconds"] > 0
    assert data["meters"] > 150
    assert data["from"]["street"] == "1st St"
    assert data["to"]["street"] == "2nd St"
    assert "geometry" not in data


def test_route_geometry_is_geojson(cli: Cli, home_with_square: Path) -> None:
    result = cli(
        "route", "square", "--from", _pt(0.5, 0), "--to", _pt(0.5, 1), "--json", "--geometry"
    )
    geometry = json.loads(result.out)["geometry"]
    assert geometry["type"] == "LineString"
    assert len(geometry["coordinates"]) >= 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "x,y", "--to", "1,2"), "--from: expected LON,LAT"),
        (("--from", "-92.3", "--to", "1,2"), "--from: expected LON,LAT"),
        (("--from", "34.74,-92.3", "--to", "1,2"), "latitude within ±90"),
        (("--from", "nan,1", "--to", "1,2"), "finite"),
        (("--from", "-92.0,34.0", "--to", "-92.3,34.74"), "off the map"),
    ],
)
def test_bad_points_give_one_clear_line(
    cli: Cli, home_with_square: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli("route", "square", *args)
    assert result.code != 0
    assert message in result.err
    assert result.err.count("\n") == 1
    assert result.out == ""


def test_unknown_region_is_a_clear_error(cli: Cli, home_with_square: Path) -> None:
    result = cli("route", "nowhere", "--from", _pt(0, 0), "--to", _pt(1, 1))
    assert result.code == 1
    assert "unknown region 'nowhere'" in result.err
    assert "square" in result.err


def test_region_info_json_has_counts_bbox_and_drops(cli: Cli, home_with_square: Path) -> None:
    result = cli("region", "info", "square", "--json", "--verify")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["counts"]["nodes"] == 4
    assert data["dropped"] == {"components": 3, "nodes": 3, "segments": 2, "edges": 3}
    west, south, east, north = data["bbox"]
    assert west < east
    assert south < north
