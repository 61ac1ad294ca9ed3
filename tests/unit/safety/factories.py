"""Safety-layer test data: an order protecting a dispatcher, her station, and a tiny event log."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from emscad.accounts.permissions import Role
from emscad.events import DomainEvent, Recorded
from emscad.safety import board as boards
from emscad.safety.models import Actor
from emscad.safety.orders import (
    Condition,
    Descriptors,
    ProtectedPerson,
    ProtectiveOrder,
    Respondent,
    StayAwayZone,
    Vehicle,
    ZoneKind,
)
from emscad.safety.staff import StaffRecord
from emscad.safety.zones import ProtectedPlace

T0 = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)

STATION_ONE = ProtectedPlace("st-1", "Station One", lon=-92.2896, lat=34.7465)
STATION_TWO = ProtectedPlace("st-2", "Station Two", lon=-92.3700, lat=34.7900)
HOME = (-92.3412, 34.7601)  # her home: never printed in a caution
FAR_AWAY = (-92.2000, 34.6500)  # a street across town, in no zone

PLATE_TRUCK = Vehicle("ABC-1234", "AR", "Ford", "F-150", "black")
PLATE_CAR = Vehicle("XYZ 789", "AR", "Honda", "Civic", "silver")

DANA = "u-dana"


def respondent(**changes: Any) -> Respondent:
    r = Respondent(
        name="Marcus Reed",
        aliases=("Marc Reed",),
        descriptors=Descriptors(
            sex="male",
            race="white",
            dob="1984-03-02",
            height_in=71,
            weight_lb=190,
            hair="brown",
            eyes="blue",
            marks=("tattoo left forearm",),
        ),
        photo_ref="photo:po-1",
        phones=("(501) 555-0199",),
        vehicles=(PLATE_TRUCK, PLATE_CAR),
        devices=("GPS-77",),
    )
    return replace(r, **changes)


def protected(**changes: Any) -> ProtectedPerson:
    p = ProtectedPerson(name="Dana Whitfield", phones=("501-555-0142",), staff_user=DANA)
    return replace(p, **changes)


def order(**changes: Any) -> ProtectiveOrder:
    o = ProtectiveOrder(
        id="po-1",
        number="23-DR-1234",
        court="Pulaski County Circuit Court",
        issued=T0 - timedelta(days=30),
        expires=T0 + timedelta(days=335),
        conditions=(
            Condition.NO_ABUSE,
            Condition.STAY_AWAY,
            Condition.NO_CONTACT,
            Condition.NO_FIREARMS,
        ),
        protected=(protected(),),
        respondent=respondent(),
        source="copy of the order from the protected person",
        zones=(
            StayAwayZone("z-home", "Her home", *HOME, kind=ZoneKind.RESIDENCE),
            StayAwayZone(
                "z-st1",
                "Station One",
                STATION_ONE.lon,
                STATION_ONE.lat,
                kind=ZoneKind.WORKPLACE,
                place="st-1",
            ),
        ),
    )
    return replace(o, **changes)


def staff(user: str = DANA, **changes: Any) -> StaffRecord:
    s = StaffRecord(
        user=user,
        name="Dana Whitfield",
        station="st-1",
        work_phone="501-555-0100",
        mobile_phone="501-555-0142",
        home_address="12 Elm St",
        confidential=True,
    )
    return replace(s, **changes)


def actor(user: str, *roles: Role, human: bool = True) -> Actor:
    return Actor(user, frozenset(roles), human)


DISPATCHER = actor("u-disp", Role.DISPATCHER)
OTHER_DISPATCHER = actor("u-disp2", Role.DISPATCHER)
SUPERVISOR = actor("u-sup", Role.SUPERVISOR)
ADMIN = actor("u-admin", Role.ADMIN)
SYSTEM = actor("sms-gateway", human=False)
HER = actor(DANA, Role.DISPATCHER)
HER_AS_SUPERVISOR = actor(DANA, Role.SUPERVISOR)


def rec(event: DomainEvent, at: datetime = T0, seq: int = 1) -> Recorded:
    return Recorded(seq=seq, at=at, actor="t", event=event)


@dataclass
class Log:
    """Records events and folds them into a safety board, as storage will."""

    events: list[Recorded] = field(default_factory=list)
    board: boards.SafetyBoard = field(default_factory=boards.SafetyBoard)

    def record(self, *events: DomainEvent, at: datetime = T0) -> None:
        for event in events:
            r = Recorded(seq=len(self.events) + 1, at=at, actor="t", event=event)
            self.events.append(r)
            self.board = boards.apply(self.board, r)
