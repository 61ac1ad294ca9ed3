"""What a simulated crew is doing, and how long each part of a response takes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emscad.simulation.config import SimulationConfig
from emscad.simulation.trips import Trip
from emscad.units.models import UnitStatus


@dataclass(frozen=True, slots=True)
class Crew:
    """The simulator's plan for one unit: the status and incident it left the unit in.

    A new Crew replaces the old at every step, and every scheduled action holds the Crew it was
    scheduled for: an action whose Crew is no longer current (a human took over, the unit was
    sent elsewhere) does nothing.
    """

    unit: str
    incident: str | None  # None while returning to quarters
    status: UnitStatus
    trip: Trip | None = None


class Dwell:
    """Random durations of the parts of a response that are not driving, in seconds."""

    def __init__(self, config: SimulationConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.rng = rng

    def _lognormal(self, median_s: float) -> float:
        # Lognormal: task times are positive and right-skewed (most scenes are quick, a few
        # long ones drag on); the median is the figure crews quote.
        value = median_s * math.exp(self.config.dwell_sigma * float(self.rng.standard_normal()))
        return max(value / self.config.speed, 1.0)

    def turnout(self) -> float:
        low, high = self.config.turnout_s
        return max(float(self.rng.uniform(low, high)) / self.config.speed, 1.0)

    def to_patient(self) -> float:
        return self._lognormal(self.config.contact_median_s)

    def on_scene(self) -> float:
        return self._lognormal(self.config.scene_median_s)

    def to_transfer(self) -> float:
        # Handover takes about 40 % of the hospital time; restocking and paperwork the rest.
        return self._lognormal(0.4 * self.config.hospital_median_s)

    def to_clear(self) -> float:
        return self._lognormal(0.6 * self.config.hospital_median_s)

    def transports(self, rate: float) -> bool:
        return bool(self.rng.random() < rate)

    def refusal(self) -> bool:
        """Of the patients not transported, about four in ten refuse care against advice."""
        return bool(self.rng.random() < 0.4)
