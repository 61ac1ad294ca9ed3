"""The dispatcher console in a browser: a call taken and dispatched from the keyboard, then
carried through transport to closing; two consoles seeing each other's changes."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import httpx2
from playwright.sync_api import Browser, BrowserContext, Page, expect

from emscad.accounts.permissions import Role
from emscad.incidents.models import IncidentStatus
from emscad.units.models import UnitStatus
from tests.e2e.conftest import (
    ARTIFACTS,
    FIELD_UNIT,
    Server,
    console_page,
    no_page_errors,
    shot,
)

ADDRESS = "1148 W 29th St"  # an address point of the small synthetic region
COMPLAINT = "chest"  # -> Chest pain, priority 1, needs ALS and a STEMI hospital


def _free_units(server: Server) -> None:
    """Every unit back in quarters, so each test starts from the same board."""
    dispatch = server.rt.dispatch
    for unit in dispatch.units():
        if unit.id == FIELD_UNIT:
            continue  # the field page's test has it
        if unit.incident:
            dispatch.unassign("test", unit.incident, unit.id, reason="test reset")
        if dispatch.unit(unit.id).status is not UnitStatus.AVAILABLE_AT_STATION:
            dispatch.change_status("test", unit.id, UnitStatus.AVAILABLE_AT_STATION)


class Keys:
    """Presses keys on a page and counts them (typing text is not counted)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pressed: list[str] = []

    def press(self, key: str) -> None:
        self.pressed.append(key)
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=15)


def test_a_call_is_taken_and_dispatched_with_six_keys_beyond_the_typing(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    _free_units(server)
    page = console_page(browser, contexts, server)
    keys = Keys(page)

    keys.press("F2")  # new call: the cursor is in the location field
    expect(page.locator("#nc-address")).to_be_focused()
    keys.type(ADDRESS)
    expect(page.locator("#nc-address-list li").first).to_contain_text("W 29th St")
    shot(page, "console-new-call-address")
    keys.press("Enter")  # take the first candidate (preselected)
    expect(page.locator("#nc-located")).to_contain_text("Located: 1148 W 29th St")
    expect(page.locator("#nc-address")).to_have_value(ADDRESS)  # the typed text stays
    keys.press("Tab")
    keys.type(COMPLAINT)
    expect(page.locator("#nc-complaint-list li").first).to_contain_text("Chest pain")
    keys.press("Enter")  # take the first complaint: it sets the priority
    expect(page.locator("#nc-priority")).to_have_value("1")
    keys.press("Control+Enter")  # create the call
    keys.press("d")  # dispatch the top recommended unit

    row = page.locator(".inc-row[aria-current='true']")
    expect(row).to_contain_text("Chest pain")
    expect(row.locator(".status")).to_contain_text("Medic", timeout=5000)
    assert len(keys.pressed) <= 6, keys.pressed
    assert keys.pressed == ["F2", "Enter", "Tab", "Enter", "Control+Enter", "d"]

    incident = server.rt.dispatch.incidents((IncidentStatus.PENDING, IncidentStatus.ACTIVE))[0]
    assert incident.location.text == ADDRESS
    assert incident.location.confidence.value == "address"
    assert incident.chief_complaint == "chest_pain"
    assert incident.priority == 1
    assert len(incident.units) == 1
    page.wait_for_timeout(800)  # the recommendation's refresh, the map's tiles
    shot(page, "console-dispatched")
    no_page_errors(page)


def test_a_call_goes_from_dispatch_through_the_hospital_to_closing(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    _free_units(server)
    page = console_page(browser, contexts, server)
    page.keyboard.press("F2")
    page.keyboard.type("Riverton City Hall", delay=10)
    expect(page.locator("#nc-address-list li").first).to_contain_text("place")
    page.keyboard.press("Enter")
    page.locator("#nc-complaint").fill("fall")
    page.keyboard.press("Enter")
    page.locator("#nc-caller").fill("Dana Smith")
    page.locator("#nc-phone").fill("555-0100")
    page.get_by_role("button", name="Create call").click()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("Dana Smith · 555-0100")
    number = detail.locator(".number").inner_text()

    # Dispatch the top unit with its button, then send the patient to the suggested hospital.
    top = detail.get_by_role("button", name="Dispatch D")
    expect(top).to_be_visible()
    top.click()
    assigned = detail.locator(".assigned li")
    expect(assigned).to_have_count(1)
    call_sign = assigned.locator("strong").inner_text()
    page.keyboard.press("h")
    expect(detail.locator("[aria-label='Destination hospital'] strong")).to_be_visible()
    hospital = detail.locator("[aria-label='Destination hospital'] strong").inner_text()

    # The crew's statuses, changed from the unit board's menu.
    row = page.locator(f"#units tbody tr:has-text('{call_sign}')")
    for status in ("En route", "On scene", "Transporting", "At hospital", "In quarters"):
        row.get_by_role("button", name=f"Change status of {call_sign}").click()
        page.locator("#status-menu").get_by_role("menuitem", name=status).click()
        expect(row.locator(".chip")).to_have_text(status)
        if status == "Transporting":
            shot(page, "console-transporting")
    expect(detail.locator(".assigned li")).to_have_count(0)

    page.keyboard.press("c")
    expect(page.locator("#close-disposition")).to_be_focused()
    page.locator("#close-disposition").select_option("transported")
    page.get_by_role("button", name="Close incident").click()
    expect(detail.locator(".closed-banner")).to_contain_text("Patient transported")
    expect(page.locator(f".inc-row:has-text('{number}')")).to_have_count(0)
    timeline = detail.locator(".timeline")
    expect(timeline).to_contain_text(f"{call_sign} dispatched")
    expect(timeline).to_contain_text(f"Destination set to {hospital}")
    expect(timeline).to_contain_text("Closed: transported")
    shot(page, "console-closed")
    no_page_errors(page)


def _appears(page: Page, selector: str, text: str) -> None:
    """Arm a watcher: window.__seen turns true when `text` shows inside `selector`."""
    page.evaluate(
        """([selector, text]) => {
            window.__seen = false;
            const check = () => {
                const el = document.querySelector(selector);
                if (el && el.textContent.includes(text)) window.__seen = true;
            };
            const all = {subtree: true, childList: true, characterData: true};
            new MutationObserver(check).observe(document.body, all);
            check();
        }""",
        [selector, text],
    )


def _latency_ms(act: Callable[[], None], watcher: Page) -> float:
    """From the key press on one page to the change showing on the other, timed here (the
    pages' own clocks can disagree by a few hundred milliseconds), so it is an upper bound:
    it includes Playwright's round trips and a 10 ms polling step."""
    t0 = time.perf_counter()
    act()
    watcher.wait_for_function("() => window.__seen === true", polling=10, timeout=5000)
    return (time.perf_counter() - t0) * 1000


def test_two_consoles_see_each_others_changes_within_half_a_second(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    _free_units(server)
    a = console_page(browser, contexts, server, Role.CALL_TAKER)
    b = console_page(browser, contexts, server, Role.DISPATCHER)
    latencies: list[float] = []
    for i in range(5):
        text = f"{100 + i} W 29th St"
        # A takes a call (through its own form); B's queue shows it.
        _appears(b, "#queue", text)
        a.locator("#nc-address").fill(text)
        a.locator("#nc-complaint").fill(f"Test call {i}")
        latencies.append(_latency_ms(lambda: a.keyboard.press("Control+Enter"), b))
        # B adds a note; A's detail shows it (A selected the call it created).
        expect(a.locator("#detail")).to_contain_text(text)
        number = a.locator("#detail .number").inner_text()
        b.locator(f".inc-row:has-text('{number}')").click()
        expect(b.locator("#detail .number")).to_have_text(number)
        note = f"note {i} from B"
        _appears(a, "#detail .notes", note)
        b.locator("#note-text").fill(note)
        latencies.append(_latency_ms(lambda: b.keyboard.press("Enter"), a))
    median, worst = statistics.median(latencies), max(latencies)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "two-consoles-latency.json").write_text(
        json.dumps({"median_ms": median, "worst_ms": worst, "all_ms": latencies}, indent=1)
    )
    assert worst < 500, latencies
    shot(a, "console-two-consoles-a", docs=False)
    shot(b, "console-two-consoles-b", docs=False)
    no_page_errors(a)
    no_page_errors(b)


def test_a_console_misses_nothing_across_a_dropped_stream(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """The stream ends (as when the server refused it for a moment); the console reopens it
    from the last event it applied and every note written meanwhile arrives exactly once.
    (EventSource's own reconnection sends Last-Event-ID, which the server answers the same
    way: tests/integration/api/test_stream.py.)"""
    page = console_page(browser, contexts, server)
    incident = httpx2.post(
        f"{server.url}/api/incidents",
        json={"location": {"text": "9 Test St", "lon": -92.3, "lat": 34.75}, "priority": 4},
        headers=server.api("calltaker"),
    ).json()
    page.locator(f".inc-row:has-text('{incident['number']}')").click()
    page.evaluate("window.__EMSCAD_CONSOLE__.live.source.close()")
    for i in range(3):
        r = httpx2.post(
            f"{server.url}/api/incidents/{incident['id']}/notes",
            json={"text": f"while away {i}"},
            headers=server.api("calltaker"),
        )
        assert r.status_code == 201
    page.evaluate("window.__EMSCAD_CONSOLE__.live.reopen()")
    expect(page.locator("body")).to_have_attribute("data-conn", "live")
    notes = page.locator("#detail .notes li")
    expect(notes).to_have_count(3)
    # Replaying old events (as a reconnect that resent them would) changes nothing.
    page.evaluate(
        """async () => {
            const c = window.__EMSCAD_CONSOLE__;
            const old = await (await fetch('/api/events?after=0&limit=1000')).json();
            for (const ev of old) c.live.deliver(ev);
        }"""
    )
    expect(notes).to_have_count(3)
    texts = notes.all_inner_texts()
    assert [t[-len("while away 0") :] for t in texts] == [f"while away {i}" for i in range(3)]
    no_page_errors(page)


def test_the_new_call_form_shows_the_cautions_and_calls_a_number_already_has(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """Typing the caller's number brings up, before the call is created, the protective
    order it is on and the earlier call from it; clearing the form clears them."""
    number = "+15015550977"
    order = {
        "number": "E2E-HISTORY-1",
        "court": "Pulaski County Circuit Court",
        "issued": "2026-01-05T00:00:00Z",
        "conditions": ["05"],
        "protected": [{"name": "Robin Vale"}],
        "respondent": {"name": "Corey Vale", "phones": [number]},
        "source": "certified copy",
    }
    earlier = {"location": {"text": "12 Quiet Lane"}, "caller": {"phone": number}, "priority": 3}
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        made = http.post("/api/orders", json=order, headers=server.api("supervisor"))
        assert made.status_code == 201, made.text
        taken = http.post("/api/incidents", json=earlier, headers=server.api("calltaker"))
        assert taken.status_code == 201, taken.text
    page = console_page(browser, contexts, server)
    page.keyboard.press("F2")
    page.locator("#nc-phone").fill("501-555-0977")
    history = page.locator("#nc-history")
    expect(history).to_be_visible()
    expect(history.locator(".caution.sev-high")).to_contain_text("protective-order")
    expect(history.locator(".caution")).to_contain_text("Verify with the court or NCIC")
    expect(history).to_contain_text(f"1 earlier from this number; last {taken.json()['number']}")
    shot(page, "console-new-call-history")
    page.locator("#nc-clear").click()
    expect(history).to_be_hidden()
    no_page_errors(page)
