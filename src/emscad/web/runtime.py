"""Everything a running server holds: settings, database, services, region, router, hub."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emscad.accounts.auth import AuthPolicy, AuthService
from emscad.accounts.keys import SecurityKeys
from emscad.accounts.secretbox import SecretBox
from emscad.accounts.service import AccountService
from emscad.clock import Clock, SystemClock
from emscad.config import Settings
from emscad.dispatch.service import DispatchService
from emscad.errors import InvalidInput
from emscad.geocoding import GeocodeIndex, build_index
from emscad.recommend.plan import ResponsePlan, load_plan
from emscad.recommend.service import Recommender
from emscad.regions import files
from emscad.regions.model import Region
from emscad.routing import Router, Snapper
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.audit_sql import SqlAuditLog
from emscad.storage.db import Database
from emscad.storage.sql import SqlStore
from emscad.web.hub import EventHub
from emscad.web.revocations import Revocations
from emscad.web.security import RateLimits


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    database: Database
    dispatch: DispatchService
    accounts: AccountService
    region: Region
    router: Router
    snapper: Snapper
    plan: ResponsePlan
    recommender: Recommender
    geocoder: GeocodeIndex
    hub: EventHub
    auth: AuthService
    revocations: Revocations
    audit: SqlAuditLog
    limits: RateLimits
    keys: SecurityKeys

    def close(self) -> None:
        self.database.dispose()


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Open the database and load the region; raise an EmscadError on any set-up problem."""
    clock = clock or SystemClock()
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"EMSCAD_TIMEZONE: unknown time zone {settings.timezone!r}") from None
    region = files.read_region(settings.regions_dir, settings.region)
    database = Database(settings.database)
    router = Router(region.network)
    snapper = Snapper(region.network)
    plan = load_plan(settings.response_plan)
    hub_ref: list[EventHub] = []
    dispatch = DispatchService(
        SqlStore(database),
        clock=clock,
        new_id=new_id,
        timezone=zone,
        on_commit=lambda seq: hub_ref[0].notify(seq) if hub_ref else None,
    )
    hub = EventHub(lambda after, limit: dispatch.events_after(after, limit=limit))
    hub_ref.append(hub)
    revocations = Revocations()
    account_store = SqlAccountStore(database)
    auth = AuthService(
        account_store,
        clock=clock,
        policy=AuthPolicy.from_settings(settings),
        box=SecretBox(settings.secret_key.get_secret_value()),
        on_revoke=revocations.revoked,
    )
    return Runtime(
        settings=settings,
        clock=clock,
        database=database,
        dispatch=dispatch,
        accounts=AccountService(
            account_store, clock=clock, new_id=new_id, on_revoke=revocations.revoked
        ),
        region=region,
        router=router,
        snapper=snapper,
        plan=plan,
        recommender=Recommender(
            router=router,
            snapper=snapper,
            plan=plan,
            max_snap_m=settings.max_snap_m,
            stale_after_s=settings.avl_stale_after_s,
        ),
        geocoder=build_index(region),
        hub=hub,
        auth=auth,
        revocations=revocations,
        audit=SqlAuditLog(database),
        limits=RateLimits(),
        keys=SecurityKeys(auth, public_url=settings.public_url),
    )
