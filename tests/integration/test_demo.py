"""The demo set-up: seeding is idempotent, and `emscad demo --no-serve` prints working logins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from emscad.accounts.service import AccountService
from emscad.clock import SystemClock
from emscad.dispatch.seed import seed_from_region
from emscad.errors import Unauthenticated
from emscad.regions import files
from emscad.regions.model import Region
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.db import Database
from emscad.units.models import UnitType
from tests.conftest import CliResult
from tests.factories.api import small_region, start


def test_seeding_twice_adds_nothing_the_second_time(database: Database, tmp_path: Path) -> None:
    rt, _ = start(tmp_path / "home", database)
    first = seed_from_region(rt.dispatch, rt.region)
    assert first.stations == len(rt.dispatch.stations()) > 0
    assert first.hospitals == len(rt.dispatch.hospitals()) > 0
    units = rt.dispatch.units()
    assert {u.type for u in units} >= {UnitType.ALS, UnitType.SUPERVISOR}
    again = seed_from_region(rt.dispatch, rt.region)
    assert (again.stations, again.hospitals, again.units) == (0, 0, 0)
    rt.close()


@pytest.mark.slow
def test_the_demo_sets_up_and_prints_logins(
    cli: Callable[..., CliResult], emscad_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small demo region, so the test does not spend its time generating 40,000 nodes.
    files.write_region(emscad_home / "regions", _as_demo())
    result = cli("demo", "--no-serve")
    assert result.code == 0, result.err
    assert "agency:" in result.out
    assert "safety demo:" in result.out
    assert "/api/watch/plate-reads" in result.out
    tokens = [line.split()[-1] for line in result.out.splitlines() if "emscad_" in line]
    assert len([t for t in tokens if t.startswith("emscad_")]) >= 7
    # A second run issues new tokens and revokes the old ones.
    again = cli("demo", "--no-serve")
    assert again.code == 0, again.err
    assert "units added now" not in again.out
    database = Database(f"sqlite:///{emscad_home / 'emscad.db'}")
    accounts = AccountService(SqlAccountStore(database), clock=SystemClock(), new_id=str)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_token(tokens[0])
    new = [line.split() for line in again.out.splitlines() if line.startswith("  calltaker")]
    assert accounts.authenticate_token(new[0][-1]).username == "calltaker"
    assert len(new[0][2]) >= 12  # a passphrase
    database.dispose()


def _as_demo() -> Region:
    region = small_region()
    return replace(region, manifest=replace(region.manifest, name="demo"))
