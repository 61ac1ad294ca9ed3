"""`emscad audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

from emscad.cli._common import print_json, settings
from emscad.errors import DataError
from emscad.storage.audit_sql import SqlAuditLog
from emscad.storage.db import Database

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Recompute the hash chain; name the first record that was edited or removed."""
    database = Database(settings().database)
    try:
        verdict = SqlAuditLog(database).verify()
    finally:
        database.dispose()
    if as_json:
        print_json(
            {
                "ok": verdict.ok,
                "records": verdict.records,
                "head": verdict.head,
                "broken_at": verdict.broken_at,
                "reason": verdict.reason,
            }
        )
        if not verdict.ok:
            raise typer.Exit(1)
        return
    if not verdict.ok:
        raise DataError(
            f"audit trail broken at record {verdict.broken_at}: {verdict.reason} "
            f"({verdict.records} records before it are intact)"
        )
    typer.echo(f"audit trail intact: {verdict.records} records; head {verdict.head}")
