"""The demo's live shift: generated calls, automatic dispatch and simulated field crews."""

from emscad.simulation.config import SimulationConfig
from emscad.simulation.runner import Services, SimulationHandle, start_simulation
from emscad.simulation.simulator import Simulator, fast_forward

__all__ = [
    "Services",
    "SimulationConfig",
    "SimulationHandle",
    "Simulator",
    "fast_forward",
    "start_simulation",
]
