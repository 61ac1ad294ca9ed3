"""The issue's scenario over a real server: the people, the order, the consoles' live streams.

`set_the_scene` puts a running emscad (tests.factories.server.serving) where the story
starts: a dispatcher on shift whom an active protective order protects from a former
employee, supervisors and colleagues on duty, his photo and two vehicles on file. Every step
goes through the HTTP API as the person who would take it. `LiveStreams` holds the consoles'
live streams (SSE), each read in a background event loop, and records the moment each event
arrived, so a test can measure how long an alert took to reach a screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2

from emscad.clock import FixedClock
from emscad.notify.models import Notification
from emscad.storage.notify_sql import SqlOutbox
from emscad.web.runtime import Runtime
from tests.factories import sms
from tests.factories.api import seed

LOCAL = ZoneInfo("America/Chicago")  # the agency's zone (Settings' default)
HER = "dispatcher"  # the protected dispatcher: the seeded dispatcher persona
HIM = "mreed"  # the former employee
HER_NAME = "Dana Whitfield"
HIS_NAME = "Marcus Reed"
HER_MOBILE = "+15015550142"
HER_PIN = "2580"
HER_PASSWORD = "quiet-harbour-lantern-1987"
CONSOLES = ("calltaker", "dispatcher", "dispatcher2", "supervisor", "supervisor2")
TRUCK = {"plate": "ABC-1234", "state": "AR", "make": "Ford", "model": "F-150", "colour": "black"}
CAR = {"plate": "XYZ 789", "state": "AR", "make": "Honda", "model": "Civic", "colour": "silver"}
# What any caution or alert describing him must carry, as `Respondent.describe` writes it.
HIS_DESCRIPTION = (
    HIS_NAME,
    "male",
    "5 ft 11 in",
    "190 lb",
    "tattoo of a cross on the left forearm",
    "photo on file",
    "AR ABC-1234 (black Ford F-150)",
    "AR XYZ 789 (silver Honda Civic)",
)
# Extra people beyond tests.factories.api.PERSONAS: (username, role, name).
COLLEAGUES = (
    ("dispatcher2", "dispatcher", "Lee Ortiz"),  # the console next to hers
    ("supervisor2", "supervisor", "Kim Day"),  # on the evening shift
    ("nightsup", "supervisor", "Ray Moss"),  # the night supervisor, off duty at 17:20
    (HIM, "call_taker", HIS_NAME),  # fired weeks ago; his account was never closed
)


def local(day: datetime, hh: int, mm: int = 0) -> datetime:
    """That day's hh:mm in the agency's zone (the clock's day, in Little Rock)."""
    d = day.astimezone(LOCAL)
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=LOCAL)


def offset(lon: float, lat: float, *, east_m: float, north_m: float) -> tuple[float, float]:
    """A point some metres east and north of another (small distances)."""
    per_deg = 111_320.0
    return lon + east_m / (per_deg * math.cos(math.radians(lat))), lat + north_m / per_deg


# -- live streams --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """One event as a console received it, and when (time.monotonic())."""

    seq: int
    type: str
    event: dict[str, Any]  # as the API shows it: id, type, at, actor, incident, data
    at: float

    @property
    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = self.event["data"]
        return found


@dataclass
class Stream:
    """One console's live stream: the events it got so far, in order."""

    name: str
    status: int | None = None
    ended: bool = False
    events: list[Arrival] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def _add(self, arrival: Arrival) -> None:
        with self.changed:
            self.events.append(arrival)
            self.changed.notify_all()

    def _end(self) -> None:
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_for(
        self, what: Callable[[Arrival], bool], *, timeout: float = 5.0, label: str = ""
    ) -> Arrival:
        """The first event that matches, waiting up to `timeout` seconds for it to come."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = next((a for a in self.events if what(a)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    seen = [a.type for a in self.events]
                    raise AssertionError(
                        f"{self.name}'s stream did not get {label or 'the event'} in {timeout} s"
                        f" (ended: {self.ended}); it got {seen}"
                    )
                self.changed.wait(left)

    def wait_ended(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}'s stream was still open after {timeout} s")
                self.changed.wait(left)

    def types(self) -> list[str]:
        with self.changed:
            return [a.type for a in self.events]

    def matching(self, what: Callable[[Arrival], bool]) -> list[Arrival]:
        with self.changed:
            return [a for a in self.events if what(a)]


class LiveStreams:
    """Consoles' live streams, read in one background event loop until `close`.

    Close it before the server stops: an open stream would hold up its graceful shutdown.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sse", daemon=True)
        self._thread.start()
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx2.AsyncClient | None = None

    def __enter__(self) -> LiveStreams:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self, name: str, token: str, *, after: int) -> Stream:
        """Connect as `name` and return once the server has said "connected"."""
        stream = Stream(name)
        future = asyncio.run_coroutine_threadsafe(self._open(stream, token, after), self._loop)
        future.result(timeout=15)
        return stream

    async def _open(self, stream: Stream, token: str, after: int) -> None:
        if self._client is None:
            limits = httpx2.Limits(max_connections=200, max_keepalive_connections=0)
            timeout = httpx2.Timeout(10.0, read=None)  # a quiet stream is not a dead one
            self._client = httpx2.AsyncClient(base_url=self.url, timeout=timeout, limits=limits)
        connected = asyncio.Event()
        task = asyncio.create_task(self._read(stream, token, after, connected))
        self._tasks.append(task)
        waiting = asyncio.create_task(connected.wait())
        # Connected, or refused (the task ends): waiting on the reader does not stop it.
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()

    async def _read(self, stream: Stream, token: str, after: int, connected: asyncio.Event) -> None:
        assert self._client is not None
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._client.stream(
                "GET", "/api/stream", params={"after": after}, headers=headers
            ) as r:
                stream.status = r.status_code
                if r.status_code != 200:
                    return
                data: list[str] = []
                async for line in r.aiter_lines():
                    if line.startswith(":"):
                        connected.set()  # the server's "connected" comment
                    elif line.startswith("data:"):
                        data.append(line.removeprefix("data:").removeprefix(" "))
                    elif line == "" and data:
                        event = json.loads("\n".join(data))
                        data = []
                        arrival = Arrival(
                            seq=int(event["id"]),
                            type=str(event["type"]),
                            event=event,
                            at=time.monotonic(),
                        )
                        stream._add(arrival)
        except (httpx2.HTTPError, asyncio.CancelledError):
            pass
        finally:
            connected.set()
            stream._end()

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._client is not None:
                await self._client.aclose()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._loop.close()


# -- the scene -----------------------------------------------------------------------------------


@dataclass
class Scene:
    """A running server with the scenario's people, order and places; the API as each person."""

    url: str
    rt: Runtime
    clock: FixedClock
    live: LiveStreams
    http: httpx2.Client
    tokens: dict[str, str]
    users: dict[str, str]  # username -> user id
    station: dict[str, Any]  # Station One, as GET /api/stations shows it
    home: tuple[float, float]  # her home (lon, lat)
    lot: tuple[float, float]  # the staff parking lot behind Station One
    order: dict[str, Any] = field(default_factory=dict)  # the order as the supervisor entered it

    # -- the API as a person ---------------------------------------------------------------

    def call(
        self,
        who: str,
        method: str,
        path: str,
        *,
        status: int = 200,
        **kwargs: Any,
    ) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kwargs.pop("headers", {})}
        r = self.http.request(method, path, headers=headers, **kwargs)
        assert r.status_code == status, f"{method} {path} as {who}: {r.status_code} {r.text}"
        return r

    def get(self, who: str, path: str, **kwargs: Any) -> Any:
        return self.call(who, "GET", path, **kwargs).json()

    def post(self, who: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        r = self.call(who, "POST", path, json=body, status=status)
        return r.json() if r.content else None

    def put(self, who: str, path: str, body: Any, *, status: int = 200) -> Any:
        r = self.call(who, "PUT", path, json=body, status=status)
        return r.json() if r.content else None

    # -- what the scenario looks at --------------------------------------------------------

    def watch(self, *names: str, after: int | None = None) -> dict[str, Stream]:
        """Open these people's live streams from now (or after event `after`)."""
        start = self.rt.dispatch.last_seq() if after is None else after
        return {n: self.live.open(n, self.tokens[n], after=start) for n in names}

    def tick(self, *, seconds: float = 0) -> int:
        """Move the clock on and run the safety ticker once, as the server's worker would."""
        if seconds:
            self.clock.advance(timedelta(seconds=seconds))
        return self.rt.safety.tick()

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Every event of a type in the log, as the supervisor reads it."""
        page = self.get("supervisor", "/api/events", params={"after": 0, "limit": 1000})
        assert len(page) < 1000
        return [e for e in page if e["type"] == kind]

    def notifications(self, alarm: str) -> list[Notification]:
        return SqlOutbox(self.rt.database).for_alarm(alarm)

    def incident(self, incident_id: str, who: str = HER) -> dict[str, Any]:
        found: dict[str, Any] = self.get(who, f"/api/incidents/{incident_id}")
        return found

    def timeline(self, incident_id: str, who: str = "supervisor") -> list[str]:
        """The incident's timeline, as the lines a person reads."""
        return [str(e["text"]) for e in self.get(who, f"/api/incidents/{incident_id}/timeline")]

    def audit(self) -> list[dict[str, Any]]:
        """The whole audit trail, as the supervisor reads it."""
        out: list[dict[str, Any]] = []
        while True:
            after = out[-1]["seq"] if out else 0
            page = self.get("supervisor", "/api/audit", params={"after": after, "limit": 1000})
            out += page
            if len(page) < 1000:
                return out

    def audit_intact(self) -> dict[str, Any]:
        verdict: dict[str, Any] = self.get("supervisor", "/api/audit/verify")
        return verdict

    def recommendation(self, incident_id: str, who: str = "dispatcher2") -> dict[str, Any]:
        found: dict[str, Any] = self.get(who, f"/api/incidents/{incident_id}/recommendation")
        return found

    def marker(self) -> int:
        """An event every console sees (a note on a routine call): the number it got.

        Streams are in order, so once a stream has the marker it has had every event before
        it: what it did not get by then, it was never going to get.
        """
        made = self.post(
            "calltaker",
            "/api/incidents",
            {"location": {"text": "1 Marker St", "lon": self.home[0], "lat": self.home[1]}},
            status=201,
        )
        self.post("calltaker", f"/api/incidents/{made['id']}/notes", {"text": "marker"}, status=201)
        return self.rt.dispatch.last_seq()

    @contextlib.contextmanager
    def chatter(self) -> Iterator[None]:
        """A busy line: the call-taker adds notes to a routine call until the block ends."""
        made = self.post(
            "calltaker",
            "/api/incidents",
            {"location": {"text": "2 Busy St", "lon": self.home[0], "lat": self.home[1]}},
            status=201,
        )
        stop = threading.Event()
        headers = {"Authorization": f"Bearer {self.tokens['calltaker']}"}

        def talk() -> None:
            with httpx2.Client(base_url=self.url, headers=headers, timeout=30) as client:
                while not stop.is_set():
                    r = client.post(f"/api/incidents/{made['id']}/notes", json={"text": "busy"})
                    assert r.status_code == 201, r.text

        thread = threading.Thread(target=talk, name="chatter", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=30)

    # -- the people's own actions ----------------------------------------------------------

    def terminate_him(self) -> dict[str, Any]:
        """The admin offboards him: account closed, and a no-entry watch linked to the order."""
        body = {
            "reason": "conduct; under a protective order naming a colleague",
            "no_entry": True,
            "photo_ref": "photo:mreed-badge",
            "vehicles": [TRUCK, CAR],
            "linked_order": self.order["id"],
        }
        found: dict[str, Any] = self.post("admin", f"/api/admin/users/{HIM}/terminate", body)
        return found

    def plate_read(self, plate: dict[str, str], where: tuple[float, float]) -> dict[str, Any]:
        """The Station One lot camera reads a plate now (a machine token with `feeds`)."""
        body = {
            "plate": plate["plate"].replace(" ", "").lower(),  # as cameras send them
            "state": plate["state"],
            "camera": "st1-lot-east",
            "lon": where[0],
            "lat": where[1],
            "at": self.clock.now().isoformat(),
            "confidence": 0.94,
            "image": "alpr:55120",
        }
        found: dict[str, Any] = self.post("admin", "/api/watch/plate-reads", body)
        return found

    def text(self, line: str, body: str, *, sender: str, sid: str) -> httpx2.Response:
        """An SMS as Twilio delivers it to the agency's line, signed."""
        path = f"/api/intake/twilio/{line}"
        params = sms.twilio_params(sid, body=body, sender=sender, to=sms.TEXT_LINES[line])
        content, headers = sms.twilio_request(path, params)
        return self.http.post(path, content=content, headers=headers)


def _shift(start: datetime, end: datetime, station: str) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat(), "station": station}


def _staff(name: str, mobile: str, email: str, station: str, shifts: list[Any]) -> dict[str, Any]:
    return {
        "name": name,
        "station": station,
        "mobile_phone": mobile,
        "email": email,
        "schedule": shifts,
    }


def set_the_scene(url: str, rt: Runtime, clock: FixedClock, live: LiveStreams) -> Scene:
    """17:20 in Little Rock: the people, their shifts, Station One, and the order entered."""
    tokens = seed(rt)
    http = httpx2.Client(base_url=url, timeout=30)
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for username, role, name in COLLEAGUES:
        made = http.post(
            "/api/admin/users",
            json={"username": username, "roles": [role], "name": name},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        minted = http.post(f"/api/admin/users/{username}/tokens", json={"name": "t"}, headers=admin)
        assert minted.status_code == 201, minted.text
        tokens[username] = minted.json()["token"]
    ids = {u.username: u.id for u in rt.accounts.users()}

    stations = http.get("/api/stations", headers={"Authorization": f"Bearer {tokens[HER]}"})
    # Station One: the region's "Station 1" (aliases: Station One, Medic 1), an EMS station.
    station = next(s for s in stations.json() if s["kind"] == "ems" and s["name"] == "Station 1")
    lot = offset(station["lon"], station["lat"], east_m=40, north_m=-25)
    net = rt.region.network
    # Her home: the road node farthest from Station One, well outside its zone.
    far = max(
        range(0, net.n_nodes, 97),
        key=lambda i: (
            (float(net.node_lon[i]) - station["lon"]) ** 2
            + (float(net.node_lat[i]) - station["lat"]) ** 2
        ),
    )
    home = (float(net.node_lon[far]), float(net.node_lat[far]))
    scene = Scene(
        url=url,
        rt=rt,
        clock=clock,
        live=live,
        http=http,
        tokens=tokens,
        users=ids,
        station=station,
        home=home,
        lot=lot,
    )

    # Shifts: the day shift ends at 17:30; the evening shift runs 15:00-23:00.
    now = clock.now()
    day = _shift(local(now, 7, 30), local(now, 17, 30), station["id"])
    evening = _shift(local(now, 15), local(now, 23), station["id"])
    night = _shift(local(now, 23), local(now, 23) + timedelta(hours=8), station["id"])
    records = {
        HER: {
            **_staff(HER_NAME, HER_MOBILE, "dana@example.org", station["id"], [day]),
            "home_address": "12 Quiet Lane",
            "confidential": True,  # an order protects her: home and schedule kept close
        },
        "dispatcher2": _staff("Lee Ortiz", "+15015550143", "", station["id"], [evening]),
        "calltaker": _staff("Sam Fox", "+15015550144", "", station["id"], [evening]),
        "supervisor": _staff(
            "Pat Lane", "+15015550145", "pat@example.org", station["id"], [evening]
        ),
        "supervisor2": _staff("Kim Day", "+15015550146", "", station["id"], [evening]),
        "nightsup": _staff("Ray Moss", "+15015550147", "", station["id"], [night]),
        HIM: _staff(HIS_NAME, "+15015550999", "", station["id"], []),
    }
    for username, record in records.items():
        scene.put("supervisor", f"/api/staff/{username}", record)

    # The supervisor enters the order from her certified copy (issued three weeks ago).
    body = {
        "number": "60DR-26-1187",
        "court": "Pulaski County Circuit Court",
        "issued": (now - timedelta(days=20)).isoformat(),
        "expires": (now + timedelta(days=345)).isoformat(),
        "conditions": ["04", "05"],
        "protected": [{"name": HER_NAME, "phones": [HER_MOBILE], "staff_username": HER}],
        "respondent": {
            "name": HIS_NAME,
            "descriptors": {
                "sex": "male",
                "race": "W",
                "height_in": 71,
                "weight_lb": 190,
                "hair": "brown",
                "eyes": "blue",
                "marks": ["tattoo of a cross on the left forearm"],
            },
            "photo_ref": "photo:60DR-26-1187",
            "phones": ["+15015550999"],
            "vehicles": [TRUCK, CAR],
        },
        "source": "certified copy brought in by the protected person",
        "zones": [
            {"label": "Her home", "kind": "residence", "lon": home[0], "lat": home[1]},
            {"label": "Station One", "kind": "workplace", "place": station["id"]},
        ],
    }
    scene.order = scene.post("supervisor", "/api/orders", body, status=201)
    return scene


def all_text(value: Any) -> str:
    """Every string inside a JSON value, joined: for "does it mention X anywhere"."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(all_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(all_text(v) for v in value)
    return ""


def step_of(n: Notification) -> int:
    """The ladder step a notification belongs to (its dedupe key: alarm|step|channel|address)."""
    return int(n.dedupe_key.split("|")[1])


def recipients(notifications: list[Notification], *, step: int | None = None) -> set[str]:
    """The user ids a set of notifications reaches ("*" for every console)."""
    return {
        n.recipient.user or n.recipient.address
        for n in notifications
        if step is None or step_of(n) == step
    }
