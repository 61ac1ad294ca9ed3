"""Alarms: a staff member's SOS sounds on the consoles until a person acknowledges it, stays
until it is cleared, and reaches a console opened later; a watch alert arrives through the
live stream from a real plate read and sounds until one console acknowledges it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx2
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from emscad.accounts.permissions import Role
from tests.e2e.conftest import (
    PHONE,
    Server,
    console_page,
    new_context,
    no_page_errors,
    shot,
    sign_in,
    watch_errors,
)


def staff_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    west, south, east, north = server.rt.region.manifest.bbox
    ctx = new_context(
        browser,
        contexts,
        server,
        viewport=PHONE,
        geolocation={"latitude": (south + north) / 2, "longitude": (west + east) / 2},
        permissions=["geolocation"],
    )
    sign_in(ctx, server.user(Role.STAFF, prefix="dana"))
    page = ctx.new_page()
    watch_errors(page)
    page.goto("/staff")
    expect(page.get_by_role("button", name="SOS")).to_be_visible()
    return page


def test_a_staff_sos_sounds_on_the_console_until_a_dispatcher_acknowledges_it(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    console = console_page(browser, contexts, server, Role.DISPATCHER)
    staff = staff_page(browser, contexts, server)
    staff.get_by_role("button", name="SOS").click()
    expect(staff.locator("#sos-state")).to_contain_text("Dispatch has been alerted", timeout=6000)
    shot(staff, "staff-sos-sent")

    alarm = console.locator(".alarm.kind-sos")
    expect(alarm).to_be_visible()
    expect(alarm).to_have_attribute("role", "alert")
    expect(alarm).to_contain_text("STAFF SOS")
    expect(alarm).to_contain_text("dana")  # who, from the server's alarm list
    expect(console.locator("body")).to_have_attribute("data-alarm-sounding", "true")
    expect(console.locator(".mk-alarm")).to_have_text("SOS")  # on the map, above everything
    alarm.get_by_role("button", name="Show on map").click()
    console.wait_for_timeout(800)  # the map's zoom animation and its tiles
    shot(console, "console-sos-alarm")

    # Nothing silences it on its own.
    console.wait_for_timeout(2000)
    expect(console.locator("body")).to_have_attribute("data-alarm-sounding", "true")

    # An acknowledgement the server did not record leaves it sounding, and says why.
    def unavailable(route: Route) -> None:
        route.fulfill(
            status=503, content_type="application/problem+json", body='{"detail": "busy"}'
        )

    console.route("**/api/safety/alarms/*/ack", unavailable)
    console.keyboard.press("a")
    expect(alarm.locator("button.ack")).to_be_focused()
    console.keyboard.press("Enter")
    expect(alarm.locator(".error")).to_contain_text("Could not acknowledge: busy")
    expect(console.locator("body")).to_have_attribute("data-alarm-sounding", "true")
    console.unroute("**/api/safety/alarms/*/ack")

    # A person acknowledges: quiet and steady, still on screen until it is cleared.
    acks: list[str] = []
    console.on("request", lambda r: acks.append(r.url) if r.url.endswith("/ack") else None)
    console.keyboard.press("a")
    console.keyboard.press("Enter")
    expect(alarm).to_have_attribute("data-phase", "acknowledged")
    expect(console.locator("body")).to_have_attribute("data-alarm-sounding", "false")
    assert acks
    assert "/api/safety/alarms/sos%3A" in acks[-1]
    sos = next(
        a for a in server.rt.safety.alarms(open_only=True) if a.key in acks[-1].replace("%3A", ":")
    )
    assert sos.acknowledged_by is not None

    # Its incident: the SOS made a priority-1 call at the phone's position.
    alarm.get_by_role("button", name="Open incident").click()
    expect(console.locator("#detail")).to_contain_text("Staff SOS")
    shot(console, "console-sos-acknowledged")

    alarm.get_by_label("Reason to clear the staff sos").fill("Found safe in the lot")
    alarm.get_by_role("button", name="Clear").click()
    expect(console.locator(".alarm.kind-sos")).to_have_count(0)
    expect(console.locator(".mk-alarm")).to_have_count(0)
    no_page_errors(console)
    no_page_errors(staff)


def test_an_sos_raised_before_a_console_opened_is_on_it_and_follows_other_consoles(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    raised = httpx2.post(
        f"{server.url}/api/safety/sos",
        json={"position": {"lon": -92.3, "lat": 34.75, "uncertainty_m": 30}},
        headers=server.api("staffer"),
    )
    assert raised.status_code == 200, raised.text
    key = raised.json()["sos"]
    page = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    alarm = page.locator(f"[data-alarm='{key}']")
    expect(alarm).to_be_visible()
    expect(alarm).to_contain_text("staffer")
    expect(page.locator("body")).to_have_attribute("data-alarm-sounding", "true")
    shot(page, "supervisor-sos-alarm", docs=False)

    # Another console acknowledges, then clears it: this one follows, from the live stream.
    for action, body in (("ack", None), ("clear", {"reason": "handled by phone"})):
        r = httpx2.post(
            f"{server.url}/api/safety/alarms/{key}/{action}",
            json=body,
            headers=server.api("supervisor"),
        )
        assert r.status_code == 200, r.text
        if action == "ack":
            expect(alarm).to_have_attribute("data-phase", "acknowledged")
            expect(page.locator("body")).to_have_attribute("data-alarm-sounding", "false")
    expect(alarm).to_have_count(0)
    no_page_errors(page)


def _watch_alert() -> dict[str, Any]:
    """A synthetic alert with no incident key (the hook's tests): never reaches the server."""
    now = datetime.now(UTC).isoformat()
    key = f"plate:ABC1234:{uuid.uuid4().hex[:8]}"
    return {
        "id": 0,  # synthetic: outside the event log's numbering
        "type": "watch.alert",
        "at": now,
        "actor": "feed",
        "incident": None,
        "unit": None,
        "data": {
            "order": "o1",
            "severity": "high",
            "feed": "plate",
            "key": key,
            "reason": "respondent's plate ABC1234 read at the station 1 lot",
            "at": now,
            "position": {"lon": -92.3, "lat": 34.75, "uncertainty_m": None},
        },
    }


def _his_plate_at_the_station(server: Server) -> dict[str, Any]:
    """A protective order naming a staff member, with Station One as a stay-away zone; then
    a plate reader in its lot reads the respondent's car. Returns the read's answer."""
    station = server.rt.dispatch.stations()[0]
    plate = f"E2E{uuid.uuid4().hex[:4].upper()}"
    order = {
        "number": f"E2E-{uuid.uuid4().hex[:6]}",
        "court": "Pulaski County Circuit Court",
        "issued": "2026-01-05T00:00:00Z",
        "conditions": ["04", "05"],
        "protected": [{"name": "Dana Whitfield"}],
        "respondent": {
            "name": "Marcus Reed",
            "vehicles": [{"plate": plate, "state": "AR", "make": "Honda", "colour": "silver"}],
        },
        "source": "certified copy",
        "zones": [{"label": "Station One", "kind": "workplace", "place": station.id}],
    }
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        made = http.post("/api/orders", json=order, headers=server.api("supervisor"))
        assert made.status_code == 201, made.text
        read = {
            "plate": plate,
            "state": "AR",
            "camera": f"st1-lot-{uuid.uuid4().hex[:4]}",
            "lon": station.lon,
            "lat": station.lat,
            "at": datetime.now(UTC).isoformat(),
            "confidence": 0.94,
        }
        r = http.post("/api/watch/plate-reads", json=read, headers=server.api("admin"))
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
    assert answer["outcome"] == "alert", answer
    return {**answer, "plate": plate}


def test_a_watch_alert_sounds_on_every_console_until_one_acknowledges_it(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    first = console_page(browser, contexts, server, Role.DISPATCHER)
    second = console_page(browser, contexts, server, Role.SUPERVISOR)
    read = _his_plate_at_the_station(server)
    for page in (first, second):
        alarm = page.locator(".alarm.kind-watch")
        expect(alarm).to_contain_text("WATCH ALERT (HIGH)")
        expect(alarm).to_contain_text(f"AR {read['plate']}")
        expect(page.locator(".mk-alarm.kind-watch")).to_have_text("WATCH")
        expect(page.locator("body")).to_have_attribute("data-alarm-sounding", "true")
    shot(first, "console-watch-alert")

    # A console opened now shows it too: it is on the server until acknowledged.
    late = console_page(browser, contexts, server, Role.CALL_TAKER)
    expect(late.locator(".alarm.kind-watch")).to_contain_text("WATCH ALERT (HIGH)")

    first.locator(".alarm.kind-watch").get_by_role(
        "button", name="Acknowledge WATCH ALERT (HIGH)"
    ).click()
    for page in (first, second, late):
        expect(page.locator(".alarm.kind-watch")).to_have_count(0)
        expect(page.locator("body")).to_have_attribute("data-alarm-sounding", "false")
    # Its incident goes on in the queue.
    expect(second.locator(f"text={read['incident']['number']}").first).to_be_visible()
    for page in (first, second, late):
        no_page_errors(page)


def test_a_watch_alert_without_an_alarm_is_dismissed_on_this_console_only(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = console_page(browser, contexts, server, Role.DISPATCHER)
    event = _watch_alert()  # no incident key: nothing on the server to acknowledge
    page.evaluate(
        "(detail) => window.dispatchEvent(new CustomEvent('emscad:test-event', {detail}))", event
    )
    alarm = page.locator(f"[data-alarm='watch:{event['data']['key']}']")
    expect(alarm).to_contain_text("WATCH ALERT (HIGH)")
    alarm.get_by_role("button", name="Acknowledge WATCH ALERT (HIGH)").click()
    expect(alarm).to_have_count(0)
    no_page_errors(page)


def test_the_test_hook_exists_only_when_the_harness_defines_it(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    ctx = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
    contexts.append(ctx)
    sign_in(ctx, server.user(Role.DISPATCHER))
    plain = ctx.new_page()  # no add_init_script: as in production
    plain.goto("/console")
    plain.wait_for_selector("body[data-conn='live']")
    plain.evaluate(
        "(detail) => window.dispatchEvent(new CustomEvent('emscad:test-event', {detail}))",
        _watch_alert(),
    )
    plain.wait_for_timeout(300)
    expect(plain.locator(".alarm.kind-watch")).to_have_count(0)
