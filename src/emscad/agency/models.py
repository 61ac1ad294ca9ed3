"""The agency's fixed resources: stations and hospitals."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# What hospitals are known for; a response plan asks for these by name.
HOSPITAL_CAPABILITIES = (
    "emergency",
    "trauma",
    "stroke",
    "stemi",
    "pediatric",
    "burn",
    "obstetrics",
)


class StationKind(StrEnum):
    EMS = "ems"
    FIRE = "fire"
    POLICE = "police"
    POST = "post"  # a standby post, not a building


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    name: str
    lon: float
    lat: float
    kind: StationKind = StationKind.EMS
    address: str = ""
    version: int = 0


@dataclass(frozen=True, slots=True)
class Hospital:
    id: str
    name: str
    lon: float
    lat: float
    capabilities: tuple[str, ...] = ("emergency",)
    address: str = ""
    diversion: bool = False  # refusing ambulances for now
    diversion_reason: str = ""
    version: int = 0
