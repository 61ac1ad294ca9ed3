"""Request dependencies: the runtime, the principal, and the permission each route requires."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import Forbidden, Unauthenticated
from emscad.web.runtime import Runtime

PERMISSION_ATTR = "emscad_permission"


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


SESSION_COOKIE = "emscad_session"
CSRF_HEADER = "x-csrf-token"
BACKGROUND_HEADER = "x-emscad-background"  # a request the page made on its own (a poll)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def principal(request: Request, rt: RuntimeDep) -> Principal:
    """Who is calling: a bearer token (devices, integrations) or a session cookie (browsers)."""
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential:
        return await run_in_threadpool(rt.accounts.authenticate_token, credential)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("sign in, or send a bearer token: Authorization: Bearer emscad_...")
    background = request.headers.get(BACKGROUND_HEADER) == "1"
    who = await run_in_threadpool(lambda: rt.auth.authenticate(cookie, activity=not background))
    # A cookie rides along on any request the browser makes, even one another site caused:
    # a state-changing request must also prove it came from our own page (CSRF).
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not who.csrf or not hmac.compare_digest(sent, who.csrf):
            raise Forbidden("missing or wrong X-CSRF-Token header")
    return who


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def require(permission: Permission) -> Callable[..., object]:
    """A dependency that admits only principals holding `permission` (PUBLIC: anyone)."""

    if permission in (Permission.PUBLIC, Permission.SIGNING_IN):
        # No principal needed; the sign-in steps check their own (pending) session cookie.

        async def public() -> None:
            return None

        setattr(public, PERMISSION_ATTR, permission)
        return public

    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.can(permission):
            raise Forbidden(f"your role does not allow {permission.value}")
        return who

    setattr(check, PERMISSION_ATTR, permission)
    return check


def permission_of(dependency: object) -> Permission | None:
    found = getattr(dependency, PERMISSION_ATTR, None)
    return found if isinstance(found, Permission) else None


async def require_unit_status(
    unit_id: str, who: Annotated[Principal, Depends(principal)]
) -> Principal:
    """Dispatchers change any unit's status; a field device only its own unit's."""
    if who.can(Permission.UNIT_STATUS_ANY):
        return who
    if who.can(Permission.UNIT_STATUS_OWN) and who.unit == unit_id:
        return who
    raise Forbidden("your role may change only your own unit's status")


setattr(require_unit_status, PERMISSION_ATTR, Permission.UNIT_STATUS_OWN)
