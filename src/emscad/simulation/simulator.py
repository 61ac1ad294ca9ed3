"""The simulator: generated calls, automatic dispatch and field crews on the live services.

Everything goes through the DispatchService like a human's command, under the actor
"simulator", so the board, the audit trail and the NEMSIS times see a simulated shift exactly
as they would a real one. A discrete-event loop (an Agenda of due actions) runs on the
injected clock: real time in the demo, a FixedClock jumped from action to action in tests.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from emscad.clock import Clock, FixedClock
from emscad.dispatch.service import DispatchService
from emscad.errors import EmscadError
from emscad.incidents.models import Incident, IncidentStatus, Source
from emscad.recommend.scoring import qualifies
from emscad.recommend.service import Recommender
from emscad.regions.model import Region
from emscad.simulation.agenda import Agenda
from emscad.simulation.calls import CallGenerator, transport_rate
from emscad.simulation.config import SimulationConfig
from emscad.simulation.crews import Crew, Dwell
from emscad.simulation.field import FieldCrews
from emscad.units.models import Unit

log = logging.getLogger("emscad.simulation")

OPEN = (IncidentStatus.PENDING, IncidentStatus.ACTIVE)


class Simulator:
    def __init__(
        self,
        dispatch: DispatchService,
        *,
        recommender: Recommender,
        region: Region,
        clock: Clock,
        rng: np.random.Generator,
        config: SimulationConfig | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.recommender = recommender
        self.clock = clock
        self.config = config or SimulationConfig()
        self.agenda = Agenda()
        self.calls = CallGenerator(
            region, recommender.plan, rng, place_share=self.config.place_share
        )
        self.counts: Counter[str] = Counter()  # calls, dispatched, closed, taken_over, errors
        self.field = FieldCrews(
            dispatch,
            recommender=recommender,
            agenda=self.agenda,
            clock=clock,
            dwell=Dwell(self.config, rng),
            config=self.config,
            counts=self.counts,
        )
        self._known: set[str] = set()  # open incidents seen at the last poll
        self._pending_since: dict[str, datetime] = {}
        self._unplaceable: dict[str, int] = {}  # incident -> version the recommender refused
        self._started = False

    @property
    def actor(self) -> str:
        return self.config.actor

    def crews(self) -> dict[str, Crew]:
        """The units the simulator is driving now, by unit id."""
        return dict(self.field.crews)

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule the recurring actions (done by the first step; calling again is harmless)."""
        if self._started:
            return
        self._started = True
        now = self.clock.now()
        if self.config.rate_per_hour > 0:
            first = self.config.first_call_s
            gap = self.calls.gap_s(self.config.rate_per_hour) if first is None else first
            self.agenda.at(now + _s(gap), self._arrival)
        self.agenda.at(now, self._poll)
        self.agenda.at(now + _s(self.config.fix_interval_s), self._avl)

    def next_due(self) -> datetime | None:
        return self.agenda.next_due()

    def step_until(self, until: datetime) -> int:
        """Run every action due at or before `until`; the number run."""
        self.start()
        ran = 0
        while (action := self.agenda.pop_due(until)) is not None:
            ran += 1
            # A lost race with a human (Conflict), a unit removed (NotFound): log, carry on.
            self.field.guarded(action)
        return ran

    def run_forever(self, stop: threading.Event) -> None:
        """Run in real time until `stop` is set; no error ends the thread."""
        while not stop.is_set():
            try:
                self.step_until(self.clock.now())
            except Exception:
                self.counts["errors"] += 1
                log.exception("simulation step failed; carrying on")
                stop.wait(1.0)  # a database that is down should not become a busy loop
                continue
            due = self.next_due()
            wait = 1.0 if due is None else (due - self.clock.now()).total_seconds()
            stop.wait(min(max(wait, 0.0), 1.0))

    # -- recurring actions: each schedules its next run first, so a failure cannot end it ---

    def _arrival(self) -> None:
        now = self.clock.now()
        self.agenda.at(now + _s(self.calls.gap_s(self.config.rate_per_hour)), self._arrival)
        call = self.calls.call()
        incident, _ = self.dispatch.create_incident(
            self.actor,
            source=Source.GENERATED,
            location=call.location,
            triage=call.triage,
            caller=call.caller,
            persons=call.persons,
        )
        self.counts["calls"] += 1
        self._known.add(incident.id)
        self._pending_since[incident.id] = incident.received_at
        log.info(
            "simulation: call %s, %s at %s",
            incident.number,
            call.triage.chief_complaint,
            call.location.text,
        )

    def _poll(self) -> None:
        """Re-read the board: follow units humans dispatched, dispatch waiting calls, close."""
        now = self.clock.now()
        self.agenda.at(now + _s(self.config.poll_interval_s), self._poll)
        units = self.dispatch.units()
        self.field.follow(units, now)
        waiting = self._track_pending(self.dispatch.incidents(OPEN), now)
        if self.config.auto_dispatch:
            self._auto_dispatch(waiting, units, now)
        for incident_id in list(self.field.closing):
            self.field.guarded(functools.partial(self.field.try_close, incident_id))

    def _avl(self) -> None:
        now = self.clock.now()
        self.agenda.at(now + _s(self.config.fix_interval_s), self._avl)
        fixes = self.field.fixes(now)
        if fixes:
            self.dispatch.report_positions(fixes)

    # -- automatic dispatch ----------------------------------------------------------------

    def _track_pending(self, incidents: Sequence[Incident], now: datetime) -> list[Incident]:
        """Open incidents waiting for a unit; remembers when each started waiting."""
        waiting = [i for i in incidents if i.status is IncidentStatus.PENDING and not i.units]
        ids = {i.id for i in waiting}
        for incident_id in [i for i in self._pending_since if i not in ids]:
            del self._pending_since[incident_id]
        for i in waiting:
            # A new call waits from when it was received; one whose units were cancelled
            # waits from now, so the dispatcher who cancelled has time to choose again.
            self._pending_since.setdefault(i.id, now if i.id in self._known else i.received_at)
        self._known = {i.id for i in incidents}
        return waiting

    def _auto_dispatch(self, waiting: Sequence[Incident], units: list[Unit], now: datetime) -> None:
        wait = _s(self.config.dispatch_after_s)
        due = [
            i
            for i in waiting
            if now - self._pending_since[i.id] >= wait
            and i.location.has_point
            and self._unplaceable.get(i.id) != i.version
        ]
        due.sort(key=lambda i: (i.priority, i.received_at))  # the most urgent gets first pick
        for incident in due:
            need = self.recommender.requirement(incident).capabilities
            # Only ask the recommender when some unit could go: with a backlog of calls and
            # every unit busy, a poll stays a couple of reads.
            if any(_free(u) and qualifies(u, need) for u in units):
                self.field.guarded(functools.partial(self._dispatch_one, incident, now))
                units = self.dispatch.units()

    def _dispatch_one(self, incident: Incident, now: datetime) -> None:
        try:
            result = self.recommender.recommend(
                incident,
                units=self.dispatch.units(),
                stations=self.dispatch.stations(),
                hospitals=self.dispatch.hospitals(),
                now=now,
            )
        except EmscadError:
            self._unplaceable[incident.id] = incident.version  # until someone edits it
            raise
        if not result.units:
            log.debug("simulation: no unit free for %s yet", incident.number)
            return
        choice = result.units[0]
        _, unit = self.dispatch.assign(self.actor, incident.id, choice.unit)
        self.counts["dispatched"] += 1
        self._pending_since.pop(incident.id, None)
        log.info("simulation: dispatched %s to %s", choice.call_sign, incident.number)
        suggested = next((h for h in result.hospitals if h.suggested), None)
        usually = transport_rate(incident.chief_complaint, self.config.transport_rates) >= 0.5
        if usually and suggested is not None and incident.destination is None:
            self.dispatch.set_destination(self.actor, incident.id, suggested.hospital)
        self.field.adopt(unit, now)  # replaces its drive home if it was returning


def _free(unit: Unit) -> bool:
    return unit.active and (unit.status.available or unit.status.clearing)


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def fast_forward(simulator: Simulator, clock: FixedClock, until: datetime) -> None:
    """Run a simulation on a virtual clock, jumping it from one due action to the next.

    Each action runs with the clock at its own due time, so every event is stamped when it
    was scheduled: deterministic, and hours of shift take seconds.
    """
    simulator.start()
    while (due := simulator.next_due()) is not None and due <= until:
        if due > clock.now():
            clock.set(due)
        simulator.step_until(clock.now())
    if until > clock.now():
        clock.set(until)
    simulator.step_until(until)
