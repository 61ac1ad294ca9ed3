"""Sign-in with a second factor, the supervisor view, the field unit's and the staff
member's phone pages, and basic accessibility on every page."""

from __future__ import annotations

import time

import httpx2
import pyotp
from playwright.sync_api import Browser, BrowserContext, Route, expect

from emscad.accounts.permissions import Role
from emscad.incidents.models import Severity
from emscad.notify.models import ChannelKind, Kind, Recipient, new_notification
from emscad.units.models import UnitStatus
from tests.e2e.conftest import (
    DESKTOP,
    FIELD_UNIT,
    PASSWORD,
    PHONE,
    Server,
    accessibility_basics,
    console_page,
    new_context,
    no_horizontal_scroll,
    no_page_errors,
    shot,
    sign_in,
    watch_errors,
)


def test_a_dispatcher_signs_in_with_password_and_authenticator(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    username = server.user(Role.DISPATCHER)
    page = new_context(browser, contexts, server).new_page()
    watch_errors(page)
    page.goto("/console")  # not signed in: sent to the sign-in page
    expect(page).to_have_url(f"{server.url}/login?next=/console")
    accessibility_basics(page, tabs=2)  # username is focused; password, then Sign in
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, "login")
    page.get_by_role("button", name="Sign in").click()

    # First sign-in: set up the authenticator from the key shown (as text).
    key = page.get_by_label("Key")
    expect(key).not_to_have_value("")
    secret = key.input_value().replace(" ", "")
    expect(page.get_by_label("Or the set-up link (otpauth URI)")).to_have_value(
        f"otpauth://totp/emscad:{username}?secret={secret}&issuer=emscad"
    )
    totp = pyotp.TOTP(secret)
    shot(page, "login-enrol")
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{server.url}/console")
    page.wait_for_selector("body[data-conn='live']")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # A code is accepted once: the next one (one step of clock drift is allowed).
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#error")).to_contain_text("not right")
    page.get_by_label("Authenticator code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{server.url}/console")
    page.wait_for_selector("body[data-conn='live']")
    no_page_errors(page)


def test_the_console_is_labelled_and_shows_its_shortcuts(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = console_page(browser, contexts, server)
    accessibility_basics(page, tabs=6)
    page.locator("#detail").focus()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    shot(page, "console-help")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    no_page_errors(page)


def test_a_supervisor_puts_a_hospital_on_diversion(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    accessibility_basics(page)
    hospital = server.rt.dispatch.hospitals()[0]
    row = page.locator("#hospitals li", has_text=hospital.name)
    row.get_by_label(f"Reason for {hospital.name}").fill("ED full")

    def late_answer(route: Route) -> None:
        # The answer comes after the live event has updated the page, every time.
        response = route.fetch()
        time.sleep(0.8)
        route.fulfill(response=response)

    page.route("**/api/hospitals/*/diversion", late_answer)
    row.get_by_role("button", name="Go on diversion").click()
    expect(row.locator(".state")).to_have_text("ON DIVERSION: ED full")
    # The confirmation says what was done, though the live event arrived first.
    expect(page.locator("#toasts")).to_contain_text(f"{hospital.name}: on diversion")
    expect(page.locator(".mk-hospital.diversion")).to_have_count(1)
    assert server.rt.dispatch.hospitals()[0].diversion
    expect(page.locator("#roster")).to_contain_text("On the roster")
    shot(page, "supervisor")
    row.get_by_role("button", name="End diversion").click()
    expect(row.locator(".state")).to_have_text("Open")
    expect(page.locator("#toasts")).to_contain_text(f"{hospital.name}: open again")
    no_page_errors(page)


def test_a_supervisor_sees_an_alert_that_did_not_go_out_and_why(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    # This server has no mail server set up: an email alert fails for good, with the reason;
    # the console alert beside it goes out and is not listed.
    now = server.rt.clock.now()
    for channel, address in ((ChannelKind.EMAIL, "dee@example.org"), (ChannelKind.CONSOLE, "*")):
        server.rt.deliveries.enqueue(
            new_notification(
                id=f"e2e-{channel.value}",
                created_at=now,
                kind=Kind.SOS,
                severity=Severity.HIGH,
                recipient=Recipient(user="", name="dee", address=address),
                channel=channel,
                subject="STAFF SOS: test",
                body="",
                alarm="sos:e2e",
            )
        )
    assert server.rt.outbox.worker.run_once() == 2  # what the server's outbox does
    page = console_page(browser, contexts, server, Role.SUPERVISOR, "/supervisor")
    row = page.locator("#deliveries li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("SOS alert to dee by email")
    expect(row.locator(".state")).to_have_text("FAILED")
    expect(row.locator(".error")).to_have_text("the email channel is not set up")
    expect(row).to_contain_text("dee@example.org")
    expect(page.locator("#deliveries-count")).to_have_text("(1)")
    expect(page.locator("#deliveries-empty")).to_be_hidden()
    shot(page, "supervisor-deliveries")
    no_page_errors(page)


def test_a_field_unit_sees_its_assignment_changes_status_and_reports_its_position(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    dispatch = server.rt.dispatch
    dispatch.change_status("test", FIELD_UNIT, UnitStatus.AVAILABLE)
    here = server.rt.geocoder.search("1148 W 29th St", limit=1)[0]
    hospital = dispatch.hospitals()[0]
    created = httpx2.post(
        f"{server.url}/api/incidents",
        json={
            "location": {"text": "1148 W 29th St", "lon": here.lon, "lat": here.lat},
            "chief_complaint": "fall",
            "cautions": [{"kind": "Dog", "text": "Large dog in the yard", "severity": "high"}],
        },
        headers=server.api("calltaker"),
    ).json()
    for method, path, body in (
        ("POST", f"/api/incidents/{created['id']}/units", {"unit": FIELD_UNIT}),
        ("PUT", f"/api/incidents/{created['id']}/destination", {"hospital": hospital.id}),
    ):
        r = httpx2.request(
            method, f"{server.url}{path}", json=body, headers=server.api("dispatcher")
        )
        assert r.status_code == 200, r.text

    ctx = new_context(
        browser,
        contexts,
        server,
        viewport=PHONE,
        geolocation={"latitude": here.lat + 0.001, "longitude": here.lon},
        permissions=["geolocation"],
    )
    sign_in(ctx, server.user(Role.FIELD_UNIT, unit=FIELD_UNIT))
    page = ctx.new_page()
    watch_errors(page)
    page.goto("/field")
    page.wait_for_selector("body[data-conn='live']")
    expect(page.locator("#status-chip")).to_have_text("Dispatched")
    assignment = page.locator("#assignment")
    expect(assignment).to_contain_text(created["number"])
    expect(assignment).to_contain_text("1148 W 29th St")
    expect(assignment).to_contain_text("HIGH CAUTION")
    expect(assignment).to_contain_text(hospital.name)
    nav = page.get_by_role("link", name="Navigate (maps app): 1148 W 29th St")
    assert (nav.get_attribute("href") or "").startswith(f"geo:{here.lat},{here.lon}")
    accessibility_basics(page)
    no_horizontal_scroll(page)

    page.get_by_role("button", name="En route").click()
    expect(page.locator("#status-chip")).to_have_text("En route")
    assert dispatch.unit(FIELD_UNIT).status is UnitStatus.EN_ROUTE
    page.wait_for_selector("body[data-avl-sent]", timeout=5000)
    position = dispatch.unit(FIELD_UNIT).position
    assert position is not None
    assert abs(position.lat - (here.lat + 0.001)) < 1e-6
    shot(page, "field")
    no_page_errors(page)


def test_the_staff_page_works_at_phone_width(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    ctx = new_context(browser, contexts, server, viewport=PHONE)
    sign_in(ctx, server.user(Role.STAFF))
    page = ctx.new_page()
    watch_errors(page)
    page.goto("/staff")
    sos = page.get_by_role("button", name="SOS")
    expect(sos).to_be_visible()
    box = sos.bounding_box()
    assert box is not None
    assert box["height"] >= 150
    assert box["width"] >= 300
    accessibility_basics(page)
    no_horizontal_scroll(page)
    shot(page, "staff")

    # A press by mistake is cancelled within the countdown: nothing is sent.
    open_before = len(server.rt.safety.alarms(open_only=True))
    sos.click()
    expect(page.locator("#sos-countdown")).to_be_visible()
    page.get_by_role("button", name="Cancel: I pressed by mistake").click()
    expect(page.locator("#sos-state")).to_contain_text("cancelled")
    page.wait_for_timeout(3500)  # past the moment it would have been sent
    assert len(server.rt.safety.alarms(open_only=True)) == open_before

    # A check-in timer: started, then ended as safe.
    page.get_by_role("button", name="15 min").click()
    page.get_by_label("Where you are going (optional)").fill("walking to my car")
    page.get_by_role("button", name="Start the timer").click()
    expect(page.locator("#checkin-left")).to_contain_text("left")
    expect(page.locator("#checkin-left")).to_contain_text("14:5")
    page.reload()  # the running timer survives a reload
    expect(page.locator("#checkin-left")).to_contain_text("left")
    shot(page, "staff-checkin", docs=False)
    page.get_by_role("button", name="I am safe").click()
    expect(page.locator("#checkin-state")).to_contain_text("Checked in as safe")

    page.get_by_label("Where to meet").fill("Station 1, back door")
    page.get_by_role("button", name="Request an escort").click()
    expect(page.locator("#escort-state")).to_contain_text("Escort requested")

    # A server without the safety layer: the page says so, and what to do instead.
    page.route("**/api/safety/sos", lambda route: route.fulfill(status=404, body="{}"))
    sos.click()
    expect(page.locator("#sos-state")).to_contain_text("not available yet", timeout=6000)
    expect(page.locator("#sos-state")).to_contain_text("Call 911")
    no_page_errors(page)


def test_each_role_lands_on_its_own_page(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    for role, unit, home in (
        (Role.CALL_TAKER, None, "/console"),
        (Role.FIELD_UNIT, FIELD_UNIT, "/field"),
        (Role.STAFF, None, "/staff"),
    ):
        ctx = new_context(browser, contexts, server, viewport=DESKTOP)
        sign_in(ctx, server.user(role, unit=unit))
        page = ctx.new_page()
        page.goto("/login")
        expect(page).to_have_url(f"{server.url}{home}")
