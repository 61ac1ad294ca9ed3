"""The `emscad` command line: every command prints one clear line and exits non-zero on error."""

from __future__ import annotations

import sys

import typer

from emscad.cli import audit, demo, geocode, notify, region, route, server, users
from emscad.cli._common import app, err_console
from emscad.errors import EmscadError

demo.register(app)
region.register(app)
route.register(app)
geocode.register(app)
server.register(app)
users.register(app)
audit.register(app)
notify.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; errors become one line on stderr and a non-zero exit status."""
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except EmscadError as exc:
        _fail(str(exc), 1)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        message = exc.format_message()
        if not message:  # no arguments at all: the help has been shown
            sys.exit(exc.exit_code)
        _fail(f"{message} (see --help)", exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _fail("interrupted", 130)


def _fail(message: str, code: int) -> None:
    err_console.print(f"emscad: error: {message}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


__all__ = ["app", "main"]
