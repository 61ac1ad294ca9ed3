"""The issue's scenario, end to end, through the HTTP API of a real running server.

Dana, a dispatcher, has an active protective order against Marcus, a former employee: stay
away from her home and from Station One, no contact; his photo and two vehicles are on file.
It is 17:20 in Little Rock and her shift ends at 17:30. He was fired weeks ago.

(a) A plate reader at the Station One lot reads one of his plates.
(b) She walks to her car with a check-in timer and misses it.
(c) She raises an SOS: one tap, an "SOS" text, or her silent duress PIN at sign-in.

Time is the server's injected clock: the tests move it and run the safety ticker
themselves, as the server's background worker would every second. Wall time is measured only
for what the issue sets: the alert on the consoles' live streams within a second.

The tests at the end pin details the scenario depends on that were once wrong; each
docstring says what broke.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from emscad.storage.db import Database
from tests.factories.api import start
from tests.factories.scenario import (
    CAR,
    CONSOLES,
    HER,
    HER_MOBILE,
    HER_NAME,
    HER_PASSWORD,
    HER_PIN,
    HIM,
    HIS_DESCRIPTION,
    HIS_NAME,
    LOCAL,
    Arrival,
    LiveStreams,
    Scene,
    Stream,
    local,
    offset,
    recipients,
    set_the_scene,
    step_of,
)
from tests.factories.server import serving

ALERT_WITHIN_S = 1.0  # the figure, from the request to the event on a console
CONSOLES_TARGET = {"audience": "consoles", "id": ""}
Match = Callable[[Arrival], bool]


@pytest.fixture
def scene(database: Database, tmp_path: Path) -> Iterator[Scene]:
    rt, clock = start(tmp_path / "home", database)
    with serving(rt) as url, LiveStreams(url) as live:
        s = set_the_scene(url, rt, clock, live)
        yield s
        s.http.close()
    rt.close()


# -- small helpers -------------------------------------------------------------------------------


def event(kind: str, **data: object) -> Match:
    """An event of this type whose data has these values."""

    def match(a: Arrival) -> bool:
        return a.type == kind and all(a.data.get(k) == v for k, v in data.items())

    return match


def on_incident(incident_id: str) -> Match:
    return lambda a: a.event.get("incident") == incident_id


def every_console_gets(
    consoles: dict[str, Stream], what: Match, *, label: str, sent: float | None = None
) -> dict[str, Arrival]:
    """Each console's copy of the event; within the issue's second of `sent` when given."""
    got = {
        name: stream.wait_for(what, timeout=10 * ALERT_WITHIN_S, label=label)
        for name, stream in consoles.items()
    }
    if sent is not None:
        late = {n: round(a.at - sent, 3) for n, a in got.items() if a.at - sent > ALERT_WITHIN_S}
        assert not late, f"{label} took longer than {ALERT_WITHIN_S} s to reach {late}"
    return got


def shows_him(s: Scene, incident: dict[str, Any]) -> None:
    """Responders see the order's caution with his description and vehicles, and him as a
    suspect, and are told to verify the order."""
    (caution,) = [
        c for c in incident["cautions"] if c["source"] == f"protective-order:{s.order['id']}"
    ]
    assert caution["kind"] == "protective-order"
    assert caution["severity"] == "high"
    for part in HIS_DESCRIPTION:
        assert part in caution["text"], part
    assert "04 stay away" in caution["text"]
    assert "05 no communication" in caution["text"]
    assert "Verify with the court or NCIC before acting." in caution["text"]
    # The caution names the order only by reference: never her, her phone or her home.
    assert HER_NAME not in caution["text"]
    assert "60DR-26-1187" not in caution["text"]
    suspects = [p for p in incident["persons"] if p["role"] == "Suspect"]
    assert HIS_NAME in {p["name"] for p in suspects}
    assert any("XYZ 789" in p["description"] for p in suspects)


def police_first(s: Scene, incident_id: str) -> None:
    """The recommendation asks for police first, and the nearest police unit is p1."""
    rec = s.recommendation(incident_id)
    assert rec["requirement"]["capabilities"] == ["police"]
    assert [u["unit"] for u in rec["units"]][:1] == ["p1"]


def sos_alarm(s: Scene, key: str, who: str = "supervisor") -> dict[str, Any]:
    alarms: list[dict[str, Any]] = s.get(who, "/api/safety/alarms")
    (alarm,) = [a for a in alarms if a["key"] == key]
    return alarm


def climbs_the_ladder(
    s: Scene, consoles: dict[str, Stream], key: str, *, kind: str, raiser: str
) -> None:
    """Nobody acknowledges: at +60 s the supervisors, at +120 s everyone on duty; then no
    further step. Every step reaches every console's stream and queues notifications."""
    alarm_id = key.partition(":")[2]
    escalated = f"{kind}.escalated"  # kind: "sos" or "checkin", also the event's id field
    on_duty = {s.users[u] for u in ("calltaker", "dispatcher2", "supervisor", "supervisor2")}

    assert s.tick(seconds=59) == 0  # not yet
    assert s.tick(seconds=1) == 1
    every_console_gets(
        consoles, event(escalated, level=1, **{kind: alarm_id}), label="the supervisor step"
    )
    notes = s.notifications(key)
    assert recipients(notes, step=1) == {s.users["supervisor"], s.users["supervisor2"]}

    assert s.tick(seconds=60) == 1
    step = every_console_gets(
        consoles, event(escalated, level=2, **{kind: alarm_id}), label="the on-duty step"
    )
    assert next(iter(step.values())).data["targets"] == [{"audience": "on_duty", "id": ""}]
    notes = s.notifications(key)
    assert recipients(notes, step=2) == on_duty
    # Never the person in trouble, never anyone off duty, never him.
    for who in (raiser, "nightsup", HIM):
        assert s.users[who] not in recipients(notes)

    assert s.tick(seconds=600) == 0  # the top of the ladder: it stays there until answered


def acknowledged_everywhere(
    s: Scene,
    consoles: dict[str, Stream],
    key: str,
    *,
    by: str,
    raiser: str,
    silent: bool = False,
) -> None:
    """The raiser cannot acknowledge their own alarm (a silent one does not exist for
    them); a colleague can, every console hears it, the escalation stops, and the alarm's
    notifications carry who took it."""
    kind, _, alarm_id = key.partition(":")
    s.call(raiser, "POST", f"/api/safety/alarms/{key}/ack", status=404 if silent else 403)
    taken = s.post(by, f"/api/safety/alarms/{key}/ack")
    # An SOS says "acknowledged"; a welfare alert stays "missed" until resolved.
    assert taken["phase"] == ("acknowledged" if kind == "sos" else "missed")
    assert taken["acknowledged_by"] == s.users[by]
    every_console_gets(
        consoles, event(f"{kind}.acknowledged", human=True, **{kind: alarm_id}), label="the ack"
    )
    assert s.tick(seconds=300) == 0
    assert {n.acknowledged_by for n in s.notifications(key)} == {by}


def audited(s: Scene, *actions: str) -> list[dict[str, Any]]:
    """The audit trail holds these actions and its hash chain is intact."""
    trail = s.audit()
    missing = set(actions) - {a["action"] for a in trail}
    assert not missing, f"not on the audit trail: {sorted(missing)}"
    verdict = s.audit_intact()
    assert verdict["ok"] is True, verdict
    assert verdict["records"] == len(trail)
    return trail


def on_timeline(lines: list[str], *expected: str) -> None:
    """Each expected text starts some line of the timeline."""
    for text in expected:
        assert any(line.startswith(text) for line in lines), f"{text!r} not in {lines}"


# -- (a) the plate reader ------------------------------------------------------------------------


def test_a_his_plate_at_the_station_lot_alerts_her_and_the_supervisors_within_a_second(
    scene: Scene,
) -> None:
    s = scene
    order = s.order
    assert s.clock.now().astimezone(LOCAL).strftime("%H:%M") == "17:20"

    # He was fired: one action closes every door he had, an open live stream included.
    his = s.watch(HIM)[HIM]
    assert his.status == 200
    s.get(HIM, "/api/safety/me")
    fired = s.terminate_him()
    assert fired["disabled"] is True
    his.wait_ended(timeout=5)
    s.call(HIM, "GET", "/api/safety/me", status=401)
    s.call(HIM, "GET", "/api/stream", status=401)
    no_entry = s.get("supervisor", f"/api/orders/{fired['watch_order']}")
    assert no_entry["active"] is True
    assert no_entry["respondent"]["name"] == HIS_NAME
    assert {v["plate"] for v in no_entry["respondent"]["vehicles"]} == {"ABC-1234", "XYZ 789"}

    # Before anything happens, her check-out offers an escort without insisting.
    assert s.get(HER, "/api/safety/me/shift-end")["offer"]["escort"] == "offered"

    consoles = s.watch(HER, "supervisor", "supervisor2", "nightsup")
    sent = time.monotonic()
    read = s.plate_read(CAR, s.lot)
    assert read["outcome"] == "alert"
    assert order["id"] in read["orders"]

    arrivals = every_console_gets(
        {n: consoles[n] for n in (HER, "supervisor", "supervisor2")},
        event("watch.alert", order=order["id"], severity="high"),
        label="the watch alert",
        sent=sent,
    )
    alert = arrivals[HER].data
    assert "AR XYZ 789 (silver Honda Civic)" in alert["reason"]
    assert "st1-lot-east" in alert["reason"]
    assert alert["targets"] == [
        {"audience": "user", "id": s.users[HER]},
        {"audience": "role", "id": "supervisor"},
    ]
    # Every console that may read orders shows it, the off-duty supervisor's included.
    consoles["nightsup"].wait_for(event("watch.alert", order=order["id"]))

    # What the dispatcher reads about him: the order (an audited view) and the incident.
    seen = s.get(HER, f"/api/orders/{order['id']}")
    assert seen["respondent"]["name"] == HIS_NAME
    assert seen["respondent"]["photo_ref"] == "photo:60DR-26-1187"
    assert [v["plate"] for v in seen["respondent"]["vehicles"]] == ["ABC-1234", "XYZ 789"]

    incident = s.incident(read["incident"]["id"])
    assert incident["source"] == "watch"
    assert incident["priority"] == 1
    assert incident["chief_complaint"] == "watch_alert"
    assert (incident["location"]["lon"], incident["location"]["lat"]) == s.lot
    # Named after Station One's zone (the order's label or the station's name).
    assert incident["location"]["text"].startswith("Plate reader st1-lot-east at Station ")
    shows_him(s, incident)
    assert incident["notes"][0]["text"].startswith("Police response")

    # A police response: the recommendation asks for police first, and has one.
    police_first(s, incident["id"])

    # Notifications: her and every on-duty supervisor; not the night supervisor, not him.
    notes = s.notifications(alert["incident_key"])
    reached = recipients(notes)
    assert {s.users[HER], s.users["supervisor"], s.users["supervisor2"]} <= reached
    assert s.users["nightsup"] not in reached
    assert s.users[HIM] not in reached
    for n in notes:
        assert n.severity.value == "high"
        assert n.kind.value == "watch"
        assert HIS_NAME in n.body
        assert "AR XYZ 789 (silver Honda Civic)" in n.body
    channels = {(n.recipient.user, n.channel.value) for n in notes}
    assert {(s.users[HER], "sms"), (s.users[HER], "console")} <= channels
    assert (s.users["supervisor"], "email") in channels

    # Her check-out now urges an escort, and a five-minute timer.
    offer = s.get(HER, "/api/safety/me/shift-end")["offer"]
    assert offer["escort"] == "strongly_recommended"
    assert offer["timer_minutes"] == 5
    assert offer["recent_alerts"] >= 1

    # The alert sounds on every console until a person says "I have it", a reloaded
    # console included: the server lists it with the alarms.
    # Two orders name him (the court's and his no-entry watch): two alert events, one alarm,
    # keyed by the first event's number.
    alerts = [e["id"] for e in s.events("watch.alert")]
    assert len(alerts) == 2
    key = f"watch:{min(alerts)}"
    (listed,) = [a for a in s.get("supervisor2", "/api/safety/alarms") if a["kind"] == "watch"]
    assert (listed["key"], listed["alarm"], listed["phase"]) == (
        key,
        alert["incident_key"],
        "active",
    )
    s.call("medic1", "POST", f"/api/safety/alarms/{key}/ack", status=403)
    s.call("supervisor", "POST", "/api/safety/alarms/watch:1/ack", status=404)
    s.call("supervisor", "POST", f"/api/safety/alarms/watch:{'9' * 40}/ack", status=404)
    taken = s.post("supervisor", f"/api/safety/alarms/{key}/ack")
    assert (taken["phase"], taken["acknowledged_by"]) == ("acknowledged", s.users["supervisor"])
    every_console_gets(
        {n: consoles[n] for n in (HER, "supervisor", "supervisor2")},
        event("watch.acknowledged", alarm=alert["incident_key"]),
        label="the acknowledgement",
    )
    again = s.post("supervisor2", f"/api/safety/alarms/{key}/ack")
    assert again["acknowledged_by"] == s.users["supervisor"]  # the first one stands
    assert [a for a in s.get("supervisor2", "/api/safety/alarms") if a["kind"] == "watch"] == []
    assert {n.acknowledged_by for n in s.notifications(alert["incident_key"])} == {"supervisor"}

    # The same camera reads him again a minute later: no second alert, no second incident.
    s.clock.advance(timedelta(seconds=60))
    again = s.plate_read(CAR, s.lot)
    assert again["outcome"] == "duplicate"
    assert again["incident"] is None

    on_timeline(
        s.timeline(incident["id"]),
        f"Incident {incident['number']} created: watch_alert, P1, at Plate reader st1-lot-east",
        "Note: Police response: Respondent's vehicle AR XYZ 789 (silver Honda Civic)",
        "Incident raised for watch alarm",
        "Watch alert acknowledged by supervisor",
    )
    audited(
        s,
        "watch.acknowledged",
        "staff.saved",
        "order.created",
        "read.order",
        "user.disabled",
        "access.revoked",
        "watch.alert",
        "incident.created",
        "safety.incident_linked",
    )


# -- (b) the check-in timer ----------------------------------------------------------------------


def test_b_a_missed_check_in_raises_a_welfare_alert_that_escalates(scene: Scene) -> None:
    s = scene
    s.terminate_him()
    s.clock.set(local(s.clock.now(), 17, 31))  # she has clocked out and walks to her car
    offer = s.get(HER, "/api/safety/me/shift-end")["offer"]
    assert offer["escort"] == "offered"
    consoles = s.watch(HER, "dispatcher2", "supervisor", "supervisor2")
    lon, lat = offset(*s.lot, east_m=15, north_m=0)
    timer = s.post(
        HER,
        "/api/safety/checkins",
        {
            "minutes": offer["timer_minutes"],
            "note": "walking to my car",
            "position": {"lon": lon, "lat": lat, "uncertainty_m": 12},
        },
        status=201,
    )
    key = timer["key"]
    assert timer["phase"] == "running"
    assert s.get(HER, "/api/safety/me")["alarms"][0]["key"] == key

    # She does not check in. At the deadline, and inside the minute's grace: nothing yet.
    assert s.tick(seconds=5 * 60) == 0
    assert s.tick(seconds=59) == 0
    sent = time.monotonic()
    assert s.tick(seconds=1) >= 2
    every_console_gets(
        {n: consoles[n] for n in ("supervisor", "supervisor2", "dispatcher2")},
        event("checkin.missed", checkin=timer["id"]),
        label="the welfare alert",
        sent=sent,
    )
    first = every_console_gets(
        consoles,
        event("checkin.escalated", checkin=timer["id"], level=0),
        label="the welfare alarm",
        sent=sent,
    )
    assert CONSOLES_TARGET in first["supervisor"].data["targets"]

    alarm = sos_alarm(s, key)
    assert alarm["phase"] == "missed"
    assert alarm["staff_username"] == HER
    incident = s.incident(alarm["incident"], who="supervisor")
    assert incident["chief_complaint"] == "welfare_check"
    assert incident["source"] == "staff_sos"
    assert incident["priority"] == 1  # an order protects her: treated as an SOS
    assert (incident["location"]["lon"], incident["location"]["lat"]) == (lon, lat)
    assert incident["location"]["uncertainty_m"] == 12
    shows_him(s, incident)
    notes = s.notifications(key)
    # The consoles and the dispatchers at once: not her own console, although she is one.
    assert recipients(notes, step=0) == {"*", s.users["dispatcher2"]}

    climbs_the_ladder(s, consoles, key, kind="checkin", raiser=HER)
    acknowledged_everywhere(s, consoles, key, by="supervisor", raiser=HER)

    # She answers her phone: she checks in late; the supervisor resolves the alert.
    late = s.post(HER, f"/api/safety/checkins/{timer['id']}/safe", {})
    assert late["safe_at"] is not None
    resolved = s.post("supervisor", f"/api/safety/alarms/{key}/clear", {"reason": "spoke to her"})
    assert resolved["phase"] == "resolved"

    on_timeline(
        s.timeline(incident["id"]),
        "Check-in timer started by dispatcher",
        "Check-in missed (due 22:36:00 UTC): welfare alert",
        "Welfare alert step 1: consoles, dispatcher",
        "Welfare alert step 2: supervisor",
        "Welfare alert step 3: on duty",
        "Welfare alert acknowledged by supervisor",
        "Checked in as safe (after the welfare alert)",
        "Welfare alert resolved by supervisor: spoke to her",
        f"Incident {incident['number']} created: welfare_check, P1",
        "Incident raised for checkin alarm",
    )
    audited(
        s,
        "checkin.started",
        "checkin.missed",
        "checkin.escalated",
        "checkin.acknowledged",
        "checkin.safe",
        "checkin.resolved",
        "incident.created",
        "notification.acknowledged",
    )


# -- (c) her SOS, three ways ---------------------------------------------------------------------


def sos_goes_out(
    s: Scene, consoles: dict[str, Stream], sos_id: str, *, sent: float | None, silent: bool
) -> dict[str, Any]:
    """The alarm reaches every console within a second; its top-priority incident shows
    responders the order and him. Returns the incident, as a colleague reads it."""
    raised = every_console_gets(
        consoles, event("sos.raised", sos=sos_id), label="the SOS", sent=sent
    )
    assert all(a.data["silent"] is silent for a in raised.values())
    first = every_console_gets(
        consoles, event("sos.escalated", sos=sos_id, level=0), label="the SOS alarm", sent=sent
    )
    for arrival in first.values():
        assert CONSOLES_TARGET in arrival.data["targets"]
    key = f"sos:{sos_id}"
    alarm = sos_alarm(s, key)
    assert alarm["phase"] == "active"
    assert alarm["silent"] is silent
    assert alarm["staff_username"] == HER
    incident = s.incident(alarm["incident"], who="dispatcher2")
    assert incident["chief_complaint"] == "staff_sos"
    assert incident["source"] == "staff_sos"
    assert incident["priority"] == 1
    assert incident["caller"]["name"] == HER_NAME
    assert any(p["role"] == "Victim" and p["name"] == HER_NAME for p in incident["persons"])
    shows_him(s, incident)
    notes = s.notifications(key)
    assert "*" in recipients(notes, step=0)  # every console's alarm
    assert s.users["dispatcher2"] in recipients(notes, step=0)
    assert s.users[HER] not in recipients(notes)
    return incident


def test_c1_one_tap_sos_creates_a_located_incident_and_alarms_every_console(
    scene: Scene,
) -> None:
    s = scene
    s.terminate_him()
    consoles = s.watch(*CONSOLES)
    lon, lat = offset(*s.lot, east_m=20, north_m=-10)  # her phone, in the lot
    sent = time.monotonic()
    answer = s.post(
        HER, "/api/safety/sos", {"position": {"lon": lon, "lat": lat, "uncertainty_m": 18}}
    )
    assert answer["ok"] is True
    assert "help" in answer["message"].lower()
    key = answer["sos"]
    sos_id = key.partition(":")[2]

    incident = sos_goes_out(s, consoles, sos_id, sent=sent, silent=False)
    assert answer["incident"] == incident["number"]
    location = incident["location"]
    assert (location["lon"], location["lat"]) == (lon, lat)
    assert location["uncertainty_m"] == 18
    assert location["confidence"] == "device"
    assert "±18 m" in location["text"]
    # The nearest units, police first: the police car, then a medic and a supervisor's need.
    police_first(s, incident["id"])
    rec = s.recommendation(incident["id"])
    also = {tuple(a["capabilities"]): [u["unit"] for u in a["units"]] for a in rec["additional"]}
    assert also[("als",)][:1] in (["m1"], ["m2"])

    # She sees her own SOS (it is not silent); nobody answers, so it climbs.
    assert [a["key"] for a in s.get(HER, "/api/safety/me")["alarms"]] == [key]
    climbs_the_ladder(s, consoles, key, kind="sos", raiser=HER)
    acknowledged_everywhere(s, consoles, key, by="dispatcher2", raiser=HER)

    on_timeline(
        s.timeline(incident["id"]),
        f"Staff SOS raised by dispatcher via app, at {lat:.5f}, {lon:.5f} ±18 m",
        "SOS alarm step 1: consoles, dispatcher",
        "SOS alarm step 2: supervisor",
        "SOS alarm step 3: on duty",
        "SOS acknowledged by dispatcher2",
        f"Incident {incident['number']} created: staff_sos, P1",
        "Incident raised for sos alarm",
    )
    audited(
        s,
        "sos.raised",
        "sos.escalated",
        "sos.acknowledged",
        "incident.created",
        "safety.incident_linked",
        "notification.acknowledged",
    )


def test_c2_an_sos_text_from_her_phone_raises_her_sos(scene: Scene) -> None:
    s = scene
    s.terminate_him()
    consoles = s.watch(*CONSOLES)
    sent = time.monotonic()
    r = s.text("sos", "SOS", sender=HER_MOBILE, sid="SM0000000000000000000000000000dana")
    assert r.status_code == 200, r.text
    assert "<Response>" in r.text

    raised = consoles["supervisor"].wait_for(event("sos.raised", source="sms"), label="the SOS")
    assert raised.data["staff_user"] == s.users[HER]
    sos_id = raised.data["sos"]
    key = f"sos:{sos_id}"
    incident = sos_goes_out(s, consoles, sos_id, sent=sent, silent=False)
    # A text has no position: the incident says so, and asks for her to be found; until
    # then there is nothing to measure units' distances from.
    assert incident["location"]["lon"] is None
    assert "location unknown" in incident["location"]["text"]
    no_point = s.call(HER, "GET", f"/api/incidents/{incident['id']}/recommendation", status=422)
    assert "no coordinates" in no_point.json()["detail"]
    # Her carrier's location for the phone comes in; the dispatcher makes it the incident's.
    lon, lat = offset(*s.lot, east_m=-30, north_m=5)
    fix = {"lat": lat, "lon": lon, "uncertainty_m": 35, "method": "GPS", "provider": "carrier"}
    added = s.post(
        "dispatcher2",
        f"/api/incidents/{incident['id']}/device-locations?caller=%2B15015550142",
        fix,
        status=201,
    )
    confirmed = s.post(
        "dispatcher2", f"/api/incidents/{incident['id']}/device-locations/{added['id']}/confirm"
    )
    assert (confirmed["location"]["lon"], confirmed["location"]["lat"]) == (lon, lat)
    assert confirmed["location"]["uncertainty_m"] == 35
    police_first(s, incident["id"])

    # Her colleague takes it within half a minute: the ladder stops before the supervisors.
    s.clock.advance(timedelta(seconds=30))
    acknowledged_everywhere(s, consoles, key, by="dispatcher2", raiser=HER)
    assert s.tick(seconds=120) == 0
    assert {step_of(n) for n in s.notifications(key)} == {0}
    assert consoles[HER].matching(lambda a: a.type == "sos.escalated" and a.data["level"] > 0) == []

    # The text itself is on the incident with the alarm, and where her phone was.
    on_timeline(
        s.timeline(incident["id"]),
        f"Text from {HER_MOBILE} [SOS: sos]: SOS",
        "Staff SOS raised by dispatcher via sms, location unknown",
        "SOS alarm step 1: consoles, dispatcher",
        f"Incident {incident['number']} created: staff_sos, P1",
        "Incident raised for sos alarm",
        f"Text thread sos:{HER_MOBILE} attached",
        f"Device location (GPS, ±35 m) from {HER_MOBILE}",
        "Location changed from",
        "SOS acknowledged by dispatcher2",
    )
    audited(s, "text.received", "sos.raised", "sos.escalated", "sos.acknowledged")


def test_c3_her_duress_pin_signs_her_in_as_usual_and_raises_a_silent_sos(scene: Scene) -> None:
    s = scene
    s.terminate_him()
    s.post("admin", f"/api/admin/users/{HER}/password", {"password": HER_PASSWORD})
    s.call(HER, "PUT", "/api/safety/me/duress-pin", json={"pin": HER_PIN}, status=204)
    login = {"username": HER, "password": HER_PASSWORD}
    usual = s.http.post("/api/auth/login", json=login)
    assert usual.status_code == 200, usual.text

    consoles = s.watch(*CONSOLES)
    forced = s.http.post("/api/auth/login", json={**login, "password": HER_PIN})

    # Whoever is making her do it sees an ordinary sign-in.
    assert forced.status_code == usual.status_code
    assert forced.json().keys() == usual.json().keys()
    assert forced.json()["next"] == usual.json()["next"]
    assert forced.json()["methods"] == usual.json()["methods"]
    assert forced.cookies.keys() == usual.cookies.keys()

    others = {n: c for n, c in consoles.items() if n != HER}
    raised = others["supervisor"].wait_for(event("sos.raised", source="duress_pin"))
    sos_id = raised.data["sos"]
    key = f"sos:{sos_id}"
    # No stopwatch here: the sign-in's two deliberate argon2 checks (the password, then the
    # PIN) come before the alarm, and on a busy test machine they alone can take a second.
    incident = sos_goes_out(s, others, sos_id, sent=None, silent=True)
    assert incident["cautions"][0]["kind"] == "silent-duress"
    assert "do not call, text or radio" in incident["cautions"][0]["text"]

    # A sign-in has no position. The supervisor knows where her console is: Station One.
    assert incident["location"]["lon"] is None
    station = s.station
    where = {"text": "Station 1, dispatch floor", "lon": station["lon"], "lat": station["lat"]}
    path = f"/api/incidents/{incident['id']}"
    moved = s.call("supervisor", "PATCH", path, json={"location": where}).json()
    assert moved["location"]["lon"] == station["lon"]
    police_first(s, incident["id"])

    climbs_the_ladder(s, others, key, kind="sos", raiser=HER)
    acknowledged_everywhere(s, others, key, by="supervisor", raiser=HER, silent=True)

    # On her screen, nothing: not on her stream, her alarms, the board or the queue.
    marker = s.marker()
    consoles[HER].wait_for(lambda a: a.seq == marker, label="the marker")
    assert consoles[HER].matching(lambda a: a.type.startswith("sos.")) == []
    assert consoles[HER].matching(on_incident(incident["id"])) == []
    assert s.get(HER, "/api/safety/me")["alarms"] == []
    assert key not in [a["key"] for a in s.get(HER, "/api/safety/alarms")]
    assert incident["id"] not in [i["id"] for i in s.get(HER, "/api/board")["incidents"]]
    assert incident["id"] not in [i["id"] for i in s.get(HER, "/api/incidents")]
    s.call(HER, "GET", f"/api/incidents/{incident['id']}", status=404)
    s.call(HER, "GET", f"/api/incidents/{incident['id']}/timeline", status=404)
    for part in ("times", "recommendation"):
        s.call(HER, "GET", f"/api/incidents/{incident['id']}/{part}", status=404)
    # The police car sent to her is just busy on her unit board.
    s.post("dispatcher2", f"/api/incidents/{incident['id']}/units", {"unit": "p1"})
    (p1,) = [u for u in s.get(HER, "/api/units") if u["id"] == "p1"]
    assert p1["status"] == "dispatched"
    assert p1["incident"] is None
    assert s.get(HER, "/api/units/p1")["incident"] is None
    (on_board,) = [u for u in s.get(HER, "/api/board")["units"] if u["id"] == "p1"]
    assert on_board["incident"] is None
    assert s.get("dispatcher2", "/api/units/p1")["incident"] == incident["id"]
    # Nor in the history of calls at that address.
    history = f"/api/intake/history?lon={station['lon']}&lat={station['lat']}"
    assert s.get(HER, history)["at_address_count"] == 0
    assert [i["id"] for i in s.get("dispatcher2", history)["at_address"]] == [incident["id"]]
    # ...while her colleagues' boards show it.
    assert incident["id"] in [i["id"] for i in s.get("dispatcher2", "/api/board")["incidents"]]

    on_timeline(
        s.timeline(incident["id"]),
        "Staff SOS (SILENT) raised by dispatcher via duress_pin, location unknown",
        "SOS alarm step 1: consoles, dispatcher",
        "SOS alarm step 2: supervisor",
        "SOS alarm step 3: on duty",
        "SOS acknowledged by supervisor",
    )
    trail = audited(s, "logon.success", "sos.raised", "sos.escalated", "sos.acknowledged")
    assert any(a["action"] == "logon.success" and "DURESS PIN" in str(a["detail"]) for a in trail)


# -- details the scenario depends on ------------------------------------------------------------


def test_the_watch_alert_itself_is_on_its_incidents_timeline(scene: Scene) -> None:
    """Every step on the incident timeline: the alert (what was read, where, who was told)
    belongs on the incident it raised, not only in the note written from it."""
    s = scene
    read = s.plate_read(CAR, s.lot)
    assert read["outcome"] == "alert"
    on_timeline(
        s.timeline(read["incident"]["id"]),
        "Watch alert (high): Respondent's vehicle AR XYZ 789 (silver Honda Civic)",
    )


def test_the_no_entry_watch_describes_him_as_the_linked_order_does(scene: Scene) -> None:
    """Offboarding links his no-entry watch to the protective order. Both then match his
    plate, and which record's description a supervisor's text carries depends on which
    comes first: each must describe him fully, as the court order does."""
    s = scene
    fired = s.terminate_him()
    read = s.plate_read(CAR, s.lot)
    assert set(read["orders"]) == {s.order["id"], fired["watch_order"]}
    incident = s.incident(read["incident"]["id"])
    cautions = [c for c in incident["cautions"] if c["kind"] == "protective-order"]
    assert len(cautions) == 2
    for caution in cautions:
        for part in HIS_DESCRIPTION:
            assert part in caution["text"], (part, caution["text"])
    (alert,) = {e["data"]["incident_key"] for e in s.events("watch.alert")}
    for n in s.notifications(alert):
        assert "5 ft 11 in" in n.body, n.body


def test_terminating_him_reports_the_access_it_revoked(scene: Scene) -> None:
    """The offboarding answer and its audit record say what was cut off: his live token."""
    s = scene
    s.get(HIM, "/api/safety/me")  # his token works until now
    fired = s.terminate_him()
    s.call(HIM, "GET", "/api/safety/me", status=401)
    assert fired["revoked"] == 1, fired
    (record,) = [a for a in s.audit() if a["action"] == "access.revoked"]
    assert "1 tokens" in record["detail"]["reason"], record


@pytest.mark.slow
def test_consoles_dropping_their_streams_do_not_silence_the_others(scene: Scene) -> None:
    """Consoles come and go (a browser reloads, a shift changes over) while events flow:
    every console still connected must go on getting alerts. The hub once woke streams with
    an asyncio.Condition: a stream cancelled inside `wait_for(Condition.wait())` when its
    client went away could leave the lock unusable, and from then on no console got any
    event."""
    s = scene
    hers = s.watch(HER)[HER]
    colleagues = [n for n in CONSOLES if n != HER]
    for _ in range(5):
        with LiveStreams(s.url) as others, s.chatter():
            dropping = [
                others.open(f"{who}-{i}", s.tokens[who], after=s.rt.dispatch.last_seq())
                for i, who in enumerate(colleagues * 6)
            ]
            dropping[-1].wait_for(
                event("incident.note_added"), label="events (the live stream has frozen)"
            )
            # Leaving the block ends the busy line, then drops every colleague's console
            # while its last notes are still going out to them.
    sent = time.monotonic()
    read = s.plate_read(CAR, s.lot)
    assert read["outcome"] == "alert"
    every_console_gets(
        {HER: hers}, event("watch.alert", order=s.order["id"]), label="the alert", sent=sent
    )


def test_her_confirmed_phone_location_no_longer_reads_location_unknown(scene: Scene) -> None:
    """An SOS text has no position, so its incident reads "location unknown, find them".
    Once a dispatcher confirms her phone's fix, the location a crew reads must not still
    say it is unknown (the placeholder text was once kept beside the new point)."""
    s = scene
    r = s.text("sos", "SOS", sender=HER_MOBILE, sid="SM0000000000000000000000000000fix1")
    assert r.status_code == 200, r.text
    (alarm,) = s.get("supervisor", "/api/safety/alarms")
    incident_id = alarm["incident"]
    lon, lat = offset(*s.lot, east_m=-30, north_m=5)
    fix = {"lat": lat, "lon": lon, "uncertainty_m": 35, "method": "GPS", "provider": "carrier"}
    path = f"/api/incidents/{incident_id}/device-locations"
    added = s.post("dispatcher2", path, fix, status=201)
    confirmed = s.post("dispatcher2", f"{path}/{added['id']}/confirm")
    assert confirmed["location"]["lon"] == lon
    assert "location unknown" not in confirmed["location"]["text"], confirmed["location"]


def test_a_call_taker_sees_the_order_while_taking_a_call_about_it(scene: Scene) -> None:
    """Before the incident exists: a call from his number, or from the Station One lot,
    shows the order's caution at intake, by reference only."""
    s = scene
    source = f"protective-order:{s.order['id']}"
    his_phone = "/api/intake/history?phone=%2B15015550999"
    (caution,) = s.get("calltaker", his_phone)["incident_cautions"]
    assert caution["source"] == source
    assert "Verify with the court or NCIC before acting." in caution["text"]
    assert HER_NAME not in caution["text"]
    lon, lat = s.lot
    at_the_lot = s.get("calltaker", f"/api/intake/history?lon={lon}&lat={lat}")
    assert [c["source"] for c in at_the_lot["incident_cautions"]] == [source]
    far = s.get("calltaker", "/api/intake/history?phone=%2B15015550100")
    assert far["incident_cautions"] == []
