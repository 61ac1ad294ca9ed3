"""The safety layer's settings as domain values, and the agency's protected places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from emscad.agency.models import StationKind
from emscad.config import Settings
from emscad.dispatch.ports import Transaction
from emscad.errors import InvalidInput
from emscad.safety.checkins import DEFAULT_GRACE
from emscad.safety.escalation import DEFAULT_ESCORT_LADDER, DEFAULT_LADDER, Ladder, parse_ladder
from emscad.safety.matching import NAME_MATCH_THRESHOLD
from emscad.safety.offers import DEFAULT_RECENT_ALERT, DEFAULT_TIMER
from emscad.safety.orders import DEFAULT_ZONE_RADIUS_M
from emscad.safety.watch import DEFAULT_DEDUPE_WINDOW
from emscad.safety.zones import ProtectedPlace


@dataclass(frozen=True, slots=True)
class SafetyPolicy:
    sos_ladder: Ladder = DEFAULT_LADDER
    checkin_ladder: Ladder = DEFAULT_LADDER
    escort_ladder: Ladder = DEFAULT_ESCORT_LADDER
    grace: timedelta = DEFAULT_GRACE
    dedupe: timedelta = DEFAULT_DEDUPE_WINDOW
    recent_alert: timedelta = DEFAULT_RECENT_ALERT
    timer: timedelta = DEFAULT_TIMER
    name_threshold: float = NAME_MATCH_THRESHOLD
    place_radius_m: float = DEFAULT_ZONE_RADIUS_M

    @staticmethod
    def from_settings(settings: Settings) -> SafetyPolicy:
        """Raises InvalidInput (naming the setting) for a ladder that cannot be used."""
        return SafetyPolicy(
            sos_ladder=_ladder("EMSCAD_SOS_LADDER", settings.sos_ladder),
            checkin_ladder=_ladder("EMSCAD_CHECKIN_LADDER", settings.checkin_ladder),
            escort_ladder=_ladder("EMSCAD_ESCORT_LADDER", settings.escort_ladder),
            grace=timedelta(seconds=settings.checkin_grace_s),
            dedupe=timedelta(seconds=settings.watch_dedupe_s),
            recent_alert=timedelta(hours=settings.shift_end_recent_alert_h),
            timer=timedelta(minutes=settings.shift_end_timer_min),
            name_threshold=settings.name_match_threshold,
            place_radius_m=settings.protected_place_radius_m,
        )

    def places(self, tx: Transaction) -> list[ProtectedPlace]:
        """Every EMS station is a protected place: staff work there, and a former employee
        knows them all (safety.zones.zones_of). Standby posts are not buildings."""
        return [
            ProtectedPlace(
                id=s.id, label=s.name, lon=s.lon, lat=s.lat, radius_m=self.place_radius_m
            )
            for s in tx.list_stations()
            if s.kind is StationKind.EMS
        ]


def _ladder(name: str, text: str) -> Ladder:
    try:
        return parse_ladder(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{name}: {exc}") from None
