"""Browser tests: a real emscad server (uvicorn, SQLite, a small synthetic region, the seeded
roster) and Debian's chromium driven by Playwright, one browser per test module."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from emscad.accounts.permissions import Role
from emscad.clock import Clock, SystemClock
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade
from emscad.units.events import UnitProfile
from emscad.units.models import UnitStatus, UnitType
from emscad.web.runtime import Runtime, build_runtime
from tests.factories.api import seed, settings_for
from tests.factories.server import serving

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"  # the user guide shows these
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct horse battery staple"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
FIELD_UNIT = "m9"
# Defined before the page's scripts run: turns on the console's test-only hook for synthetic
# live events (an SOS before the safety API exists). No emscad page defines it.
TEST_HOOKS = "window.__EMSCAD_TEST_HOOKS__ = true;"

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test: marker `e2e` (pytest -m e2e)."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _chromium() -> str:
    # scripts/test installs it; a bare pytest run on a fresh machine may not have.
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)")
    return CHROMIUM


@dataclass
class Server:
    url: str
    rt: Runtime
    tokens: dict[str, str]
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    clock: Clock = field(default_factory=SystemClock)  # the runtime's: authenticator codes too

    def user(self, role: Role, *, unit: str | None = None, prefix: str = "") -> str:
        """A fresh user with PASSWORD (fresh, so each sign-in gets its own TOTP steps)."""
        name = f"{prefix or role.value.replace('_', '')}{next(self._names)}"
        self.rt.accounts.create_user(name, roles=[role], password=PASSWORD, unit=unit)
        return name

    def api(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}"}


@contextmanager
def running_server(home: Path, clock: Clock) -> Iterator[Server]:
    """A seeded server on `clock` (a module may bring its own) until the block ends."""
    database = Database(f"sqlite:///{home / 'emscad.db'}")
    upgrade(database)
    rt = build_runtime(settings_for(home / "home", database), clock=clock)
    tokens = seed(rt)
    # A unit of its own for the field page's test, so the console tests never pick it.
    station = rt.dispatch.stations()[0].id
    rt.dispatch.add_unit(
        "seed",
        FIELD_UNIT,
        UnitProfile(call_sign="Medic 9", type=UnitType.ALS, capabilities=("als",), station=station),
        status=UnitStatus.OUT_OF_SERVICE,
    )
    with serving(rt) as url:
        yield Server(url=url, rt=rt, tokens=tokens, clock=clock)
    rt.close()
    database.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Real time: the console's timers and the authenticator codes follow the wall clock.
    with running_server(tmp_path_factory.mktemp("e2e"), SystemClock()) as s:
        yield s


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=_chromium(), args=FLAGS)
    yield b
    b.close()


@pytest.fixture
def contexts(browser: Browser, server: Server) -> Iterator[list[BrowserContext]]:
    """Contexts opened by a test are closed after it, before the server stops."""
    opened: list[BrowserContext] = []
    yield opened
    for c in opened:
        c.close()


def new_context(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    *,
    viewport: ViewportSize = DESKTOP,
    **options: Any,
) -> BrowserContext:
    ctx = browser.new_context(base_url=server.url, viewport=viewport, **options)
    ctx.add_init_script(TEST_HOOKS)
    contexts.append(ctx)
    return ctx


def sign_in(ctx: BrowserContext, username: str, *, clock: Clock | None = None) -> str | None:
    """Sign in through the API with the context's cookies: password, then TOTP set-up.

    The authenticator's code is for `clock`'s time (the server's, when a test moves it; the
    wall clock by default). Returns the authenticator's secret, if this sign-in set one up.
    """
    r = ctx.request.post("/api/auth/login", data={"username": username, "password": PASSWORD})
    assert r.ok, r.text()
    answer = r.json()
    if answer["next"] == "done":
        return None
    assert answer["next"] == "enrol", answer
    csrf = {"X-CSRF-Token": answer["csrf"]}
    secret: str = ctx.request.post("/api/auth/mfa/enrol", headers=csrf).json()["secret"]
    code = pyotp.TOTP(secret).at((clock or SystemClock()).now())
    done = ctx.request.post("/api/auth/mfa/enrol/confirm", data={"code": code}, headers=csrf)
    assert done.ok, done.text()
    return secret


def console_page(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    role: Role = Role.DISPATCHER,
    path: str = "/console",
) -> Page:
    ctx = new_context(browser, contexts, server)
    sign_in(ctx, server.user(role), clock=server.clock)
    page = ctx.new_page()
    watch_errors(page)
    page.goto(path)
    page.wait_for_selector("body[data-conn='live']")
    return page


_ERRORS: dict[int, list[str]] = {}


def watch_errors(page: Page) -> None:
    """Any uncaught script error or CSP violation fails the test at its end."""
    errors = _ERRORS.setdefault(id(page), [])
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )


def shot(page: Page, name: str, *, docs: bool = True) -> None:
    """A screenshot in the test artifacts; for the user guide's pictures (docs/screenshots)
    too when it has none yet, or when EMSCAD_UPDATE_SCREENSHOTS=1 (after a visible change):
    a normal run leaves the committed pictures alone."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    target = SCREENSHOTS / f"{name}.png"
    if docs and (not target.exists() or os.environ.get("EMSCAD_UPDATE_SCREENSHOTS") == "1"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def no_page_errors(page: Page) -> None:
    errors = _ERRORS.pop(id(page), [])
    assert not errors, errors


A11Y_CHECK = """() => {
    const problems = [];
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    for (const el of document.querySelectorAll('input, select, textarea')) {
        if (el.type === 'hidden' || !visible(el)) continue;
        const named = el.labels?.length || el.getAttribute('aria-label')
            || el.getAttribute('aria-labelledby');
        if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()}#${el.id}`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
        if (!visible(el)) continue;
        const name = (el.getAttribute('aria-label') || el.textContent || el.title || '').trim();
        if (!name) problems.push(`nameless ${el.tagName.toLowerCase()} ${el.className}`);
    }
    return problems;
}"""


def accessibility_basics(page: Page, tabs: int = 3) -> None:
    """Every visible control has a label or name, and keyboard focus is visibly outlined."""
    problems: list[str] = page.evaluate(A11Y_CHECK)
    assert not problems, problems
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            """() => {
                const el = document.activeElement;
                const s = getComputedStyle(el);
                return [el.tagName, s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow];
            }"""
        )
        tag, style, width, shadow = outline
        assert tag != "BODY", "Tab reached nothing focusable"
        assert (style != "none" and width >= 2) or shadow != "none", outline


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], width
