"""The FastAPI application."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from emscad import __version__
from emscad.storage.migrate import upgrade
from emscad.web import errors, security
from emscad.web.api import (
    admin,
    auth,
    board,
    devices,
    events,
    geocode,
    incidents,
    notifications,
    orders,
    places,
    premises,
    safety,
    staff,
    system,
    texts,
    units,
    webhooks,
)
from emscad.web.api import map as basemap
from emscad.web.console import pages
from emscad.web.runtime import Runtime

Background = Callable[[Runtime], Callable[[], None]]  # start(runtime) -> stop()


def prepare_to_serve(app: FastAPI, rt: Runtime) -> None:
    """What a serving process does once, just before it serves: the database pool opened,
    the routes built, the start-up heap frozen. Not for tests, which build many apps."""
    rt.database.open_pool()
    build_routes(app)
    freeze_startup_heap()


def build_routes(app: FastAPI) -> None:
    """Work out every included router's routes now rather than on the router's first request.

    Since 0.137 FastAPI builds an included router's routes (their dependencies and pydantic
    validators) lazily, when a request first reaches the router: 60 ms for the incidents
    router (measured on a first create), with the event loop serving nothing else meanwhile.
    """
    pending: list[object] = list(app.router.routes)
    while pending:
        route = pending.pop()
        for name in ("effective_candidates", "effective_low_priority_routes"):
            build = getattr(route, name, None)
            if callable(build):
                pending.extend(build())


def freeze_startup_heap() -> None:
    """Exempt what start-up loaded (the region's roads, the address index, the app) from the
    cyclic garbage collector, for the life of the process.

    Those objects live until the server stops, yet every full collection walked all of them:
    on the 200k-node region that is half a million objects and a pause of about 100 ms in
    the middle of live requests. Call once, just before serving; not from tests, which build
    many apps in one process.
    """
    gc.collect()
    gc.freeze()


def create_app(
    rt: Runtime,
    *,
    migrate: bool = True,
    warm: bool = True,
    background: Sequence[Background] = (),
) -> FastAPI:
    """The app for a runtime. `background` tasks start with the server and stop with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            await run_in_threadpool(upgrade, rt.database)
        await rt.hub.start(from_seq=await run_in_threadpool(rt.dispatch.last_seq))
        if warm:
            # Station and hospital trees take a few seconds on a big region: build them in the
            # background so the server answers at once (the first recommendations wait).
            threading.Thread(
                target=lambda: rt.recommender.warm(rt.dispatch.stations(), rt.dispatch.hospitals()),
                name="warm-trees",
                daemon=True,
            ).start()
        stops = [start(rt) for start in background]
        try:
            yield
        finally:
            app.state.shutting_down = True
            for stop in stops:
                await run_in_threadpool(stop)
            await rt.hub.stop()

    app = FastAPI(
        title="emscad",
        version=__version__,
        summary="Computer-aided dispatch for EMS, with a staff-safety layer built in.",
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.state.shutting_down = False
    errors.install(app)
    # Schema tools build the app without a runtime: no settings then, so not production.
    settings = getattr(rt, "settings", None)
    security.install_headers(
        app,
        production=bool(getattr(settings, "production", False)),
        extra_img_src=pages.tile_origin(getattr(settings, "tile_url", None)),
    )
    routers = (system, auth, admin, board, incidents, devices, units, places, events, geocode)
    safety_routers = (premises, orders, safety, staff, notifications)
    for module in (*routers, basemap, texts, webhooks, *safety_routers):
        app.include_router(module.router)
    app.include_router(orders.degraded_router)
    pages.install(app)  # the console: pages and static files
    return app
