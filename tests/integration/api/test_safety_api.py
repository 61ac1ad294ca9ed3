"""The safety API: who sees orders, alarms and staff records; silent duress everywhere; the
SOS, check-in, alarm and watch-feed endpoints; offboarding that closes every door at once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pyotp
import pytest

from emscad.accounts.permissions import Permission, Role
from emscad.intake.sms import InboundText, Provider
from emscad.safety.sos import Sos
from emscad.storage.db import Database
from emscad.storage.notify_sql import SqlOutbox
from tests.factories import sms
from tests.factories.api import T0, Api, seed, start
from tests.factories.safety import cheap_hasher, ems_station, on_shift, order_body
from tests.factories.server import serving

PASSWORD = "correct horse battery staple"
PIN = "4711"
S = timedelta(seconds=1)
RESPONDENT_FIELDS = {
    "id",
    "issued",
    "expires",
    "conditions",
    "misc",
    "brady",
    "verification",
    "respondent",
}


# -- helpers ---------------------------------------------------------------------------------------


def get(api: Api, path: str, who: str, **params: Any) -> Any:
    return api.client.get(path, headers=api.headers(who), params=params)


def post(api: Api, path: str, who: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.post(path, headers=api.headers(who), json=body or {})


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    found: dict[str, Any] = response.json()
    assert found["status"] == status
    return found


def station(api: Api) -> dict[str, Any]:
    return ems_station(ok(get(api, "/api/stations", "dispatcher")))


def add_dana(api: Api, *, password: str | None = None) -> str:
    """Dana, a dispatcher with a token ("dana"), a confidential staff record and a shift;
    with `password`, she can sign in too (argon2 is slow: only where a test signs in)."""
    api.runtime.safety.hasher = cheap_hasher()  # for her duress PIN
    user = api.runtime.accounts.create_user(
        "dana", roles=[Role.DISPATCHER], display_name="Dana Whitfield", password=password
    )
    _, api.tokens["dana"] = api.runtime.accounts.create_token("dana", name="phone")
    record = {
        "name": "Dana Whitfield",
        "station": station(api)["id"],
        "work_phone": "501-555-0100",
        "mobile_phone": "(501) 555-0142",
        "email": "dana@example.org",
        "home_address": "12 Elm St",
        "schedule": [
            {"start": s.start.isoformat(), "end": s.end.isoformat()} for s in on_shift(T0)
        ],
        "confidential": True,
    }
    ok(api.client.put("/api/staff/dana", headers=api.headers("supervisor"), json=record))
    return user.id


def add_order(api: Api, **changes: Any) -> dict[str, Any]:
    body = order_body(issued=T0 - timedelta(days=30), station=station(api)["id"], **changes)
    return ok(post(api, "/api/orders", "supervisor", body), 201)  # type: ignore[no-any-return]


def plate_read(
    api: Api, plate: str = "ABC1234", *, who: str = "admin", **changes: Any
) -> dict[str, Any]:
    where = station(api)
    body = {
        "plate": plate,
        "state": "AR",
        "camera": "st1-lot",
        "lon": where["lon"],
        "lat": where["lat"],
        "at": api.clock.now().isoformat(),
        "confidence": 0.93,
        "image": "alpr/123.jpg",
        **changes,
    }
    return ok(post(api, "/api/watch/plate-reads", who, body))  # type: ignore[no-any-return]


def sos(api: Api, who: str, *, uncertainty: float = 18) -> dict[str, Any]:
    where = station(api)
    body = {"position": {"lon": where["lon"], "lat": where["lat"], "uncertainty_m": uncertainty}}
    return ok(post(api, "/api/safety/sos", who, body))  # type: ignore[no-any-return]


def audits(api: Api, action: str) -> list[Any]:
    return [r.entry for r in api.runtime.audit.read(limit=100_000) if r.entry.action == action]


def event_types(api: Api, who: str) -> set[str]:
    return {e["type"] for e in ok(get(api, "/api/events", who, limit=1000))}


def open_alarm_keys(api: Api, who: str) -> set[str]:
    return {a["key"] for a in ok(get(api, "/api/safety/alarms", who))}


# -- protective orders: who sees what, every view audited ---------------------------------------


def test_a_field_unit_sees_only_the_respondent_and_an_analyst_no_order(api: Api) -> None:
    add_dana(api)
    order = add_order(api)
    assert order["access"] == "full"
    assert order["protected"][0]["staff_username"] == "dana"
    crew = ok(get(api, f"/api/orders/{order['id']}", "medic1"))
    assert set(crew) == RESPONDENT_FIELDS | {"access", "active", "version"}
    assert crew["access"] == "respondent"
    assert crew["respondent"]["vehicles"][0]["plate"] == "ABC-1234"
    assert "Dana" not in json.dumps(crew)
    assert "Her home" not in json.dumps(crew)
    assert [o["id"] for o in ok(get(api, "/api/orders", "medic1"))] == [order["id"]]
    full = ok(get(api, f"/api/orders/{order['id']}", "dispatcher"))
    assert full["protected"][0]["name"] == "Dana Whitfield"
    assert full["active"] is True
    for who in ("analyst", "staffer"):
        problem(get(api, "/api/orders", who), 403)
        problem(get(api, f"/api/orders/{order['id']}", who), 403)
    # The protected dispatcher reads her own order on her safety page.
    mine = ok(get(api, "/api/safety/me", "dana"))
    assert [o["id"] for o in mine["orders"]] == [order["id"]]


def test_every_view_of_an_order_is_audited_the_list_included(api: Api) -> None:
    add_dana(api)
    order = add_order(api)
    before = len(audits(api, "read.order"))
    assert before == 1  # the creator was shown it
    ok(get(api, "/api/orders", "dispatcher"))
    ok(get(api, f"/api/orders/{order['id']}", "medic1"))
    ok(get(api, "/api/orders", "calltaker", active="false"))
    ok(get(api, "/api/safety/me", "dana"))
    reads = audits(api, "read.order")[before:]
    assert [(e.actor, e.subject, e.detail["path"]) for e in reads] == [
        ("dispatcher", f"order:{order['id']}", "/api/orders"),
        ("medic1", f"order:{order['id']}", f"/api/orders/{order['id']}"),
        ("calltaker", f"order:{order['id']}", "/api/orders"),
        ("dana", f"order:{order['id']}", "/api/safety/me"),
    ]
    crew = reads[1].detail
    assert "protected" in crew["withheld"]
    assert "zones" in crew["withheld"]
    assert "respondent" in crew["fields"]
    assert reads[0].detail["withheld"] == []


def test_order_events_on_the_event_log_carry_only_the_order_id(api: Api) -> None:
    add_dana(api)
    order = add_order(api)
    ok(post(api, f"/api/orders/{order['id']}/verify", "supervisor", {"status": "ncic"}))
    for who in ("dispatcher", "medic1"):
        events = [e for e in ok(get(api, "/api/events", who)) if e["type"].startswith("order.")]
        assert [e["type"] for e in events] == ["order.created", "order.verified"]
        assert all(e["data"] == {"order": order["id"]} for e in events)


def test_text_sos_and_watch_events_are_hidden_from_roles_without_their_permission(
    api: Api,
) -> None:
    add_dana(api)
    add_order(api)
    api.runtime.intake.receive_text(
        InboundText(
            provider=Provider.TWILIO,
            message_id="SM1",
            from_number=sms.CALLER,
            to_number=sms.TEXT_LINES["main"],
            body="man down by the library",
            media=(),
            received_at=T0,
        ),
        line="main",
    )
    sos(api, "staffer")
    plate_read(api)
    wanted = {"text.received", "sos.raised", "watch.alert", "safety.incident_linked"}
    assert wanted <= event_types(api, "dispatcher")
    assert wanted <= event_types(api, "calltaker")
    # A crew's device: incidents and units, none of the texts, alarms or raw watch alerts
    # (a watch alert names the zone and where the camera is, which can be her home).
    crew = event_types(api, "medic1")
    assert "incident.created" in crew
    assert not {t for t in crew if t.startswith(("text.", "sos.", "safety.", "watch."))}
    problem(get(api, "/api/events", "analyst"), 403)
    problem(get(api, "/api/events", "staffer"), 403)


# -- staff SOS -------------------------------------------------------------------------------------


def test_an_sos_answers_with_its_alarm_and_incident_and_shows_on_every_console(
    api: Api,
) -> None:
    add_dana(api)
    add_order(api)
    answer = sos(api, "dana")
    assert set(answer) == {"ok", "sos", "message", "incident"}
    assert answer["ok"] is True
    assert answer["sos"].startswith("sos:")
    [incident] = list(ok(get(api, "/api/incidents", "dispatcher")))
    assert incident["number"] == answer["incident"]
    assert (incident["priority"], incident["chief_complaint"]) == (1, "staff_sos")
    assert incident["location"]["uncertainty_m"] == 18
    assert any("Mark Whitfield" in c["text"] for c in incident["cautions"])
    assert answer["sos"] in open_alarm_keys(api, "dispatcher")
    mine = ok(get(api, "/api/safety/me", "dana"))
    assert [a["key"] for a in mine["alarms"]] == [answer["sos"]]
    # A second press: the same alarm.
    again = sos(api, "dana", uncertainty=5)
    assert again["sos"] == answer["sos"]
    assert again["incident"] == answer["incident"]
    alarm = next(a for a in ok(get(api, "/api/safety/alarms", "supervisor")))
    assert alarm["position"]["uncertainty_m"] == 5
    assert alarm["staff_username"] == "dana"


def test_a_location_update_moves_an_open_sos_and_never_raises_one(api: Api) -> None:
    add_dana(api)
    where = station(api)
    body = {"position": {"lon": where["lon"], "lat": where["lat"], "uncertainty_m": 9}}
    assert ok(post(api, "/api/safety/sos/location", "dana", body)) == {"ok": True}
    assert api.runtime.safety.alarms() == []
    assert ok(get(api, "/api/incidents", "dispatcher")) == []
    raised = sos(api, "dana")
    moved = ok(post(api, "/api/safety/sos/location", "dana", body))
    assert moved["sos"] == raised["sos"]
    [alarm] = api.runtime.safety.alarms()
    assert alarm.position is not None
    assert alarm.position.uncertainty_m == 9
    ok(post(api, f"/api/safety/alarms/{raised['sos']}/clear", "supervisor", {"reason": "safe"}))
    # Her phone still sending positions after the SOS was cleared raises no new one.
    assert ok(post(api, "/api/safety/sos/location", "dana", body)) == {"ok": True}
    assert api.runtime.safety.alarms() == []


def test_a_hardware_button_needs_a_feeds_token(api: Api) -> None:
    add_dana(api)
    problem(post(api, "/api/safety/button", "dispatcher", {"username": "dana"}), 403)
    pressed = ok(post(api, "/api/safety/button", "admin", {"username": "dana"}))
    assert pressed["ok"] is True
    assert pressed["sos"].startswith("sos:")
    [alarm] = api.runtime.safety.alarms()
    assert isinstance(alarm, Sos)
    assert alarm.source.value == "button"
    assert not alarm.silent
    problem(post(api, "/api/safety/button", "admin", {"username": "nobody"}), 404)


def test_acknowledging_and_clearing_through_the_api(api: Api) -> None:
    add_dana(api)
    key = sos(api, "dana")["sos"]
    # Not the raiser, not a crew, not an admin; a bad key is refused before anything runs.
    problem(post(api, f"/api/safety/alarms/{key}/ack", "dana"), 403)
    problem(post(api, f"/api/safety/alarms/{key}/ack", "medic1"), 403)
    problem(post(api, f"/api/safety/alarms/{key}/ack", "admin"), 403)
    problem(post(api, "/api/safety/alarms/sos:no-such/ack", "dispatcher"), 404)
    problem(post(api, "/api/safety/alarms/order:x/ack", "dispatcher"), 422)
    problem(post(api, "/api/safety/alarms/sos:a b/ack", "dispatcher"), 422)
    acked = ok(post(api, f"/api/safety/alarms/{key}/ack", "calltaker"))
    assert (acked["phase"], acked["open"]) == ("acknowledged", True)
    # Clearing: a supervisor or whoever acknowledged, with a reason.
    problem(post(api, f"/api/safety/alarms/{key}/clear", "dispatcher", {"reason": "x"}), 403)
    problem(post(api, f"/api/safety/alarms/{key}/clear", "dana", {"reason": "mistake"}), 403)
    problem(post(api, f"/api/safety/alarms/{key}/clear", "calltaker", {"reason": ""}), 422)
    problem(post(api, f"/api/safety/alarms/{key}/clear", "calltaker", {"reason": "x" * 501}), 422)
    cleared = ok(post(api, f"/api/safety/alarms/{key}/clear", "calltaker", {"reason": "safe"}))
    assert (cleared["phase"], cleared["open"]) == ("cleared", False)
    assert open_alarm_keys(api, "dispatcher") == set()
    closed = ok(get(api, "/api/safety/alarms", "dispatcher", open="false"))
    assert [a["key"] for a in closed] == [key]
    problem(post(api, f"/api/safety/alarms/{key}/clear", "supervisor", {"reason": "x"}), 409)


def test_the_sos_ladder_escalates_on_the_tick_until_a_person_acknowledges(api: Api) -> None:
    add_dana(api)
    key = sos(api, "dana")["sos"]
    api.clock.advance(61 * S)
    assert api.runtime.safety.tick() == 1
    [alarm] = ok(get(api, "/api/safety/alarms", "dispatcher"))
    assert alarm["level"] == 1
    ok(post(api, f"/api/safety/alarms/{key}/ack", "supervisor"))
    api.clock.advance(600 * S)
    assert api.runtime.safety.tick() == 0
    notes = SqlOutbox(api.runtime.database).for_alarm(key)
    assert {n.recipient.name for n in notes} >= {"dispatcher", "supervisor"}
    assert "dana" not in {n.recipient.name for n in notes}


def test_the_timeline_of_an_sos_tells_its_steps_in_words(api: Api) -> None:
    add_dana(api)
    add_order(api)
    answer = sos(api, "dana")
    api.clock.advance(60 * S)
    api.runtime.safety.tick()
    ok(post(api, f"/api/safety/alarms/{answer['sos']}/ack", "dispatcher"))
    ok(
        post(
            api,
            f"/api/safety/alarms/{answer['sos']}/clear",
            "dispatcher",
            {"reason": "police with her"},
        )
    )
    [incident] = ok(get(api, "/api/incidents", "supervisor", status=["pending", "active"]))
    texts = [
        e["text"] for e in ok(get(api, f"/api/incidents/{incident['id']}/timeline", "supervisor"))
    ]
    assert texts[0].startswith("Staff SOS raised by dana via app, at ")
    assert texts[0].endswith("±18 m")
    assert "SOS alarm step 1: consoles, dispatcher" in texts
    assert "SOS alarm step 2: supervisor" in texts
    assert "Incident raised for sos alarm" in texts
    assert "SOS acknowledged by dispatcher" in texts
    assert texts[-1] == "SOS cleared by dispatcher: police with her"
    assert not any(t.startswith(("sos.", "safety.")) for t in texts)  # every line in words


# -- silent duress ---------------------------------------------------------------------------


def assert_hidden_from(api: Api, who: str, incident_id: str, key: str, *, token: bool) -> None:
    """Nothing of the silent SOS shows to `who` (their token, or the client's cookie)."""

    def read(path: str, **params: Any) -> Any:
        headers = api.headers(who) if token else {}
        return api.client.get(path, headers=headers, params=params)

    me = ok(read("/api/safety/me"))
    assert me["alarms"] == []
    assert key not in {a["key"] for a in ok(read("/api/safety/alarms"))}
    assert incident_id not in {i["id"] for i in ok(read("/api/incidents"))}
    assert incident_id not in {i["id"] for i in ok(read("/api/board"))["incidents"]}
    problem(read(f"/api/incidents/{incident_id}"), 404)
    problem(read(f"/api/incidents/{incident_id}/timeline"), 404)
    problem(api.client.post(f"/api/safety/alarms/{key}/ack", headers=api.headers("dana")), 404)
    events = ok(read("/api/events", limit=1000))
    assert not [e for e in events if e["incident"] == incident_id]
    assert not [e for e in events if e["type"].startswith("sos.")]
    own = ok(read("/api/staff/dana"))
    assert "live_location" not in own


def assert_visible_to_others(api: Api, incident_id: str, key: str) -> None:
    assert key in open_alarm_keys(api, "dispatcher")
    assert incident_id in {i["id"] for i in ok(get(api, "/api/incidents", "dispatcher"))}
    shown = ok(get(api, f"/api/incidents/{incident_id}", "supervisor"))
    assert shown["cautions"][0]["kind"] == "silent-duress"
    assert "sos.raised" in event_types(api, "calltaker")
    # The dispatcher answering it may call her (her record is confidential).
    assert "mobile_phone" in ok(get(api, "/api/staff/dana", "dispatcher"))


def test_the_duress_pin_at_check_in_looks_normal_and_raises_a_silent_sos(api: Api) -> None:
    add_dana(api)
    add_order(api)
    problem(set_pin(api, "12ab", status=422), 422)
    set_pin(api)
    where = station(api)
    timer = {"minutes": 5, "note": "walking to my car"}
    timer["position"] = {"lon": where["lon"], "lat": where["lat"], "uncertainty_m": 12}  # type: ignore[assignment]
    plain = ok(post(api, "/api/safety/checkins", "dana", timer), 201)
    normal = ok(post(api, f"/api/safety/checkins/{plain['id']}/safe", "dana", {"pin": "0000"}))
    assert api.runtime.safety.alarms() == []  # a wrong PIN is just a check-in
    started = ok(post(api, "/api/safety/checkins", "dana", timer), 201)
    duress = ok(post(api, f"/api/safety/checkins/{started['id']}/safe", "dana", {"pin": PIN}))
    # The answer is the same as an ordinary check-in's, but for the ids and times.
    different = {"id", "key", "started_at", "deadline", "safe_at", "ended_at", "version"}
    assert {k: v for k, v in duress.items() if k not in different} == {
        k: v for k, v in normal.items() if k not in different
    }
    [alarm] = api.runtime.safety.alarms()
    assert isinstance(alarm, Sos)
    assert alarm.silent
    assert alarm.incident is not None
    assert alarm.position is not None
    assert alarm.position.uncertainty_m == 12
    assert_hidden_from(api, "dana", alarm.incident, alarm.key, token=True)
    assert_visible_to_others(api, alarm.incident, alarm.key)
    live = ok(get(api, "/api/staff/dana", "dispatcher"))["live_location"]
    assert (live["alarm"], live["uncertainty_m"]) == (alarm.key, 12)
    # Pressing SOS openly now answers like nothing is going on, and raises no second alarm.
    assert sos(api, "dana") == {"ok": True}
    assert len(api.runtime.safety.alarms()) == 1


def set_pin(api: Api, pin: str = PIN, *, status: int = 204) -> Any:
    r = api.client.put("/api/safety/me/duress-pin", headers=api.headers("dana"), json={"pin": pin})
    assert r.status_code == status, r.text
    return r


def _enrol(api: Api) -> str:
    """Dana signs in with her password and sets up TOTP; returns the secret."""
    first = ok(api.client.post("/api/auth/login", json={"username": "dana", "password": PASSWORD}))
    csrf = first["csrf"]
    started = ok(api.client.post("/api/auth/mfa/enrol", headers={"X-CSRF-Token": csrf}))
    code = pyotp.TOTP(started["secret"]).at(api.clock.now())
    ok(
        api.client.post(
            "/api/auth/mfa/enrol/confirm", json={"code": code}, headers={"X-CSRF-Token": csrf}
        )
    )
    ok(api.client.post("/api/auth/logout"))
    return str(started["secret"])


def _login(api: Api, password: str, secret: str) -> dict[str, Any]:
    api.clock.advance(60 * S)  # a fresh TOTP step
    answer = ok(api.client.post("/api/auth/login", json={"username": "dana", "password": password}))
    code = pyotp.TOTP(secret).at(api.clock.now())
    done = ok(
        api.client.post(
            "/api/auth/mfa", json={"code": code}, headers={"X-CSRF-Token": answer["csrf"]}
        )
    )
    assert done["next"] == "done"
    return answer  # type: ignore[no-any-return]


def test_the_duress_pin_as_the_password_signs_in_as_normal_and_raises_a_silent_sos(
    api: Api,
) -> None:
    add_dana(api, password=PASSWORD)
    add_order(api)
    set_pin(api)
    secret = _enrol(api)
    normal = _login(api, PASSWORD, secret)
    ok(api.client.post("/api/auth/logout"))
    assert api.runtime.safety.alarms() == []
    problem(api.client.post("/api/auth/login", json={"username": "dana", "password": "4712"}), 401)
    assert api.runtime.safety.alarms() == []
    duress = _login(api, PIN, secret)
    assert set(duress) == set(normal)
    assert {k: v for k, v in duress.items() if k != "csrf"} == {
        k: v for k, v in normal.items() if k != "csrf"
    }
    session = ok(api.client.get("/api/auth/session"))
    assert (session["username"], session["mfa_pending"]) == ("dana", False)
    [alarm] = api.runtime.safety.alarms()
    assert isinstance(alarm, Sos)
    assert alarm.silent
    assert alarm.source.value == "duress_pin"
    assert alarm.incident is not None
    # Her signed-in browser sees nothing of it, nor does her phone's token.
    assert_hidden_from(api, "dana", alarm.incident, alarm.key, token=False)
    assert_hidden_from(api, "dana", alarm.incident, alarm.key, token=True)
    assert_visible_to_others(api, alarm.incident, alarm.key)
    # The audit trail records the truth.
    [logon] = [e for e in audits(api, "logon.success") if "DURESS" in str(e.detail)]
    assert logon.actor == "dana"


# -- watch feeds ----------------------------------------------------------------------------------


def test_a_plate_read_at_the_station_raises_the_alert_incident_and_urges_an_escort(
    api: Api,
) -> None:
    add_dana(api)
    add_order(api)
    before = ok(get(api, "/api/safety/me/shift-end", "dana"))["offer"]
    assert before["escort"] == "offered"
    result = plate_read(api)
    assert result["outcome"] == "alert"
    incident = result["incident"]
    assert (incident["priority"], incident["chief_complaint"]) == (1, "watch_alert")
    assert incident["persons"] == [{"role": "Suspect", "redacted": True}]  # a machine token
    assert incident["location"]["text"].startswith("Plate reader st1-lot at ")
    shown = ok(get(api, f"/api/incidents/{incident['id']}", "dispatcher"))
    assert shown["persons"][0]["name"] == "Mark Whitfield"
    # The alert itself is on the incident's timeline, for the consoles (not for a crew: it
    # names the stay-away zone).
    timeline = f"/api/incidents/{incident['id']}/timeline"
    lines = [e["text"] for e in ok(get(api, timeline, "dispatcher"))]
    assert any(t.startswith("Watch alert (high): Respondent's vehicle AR ABC-1234") for t in lines)
    crew = [e["text"] for e in ok(get(api, timeline, "medic1"))]
    assert not any(t.startswith("Watch alert") for t in crew)
    assert crew[0].startswith("Incident ")
    offer = ok(get(api, "/api/safety/me/shift-end", "dana"))["offer"]
    assert offer["escort"] == "strongly_recommended"
    assert offer["timer_minutes"] == 5
    assert offer["recent_alerts"] == 1
    assert ok(get(api, "/api/safety/me/shift-end", "staffer")) == {"offer": None}
    again = plate_read(api)
    assert (again["outcome"], again["incident"]) == ("duplicate", None)
    elsewhere = plate_read(api, lon=-92.9, lat=34.2, camera="far-away")
    assert (elsewhere["outcome"], elsewhere["incident"]) == ("info", None)
    assert len(ok(get(api, "/api/incidents", "dispatcher"))) == 1


def test_the_watch_feeds_need_the_feeds_permission(api: Api) -> None:
    order = add_order(api, staff_username=None)
    body = {"kind": "tamper", "device": "GPS-77", "at": T0.isoformat()}
    for who in ("dispatcher", "supervisor", "medic1"):
        problem(post(api, "/api/watch/monitoring", who, body), 403)
        problem(post(api, "/api/watch/plate-reads", who, {}), 403)
    result = ok(post(api, "/api/watch/monitoring", "admin", body))
    assert (result["outcome"], result["orders"], result["incident"]) == (
        "degraded",
        [order["id"]],
        None,
    )
    [degraded] = ok(get(api, "/api/safety/degraded", "dispatcher"))
    assert (degraded["order"], degraded["cause"]) == (order["id"], "tamper")
    # Restoring it is a supervisor's word, with a reason.
    restore = f"/api/orders/{order['id']}/restore-protection"
    problem(post(api, restore, "dispatcher", {"reason": "vendor says fine"}), 403)
    problem(post(api, restore, "admin", {"reason": "vendor says fine"}), 403)
    problem(post(api, restore, "supervisor", {}), 422)
    r = post(api, restore, "supervisor", {"reason": "vendor confirmed the device works"})
    assert r.status_code == 204, r.text
    assert ok(get(api, "/api/safety/degraded", "dispatcher")) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"confidence": 1.5},
        {"lat": 91},
        {"plate": ""},
        {"plate": "---"},
        {"at": "2026-07-06T22:20:00"},  # no time zone
        {"camera": " "},
        {"unknown": 1},
    ],
)
def test_a_bad_plate_read_is_refused_and_nothing_is_stored(
    api: Api, changes: dict[str, Any]
) -> None:
    add_order(api, staff_username=None)
    where = station(api)
    body = {
        "plate": "ABC1234",
        "camera": "st1-lot",
        "lon": where["lon"],
        "lat": where["lat"],
        "at": T0.isoformat(),
        "confidence": 0.9,
        **changes,
    }
    problem(post(api, "/api/watch/plate-reads", "admin", body), 422)
    assert not [
        e for e in ok(get(api, "/api/events", "dispatcher")) if e["type"].startswith("watch.")
    ]
    assert ok(get(api, "/api/incidents", "dispatcher")) == []


def test_a_bad_monitoring_event_is_refused_and_nothing_is_stored(api: Api) -> None:
    add_order(api, staff_username=None)
    for body in (
        {"kind": "exploded", "device": "GPS-77", "at": T0.isoformat()},
        {"kind": "zone_entry", "device": "", "at": T0.isoformat()},
        {
            "kind": "zone_entry",
            "device": "GPS-77",
            "at": T0.isoformat(),
            "position": {"lon": 200, "lat": 0},
        },
    ):
        problem(post(api, "/api/watch/monitoring", "admin", body), 422)
    assert ok(get(api, "/api/safety/degraded", "dispatcher")) == []
    assert ok(get(api, "/api/incidents", "dispatcher")) == []


# -- staff records ---------------------------------------------------------------------------


def test_a_confidential_record_hides_mobile_home_and_schedule_from_dispatchers(
    api: Api,
) -> None:
    add_dana(api)
    seen = ok(get(api, "/api/staff/dana", "dispatcher"))
    assert seen["name"] == "Dana Whitfield"
    assert seen["work_phone"] == "501-555-0100"
    for hidden in ("mobile_phone", "home_address", "schedule", "confidential", "live_location"):
        assert hidden not in seen
    full = ok(get(api, "/api/staff/dana", "supervisor"))
    assert (full["mobile_phone"], full["home_address"], full["confidential"]) == (
        "(501) 555-0142",
        "12 Elm St",
        True,
    )
    assert len(full["schedule"]) == 1
    own = ok(get(api, "/api/staff/dana", "dana"))
    assert own["home_address"] == "12 Elm St"
    problem(get(api, "/api/staff/dana", "medic1"), 403)
    problem(get(api, "/api/staff/dana", "analyst"), 403)
    # During her SOS the dispatcher answering it may call her and see where she is.
    key = sos(api, "dana")["sos"]
    during = ok(get(api, "/api/staff/dana", "dispatcher"))
    assert during["mobile_phone"] == "(501) 555-0142"
    assert during["live_location"]["alarm"] == key
    assert "home_address" not in during
    assert "schedule" not in during
    ok(post(api, f"/api/safety/alarms/{key}/clear", "supervisor", {"reason": "safe"}))
    assert "mobile_phone" not in ok(get(api, "/api/staff/dana", "dispatcher"))


def test_every_view_of_a_staff_record_is_audited_with_what_was_withheld(api: Api) -> None:
    add_dana(api)
    before = len(audits(api, "read.staff"))
    ok(get(api, "/api/staff/dana", "dispatcher"))
    listed = ok(get(api, "/api/staff", "calltaker"))
    reads = audits(api, "read.staff")[before:]
    assert len(reads) == 1 + len(listed)
    first = reads[0]
    assert (first.actor, first.detail["path"]) == ("dispatcher", "/api/staff/dana")
    assert "home_address" in first.detail["withheld"]
    assert "mobile_phone" in first.detail["withheld"]
    assert {r.actor for r in reads[1:]} == {"calltaker"}
    assert "staff.saved" in {
        e.action for e in (r.entry for r in api.runtime.audit.read(limit=100_000))
    }


def test_only_supervisors_and_admins_edit_staff_records(api: Api) -> None:
    add_dana(api)
    body = {"name": "Dana W."}
    problem(api.client.put("/api/staff/dana", headers=api.headers("dispatcher"), json=body), 403)
    problem(api.client.put("/api/staff/dana", headers=api.headers("dana"), json=body), 403)
    # An edit needs the version it was loaded at.
    problem(api.client.put("/api/staff/dana", headers=api.headers("admin"), json=body), 409)
    r = api.client.put(
        "/api/staff/dana", headers=api.headers("admin", **{"If-Match": '"1"'}), json=body
    )
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    problem(api.client.put("/api/staff/nobody", headers=api.headers("admin"), json=body), 404)


# -- offboarding ---------------------------------------------------------------------------------


@pytest.fixture
def live(database: Database, tmp_path: Path) -> Any:
    rt, _ = start(tmp_path / "home", database)
    with serving(rt) as url:
        tokens = seed(rt)
        yield url, rt, tokens
    rt.close()


def test_terminating_staff_closes_every_door_and_puts_him_on_watch(live: Any) -> None:
    url, rt, tokens = live
    rt.accounts.create_user(
        "mark", roles=[Role.DISPATCHER], display_name="Mark Whitfield", password=PASSWORD
    )
    _, token = rt.accounts.create_token("mark", name="console")
    his = {"Authorization": f"Bearer {token}"}
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    connected, closed = threading.Event(), threading.Event()

    def stream() -> None:
        with httpx2.Client(timeout=10) as c, c.stream("GET", f"{url}/api/stream", headers=his) as r:
            assert r.status_code == 200
            for _ in r.iter_lines():
                connected.set()  # the server's first line: the stream is open
        closed.set()

    with httpx2.Client(base_url=url, timeout=10) as browser:
        signed_in = browser.post("/api/auth/login", json={"username": "mark", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        assert browser.get("/api/auth/session").status_code == 200
        reader = threading.Thread(target=stream, daemon=True)
        reader.start()
        assert connected.wait(5)
        terminated = httpx2.post(
            f"{url}/api/admin/users/mark/terminate",
            headers=admin,
            json={
                "reason": "fired for cause",
                "photo_ref": "photo:mw-1",
                "vehicles": [{"plate": "ABC-1234", "state": "AR", "make": "Ford"}],
            },
        )
        assert terminated.status_code == 200, terminated.text
        assert closed.wait(5)  # his open stream ends at once
        done = terminated.json()
        assert (done["username"], done["disabled"]) == ("mark", True)
        assert done["revoked"] == 2  # his browser session and his token
        assert browser.get("/api/auth/session").status_code == 401
        again = browser.post("/api/auth/login", json={"username": "mark", "password": PASSWORD})
        assert again.status_code == 401
    assert httpx2.get(f"{url}/api/me", headers=his).status_code == 401
    assert httpx2.get(f"{url}/api/stream", headers=his).status_code == 401
    # He is on watch at every EMS station: his plate at one raises an alert and an incident.
    [order] = [o for o in rt.safety.orders(active_only=True) if o.id == done["watch_order"]]
    assert order.respondent.name == "Mark Whitfield"
    assert order.court.startswith("Agency")
    stations = httpx2.get(f"{url}/api/stations", headers=admin).json()
    ems = ems_station(stations)
    assert {z.place for z in order.zones} == {s["id"] for s in stations if s["kind"] == "ems"}
    read = {
        "plate": "ABC1234",
        "camera": "lot",
        "lon": ems["lon"],
        "lat": ems["lat"],
        "at": rt.clock.now().isoformat(),
        "confidence": 0.9,
    }
    alert = httpx2.post(f"{url}/api/watch/plate-reads", headers=admin, json=read)
    assert alert.status_code == 200, alert.text
    assert alert.json()["outcome"] == "alert"
    assert alert.json()["incident"]["chief_complaint"] == "watch_alert"
    # His name on a call is cautioned too.
    taken = httpx2.post(
        f"{url}/api/incidents",
        headers={"Authorization": f"Bearer {tokens['calltaker']}"},
        json={
            "location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75},
            "caller": {"name": "Mark Whitfield", "phone": ""},
        },
    )
    assert taken.status_code == 201, taken.text
    sources = {c["source"] for c in taken.json()["cautions"]}
    assert f"protective-order:{order.id}" in sources


def _collect(
    url: str,
    headers: dict[str, str],
    marker: str,
    into: list[dict[str, Any]],
    connected: threading.Event,
) -> None:
    """Read a live stream until the note `marker` arrives; every event's JSON into `into`."""
    with (
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/api/stream", headers=headers) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            connected.set()
            if not line.startswith("data:"):
                continue
            event = json.loads(line.removeprefix("data:").strip())
            into.append(event)
            if event["type"] == "incident.note_added" and event["data"]["note"]["text"] == marker:
                return


def test_a_silent_sos_never_reaches_the_raisers_own_live_stream(live: Any) -> None:
    url, rt, tokens = live
    rt.safety.hasher = cheap_hasher()
    rt.accounts.create_user("dana", roles=[Role.DISPATCHER], display_name="Dana Whitfield")
    _, dana_token = rt.accounts.create_token("dana", name="phone")
    dana = {"Authorization": f"Bearer {dana_token}"}
    calltaker = {"Authorization": f"Bearer {tokens['calltaker']}"}
    r = httpx2.put(f"{url}/api/safety/me/duress-pin", headers=dana, json={"pin": PIN})
    assert r.status_code == 204, r.text
    seen: dict[str, list[dict[str, Any]]] = {"dana": [], "dispatcher": []}
    readers = []
    for name, headers in (
        ("dana", dana),
        ("dispatcher", {"Authorization": f"Bearer {tokens['dispatcher']}"}),
    ):
        connected = threading.Event()
        reader = threading.Thread(
            target=_collect, args=(url, headers, "marker", seen[name], connected), daemon=True
        )
        reader.start()
        assert connected.wait(5)
        readers.append(reader)
    timer = httpx2.post(f"{url}/api/safety/checkins", headers=dana, json={"minutes": 5})
    assert timer.status_code == 201, timer.text
    safe = httpx2.post(
        f"{url}/api/safety/checkins/{timer.json()['id']}/safe", headers=dana, json={"pin": PIN}
    )
    assert safe.status_code == 200, safe.text
    [alarm] = rt.safety.alarms()
    assert isinstance(alarm, Sos)
    assert alarm.silent
    # Something everyone sees, after the SOS: when it arrives, the SOS has been streamed.
    taken = httpx2.post(
        f"{url}/api/incidents",
        headers=calltaker,
        json={"location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75}},
    )
    assert taken.status_code == 201, taken.text
    note = httpx2.post(
        f"{url}/api/incidents/{taken.json()['id']}/notes",
        headers=calltaker,
        json={"text": "marker"},
    )
    assert note.status_code == 201, note.text
    for reader in readers:
        reader.join(10)
        assert not reader.is_alive()
    hers = seen["dana"]
    assert {e["type"] for e in hers} >= {"checkin.started", "checkin.safe", "incident.note_added"}
    assert not [e for e in hers if e["type"].startswith("sos.")]
    assert not [e for e in hers if e["incident"] == alarm.incident]
    assert not [e for e in hers if e["type"] == "safety.incident_linked"]
    others = seen["dispatcher"]
    assert "sos.raised" in {e["type"] for e in others}
    assert alarm.incident in {e["incident"] for e in others}


def test_a_termination_naming_an_unknown_order_changes_nothing(api: Api) -> None:
    add_dana(api)
    body = {"reason": "fired", "linked_order": "no-such-order"}
    problem(post(api, "/api/admin/users/dana/terminate", "admin", body), 404)
    problem(post(api, "/api/admin/users/dana/terminate", "supervisor", {"reason": "x"}), 403)
    assert ok(get(api, "/api/safety/me", "dana"))["alarms"] == []  # her token still works
    assert not api.runtime.accounts.user("dana").disabled


def test_terminating_a_respondent_links_the_watch_entry_to_the_order(api: Api) -> None:
    add_dana(api)
    order = add_order(api)
    api.runtime.accounts.create_user("mark", roles=[Role.STAFF], display_name="Mark Whitfield")
    body = {"reason": "fired", "linked_order": order["id"]}
    done = ok(post(api, "/api/admin/users/mark/terminate", "admin", body))
    watch = ok(get(api, f"/api/orders/{done['watch_order']}", "supervisor"))
    assert watch["protected"][0]["staff_username"] == "dana"  # she is alerted too
    assert watch["misc"].endswith(f"see protective order {order['number']}")
    assert watch["verification"]["status"] == "unverified"


# -- orders: editing, verifying, withdrawing ---------------------------------------------------


def test_editing_an_order_needs_its_version_and_court_terms_reset_verification(
    api: Api,
) -> None:
    add_dana(api)
    order = add_order(api)
    path = f"/api/orders/{order['id']}"
    verified = api.client.post(
        f"{path}/verify",
        headers=api.headers("supervisor", **{"If-Match": '"1"'}),
        json={"status": "court"},
    )
    assert ok(verified)["verification"]["status"] == "court"
    body = order_body(issued=T0 - timedelta(days=30), station=station(api)["id"])

    def put(version: int, who: str = "supervisor", **changes: Any) -> Any:
        headers = api.headers(who, **{"If-Match": f'"{version}"'})
        return api.client.put(path, headers=headers, json={**body, **changes})

    problem(put(1), 409)  # stale
    problem(put(2, "dispatcher"), 403)
    problem(put(2, "medic1"), 403)
    respondent = {**body["respondent"], "vehicles": [{"plate": "NEW123", "state": "AR"}]}
    moved = put(2, respondent=respondent)
    assert moved.headers["ETag"] == '"3"'
    assert ok(moved)["verification"]["status"] == "court"  # a vehicle is not the court's word
    harder = ok(put(3, conditions=["01", "04", "05"]))
    assert harder["verification"]["status"] == "unverified"
    withdrawn = ok(post(api, f"{path}/withdraw", "supervisor", {"reason": "vacated"}))
    assert withdrawn["active"] is False
    assert ok(get(api, "/api/orders", "dispatcher")) == []
    problem(put(5), 409)  # a withdrawn order is not edited
    problem(post(api, f"{path}/withdraw", "dispatcher", {"reason": "x"}), 403)


def test_an_order_with_an_unknown_person_or_place_is_refused(api: Api) -> None:
    base = order_body(issued=T0 - timedelta(days=1), station=station(api)["id"])
    unknown_staff = {**base, "protected": [{"name": "Dana", "staff_username": "nobody"}]}
    problem(post(api, "/api/orders", "supervisor", unknown_staff), 422)
    unknown_station = {**base, "zones": [{"label": "x", "place": "no-such-station"}]}
    problem(post(api, "/api/orders", "supervisor", unknown_station), 422)
    nowhere = {**base, "zones": [{"label": "x", "address": "99999 Nowhere Boulevard"}]}
    problem(post(api, "/api/orders", "supervisor", nowhere), 422)
    problem(post(api, "/api/orders", "dispatcher", base), 403)
    assert ok(get(api, "/api/orders", "supervisor", active="false")) == []


# -- check-ins and escorts through the API ---------------------------------------------------


def test_a_check_in_timer_is_its_owners_alone(api: Api) -> None:
    add_dana(api)
    started = ok(post(api, "/api/safety/checkins", "staffer", {"minutes": 5}), 201)
    assert (started["kind"], started["phase"], started["open"]) == ("checkin", "running", True)
    path = f"/api/safety/checkins/{started['id']}"
    problem(post(api, f"{path}/extend", "dana", {"minutes": 5}), 403)
    problem(post(api, f"{path}/cancel", "dana"), 403)
    problem(post(api, f"{path}/safe", "dana"), 403)
    problem(post(api, "/api/safety/checkins", "staffer", {"minutes": 5}), 409)
    problem(post(api, "/api/safety/checkins", "dana", {"minutes": 0}), 422)
    problem(post(api, "/api/safety/checkins/nope/safe", "staffer"), 404)
    extended = ok(post(api, f"{path}/extend", "staffer", {"minutes": 10}))
    assert extended["deadline"].startswith("2026-07-06T22:35:00")
    assert ok(post(api, f"{path}/cancel", "staffer"))["phase"] == "cancelled"
    assert ok(get(api, "/api/safety/me", "staffer"))["alarms"] == []


def test_a_missed_check_in_through_the_api_alerts_the_consoles(api: Api) -> None:
    started = ok(post(api, "/api/safety/checkins", "staffer", {"minutes": 1}), 201)
    api.clock.advance(timedelta(minutes=2))
    assert api.runtime.safety.tick() == 2
    [alarm] = ok(get(api, "/api/safety/alarms", "dispatcher"))
    assert (alarm["key"], alarm["phase"], alarm["staff_username"]) == (
        started["key"],
        "missed",
        "staffer",
    )
    [incident] = ok(get(api, "/api/incidents", "dispatcher"))
    assert (incident["chief_complaint"], incident["priority"]) == ("welfare_check", 2)
    late = ok(post(api, f"/api/safety/checkins/{started['id']}/safe", "staffer"))
    assert (late["phase"], late["open"]) == ("missed", True)
    ok(post(api, f"/api/safety/alarms/{started['key']}/ack", "dispatcher"))
    resolved = ok(
        post(api, f"/api/safety/alarms/{started['key']}/clear", "dispatcher", {"reason": "ok"})
    )
    assert resolved["phase"] == "resolved"


def test_an_escort_request_is_accepted_and_completed_from_the_consoles(api: Api) -> None:
    asked = ok(
        post(api, "/api/safety/escorts", "staffer", {"place": "Station One, back door"}), 201
    )
    key = asked["key"]
    assert (asked["kind"], asked["phase"]) == ("escort", "requested")
    assert key in open_alarm_keys(api, "supervisor")
    problem(post(api, f"/api/safety/alarms/{key}/ack", "staffer"), 403)  # no console
    accepted = ok(post(api, f"/api/safety/alarms/{key}/ack", "dispatcher"))
    assert accepted["phase"] == "accepted"
    problem(post(api, f"/api/safety/alarms/{key}/ack", "calltaker"), 409)
    done = ok(post(api, f"/api/safety/alarms/{key}/clear", "dispatcher"))
    assert (done["phase"], done["open"]) == ("completed", False)


def test_a_feeds_token_posts_reads_and_can_do_nothing_else(api: Api) -> None:
    order = add_order(api, staff_username=None)
    _, secret = api.runtime.accounts.create_token("admin", name="alpr", scopes=[Permission.FEEDS])
    api.tokens["alpr"] = secret
    result = plate_read(api, who="alpr")
    assert (result["outcome"], result["orders"]) == ("alert", [order["id"]])
    problem(get(api, "/api/orders", "alpr"), 403)
    problem(get(api, "/api/staff", "alpr"), 403)


# -- an SOS by text ---------------------------------------------------------------------------


def test_an_sos_texted_from_a_staff_phone_raises_her_sos_with_the_conversation(api: Api) -> None:
    add_dana(api)
    add_order(api)
    path = "/api/intake/twilio/sos"
    params = sms.twilio_params(body="SOS", sender="+15015550142", to=sms.TEXT_LINES["sos"])
    body, headers = sms.twilio_request(path, params)
    r = api.client.post(path, content=body, headers=headers)
    assert r.status_code == 200, r.text
    [alarm] = ok(get(api, "/api/safety/alarms", "dispatcher"))
    assert (alarm["staff_username"], alarm["source"], alarm["kind"]) == ("dana", "sms", "sos")
    [incident] = ok(get(api, "/api/incidents", "dispatcher"))
    assert incident["chief_complaint"] == "staff_sos"
    thread = ok(get(api, "/api/texts/sos:%2B15015550142", "dispatcher"))
    assert thread["incident"] == incident["id"]
    timeline = ok(get(api, f"/api/incidents/{incident['id']}/timeline", "dispatcher"))
    assert "Staff SOS raised by dana via sms, location unknown" in [e["text"] for e in timeline]
