"""`emscad geocode` and `emscad region addresses`: JSON output and one-line errors."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from emscad.regions import files
from emscad.regions.model import Region
from emscad.regions.synthetic import generate_region
from tests.conftest import CliResult
from tests.factories.regions import CREATED

Cli = Callable[..., CliResult]


@functools.cache
def _city() -> Region:
    return generate_region(
        "city", seed=3, nodes=3000, lights_sirens_factor=1.25, created_at=CREATED
    )


@pytest.fixture
def home(emscad_home: Path) -> Path:
    files.write_region(emscad_home / "regions", _city())
    return emscad_home


def test_geocode_json_echoes_the_typed_text_and_ranks_candidates(cli: Cli, home: Path) -> None:
    typed = "2529  west thirty-first street"
    result = cli("geocode", "city", typed, "--json", "--limit", "3")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["query"] == typed
    assert data["region"] == "city"
    assert len(data["candidates"]) <= 3
    first = data["candidates"][0]
    assert first["match_type"] == "address_point"
    assert first["label"] == "2529 W 31st St, Riverton 72203"
    assert first["score"] == 1.0


def test_geocode_text_lists_one_candidate_per_line(cli: Cli, home: Path) -> None:
    result = cli("geocode", "city", "7th and Chester")
    assert result.code == 0, result.err
    assert "intersection" in result.out.splitlines()[0]
    assert "W 7th St & S Chester St" in result.out


def test_typed_coordinates_after_a_double_dash(cli: Cli, home: Path) -> None:
    result = cli("geocode", "city", "--json", "--", "-92.2896,34.7465")
    assert result.code == 0, result.err
    (only,) = json.loads(result.out)["candidates"]
    assert only["match_type"] == "coordinates"
    assert (only["lon"], only["lat"]) == (-92.2896, 34.7465)


def test_reverse_json_has_address_street_and_cross_streets(cli: Cli, home: Path) -> None:
    result = cli("geocode", "city", "--reverse", "-92.3142357,34.7292115", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["address"]["label"] == "1036 W 25th St, Riverton 72203"
    assert data["street"] == "W 25th St"
    assert len(data["cross_streets"]) == 2


def test_reverse_text(cli: Cli, home: Path) -> None:
    result = cli("geocode", "city", "--reverse", "-92.3142357,34.7292115")
    assert result.code == 0, result.err
    assert result.out.startswith("1036 W 25th St")
    assert "between" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "the text is empty"),
        (("x" * 500,), "too long"),
        ((), "give TEXT to search for, or --reverse"),
        (("Main", "--reverse", "-92.3,34.7"), "give TEXT to search for, or --reverse"),
        (("--reverse", "34.7,-92.3x"), "--reverse: expected LON,LAT"),
        (("--reverse", "200,34"), "longitude must be within"),
        (("Main", "--limit", "0"), "limit must be between 1 and 50"),
        (("--", "134.7, 192.2"), "coordinates out of range"),
    ],
)
def test_bad_input_is_one_line(cli: Cli, home: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("geocode", "city", *args)
    assert result.code == 1
    assert message in result.err
    assert result.err.startswith("emscad: error: ")
    assert result.err.count("\n") == 1
    assert result.out == ""


def test_unknown_region(cli: Cli, home: Path) -> None:
    result = cli("geocode", "nowhere", "Main")
    assert result.code == 1
    assert "unknown region 'nowhere'" in result.err


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text)
    return path


POINTS = """ADDRESS,X,Y
9001 Imported Way,-92.30,34.75
9003 Imported Way Apt 2,-92.3001,34.7501
,-92.30,34.75
9005 Imported Way,abc,34.75
9007 Imported Way,-80.0,34.75
"""


def test_address_import_reports_by_reason_and_is_searchable(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    path = _csv(tmp_path, POINTS)
    args = ("region", "addresses", "city", str(path), "--address-column", "ADDRESS")
    result = cli(*args, "--lon-column", "X", "--lat-column", "Y", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["added"] == 2
    assert report["rejected"] == {
        "coordinates not numbers": 1,
        "missing address": 1,
        "outside the region": 1,
    }
    assert report["addresses"] == len(_city().addresses) + 2

    again = cli(*args, "--lon-column", "x", "--lat-column", "y", "--json")
    assert json.loads(again.out)["added"] == 0
    assert json.loads(again.out)["duplicates"] == 2

    info = json.loads(cli("region", "info", "city", "--json", "--verify").out)
    assert info["counts"]["addresses"] == len(_city().addresses) + 2
    found = json.loads(cli("geocode", "city", "9003 Imported Way #2", "--json").out)
    assert found["candidates"][0]["label"] == "9003 Imported Way Apt 2"


def test_address_import_text_summary(cli: Cli, home: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path, POINTS.lower())
    result = cli("region", "addresses", "city", str(path), "--lon-column", "x", "--lat-column", "y")
    assert result.code == 0, result.err
    assert result.out.startswith("2 address points added to city")
    assert "skipped 1 rows: outside the region (e.g. lines 6)" in result.out


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda p: p / "missing.csv", (), "no such file"),
        (lambda p: _csv(p, POINTS), ("--lon-column", "lng"), "no column 'lng' for the lon"),
    ],
)
def test_address_import_errors_are_one_line(
    cli: Cli,
    home: Path,
    tmp_path: Path,
    make: Callable[[Path], Path],
    extra: tuple[str, ...],
    message: str,
) -> None:
    result = cli("region", "addresses", "city", str(make(tmp_path)), *extra)
    assert result.code == 1
    assert message in result.err
    assert result.err.count("\n") == 1
