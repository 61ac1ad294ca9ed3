"""Walk an app's routes (through included routers) with the permission each requires."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from emscad.accounts.permissions import Permission
from emscad.web.deps import permission_of


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    stack: list[Any] = list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)


def permissions_of_route(route: APIRoute) -> list[Permission]:
    """The permission dependencies a route declares (a correct route has exactly one)."""

    def walk(dependant: Any) -> list[Permission]:
        found = []
        for dep in dependant.dependencies:
            perm = permission_of(dep.call)
            if perm is not None:
                found.append(perm)
            found += walk(dep)
        return found

    return walk(route.dependant)
