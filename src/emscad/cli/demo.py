"""`emscad demo`: a demo region, agency and users, a live call generator, and the server."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from emscad.accounts.permissions import Role
from emscad.cli._common import err_console, progress_bar, settings
from emscad.clock import SystemClock
from emscad.dispatch.seed import seed_from_region
from emscad.errors import NotFound
from emscad.regions import files
from emscad.storage.migrate import upgrade
from emscad.web.runtime import Runtime, build_runtime

DEMO_REGION = "demo"
DEMO_SEED = 1
DEMO_NODES = 40_000

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
    typer.echo(f'try: curl -H "Authorization: Bearer {logins[1][3]}" {url}/api/incidents\n')
    if not serve:
        runtime.close()
        return

    import uvicorn

    from emscad.simulation.runner import start_simulation
    from emscad.web.app import create_app

    def simulation(rt: Runtime) -> Callable[[], None]:
        handle = start_simulation(
            rt, rate_per_hour=calls_per_hour, auto_dispatch=auto_dispatch, speed=4.0
        )
        return handle.stop

    app = create_app(runtime, background=[simulation])
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


_WORDS = (
    "amber basin cedar delta ember falcon garnet harbor iris juniper kestrel lantern maple "
    "nectar orbit prairie quartz raven sierra timber umber valley willow yarrow zephyr"
).split()


def _passphrase() -> str:
    return "-".join(secrets.choice(_WORDS) for _ in range(3)) + f"-{secrets.randbelow(100):02d}"
