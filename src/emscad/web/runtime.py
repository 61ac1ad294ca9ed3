"""Everything a running server holds: settings, database, services, region, router, hub."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from emscad.accounts.auth import AuthPolicy, AuthService
from emscad.accounts.keys import SecurityKeys
from emscad.accounts.secretbox import SecretBox
from emscad.accounts.service import AccountService
from emscad.clock import Clock, SystemClock
from emscad.config import Settings
from emscad.dispatch.cautions import PremiseCautions
from emscad.dispatch.intake import IntakeService, TextLines
from emscad.dispatch.safety.orders import OrderCautions
from emscad.dispatch.safety.policy import SafetyPolicy
from emscad.dispatch.safety.service import SafetyService
from emscad.dispatch.service import DispatchService
from emscad.errors import InvalidInput
from emscad.geocoding import GeocodeIndex, build_index
from emscad.intake.sms import (
    RecordingGateway,
    SmsGateway,
    TwilioRestGateway,
    telnyx_public_key,
)
from emscad.notify._smtp import SmtpChannel, SmtpConfig
from emscad.notify.channels import Channel, ConsoleChannel, SmsChannel
from emscad.notify.policy import RetryPolicy
from emscad.notify.worker import OutboxRunner, OutboxWorker
from emscad.recommend.plan import ResponsePlan, load_plan
from emscad.recommend.service import Recommender
from emscad.regions import files
from emscad.regions.model import Region
from emscad.routing import Router, Snapper
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.audit_sql import SqlAuditLog
from emscad.storage.db import Database
from emscad.storage.notify_sql import SqlOutbox
from emscad.storage.sql import SqlStore
from emscad.web.hub import EventHub
from emscad.web.recent_reads import RecentReads
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
    intake: IntakeService
    safety: SafetyService
    outbox: OutboxRunner
    deliveries: SqlOutbox  # the outbox's record, as the deliveries list reads it
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
    recent_reads: RecentReads = field(default_factory=RecentReads)  # polled reads, audited once

    def close(self) -> None:
        self.database.dispose()


def sms_gateway(settings: Settings) -> SmsGateway:
    """The outbound gateway the settings choose; "recording" keeps replies and sends nothing."""
    if settings.sms_gateway == "twilio":
        assert settings.twilio_account_sid  # Settings checks both are set
        assert settings.twilio_auth_token
        return TwilioRestGateway(
            settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()
        )
    return RecordingGateway()


def notify_channels(settings: Settings, gateway: SmsGateway) -> list[Channel]:
    """Every channel the settings set up: the console always, email and texts when set."""
    channels: list[Channel] = [ConsoleChannel()]
    if settings.smtp_host and settings.smtp_from:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        config = SmtpConfig(
            host=settings.smtp_host,
            from_address=settings.smtp_from,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
            ssl=settings.smtp_ssl,
            timeout_s=settings.smtp_timeout_s,
        )
        channels.append(SmtpChannel(config))
    if settings.notify_sms_line:
        channels.append(
            SmsChannel(gateway, from_number=settings.text_lines[settings.notify_sms_line])
        )
    return channels


def outbox_worker(
    settings: Settings, database: Database, gateway: SmsGateway, clock: Clock
) -> OutboxWorker:
    """The outbox worker with every channel the settings set up."""
    policy = RetryPolicy(
        max_attempts=settings.notify_max_attempts,
        base=timedelta(seconds=settings.notify_backoff_base_s),
        cap=timedelta(seconds=settings.notify_backoff_cap_s),
        max_age=timedelta(seconds=settings.notify_max_age_s),
    )
    return OutboxWorker(
        SqlOutbox(database),
        notify_channels(settings, gateway),
        clock,
        np.random.default_rng(),
        policy=policy,
    )


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Open the database and load the region; raise an EmscadError on any set-up problem."""
    clock = clock or SystemClock()
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"EMSCAD_TIMEZONE: unknown time zone {settings.timezone!r}") from None
    if settings.telnyx_public_key:
        telnyx_public_key(settings.telnyx_public_key)  # an unusable key stops start-up
    region = files.read_region(settings.regions_dir, settings.region)
    database = Database(settings.database)
    router = Router(region.network)
    snapper = Snapper(region.network)
    plan = load_plan(settings.response_plan)
    policy = SafetyPolicy.from_settings(settings)
    gateway = sms_gateway(settings)
    runner = OutboxRunner(outbox_worker(settings, database, gateway, clock))
    hub_ref: list[EventHub] = []
    dispatch = DispatchService(
        SqlStore(database),
        clock=clock,
        new_id=new_id,
        timezone=zone,
        on_commit=lambda seq: hub_ref[0].notify(seq) if hub_ref else None,
        caution_sources=[PremiseCautions(), OrderCautions(policy)],
        on_notify=runner.notify,
    )
    hub = EventHub(lambda after, limit: dispatch.events_after(after, limit=limit))
    hub_ref.append(hub)
    revocations = Revocations()
    account_store = SqlAccountStore(database)
    safety = SafetyService(dispatch, policy=policy, new_id=new_id, on_alert=runner.notify)
    auth = AuthService(
        account_store,
        clock=clock,
        policy=AuthPolicy.from_settings(settings),
        box=SecretBox(settings.secret_key.get_secret_value()),
        on_revoke=revocations.revoked,
        duress=safety,
    )
    return Runtime(
        settings=settings,
        clock=clock,
        database=database,
        dispatch=dispatch,
        intake=IntakeService(
            dispatch,
            gateway=gateway,
            lines=TextLines(
                numbers=dict(settings.text_lines),
                sos_lines=frozenset(settings.sos_lines),
                sos_keywords=settings.sos_keywords,
            ),
            on_text=safety.sos_by_text,
        ),
        safety=safety,
        outbox=runner,
        deliveries=SqlOutbox(database),
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
