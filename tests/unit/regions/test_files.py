"""Region files: round trip, atomic replacement and refusal of damaged data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emscad.errors import DataError, InvalidInput, NotFound
from emscad.regions import files
from tests.factories.regions import square_region


def test_round_trip_is_exact(tmp_path: Path) -> None:
    region = square_region()
    files.write_region(tmp_path, region)
    loaded = files.read_region(tmp_path, "square")
    for name in region.network.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(loaded.network, name), getattr(region.network, name))
    assert loaded.strings == region.strings
    assert loaded.places == region.places
    assert loaded.manifest.counts == region.manifest.counts
    assert set(loaded.manifest.files) >= {"nodes.npz", "edges.npz", "manifest.json"} - {
        "manifest.json"
    }


def test_same_data_gives_same_bytes(tmp_path: Path) -> None:
    a = files.write_region(tmp_path / "a", square_region())
    b = files.write_region(tmp_path / "b", square_region())
    assert a.files == b.files


def test_rewriting_replaces_the_region_whole(tmp_path: Path) -> None:
    files.write_region(tmp_path, square_region())
    files.write_region(tmp_path, square_region())
    assert files.list_regions(tmp_path) == ["square"]
    assert [p.name for p in tmp_path.iterdir()] == ["square"]


def test_a_corrupted_file_is_refused(tmp_path: Path) -> None:
    files.write_region(tmp_path, square_region())
    edges = tmp_path / "square" / "edges.npz"
    data = bytearray(edges.read_bytes())
    data[-20] ^= 0xFF
    edges.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"edges\.npz does not match its checksum"):
        files.read_region(tmp_path, "square")


def test_a_newer_format_is_refused_with_advice(tmp_path: Path) -> None:
    files.write_region(tmp_path, square_region())
    path = tmp_path / "square" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="format version 99"):
        files.read_manifest(tmp_path, "square")


def test_unknown_region_names_the_known_ones(tmp_path: Path) -> None:
    files.write_region(tmp_path, square_region())
    with pytest.raises(NotFound, match=r"unknown region 'nope'.*square"):
        files.read_region(tmp_path, "nope")


@pytest.mark.parametrize("name", ["", ".hidden", "../etc", "a/b", "x" * 65, "dot."])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        files.check_name(name)


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(path: Path, payload: bytes) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files, "_write_durably", boom)
    with pytest.raises(OSError, match="disk full"):
        files.write_region(tmp_path, square_region())
    assert list(tmp_path.iterdir()) == []
