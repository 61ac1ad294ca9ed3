"""Page routes and static files of the console. Pages are static shells: their data comes
from the API, so a page holds nothing a signed-out visitor may not see."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import emscad
from emscad.accounts.permissions import Permission
from emscad.web.deps import SESSION_COOKIE, require

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
# Leaflet comes from npm (package.json at the repository's root, `npm ci` in scripts/setup).
NODE_MODULES = Path(emscad.__file__).resolve().parents[2] / "node_modules"
VENDOR = {"leaflet": NODE_MODULES / "leaflet" / "dist"}

router = APIRouter(tags=["console"], include_in_schema=False)
Public = Annotated[None, Depends(require(Permission.PUBLIC))]

# path -> (template, needs a session, what it is): pages behind sign-in send a visitor without
# a session cookie to /login first; the page's script checks the session itself (expired,
# wrong role) and sends each role to its own page.
PAGES: dict[str, tuple[str, bool, str]] = {
    "/login": ("login.html", False, "Sign-in page: password, then the authenticator"),
    "/console": ("console.html", True, "Call-taker and dispatcher console (page)"),
    "/supervisor": ("supervisor.html", True, "Supervisor view: board, diversion, roster (page)"),
    "/field": ("field.html", True, "Field unit's page: status, assignment, position (page)"),
    "/staff": ("staff.html", True, "Staff safety page: SOS, check-in, escort (page)"),
}


@functools.cache
def _template(name: str) -> bytes:
    return (TEMPLATES / name).read_bytes()


def _page_route(path: str, template: str, signed_in: bool, summary: str) -> None:
    async def page(request: Request, _: Public) -> Response:
        if signed_in and not request.cookies.get(SESSION_COOKIE):
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        return HTMLResponse(_template(template), headers={"Cache-Control": "no-cache"})

    page.__name__ = f"page_{template.removesuffix('.html')}"
    router.add_api_route(path, page, methods=["GET"], summary=summary)


for _path, (_template_name, _signed_in, _summary) in PAGES.items():
    _page_route(_path, _template_name, _signed_in, _summary)


@router.get("/", summary="The start page: sends to the sign-in page")
async def root(_: Public) -> Response:
    return RedirectResponse("/login", status_code=303)


def tile_origin(url: str | None) -> str:
    """The CSP source for a raster tile server's URL template ('' when there is none)."""
    if not url:
        return ""
    parts = urlsplit(url.partition("#")[0])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    # `{s}.tile.example.org` names several hosts: allow the wildcard the template stands for.
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def install(app: FastAPI) -> None:
    """Add the pages and serve the console's static files (vendored libraries first)."""
    app.include_router(router)
    for name, folder in VENDOR.items():
        if folder.is_dir():
            app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), name=name)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
