"""`emscad users ...` and `emscad tokens ...`: accounts and machine credentials."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from emscad.accounts.auth import AuthPolicy, AuthService
from emscad.accounts.permissions import Permission, Role
from emscad.accounts.secretbox import SecretBox
from emscad.accounts.service import AccountService
from emscad.cli._common import err_console, print_json, settings
from emscad.clock import SystemClock
from emscad.errors import InvalidInput
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Machine tokens for devices and integrations.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


def _accounts() -> tuple[AccountService, Database]:
    database = Database(settings().database)
    upgrade(database)
    return (
        AccountService(
            SqlAccountStore(database), clock=SystemClock(), new_id=lambda: uuid.uuid4().hex
        ),
        database,
    )


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[list[Role], typer.Option("--role", help="A role; repeat for several.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    unit: Annotated[str | None, typer.Option(help="For a field-unit device: its unit id.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (for example the first admin)."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise InvalidInput("no password on standard input")
    accounts, database = _accounts()
    try:
        user = accounts.create_user(
            username, roles=role, display_name=name, password=password, unit=unit, by="cli"
        )
    finally:
        database.dispose()
    typer.echo(f"created {user.username} ({', '.join(r.value for r in user.roles)})")


@users_app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users."""
    accounts, database = _accounts()
    try:
        users = accounts.users()
    finally:
        database.dispose()
    rows = [
        {"username": u.username, "roles": [r.value for r in u.roles], "disabled": u.disabled}
        for u in users
    ]
    if as_json:
        print_json(rows)
        return
    for u in users:
        flag = " (disabled)" if u.disabled else ""
        typer.echo(f"{u.username}: {', '.join(r.value for r in u.roles)}{flag}")


@users_app.command("disable")
def disable_user(username: Annotated[str, typer.Argument()]) -> None:
    """Disable a user and revoke every token they hold."""
    accounts, database = _accounts()
    try:
        accounts.set_disabled(username, True, by="cli")
    finally:
        database.dispose()
    typer.echo(f"disabled {username}; their tokens are revoked")


def _auth() -> tuple[AuthService, Database]:
    """The sign-in service on the configured database (for admin commands)."""
    cfg = settings()
    database = Database(cfg.database)
    upgrade(database)
    service = AuthService(
        SqlAccountStore(database),
        clock=SystemClock(),
        policy=AuthPolicy.from_settings(cfg),
        box=SecretBox(cfg.secret_key.get_secret_value()),
    )
    return service, database


@users_app.command("unlock")
def unlock_user(username: Annotated[str, typer.Argument()]) -> None:
    """Unlock an account locked after failed logins (recorded on the audit trail)."""
    auth, database = _auth()
    try:
        auth.unlock(username, by="cli")
    finally:
        database.dispose()
    typer.echo(f"unlocked {username}")


@users_app.command("enable")
def enable_user(username: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled user."""
    accounts, database = _accounts()
    try:
        accounts.set_disabled(username, False, by="cli")
    finally:
        database.dispose()
    typer.echo(f"enabled {username}")


@users_app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = True,
) -> None:
    """Set a user's password (read from standard input)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else ""
    if not password:
        raise InvalidInput("no password on standard input")
    auth, database = _auth()
    try:
        auth.set_password(username, password, by="cli")
    finally:
        database.dispose()
    typer.echo(f"password set for {username}")


@users_app.command("reset-mfa")
def reset_mfa(username: Annotated[str, typer.Argument()]) -> None:
    """Forget a user's authenticator: they set up a new one at their next sign-in."""
    auth, database = _auth()
    try:
        auth.reset_mfa(username, by="cli")
    finally:
        database.dispose()
    typer.echo(f"MFA reset for {username}")


@tokens_app.command("create")
def create_token(
    username: Annotated[str, typer.Argument(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "token",
    scope: Annotated[
        list[Permission] | None,
        typer.Option("--scope", help="Limit the token to a permission; repeat for several."),
    ] = None,
) -> None:
    """Create a machine token; it is printed once, on standard output."""
    accounts, database = _accounts()
    try:
        token, secret = accounts.create_token(username, name=name, scopes=scope or (), by="cli")
    finally:
        database.dispose()
    err_console.print(f"token {token.id} for {username}; keep it secret, it is not shown again")
    typer.echo(secret)


@tokens_app.command("revoke")
def revoke_token(token_id: Annotated[str, typer.Argument()]) -> None:
    """Revoke a token at once."""
    accounts, database = _accounts()
    try:
        accounts.revoke_token(token_id, by="cli")
    finally:
        database.dispose()
    typer.echo(f"revoked {token_id}")
