"""The issue's scenario in a real browser (the API-level version: tests/integration/
test_scenario.py).

Dana, a dispatcher, has an active protective order against a former employee: stay away from
her home and from Station One, no contact; his two vehicles are on file.

(a) A plate reader at the Station One lot reads one of his plates: her console and a
    supervisor's sound a watch alert until one of them acknowledges it, its incident goes on
    in the queue, and her phone's shift-end offer now urges an escort and starts the
    five-minute timer in one tap.
(b) From the staff page on her phone she starts a check-in timer for the walk to her car and
    misses it: the consoles sound a missed check-in until a dispatcher acknowledges it.
(c) Her SOS: one tap on the staff page sounds on every console until a dispatcher
    acknowledges it, and its incident shows the order's caution; her duress PIN at the
    sign-in page signs her in as usual while her colleagues see a silent SOS.

The server runs on a clock the tests move forward (`ShiftedClock`) instead of waiting out a
check-in timer, and the tests run the safety ticker themselves: the browser-test server runs
no background ticker (tests.factories.server.serving starts no background work), so no other
tick can race the test's.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from emscad.accounts.permissions import Role
from emscad.agency.models import Station
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    Server,
    console_page,
    new_context,
    no_page_errors,
    running_server,
    shot,
    sign_in,
    watch_errors,
)
from tests.factories.scenario import offset

HER_NAME = "Dana Whitfield"
HIS_NAME = "Marcus Reed"
HER_PIN = "2580"
WALK = "walking to my car"
DESCRIPTORS: dict[str, Any] = {
    "sex": "male",
    "race": "W",
    "height_in": 71,
    "weight_lb": 190,
    "hair": "brown",
    "eyes": "blue",
    "marks": ["tattoo of a cross on the left forearm"],
}
# What a caution describing him carries (Respondent.describe), his plates aside.
HIS_DESCRIPTION = (
    HIS_NAME,
    "male",
    "5 ft 11 in",
    "190 lb",
    "tattoo of a cross on the left forearm",
    "photo on file",
)
VERIFY = "Verify with the court or NCIC"
TOTP_STEP = timedelta(seconds=30)


class ShiftedClock:
    """The wall clock plus an offset that only grows: an emscad.clock.Clock.

    It is the whole server's one clock, as in production: the safety ticker, incidents,
    sessions and the authenticator check all read it, so moving it on is "minutes later" for
    everything on the server, and its records stay in order. (A shift seen only by the safety
    ticker would date a missed check-in minutes after the acknowledgement that answers it.)
    Sign-ins therefore compute the authenticator's code from this clock
    (conftest.sign_in(clock=...)): her authenticator agrees with the server, as NTP keeps them
    in step in production. Only the browsers' own timers (the consoles' "since" figures) run
    on the wall clock; nothing here asserts them.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            ahead = self._offset
        return datetime.now(UTC) + ahead

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        with self._lock:
            self._offset += delta

    def advance_to(self, when: datetime) -> None:
        """On to `when` at least (never back): `when` is now, and the wall clock runs on."""
        with self._lock:
            self._offset = max(self._offset, when - datetime.now(UTC))


@pytest.fixture(scope="module")
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: ShiftedClock) -> Iterator[Server]:
    """This module's server, on the clock its tests move (the other modules' run on the wall
    clock)."""
    with running_server(tmp_path_factory.mktemp("scenario"), clock) as s:
        yield s


# -- the API, as people and machines ------------------------------------------------------------


def call(
    server: Server,
    persona: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    status: int = 200,
) -> Any:
    """One request with a seeded persona's token; its answer (None when empty)."""
    r = httpx2.request(
        method, f"{server.url}{path}", json=body, headers=server.api(persona), timeout=15
    )
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json() if r.content else None


def open_alarms(server: Server) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = call(server, "supervisor", "GET", "/api/safety/alarms")
    return found


def quieten(server: Server) -> None:
    """A supervisor takes and clears every open alarm (a watch alert ends when taken)."""
    for alarm in open_alarms(server):
        key = alarm["key"]
        httpx2.post(f"{server.url}/api/safety/alarms/{key}/ack", headers=server.api("supervisor"))
        if alarm["kind"] != "watch":
            httpx2.post(
                f"{server.url}/api/safety/alarms/{key}/clear",
                json={"reason": "end of the browser test"},
                headers=server.api("supervisor"),
            )


@pytest.fixture(autouse=True)
def quiet_consoles(server: Server) -> Iterator[None]:
    """Each test starts with no open alarm (a console's sound is every open alarm's) and
    leaves none behind."""
    assert open_alarms(server) == []
    yield
    quieten(server)
    assert open_alarms(server) == []


# -- the scene ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dana:
    """The protected dispatcher, her order and the places in it."""

    username: str
    order: dict[str, Any]
    truck: str  # his plates, unique to the test
    car: str
    station: Station  # Station One
    lot: tuple[float, float]  # the staff lot behind it (lon, lat)


def protect_her(server: Server) -> Dana:
    """A fresh Dana on a shift that ends soon, with her staff record, and the order a
    supervisor enters: it names her account, so her alarms and shift end know of it."""
    username = server.user(Role.DISPATCHER, prefix="dana")
    station = next(s for s in server.rt.dispatch.stations() if s.name == "Station 1")
    now = server.clock.now()
    shift = {
        "start": (now - timedelta(hours=8)).isoformat(),
        "end": (now + timedelta(minutes=10)).isoformat(),
        "station": station.id,
    }
    record = {
        "name": HER_NAME,
        "station": station.id,
        "mobile_phone": f"+1501555{uuid.uuid4().int % 10_000:04d}",
        "schedule": [shift],
        "home_address": "12 Quiet Lane",
        "confidential": True,
    }
    call(server, "supervisor", "PUT", f"/api/staff/{username}", record)
    tag = uuid.uuid4().hex[:4].upper()
    truck, car = f"TRK{tag}", f"CAR{tag}"
    home = offset(station.lon, station.lat, east_m=3000, north_m=2000)
    body = {
        "number": f"60DR-E2E-{uuid.uuid4().hex[:6]}",
        "court": "Pulaski County Circuit Court",
        "issued": (now - timedelta(days=20)).isoformat(),
        "expires": (now + timedelta(days=345)).isoformat(),
        "conditions": ["04", "05"],  # stay away; no communication
        "protected": [{"name": HER_NAME, "staff_username": username}],
        "respondent": {
            "name": HIS_NAME,
            "descriptors": DESCRIPTORS,
            "photo_ref": f"photo:{tag}",
            "vehicles": [
                {
                    "plate": truck,
                    "state": "AR",
                    "make": "Ford",
                    "model": "F-150",
                    "colour": "black",
                },
                {
                    "plate": car,
                    "state": "AR",
                    "make": "Honda",
                    "model": "Civic",
                    "colour": "silver",
                },
            ],
        },
        "source": "certified copy brought in by the protected person",
        "zones": [
            {"label": "Her home", "kind": "residence", "lon": home[0], "lat": home[1]},
            {"label": "Station One", "kind": "workplace", "place": station.id},
        ],
    }
    order = call(server, "supervisor", "POST", "/api/orders", body, status=201)
    lot = offset(station.lon, station.lat, east_m=40, north_m=-25)
    return Dana(username=username, order=order, truck=truck, car=car, station=station, lot=lot)


def his_car_in_the_lot(server: Server, dana: Dana) -> dict[str, Any]:
    """The Station One lot's camera reads his car now (a machine token with `feeds`)."""
    read = {
        "plate": dana.car,
        "state": "AR",
        "camera": f"st1-lot-east-{uuid.uuid4().hex[:4]}",
        "lon": dana.lot[0],
        "lat": dana.lot[1],
        "at": server.clock.now().isoformat(),
        "confidence": 0.94,
    }
    answer: dict[str, Any] = call(server, "admin", "POST", "/api/watch/plate-reads", read)
    assert answer["outcome"] == "alert", answer
    return answer


def his_vehicles(dana: Dana) -> tuple[str, str]:
    return f"AR {dana.truck} (black Ford F-150)", f"AR {dana.car} (silver Honda Civic)"


# -- pages ----------------------------------------------------------------------------------------


def her_phone(browser: Browser, contexts: list[BrowserContext], server: Server, dana: Dana) -> Page:
    """Her staff page on her phone, signed in, which says she is in the Station One lot."""
    ctx = new_context(
        browser,
        contexts,
        server,
        viewport=PHONE,
        geolocation={"latitude": dana.lot[1], "longitude": dana.lot[0], "accuracy": 15},
        permissions=["geolocation"],
    )
    sign_in(ctx, dana.username, clock=server.clock)
    return open_page(ctx, "/staff")


def her_console(
    browser: Browser, contexts: list[BrowserContext], server: Server, phone: Page
) -> Page:
    """Her console, on the session her phone signed in with (one sign-in per person: a
    second one in the same half-minute would reuse her authenticator's code, which the
    server refuses as a replay)."""
    ctx = new_context(
        browser, contexts, server, viewport=DESKTOP, storage_state=phone.context.storage_state()
    )
    return open_page(ctx, "/console")


def open_page(ctx: BrowserContext, path: str) -> Page:
    page = ctx.new_page()
    watch_errors(page)
    page.goto(path)
    if path == "/staff":
        expect(page.get_by_role("button", name="SOS")).to_be_visible()
    else:
        page.wait_for_selector("body[data-conn='live']")
    return page


def sounding(page: Page, on: bool) -> None:
    expect(page.locator("body")).to_have_attribute("data-alarm-sounding", str(on).lower())


def shift_end_offer(page: Page) -> dict[str, Any]:
    """What GET /api/safety/me/shift-end tells her signed-in browser."""
    r = page.request.get("/api/safety/me/shift-end")
    assert r.ok, r.text()
    offer: dict[str, Any] = r.json()["offer"]
    return offer


def shows_him(detail: Locator, dana: Dana) -> None:
    """Her order's caution on the incident: his description and both vehicles, and the
    advice to verify the order; never her name. (Other tests' orders zone Station One too:
    their cautions may sit beside it, each naming its own order.)"""
    caution = detail.locator(".caution").filter(has_text=f"protective-order:{dana.order['id']}")
    expect(caution).to_have_count(1)
    expect(caution).to_contain_text("HIGH CAUTION")
    for part in (*HIS_DESCRIPTION, *his_vehicles(dana), VERIFY):
        expect(caution).to_contain_text(part)
    expect(caution).not_to_contain_text(HER_NAME)


def queue_row(page: Page, incident_id: str) -> Locator:
    return page.locator(f"#queue .inc-row[data-id='{incident_id}']")


# -- (a) the plate reader -------------------------------------------------------------------------


def test_a_his_plate_in_the_station_lot_sounds_on_her_and_a_supervisors_console_until_taken(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """A plate read of his car in the Station One lot sounds a watch alert on her console
    and a supervisor's until one acknowledges it; it then leaves both, its incident stays in
    both queues with its caution, and her shift-end offer turns to "strongly recommended"."""
    dana = protect_her(server)
    phone = her_phone(browser, contexts, server, dana)
    hers = her_console(browser, contexts, server, phone)
    supervisor = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    # Before he is seen, her phone offers an escort and a timer without insisting.
    assert shift_end_offer(phone)["escort"] == "offered"
    offer_box = phone.locator("#offer")
    expect(offer_box).to_be_visible()
    expect(offer_box).not_to_have_class(re.compile(r"\burgent\b"))

    read = his_car_in_the_lot(server, dana)
    consoles = (hers, supervisor)
    for page in consoles:
        alarm = page.locator(".alarm.kind-watch")
        expect(alarm).to_contain_text("WATCH ALERT (HIGH)")
        expect(alarm).to_contain_text(his_vehicles(dana)[1])
        expect(alarm).to_have_attribute("role", "alert")
        expect(page.locator(".mk-alarm.kind-watch")).to_have_text("WATCH")
        sounding(page, True)
    shot(hers, "scenario-watch-alert-her-console", docs=False)
    shot(supervisor, "scenario-watch-alert-supervisor", docs=False)

    supervisor.locator(".alarm.kind-watch").get_by_role(
        "button", name="Acknowledge WATCH ALERT (HIGH)"
    ).click()
    for page in consoles:
        expect(page.locator(".alarm.kind-watch")).to_have_count(0)
        sounding(page, False)
        row = queue_row(page, read["incident"]["id"])
        expect(row).to_contain_text(read["incident"]["number"])
        expect(row).to_have_class(re.compile(r"\bhas-caution\b"))
        expect(row).to_contain_text("P1")
    shot(supervisor, "scenario-watch-incident-in-queue", docs=False)

    # Her phone now urges an escort and offers the five-minute timer in one tap.
    offer = shift_end_offer(phone)
    assert offer["escort"] == "strongly_recommended", offer
    assert offer["timer_minutes"] == 5
    assert offer["recent_alerts"] >= 1
    phone.reload()
    expect(offer_box).to_have_class(re.compile(r"\burgent\b"))
    expect(phone.locator("#offer-message")).to_contain_text("Please take an escort to your car")
    shot(phone, "staff-shift-end-offer")
    phone.get_by_role("button", name="Start a 5-minute check-in timer").click()
    expect(phone.locator("#checkin-state")).to_contain_text("check in within 5 minutes")
    expect(phone.locator("#checkin-running")).to_be_visible()
    expect(phone.get_by_role("button", name="Start a 5-minute check-in timer")).to_be_hidden()
    phone.get_by_role("button", name="Cancel the timer").click()  # she got a lift after all
    expect(phone.locator("#checkin-state")).to_contain_text("Timer cancelled")
    for page in (*consoles, phone):
        no_page_errors(page)


# -- (b) the check-in timer -----------------------------------------------------------------------


def running_timer(phone: Page) -> dict[str, Any]:
    """Her one running check-in timer, as the server holds it."""
    r = phone.request.get("/api/safety/me")
    assert r.ok, r.text()
    alarms: list[dict[str, Any]] = r.json()["alarms"]
    (timer,) = [a for a in alarms if a["kind"] == "checkin"]
    assert timer["phase"] == "running", timer
    return timer


def test_b_a_missed_check_in_from_her_phone_sounds_on_the_consoles_until_acknowledged(
    browser: Browser, contexts: list[BrowserContext], server: Server, clock: ShiftedClock
) -> None:
    """She starts a check-in timer on her phone's staff page and never checks in: once the
    deadline and its grace have passed (the clock moved on, the ticker run), a colleague's
    console and a supervisor's sound a missed check-in naming her and her walk, until the
    colleague acknowledges it; its incident shows the order's caution."""
    dana = protect_her(server)
    colleague = console_page(browser, contexts, server, Role.DISPATCHER)
    supervisor = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    phone = her_phone(browser, contexts, server, dana)

    phone.get_by_role("button", name="15 min").click()
    phone.get_by_label("Where you are going (optional)").fill(WALK)
    phone.get_by_role("button", name="Start the timer").click()
    expect(phone.locator("#checkin-state")).to_have_text(
        "Timer started: check in within 15 minutes."
    )
    expect(phone.get_by_role("button", name="I am safe")).to_be_focused()
    shot(phone, "scenario-checkin-started", docs=False)
    timer = running_timer(phone)
    assert timer["note"] == WALK
    due = datetime.fromisoformat(timer["deadline"]) + server.rt.safety.policy.grace

    # Everyone signed in before this point; from here on only the server's clock moves.
    clock.advance_to(due - timedelta(seconds=30))  # past the deadline, inside the grace
    assert server.rt.safety.tick() == 0
    clock.advance_to(due + timedelta(seconds=1))
    assert server.rt.safety.tick() >= 2  # missed, and the ladder's first step: the consoles

    consoles = (colleague, supervisor)
    for page in consoles:
        alarm = page.locator(".alarm.kind-checkin")
        expect(alarm).to_contain_text("MISSED CHECK-IN")
        expect(alarm).to_contain_text(dana.username)
        expect(alarm).to_contain_text(WALK)
        expect(alarm).to_have_attribute("data-phase", "active")
        expect(alarm).to_have_attribute("role", "alert")
        sounding(page, True)
    shot(supervisor, "scenario-missed-checkin", docs=False)

    colleague.locator(".alarm.kind-checkin").get_by_role(
        "button", name="Acknowledge MISSED CHECK-IN"
    ).click()
    for page in consoles:
        expect(page.locator(".alarm.kind-checkin")).to_have_attribute("data-phase", "acknowledged")
        sounding(page, False)

    # The welfare check it raised: where she started the walk, with his description.
    alarm = colleague.locator(".alarm.kind-checkin")
    alarm.get_by_role("button", name="Open incident").click()
    detail = colleague.locator("#detail")
    expect(detail).to_contain_text("Welfare check")
    shows_him(detail, dana)
    shot(colleague, "scenario-missed-checkin-incident", docs=False)

    alarm.get_by_label("Reason to clear the missed check-in").fill("Reached her by phone")
    alarm.get_by_role("button", name="Clear").click()
    for page in consoles:
        expect(page.locator(".alarm.kind-checkin")).to_have_count(0)
    for page in (*consoles, phone):
        no_page_errors(page)


# -- (c) her SOS ----------------------------------------------------------------------------------


def test_c_her_one_tap_sos_sounds_on_every_console_until_a_dispatcher_acknowledges_it(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """One tap on her phone's SOS: a dispatcher's, a call-taker's and a supervisor's consoles
    sound a staff SOS naming her until the dispatcher acknowledges it; its incident, opened
    from the alarm, shows the protective order's caution: his description and vehicles, and
    to verify the order with the court or NCIC."""
    dana = protect_her(server)
    dispatcher = console_page(browser, contexts, server, Role.DISPATCHER)
    calltaker = console_page(browser, contexts, server, Role.CALL_TAKER)
    supervisor = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    phone = her_phone(browser, contexts, server, dana)

    phone.get_by_role("button", name="SOS").click()
    expect(phone.locator("#sos-state")).to_contain_text("Dispatch has been alerted", timeout=6000)
    shot(phone, "scenario-sos-sent", docs=False)

    consoles = (dispatcher, calltaker, supervisor)
    for page in consoles:
        alarm = page.locator(".alarm.kind-sos")
        expect(alarm).to_contain_text("STAFF SOS")
        expect(alarm).to_contain_text(f"{dana.username} via app")
        expect(alarm).to_have_attribute("role", "alert")
        expect(alarm).not_to_have_class(re.compile(r"\bsilent\b"))
        sounding(page, True)
    shot(supervisor, "scenario-sos-alarm", docs=False)

    alarm = dispatcher.locator(".alarm.kind-sos")
    alarm.get_by_role("button", name="Acknowledge STAFF SOS").click()
    for page in consoles:
        expect(page.locator(".alarm.kind-sos")).to_have_attribute("data-phase", "acknowledged")
        sounding(page, False)

    alarm.get_by_role("button", name="Open incident").click()
    detail = dispatcher.locator("#detail")
    expect(detail).to_contain_text("Staff SOS")
    shows_him(detail, dana)
    shot(dispatcher, "scenario-sos-incident-caution", docs=False)
    for page in (*consoles, phone):
        no_page_errors(page)


def set_duress_pin(
    browser: Browser, contexts: list[BrowserContext], server: Server, dana: Dana
) -> str:
    """She signs in once and sets her duress PIN; returns her authenticator's secret."""
    ctx = new_context(browser, contexts, server)
    secret = sign_in(ctx, dana.username, clock=server.clock)
    assert secret is not None
    csrf = ctx.request.get("/api/auth/session").json()["csrf"]
    r = ctx.request.put(
        "/api/safety/me/duress-pin", data={"pin": HER_PIN}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status == 204, r.text()
    ctx.close()
    return secret


def test_c_her_duress_pin_at_the_sign_in_page_looks_normal_and_raises_a_silent_sos(
    browser: Browser, contexts: list[BrowserContext], server: Server, clock: ShiftedClock
) -> None:
    """Made to sign in, she types her duress PIN instead of her password on the sign-in
    page: she gets the usual authenticator step and her console, with no alarm on it and
    nothing in her queue, while a supervisor's and a dispatcher's consoles show a silent
    SOS (marked SILENT, no sound) and its incident."""
    dana = protect_her(server)
    secret = set_duress_pin(browser, contexts, server, dana)
    supervisor = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    colleague = console_page(browser, contexts, server, Role.DISPATCHER)
    # Later that shift: her authenticator shows a code she has not used yet (the server
    # refuses a code twice).
    clock.advance(TOTP_STEP)

    ctx = new_context(browser, contexts, server)
    page = ctx.new_page()
    watch_errors(page)
    page.goto("/login")
    page.get_by_label("Username").fill(dana.username)
    page.get_by_label("Password").fill(HER_PIN)
    page.get_by_role("button", name="Sign in").click()
    code = page.get_by_label("Authenticator code")
    expect(code).to_be_visible()
    expect(page.locator("#error")).to_be_hidden()
    shot(page, "scenario-duress-sign-in", docs=False)
    code.fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    page.wait_for_selector("body[data-conn='live']")

    # Her colleagues: a silent SOS naming her, shown but not sounding.
    (sos,) = [a for a in open_alarms(server) if a["kind"] == "sos"]
    assert sos["silent"] is True
    assert sos["staff_username"] == dana.username
    for console in (supervisor, colleague):
        alarm = console.locator(f"[data-alarm='{sos['key']}']")
        expect(alarm).to_contain_text("STAFF SOS")
        expect(alarm).to_contain_text(f"{dana.username} via duress pin")
        expect(alarm).to_contain_text("SILENT: do not call, text or radio them")
        expect(alarm).to_have_class(re.compile(r"\bsilent\b"))
        expect(alarm).to_have_attribute("data-phase", "active")
        expect(console.locator("body")).to_have_attribute("data-alarms", "1")
        sounding(console, False)
        expect(queue_row(console, sos["incident"])).to_be_visible()
    shot(supervisor, "scenario-silent-sos", docs=False)

    # Hers: an ordinary console. A routine call made now reaches her queue; the live stream
    # is in order, so by then it has brought her everything before it.
    routine = call(
        server,
        "calltaker",
        "POST",
        "/api/incidents",
        {"location": {"text": "1 Marker St", "lon": dana.lot[0], "lat": dana.lot[1]}},
        status=201,
    )
    expect(queue_row(page, routine["id"])).to_be_visible()
    expect(page.locator("#alarms .alarm")).to_have_count(0)
    expect(page.locator("body")).to_have_attribute("data-alarms", "0")
    sounding(page, False)
    expect(queue_row(page, sos["incident"])).to_have_count(0)
    expect(page.locator("#sound")).to_be_hidden()
    shot(page, "scenario-duress-her-console", docs=False)
    for p in (page, supervisor, colleague):
        no_page_errors(p)
