"""Request bodies of the safety API and their mapping to domain values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import AwareDatetime, Field

from emscad.errors import InvalidInput
from emscad.geocoding import GeocodeIndex
from emscad.safety.feeds import GpsEvent, GpsEventKind, PlateRead
from emscad.safety.models import Position
from emscad.safety.orders import (
    DEFAULT_ZONE_RADIUS_M,
    Condition,
    Descriptors,
    ProtectedPerson,
    ProtectiveOrder,
    Respondent,
    StayAwayZone,
    Vehicle,
    ZoneKind,
)
from emscad.web.api.schemas import Body

Short = Field(default="", max_length=200)
ZONE_MIN_SCORE = 0.8  # a zone's address must geocode this well, or give coordinates


class PositionIn(Body):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    uncertainty_m: float | None = Field(default=None, ge=0, le=1_000_000)

    def domain(self) -> Position:
        return Position(lon=self.lon, lat=self.lat, uncertainty_m=self.uncertainty_m)


class VehicleIn(Body):
    plate: str = Field(min_length=1, max_length=20)
    state: str = Field(default="", max_length=20)
    make: str = Short
    model: str = Short
    colour: str = Short

    def domain(self) -> Vehicle:
        return Vehicle(
            plate=self.plate, state=self.state, make=self.make, model=self.model, colour=self.colour
        )


class DescriptorsIn(Body):
    sex: str = Short
    race: str = Short
    dob: str = Field(default="", max_length=10, description="YYYY-MM-DD")
    height_in: int | None = Field(default=None, ge=12, le=108)
    weight_lb: int | None = Field(default=None, ge=1, le=1500)
    hair: str = Short
    eyes: str = Short
    marks: list[str] = Field(default_factory=list, max_length=50)


class RespondentIn(Body):
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    descriptors: DescriptorsIn = Field(default_factory=DescriptorsIn)
    photo_ref: str = Field(default="", max_length=500)
    phones: list[str] = Field(default_factory=list, max_length=50)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=50)
    devices: list[str] = Field(
        default_factory=list, max_length=50, description="Offender-monitor device ids"
    )

    def domain(self) -> Respondent:
        d = self.descriptors
        return Respondent(
            name=self.name,
            aliases=tuple(self.aliases),
            descriptors=Descriptors(
                sex=d.sex,
                race=d.race,
                dob=d.dob,
                height_in=d.height_in,
                weight_lb=d.weight_lb,
                hair=d.hair,
                eyes=d.eyes,
                marks=tuple(d.marks),
            ),
            photo_ref=self.photo_ref,
            phones=tuple(self.phones),
            vehicles=tuple(v.domain() for v in self.vehicles),
            devices=tuple(self.devices),
        )


class ProtectedIn(Body):
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    phones: list[str] = Field(default_factory=list, max_length=50)
    staff_username: str | None = Field(
        default=None, max_length=40, description="When the protected person works here"
    )


class ZoneIn(Body):
    id: str = Field(default="", max_length=60, description="The monitoring vendor's zone id")
    label: str = Field(min_length=1, max_length=200)
    kind: ZoneKind = ZoneKind.OTHER
    place: str | None = Field(default=None, max_length=40, description="A station id")
    address: str = Field(default="", max_length=200, description="Geocoded when no lon/lat")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    radius_m: float = Field(default=DEFAULT_ZONE_RADIUS_M, gt=0, le=50_000)


class OrderIn(Body):
    number: str = Field(min_length=1, max_length=200, description="The court's order number")
    court: str = Field(min_length=1, max_length=200)
    issued: AwareDatetime
    expires: AwareDatetime | None = None
    conditions: list[Condition] = Field(min_length=1, max_length=9)
    protected: list[ProtectedIn] = Field(min_length=1, max_length=50)
    respondent: RespondentIn
    source: str = Field(min_length=1, max_length=200, description="Where this copy came from")
    zones: list[ZoneIn] = Field(default_factory=list, max_length=50)
    misc: str = Field(default="", max_length=4000)
    brady: bool = False

    def domain(
        self,
        order_id: str,
        *,
        user_ids: dict[str, str],
        stations: dict[str, tuple[float, float]],
        geocoder: GeocodeIndex,
    ) -> ProtectiveOrder:
        """The order, with usernames turned into user ids and zone addresses geocoded."""
        protected = []
        for p in self.protected:
            staff = None
            if p.staff_username is not None:
                staff = user_ids.get(p.staff_username.lower())
                if staff is None:
                    raise InvalidInput(f"no user {p.staff_username!r} for a protected person")
            protected.append(
                ProtectedPerson(
                    name=p.name, aliases=tuple(p.aliases), phones=tuple(p.phones), staff_user=staff
                )
            )
        zones = [
            _zone(z, i, stations=stations, geocoder=geocoder) for i, z in enumerate(self.zones)
        ]
        return ProtectiveOrder(
            id=order_id,
            number=self.number,
            court=self.court,
            issued=self.issued,
            expires=self.expires,
            conditions=tuple(self.conditions),
            protected=tuple(protected),
            respondent=self.respondent.domain(),
            source=self.source,
            zones=tuple(zones),
            misc=self.misc,
            brady=self.brady,
        )


def _zone(
    z: ZoneIn, index: int, *, stations: dict[str, tuple[float, float]], geocoder: GeocodeIndex
) -> StayAwayZone:
    zone_id = z.id or f"zone-{index + 1}"
    if z.place is not None:
        if z.place not in stations:
            raise InvalidInput(f"zone {z.label!r}: no station {z.place!r}")
        lon, lat = stations[z.place]
    elif z.lon is not None and z.lat is not None:
        lon, lat = z.lon, z.lat
    elif z.address.strip():
        found = geocoder.search(z.address, limit=1)
        if not found or found[0].score < ZONE_MIN_SCORE:
            raise InvalidInput(
                f"zone {z.label!r}: the address {z.address!r} was not found; "
                "give its coordinates (lon, lat)"
            )
        lon, lat = found[0].lon, found[0].lat
    else:
        raise InvalidInput(f"zone {z.label!r} needs a station, coordinates or an address")
    return StayAwayZone(
        id=zone_id,
        label=z.label,
        lon=lon,
        lat=lat,
        radius_m=z.radius_m,
        kind=z.kind,
        place=z.place,
    )


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class OptionalReasonIn(Body):
    reason: str = Field(default="", max_length=500)


class PlateReadIn(Body):
    plate: str = Field(min_length=1, max_length=20)
    state: str = Field(default="", max_length=20)
    camera: str = Field(min_length=1, max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    at: AwareDatetime = Field(description="When the camera read the plate")
    confidence: float = Field(ge=0, le=1)
    image: str = Field(default="", max_length=500, description="A reference to the image")

    def domain(self) -> PlateRead:
        return PlateRead(
            plate=self.plate,
            state=self.state,
            camera=self.camera,
            position=Position(self.lon, self.lat),
            at=self.at,
            confidence=self.confidence,
            image=self.image,
        )


class MonitoringIn(Body):
    kind: GpsEventKind
    device: str = Field(min_length=1, max_length=100)
    at: AwareDatetime
    position: PositionIn | None = None
    zone: str = Field(default="", max_length=60, description="The vendor's zone id")

    def domain(self) -> GpsEvent:
        return GpsEvent(
            kind=self.kind,
            device=self.device,
            at=self.at,
            position=self.position.domain() if self.position else None,
            zone=self.zone,
        )


class ButtonIn(Body):
    username: str = Field(min_length=1, max_length=40, description="Whose button it is")
    position: PositionIn | None = None
    silent: bool = False


class SosIn(Body):
    position: PositionIn | None = Field(default=None, description="The browser's geolocation")


class CheckInIn(Body):
    minutes: int = Field(ge=1, le=720)
    note: str = Field(default="", max_length=200, description='e.g. "walking to my car"')
    position: PositionIn | None = None

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)


class ExtendIn(Body):
    minutes: int = Field(ge=1, le=720)


class SafeIn(Body):
    pin: str = Field(default="", max_length=12, description="Your PIN, if you use one")
    position: PositionIn | None = None


class EscortIn(Body):
    place: str = Field(min_length=1, max_length=200, description="Where to meet")
    note: str = Field(default="", max_length=200)
    position: PositionIn | None = None


class PinIn(Body):
    pin: str = Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")


class ShiftIn(Body):
    start: AwareDatetime
    end: AwareDatetime
    station: str | None = Field(default=None, max_length=40)


class StaffIn(Body):
    name: str = Field(min_length=1, max_length=200)
    station: str | None = Field(default=None, max_length=40)
    work_phone: str = Field(default="", max_length=40)
    mobile_phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    home_address: str = Field(default="", max_length=200)
    schedule: list[ShiftIn] = Field(default_factory=list, max_length=200)
    confidential: bool = False


class TerminateIn(Body):
    reason: str = Field(min_length=1, max_length=500)
    no_entry: bool = Field(default=True, description="Put him on watch at every station")
    photo_ref: str = Field(default="", max_length=500)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=20)
    linked_order: str | None = Field(default=None, max_length=40)


def position_of(body: Any) -> Position | None:
    found = getattr(body, "position", None)
    return found.domain() if isinstance(found, PositionIn) else None
