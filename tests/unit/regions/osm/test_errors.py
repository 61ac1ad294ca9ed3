"""Bad input files give one clear error, never a traceback, and never a half-written region."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from emscad.cli import main
from emscad.cli._common import settings
from emscad.errors import DataError, InvalidInput, NotFound
from tests.unit.regions.osm.osmfile import OsmFile, import_file, lonlat, ring_town

UNREADABLE = "is not a readable OpenStreetMap file"


def big_town() -> OsmFile:
    """A grid large enough that its PBF spans more than a few hundred bytes."""
    osm = OsmFile()
    for i in range(40):
        for j in range(40):
            osm.node(1 + i * 40 + j, i, j)
    for i in range(40):
        osm.road(1 + i, [1 + i * 40 + j for j in range(40)], f"Street {i}")
    return osm


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such file"):
        import_file(tmp_path / "nowhere.osm.pbf")


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data.osm"
    folder.mkdir()
    with pytest.raises(InvalidInput, match="not a file"):
        import_file(folder)


@pytest.mark.parametrize("name", ["town.json", "town.txt", "town.o5m", "town.geojson", ".osm"])
def test_unsupported_file_type_is_invalid_input(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(ring_town().xml())
    with pytest.raises(InvalidInput, match=r"unsupported file type; use .*\.osm\.pbf"):
        import_file(path)


@pytest.mark.parametrize("name", ["empty.osm.pbf", "empty.osm", "empty.osm.bz2"])
def test_empty_file_is_a_data_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(DataError, match=f"{name} {UNREADABLE}: the file is empty"):
        import_file(path)


@pytest.mark.parametrize("name", ["noise.osm.pbf", "noise.osm", "noise.osm.bz2"])
def test_random_bytes_are_a_data_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(os.urandom(4096))
    with pytest.raises(DataError, match=UNREADABLE):
        import_file(path)


def test_truncated_pbf_is_a_data_error(tmp_path: Path) -> None:
    whole = big_town().write(tmp_path / "whole.osm.pbf").read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=f"cut.osm.pbf {UNREADABLE}: .*EOF"):
        import_file(cut)


def test_json_renamed_to_osm_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(DataError, match=f"roads.osm {UNREADABLE}: XML parsing error"):
        import_file(path)


def test_xml_that_is_not_osm_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "page.osm"
    path.write_text("<html><body>Not found</body></html>")
    with pytest.raises(DataError, match=UNREADABLE):
        import_file(path)


def test_xml_inside_a_pbf_name_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "town.osm.pbf"
    path.write_text(ring_town().xml())
    with pytest.raises(DataError, match=UNREADABLE):
        import_file(path)


def test_file_without_drivable_roads_is_a_data_error(tmp_path: Path) -> None:
    osm = OsmFile()
    osm.node(1, 0, 0)
    osm.node(2, 1, 0)
    osm.way(1, [1, 2], {"highway": "footway"})
    osm.way(2, [1, 2], {"highway": "residential", "access": "no"})
    with pytest.raises(DataError, match=r"^no drivable roads in paths\.osm$"):
        import_file(osm.write(tmp_path / "paths.osm"))


def test_empty_osm_document_has_no_drivable_roads(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no drivable roads in nothing\.osm\.pbf"):
        import_file(OsmFile().write(tmp_path / "nothing.osm.pbf"))


def test_box_without_roads_is_a_data_error(tmp_path: Path) -> None:
    path = ring_town().write(tmp_path / "town.osm")
    west, south = lonlat(40, 40)
    east, north = lonlat(50, 50)
    with pytest.raises(DataError, match=r"no drivable roads in town\.osm inside the box"):
        import_file(path, bbox=(west, south, east, north))


def test_roads_that_connect_nothing_are_a_data_error(tmp_path: Path) -> None:
    osm = OsmFile()
    osm.node(1, 0, 0)
    osm.node(2, 1, 0)
    osm.road(1, [1, 2], "One Way", oneway="yes")
    with pytest.raises(DataError, match="do not form a connected network"):
        import_file(osm.write(tmp_path / "lonely.osm"))


@pytest.fixture
def emscad_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("EMSCAD_HOME", str(home))
    settings.cache_clear()
    yield home
    settings.cache_clear()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "bad.osm.pbf"),
        (b"\x00\x01garbage" * 100, "bad.osm.pbf"),
        (b'{"not": "osm"}', "bad.osm"),
        (b"<osm/>", "bad.txt"),
    ],
)
def test_cli_import_of_a_bad_file_exits_with_one_line_and_writes_nothing(
    tmp_path: Path,
    emscad_home: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    name: str,
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(SystemExit) as exit_info:
        main(["region", "import", str(bad), "town"])
    assert exit_info.value.code not in (0, None)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emscad: error: ")
    assert "Traceback" not in err
    regions = emscad_home / "regions"
    assert not (regions / "town").exists()
    assert not regions.exists() or list(regions.iterdir()) == []


def test_cli_import_of_a_missing_file_exits_non_zero(
    tmp_path: Path, emscad_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["region", "import", str(tmp_path / "gone.osm.pbf"), "town"])
    assert exit_info.value.code == 1
    expected = f"emscad: error: no such file: {tmp_path / 'gone.osm.pbf'}"
    assert capsys.readouterr().err.strip() == expected


def test_cli_import_of_a_good_file_writes_the_region(
    tmp_path: Path, emscad_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ring_town().write(tmp_path / "town.osm.pbf")
    main(["region", "import", str(path), "town", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["source"]["kind"] == "osm"
    assert summary["counts"]["segments"] >= 1
    assert (emscad_home / "regions" / "town" / "manifest.json").is_file()
