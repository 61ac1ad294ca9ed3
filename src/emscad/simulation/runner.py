"""Starting the simulator beside a running server, in a daemon thread."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np

from emscad.clock import Clock
from emscad.dispatch.service import DispatchService
from emscad.recommend.service import Recommender
from emscad.regions.model import Region
from emscad.simulation.config import SimulationConfig
from emscad.simulation.simulator import Simulator

log = logging.getLogger("emscad.simulation")


class Services(Protocol):
    """What the simulator needs from a running server (emscad.web.runtime.Runtime has it).

    A Protocol rather than the Runtime itself keeps the simulation free of web imports.
    """

    @property
    def dispatch(self) -> DispatchService: ...
    @property
    def recommender(self) -> Recommender: ...
    @property
    def region(self) -> Region: ...
    @property
    def clock(self) -> Clock: ...


class SimulationHandle:
    """A running simulation: `stop()` ends it and waits for its thread."""

    def __init__(self, simulator: Simulator, thread: threading.Thread, stop: threading.Event):
        self.simulator = simulator
        self._thread = thread
        self._stop = stop

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)


def start_simulation(
    runtime: Services,
    *,
    rate_per_hour: float = 40.0,
    auto_dispatch: bool = True,
    speed: float = 4.0,
    first_call_s: float | None = None,
    seed: int | None = None,
    config: SimulationConfig | None = None,
) -> SimulationHandle:
    """Start generating calls and driving crews on the runtime's services until stopped.

    The simulator runs on the runtime's clock, which in a server is the system clock: its
    events are stamped like any dispatcher's. `config`, when given, overrides the rate,
    auto-dispatch, speed and first-call arguments. `seed` None draws fresh entropy (a
    different shift on every start); an integer replays the same calls against the same
    board.
    """
    cfg = config or SimulationConfig(
        rate_per_hour=rate_per_hour,
        auto_dispatch=auto_dispatch,
        speed=speed,
        first_call_s=first_call_s,
    )
    simulator = Simulator(
        runtime.dispatch,
        recommender=runtime.recommender,
        region=runtime.region,
        clock=runtime.clock,
        rng=np.random.default_rng(seed),
        config=cfg,
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=simulator.run_forever, args=(stop,), name="emscad-simulation", daemon=True
    )
    thread.start()
    log.info(
        "simulation started: %.0f calls an hour, auto-dispatch %s, dwell times x1/%g",
        cfg.rate_per_hour,
        "on" if cfg.auto_dispatch else "off",
        cfg.speed,
    )
    return SimulationHandle(simulator, thread, stop)
