"""The synthetic city generator: its arguments, determinism, size, manifest and progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emscad.errors import InvalidInput
from emscad.progress import ProgressFn, no_progress
from emscad.regions import files
from emscad.regions.model import Region
from emscad.regions.synthetic import GENERATOR_VERSION, generate_region

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _city(
    seed: int = 7,
    nodes: int = 3_000,
    *,
    lights_sirens_factor: float = 1.25,
    created_at: datetime = CREATED,
    progress: ProgressFn = no_progress,
) -> Region:
    return generate_region(
        "riverton",
        seed=seed,
        nodes=nodes,
        lights_sirens_factor=lights_sirens_factor,
        created_at=created_at,
        progress=progress,
    )


def _assert_same(a: Region, b: Region) -> None:
    for name in a.network.__dataclass_fields__:
        x, y = getattr(a.network, name), getattr(b.network, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    for name in a.addresses.__dataclass_fields__:
        np.testing.assert_array_equal(
            getattr(a.addresses, name), getattr(b.addresses, name), err_msg=name
        )
    assert a.strings == b.strings
    assert a.places == b.places
    # Writing a region records its files' checksums; everything else must match.
    assert replace(a.manifest, files={}) == replace(b.manifest, files={})


def test_same_seed_and_size_give_a_bit_identical_city() -> None:
    _assert_same(_city(), _city())


def test_another_seed_gives_another_city() -> None:
    a, b = _city(seed=7), _city(seed=8)
    same_shape = a.network.n_nodes == b.network.n_nodes and np.array_equal(
        a.network.node_lon, b.network.node_lon
    )
    assert not same_shape
    assert a.places != b.places


@pytest.mark.parametrize(
    ("nodes", "seed"),
    [(400, 0), (400, 3), (1_500, 1), (1_500, 2), (5_000, 4), (12_000, 5)],
)
def test_node_count_lands_within_ten_percent_of_the_request(nodes: int, seed: int) -> None:
    region = _city(seed=seed, nodes=nodes)
    assert abs(region.network.n_nodes - nodes) <= 0.1 * nodes


@pytest.mark.parametrize(
    "bad",
    [
        {"nodes": 399},
        {"nodes": 2_000_001},
        {"nodes": -5},
        {"seed": -1},
        {"lights_sirens_factor": 0.5},
        {"lights_sirens_factor": float("nan")},
        {"created_at": datetime(2026, 1, 1)},  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_arguments_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        _city(**bad)


def test_a_region_needs_a_name() -> None:
    with pytest.raises(InvalidInput):
        generate_region("", seed=1, nodes=400, lights_sirens_factor=1.25, created_at=CREATED)


def test_manifest_records_how_the_city_was_made() -> None:
    region = _city(seed=11, nodes=1_500, lights_sirens_factor=1.4)
    m = region.manifest
    assert m.source == {
        "kind": "synthetic",
        "seed": 11,
        "nodes": 1_500,
        "generator_version": GENERATOR_VERSION,
    }
    assert m.settings == {"lights_sirens_factor": 1.4}
    assert m.created_at == "2026-01-01T00:00:00+00:00"
    assert m.counts["nodes"] == region.network.n_nodes
    assert m.counts["addresses"] == len(region.addresses)


def test_city_sits_around_riverton_arkansas() -> None:
    west, south, east, north = _city().manifest.bbox
    assert (west + east) / 2 == pytest.approx(-92.30, abs=0.02)
    assert (south + north) / 2 == pytest.approx(34.75, abs=0.02)


def test_progress_is_reported_per_stage_within_bounds() -> None:
    calls: list[tuple[str, float]] = []
    _city(nodes=400, progress=lambda stage, fraction: calls.append((stage, fraction)))
    stages = [s for s, _ in calls]
    assert set(stages) == {"streets", "highway", "network", "places", "addresses"}
    assert all(0.0 <= f <= 1.0 for _, f in calls)
    for stage in set(stages):
        assert (stage, 1.0) in calls


def test_generated_city_survives_a_round_trip_through_region_files(tmp_path: Path) -> None:
    region = _city(nodes=1_500)
    files.write_region(tmp_path, region)
    _assert_same(files.read_region(tmp_path, "riverton"), region)
