"""`emscad demo`: a demo region, agency and users, a live call generator, and the server."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from emscad.accounts.permissions import Role
from emscad.cli._common import err_console, progress_bar, settings
from emscad.clock import SystemClock
from emscad.dispatch.seed import seed_from_region
from emscad.errors import EmscadError, NotFound
from emscad.regions import files
from emscad.storage.migrate import upgrade
from emscad.web.runtime import Runtime, build_runtime

DEMO_REGION = "demo"
DEMO_SEED = 1
DEMO_NODES = 40_000
DEMO_FIRST_CALL_S = 5.0  # the first call soon after start: the board moves at once

# Demo accounts, one per persona (the field unit is Medic 1's tablet).
DEMO_USERS: list[tuple[str, Role, str | None, str]] = [
    ("calltaker", Role.CALL_TAKER, None, "Casey Call-Taker"),
    ("dispatcher", Role.DISPATCHER, None, "Dana Dispatcher"),
    ("supervisor", Role.SUPERVISOR, None, "Sam Supervisor"),
    ("medic1", Role.FIELD_UNIT, "m1", "Medic 1 tablet"),
    ("staff", Role.STAFF, None, "Stevie Staff"),
    ("analyst", Role.ANALYST, None, "Ana Analyst"),
    ("admin", Role.ADMIN, None, "Alex Admin"),
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Generate the demo region again.")
    ] = False,
    port: Annotated[int | None, typer.Option(help="Port to serve on.")] = None,
    calls_per_hour: Annotated[
        float, typer.Option(help="How many calls the generator makes per hour.")
    ] = 40.0,
    auto_dispatch: Annotated[
        bool,
        typer.Option(
            "--auto-dispatch/--no-auto-dispatch",
            help="Dispatch waiting calls automatically (off: you dispatch them).",
        ),
    ] = True,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server after setting up.")
    ] = True,
    mfa: Annotated[
        bool,
        typer.Option(
            "--mfa/--no-mfa",
            help="Ask console users for a second factor, as production does (off in the demo).",
        ),
    ] = False,
) -> None:
    """Set up the demo (region, agency, users) and run the server with a live call generator."""
    cfg = settings()
    # The demo needs no authenticator app unless asked: production always asks for one.
    cfg = cfg.model_copy(update={"region": DEMO_REGION, **({} if mfa else {"mfa_roles": ()})})
    _ensure_region(rebuild=rebuild)

    runtime = build_runtime(cfg)
    upgrade(runtime.database)
    seeded = seed_from_region(runtime.dispatch, runtime.region)
    counts = runtime.region.manifest.counts
    console = Console()
    console.print(
        f"region {DEMO_REGION}: {counts['nodes']:,} road nodes, {counts['addresses']:,} "
        f"addresses, {counts['stations']} stations, {counts['hospitals']} hospitals"
    )
    console.print(
        f"agency: {len(runtime.dispatch.stations())} stations, "
        f"{len(runtime.dispatch.hospitals())} hospitals, {len(runtime.dispatch.units())} units"
        + (f" ({seeded.units} units added now)" if seeded.units else "")
    )
    logins = _demo_logins(runtime)
    watch = _demo_safety(runtime)
    bind = port or cfg.port
    url = f"http://{cfg.host}:{bind}"
    # Plain lines, never wrapped or cut: people copy these.
    typer.echo("\ndemo logins (each `emscad demo` sets new passwords and tokens):")
    typer.echo(f"  {'user':<11} {'role':<11} {'password':<32} API token")
    for username, role, password, token in logins:
        typer.echo(f"  {username:<11} {role:<11} {password:<32} {token}")
    if not mfa:
        typer.echo("  (second factor off for the demo; `emscad demo --mfa` turns it on)")
    typer.echo(f"\nemscad demo at {url}/  (API reference: {url}/docs)")
    typer.echo(f'try: curl -H "Authorization: Bearer {logins[1][3]}" {url}/api/incidents')
    if watch is not None:
        admin_token = next(t for u, _, _, t in logins if u == "admin")
        body = json.dumps(
            {
                "plate": DEMO_PLATE,
                "state": "AR",
                "camera": "station-lot",
                "lon": watch[0],
                "lat": watch[1],
                "at": runtime.clock.now().isoformat(),
                "confidence": 0.9,
            }
        )
        typer.echo(
            "safety demo: Dana Dispatcher has a protective order; a plate reader at her "
            "station's lot reads his truck:"
        )
        typer.echo(
            f"  curl -H 'Authorization: Bearer {admin_token}' -H 'Content-Type: application/json'"
            f" -d '{body}' {url}/api/watch/plate-reads"
        )
    typer.echo("")
    if not serve:
        runtime.close()
        return

    import uvicorn

    from emscad.simulation.runner import start_simulation
    from emscad.web.app import create_app, prepare_to_serve
    from emscad.web.workers import STANDARD

    def simulation(rt: Runtime) -> Callable[[], None]:
        handle = start_simulation(
            rt,
            rate_per_hour=calls_per_hour,
            auto_dispatch=auto_dispatch,
            speed=4.0,
            first_call_s=DEMO_FIRST_CALL_S,
        )
        return handle.stop

    app = create_app(runtime, background=[*STANDARD, simulation])
    prepare_to_serve(app, runtime)
    err_console.print("live call generator running; stop the demo with Ctrl-C")
    try:
        uvicorn.run(app, host=cfg.host, port=bind, log_level="warning", access_log=False)
    finally:
        runtime.close()


def _ensure_region(*, rebuild: bool) -> None:
    from emscad.regions.synthetic import generate_region

    cfg = settings()
    root = cfg.regions_dir
    try:
        if rebuild:
            raise NotFound("rebuild requested")
        files.read_manifest(root, DEMO_REGION)
    except NotFound:
        with progress_bar() as report:
            region = generate_region(
                DEMO_REGION,
                seed=DEMO_SEED,
                nodes=DEMO_NODES,
                lights_sirens_factor=cfg.lights_sirens_factor,
                created_at=SystemClock().now(),
                progress=report,
            )
            files.write_region(root, region)


def _demo_logins(runtime: Runtime) -> list[tuple[str, str, str, str]]:
    """Demo users (created once), each with a fresh password and token on every run.

    Nothing fixed lives in the code: a demo left running on a network is not open to anyone
    who has read the source.
    """
    accounts = runtime.accounts
    existing = {u.username for u in accounts.users()}
    out = []
    for username, role, unit, name in DEMO_USERS:
        if username not in existing:
            accounts.create_user(username, roles=[role], display_name=name, unit=unit, by="demo")
        password = _passphrase()
        runtime.auth.set_password(username, password, by="demo")
        accounts.revoke_tokens_named(username, "demo")
        _, token = accounts.create_token(username, name="demo", by="demo")
        out.append((username, role.value, password, token))
    return out


DEMO_PLATE = "DMO4471"


def _demo_safety(runtime: Runtime) -> tuple[float, float] | None:
    """Staff records (on shift now) and a protective order protecting Dana Dispatcher, with
    her station as a stay-away zone; once only. Returns where the station's lot is."""
    from datetime import timedelta

    from emscad.agency.models import StationKind
    from emscad.dispatch.safety.base import Who
    from emscad.safety.orders import (
        Condition,
        Descriptors,
        ProtectedPerson,
        ProtectiveOrder,
        Respondent,
        StayAwayZone,
        Vehicle,
        ZoneKind,
    )
    from emscad.safety.staff import Shift, StaffRecord

    stations = [s for s in runtime.dispatch.stations() if s.kind is StationKind.EMS]
    if not stations:
        return None
    station = stations[0]
    lot = (station.lon, station.lat)
    if runtime.safety.orders():
        return lot
    users = {u.username: u for u in runtime.accounts.users()}
    now = runtime.clock.now()
    shift = Shift(now - timedelta(hours=6), now + timedelta(hours=6), station.id)
    demo = Who(name="demo", user="demo")
    for username in ("calltaker", "dispatcher", "supervisor", "staff"):
        user = users[username]
        record = StaffRecord(
            user=user.id,
            name=user.display_name,
            station=station.id,
            schedule=(shift,),
            confidential=username == "dispatcher",  # she is the one the order protects
        )
        with contextlib.suppress(EmscadError):  # there from an earlier demo run
            runtime.safety.save_staff_record(demo, record, expected_version=0)
    order = ProtectiveOrder(
        id="",
        number="DEMO-23-DR-1142",
        court="Demo County Circuit Court (fictional)",
        issued=now - timedelta(days=30),
        expires=now + timedelta(days=335),
        conditions=(Condition.STAY_AWAY, Condition.NO_CONTACT),
        protected=(ProtectedPerson(name="Dana Dispatcher", staff_user=users["dispatcher"].id),),
        respondent=Respondent(
            name="Mark Example",
            descriptors=Descriptors(sex="M", height_in=72, weight_lb=190, hair="brown"),
            vehicles=(
                Vehicle(plate=DEMO_PLATE, state="AR", make="Ford", model="F-150", colour="black"),
            ),
        ),
        source="demo data (fictional)",
        zones=(
            StayAwayZone(
                id="zone-1",
                label=station.name,
                lon=station.lon,
                lat=station.lat,
                kind=ZoneKind.WORKPLACE,
                place=station.id,
            ),
        ),
    )
    runtime.safety.create_order(demo, order)
    return lot


_WORDS = (
    "amber basin cedar delta ember falcon garnet harbor iris juniper kestrel lantern maple "
    "nectar orbit prairie quartz raven sierra timber umber valley willow yarrow zephyr"
).split()


def _passphrase() -> str:
    return "-".join(secrets.choice(_WORDS) for _ in range(3)) + f"-{secrets.randbelow(100):02d}"
