"""`emscad serve` and `emscad db ...`: run the server, migrate the database."""

from __future__ import annotations

from typing import Annotated

import typer

from emscad.cli._common import err_console, settings
from emscad.storage import migrate
from emscad.storage.db import Database

db_app = typer.Typer(help="Database: migrations.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the emscad server (API, live stream and console) until interrupted."""
    import uvicorn

    from emscad.web.app import create_app, prepare_to_serve
    from emscad.web.runtime import build_runtime
    from emscad.web.workers import STANDARD

    cfg = settings()
    runtime = build_runtime(cfg)
    app = create_app(runtime, background=STANDARD)
    bind_host, bind_port = host or cfg.host, port or cfg.port
    prepare_to_serve(app, runtime)
    err_console.print(f"emscad serving region {cfg.region!r} at http://{bind_host}:{bind_port}/")
    try:
        uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning", access_log=False)
    finally:
        runtime.close()


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema up to date."""
    database = Database(settings().database)
    try:
        migrate.upgrade(database)
        typer.echo(f"database at revision {migrate.current(database)}")
    finally:
        database.dispose()


@db_app.command("status")
def status() -> None:
    """Show the schema revision of the database and of this emscad."""
    database = Database(settings().database)
    try:
        typer.echo(f"database: {migrate.current(database) or 'empty'}; emscad: {migrate.head()}")
    finally:
        database.dispose()
