"""The storage layer's single-statement writes, on SQLite and PostgreSQL: named counters and
version-checked saves. Every write goes through them, so each path is pinned here."""

from __future__ import annotations

import pytest

from emscad.accounts.permissions import Role
from emscad.accounts.service import AccountService
from emscad.agency.models import Station
from emscad.clock import SystemClock
from emscad.errors import Conflict, EmscadError
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.audit_sql import bump, counter
from emscad.storage.db import Database
from emscad.storage.sql import SqlStore


def test_a_counter_starts_at_its_first_bump_and_counts_on(database: Database) -> None:
    dialect = database.url.get_backend_name()
    with database.transaction(write=True) as conn:
        assert counter(conn, "probe") == 0
        assert bump(conn, dialect, "probe", 3) == 3
        assert bump(conn, dialect, "probe") == 4
    with database.transaction(write=True) as conn:
        assert bump(conn, dialect, "probe", 2) == 6
        assert bump(conn, dialect, "other") == 1
        assert counter(conn, "probe") == 6


def test_a_rolled_back_bump_hands_the_number_out_again(database: Database) -> None:
    dialect = database.url.get_backend_name()

    class Abort(Exception):
        pass

    def bump_then_fail() -> None:
        with database.transaction(write=True) as conn:
            assert bump(conn, dialect, "probe") == 1
            raise Abort

    with pytest.raises(Abort):
        bump_then_fail()
    with database.transaction(write=True) as conn:
        assert bump(conn, dialect, "probe") == 1


def test_saving_a_new_row_under_a_taken_id_is_a_conflict(database: Database) -> None:
    store = SqlStore(database)
    first = Station(id="st1", name="Station 1", lon=-92.3, lat=34.7, version=1)
    with store.write() as tx:
        tx.save_station(first, station_id="st1", expected=0)
    impostor = Station(id="st1", name="Impostor", lon=0, lat=0, version=1)
    with (
        pytest.raises(Conflict, match="a station with id 'st1' already exists"),
        store.write() as tx,
    ):
        tx.save_station(impostor, station_id="st1", expected=0)
    with store.read() as tx:
        kept = tx.find_station("st1")
    assert kept is not None
    assert kept.name == "Station 1"


def test_an_update_from_a_stale_version_is_a_conflict_and_changes_nothing(
    database: Database,
) -> None:
    store = SqlStore(database)
    with store.write() as tx:
        tx.save_station(
            Station(id="st1", name="Station 1", lon=-92.3, lat=34.7, version=1),
            station_id="st1",
            expected=0,
        )
    with store.write() as tx:
        tx.save_station(
            Station(id="st1", name="Station One", lon=-92.3, lat=34.7, version=2),
            station_id="st1",
            expected=1,
        )
    lost = Station(id="st1", name="Lost update", lon=-92.3, lat=34.7, version=2)
    with pytest.raises(Conflict, match="changed by someone else"), store.write() as tx:
        tx.save_station(lost, station_id="st1", expected=1)
    with store.read() as tx:
        kept = tx.find_station("st1")
    assert kept is not None
    assert (kept.name, kept.version) == ("Station One", 2)


def test_a_station_removed_and_saved_again_under_its_id_reads_as_the_new_one(
    database: Database,
) -> None:
    # Roster rows are decoded once per stored text and version (storage.decoded); the
    # re-created row has version 1 again, so only its content tells it apart.
    store = SqlStore(database)
    old = Station(id="st1", name="Old Station", lon=-92.3, lat=34.7, version=1)
    with store.write() as tx:
        tx.save_station(old, station_id="st1", expected=0)
    with store.read() as tx:
        assert [s.name for s in tx.list_stations()] == ["Old Station"]
    with store.write() as tx:
        tx.save_station(None, station_id="st1", expected=1)
    new = Station(id="st1", name="New Station", lon=-92.2, lat=34.8, version=1)
    with store.write() as tx:
        tx.save_station(new, station_id="st1", expected=0)
    with store.read() as tx:
        assert tx.find_station("st1") == new
        assert tx.list_stations() == [new]


def test_a_token_and_its_user_are_read_in_one_statement(database: Database) -> None:
    ids = iter(range(1_000))
    accounts = AccountService(
        SqlAccountStore(database), clock=SystemClock(), new_id=lambda: f"id{next(ids)}"
    )
    accounts.create_user("dana", roles=[Role.DISPATCHER], by="test")
    token, raw = accounts.create_token("dana", name="console")
    store = SqlAccountStore(database)
    with store.read() as tx:
        found, user = tx.find_token_with_user(token.id)
        assert found == tx.find_token(token.id)
        assert user is not None
        assert user == tx.find_user(user.id)
        assert user.username == "dana"
        assert tx.find_token_with_user("no-such-token") == (None, None)
    assert accounts.authenticate_token(raw).username == "dana"


def test_opening_the_pool_leaves_its_connections_ready(database: Database) -> None:
    database.open_pool()
    if database.is_sqlite:
        return  # nothing to open ahead
    assert database.engine.pool.checkedin() == database.pool_size
    with database.transaction(write=False) as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1


def test_an_unreachable_database_is_one_clear_error_when_the_pool_opens() -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:1/nothing", pool_size=2)
    with pytest.raises(EmscadError, match=r"^cannot connect to the database: ") as raised:
        unreachable.open_pool()
    assert "\n" not in str(raised.value)
