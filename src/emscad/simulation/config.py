"""The simulator's knobs, with the defaults the demo uses."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from emscad.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """How busy the shift is and how fast it runs.

    `speed` divides the crews' dwell times (turnout, time on scene, time at the hospital) so a
    demo moves fast enough to watch; `drive_speed` divides driving times, which stay real by
    default so the units glide across the map at believable speeds.
    """

    rate_per_hour: float = 40.0  # calls a wall-clock hour: one every 90 s
    # The first call this many seconds after the start; None: a random gap like any other
    # (which at 40 an hour is over three minutes one start in ten). The demo takes a few
    # seconds, so its board moves at once.
    first_call_s: float | None = None
    auto_dispatch: bool = True
    dispatch_after_s: float = 20.0  # a call waits this long for a human before the simulator acts
    speed: float = 1.0
    drive_speed: float = 1.0
    place_share: float = 0.05  # calls at a named place rather than an address point
    turnout_s: tuple[float, float] = (30.0, 90.0)  # uniform, before the speed factor
    contact_median_s: float = 90.0  # on scene to at patient
    scene_median_s: float = 15 * 60.0  # at patient to leaving the scene
    hospital_median_s: float = 20 * 60.0  # arriving at the hospital to back in service
    dwell_sigma: float = 0.45  # lognormal shape of every dwell time
    fix_interval_s: float = 5.0  # AVL reports while driving
    poll_interval_s: float = 2.0  # how often the board is re-read for human actions
    transport_rates: dict[str, float] = field(default_factory=dict)  # by complaint code
    actor: str = "simulator"

    def __post_init__(self) -> None:
        positive = {
            "speed": self.speed,
            "drive_speed": self.drive_speed,
            "contact_median_s": self.contact_median_s,
            "scene_median_s": self.scene_median_s,
            "hospital_median_s": self.hospital_median_s,
            "fix_interval_s": self.fix_interval_s,
            "poll_interval_s": self.poll_interval_s,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise InvalidInput(f"simulation {name} must be a positive number")
        non_negative = {
            "rate_per_hour": self.rate_per_hour,
            "first_call_s": 0.0 if self.first_call_s is None else self.first_call_s,
            "dispatch_after_s": self.dispatch_after_s,
            "dwell_sigma": self.dwell_sigma,
        }
        for name, value in non_negative.items():
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(f"simulation {name} must be zero or more")
        if not 0 <= self.place_share <= 1:
            raise InvalidInput("simulation place_share must be between 0 and 1")
        low, high = self.turnout_s
        if not 0 <= low <= high:
            raise InvalidInput("simulation turnout_s must be (low, high) with 0 <= low <= high")
        for code, rate in self.transport_rates.items():
            if not 0 <= rate <= 1:
                raise InvalidInput(f"simulation transport rate of {code!r} must be 0 to 1")
        if not self.actor.strip():
            raise InvalidInput("the simulation needs an actor name")
