"""Request dependencies: the runtime, the principal, and the permission each route requires."""

from __future__ import annotations

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


async def principal(request: Request, rt: RuntimeDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("send a bearer token: Authorization: Bearer emscad_...")
    return await run_in_threadpool(rt.accounts.authenticate_token, credential)


def require(permission: Permission) -> Callable[..., object]:
    """A dependency that admits only principals holding `permission` (PUBLIC: anyone)."""

    if permission is Permission.PUBLIC:

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
