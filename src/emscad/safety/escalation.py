"""The escalation ladder: who an unacknowledged alarm reaches, and when.

One ladder machinery serves staff SOS, missed check-ins and unanswered escort requests.
A ladder is a list of steps (seconds after the alarm started, targets). An alarm climbs one
step at a time until a *person* acknowledges it; a system acknowledgement (a delivery
receipt) never stops it, and acknowledging does not end the alarm (clearing does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from emscad.accounts.permissions import Role
from emscad.errors import InvalidInput
from emscad.safety.models import CONSOLES, DISPATCHERS, ON_DUTY, SUPERVISORS, Audience, Target

MAX_STEPS = 10
MAX_STEP_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class LadderStep:
    after: timedelta  # since the alarm started
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class Ladder:
    steps: tuple[LadderStep, ...]

    def check(self) -> Ladder:
        if not self.steps:
            raise InvalidInput("an escalation ladder needs at least one step")
        if len(self.steps) > MAX_STEPS:
            raise InvalidInput(f"an escalation ladder has at most {MAX_STEPS} steps")
        # An alarm nobody hears at once is no alarm: the first step is at 0 s.
        if self.steps[0].after != timedelta(0):
            raise InvalidInput("the first escalation step must be at 0 s")
        for before, after in zip(self.steps, self.steps[1:], strict=False):
            if after.after <= before.after:
                raise InvalidInput("escalation steps must come later one after another")
        if self.steps[-1].after > MAX_STEP_AFTER:
            raise InvalidInput("an escalation step must come within 24 hours")
        if any(not s.targets for s in self.steps):
            raise InvalidInput("every escalation step needs at least one target")
        return self

    @property
    def top(self) -> int:
        return len(self.steps) - 1

    def targets_up_to(self, level: int) -> tuple[Target, ...]:
        """Everyone an alarm at this level has reached so far, in order, once each."""
        seen: dict[Target, None] = {}
        for step in self.steps[: level + 1]:
            seen.update(dict.fromkeys(step.targets))
        return tuple(seen)


# R8.1 and the defaults: the consoles alarm and the dispatchers are told at once,
# supervisors after a minute without a person's acknowledgement, everyone on duty after two.
DEFAULT_LADDER = Ladder(
    (
        LadderStep(timedelta(0), (CONSOLES, DISPATCHERS)),
        LadderStep(timedelta(seconds=60), (SUPERVISORS,)),
        LadderStep(timedelta(seconds=120), (ON_DUTY,)),
    )
)

# An escort nobody has taken: the dispatchers and supervisors first, then everyone on duty.
DEFAULT_ESCORT_LADDER = Ladder(
    (
        LadderStep(timedelta(0), (DISPATCHERS, SUPERVISORS)),
        LadderStep(timedelta(minutes=5), (ON_DUTY,)),
    )
)


class Escalating(Protocol):
    """What the ladder needs to know about an alarm."""

    @property
    def started_at(self) -> datetime: ...

    @property
    def level(self) -> int:
        """The highest step already reached; -1 before the first."""
        ...

    @property
    def escalating(self) -> bool:
        """False once a person has acknowledged it, or it has ended."""
        ...


@dataclass(frozen=True, slots=True)
class Alarm:
    """An `Escalating` view of a record whose own field names differ."""

    started_at: datetime
    level: int
    escalating: bool


@dataclass(frozen=True, slots=True)
class Escalation:
    level: int
    targets: tuple[Target, ...]  # the step's own targets; earlier steps' keep alarming
    due_at: datetime


def due_escalations(state: Escalating, now: datetime, ladder: Ladder) -> list[Escalation]:
    """Every step due by `now` that the alarm has not reached yet, lowest first.

    All overdue steps are returned together, so a ticker that ran late catches up rather
    than climbing one step per tick.
    """
    if not state.escalating:
        return []
    due: list[Escalation] = []
    for level in range(max(state.level + 1, 0), len(ladder.steps)):
        step = ladder.steps[level]
        at = state.started_at + step.after
        if at > now:
            break
        due.append(Escalation(level=level, targets=step.targets, due_at=at))
    return due


def next_due(state: Escalating, ladder: Ladder) -> datetime | None:
    """When the next step falls due (for the caller's timer), or None if none will."""
    level = max(state.level + 1, 0)
    if not state.escalating or level >= len(ladder.steps):
        return None
    return state.started_at + ladder.steps[level].after


# -- settings text: "0=consoles,dispatcher; 60=supervisor; 120=on_duty" --------------------------

_STEP = re.compile(r"^\s*(\d+)\s*s?\s*=\s*(.+?)\s*$")


def _target(word: str) -> Target:
    word = word.strip()
    if word == Audience.CONSOLES.value:
        return CONSOLES
    if word == Audience.ON_DUTY.value:
        return ON_DUTY
    if word.startswith("user:") and word[5:].strip():
        return Target.user(word[5:].strip())
    try:
        return Target.role(Role(word))
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(
            f"unknown escalation target {word!r} (use consoles, on_duty, user:ID or a role: "
            f"{roles})"
        ) from None


def parse_ladder(text: str) -> Ladder:
    """A ladder from settings text: `seconds=target,target; ...`."""
    steps = []
    for part in text.split(";"):
        if not part.strip():
            continue
        m = _STEP.match(part)
        if m is None:
            raise InvalidInput(
                f"an escalation step must read SECONDS=TARGETS, not {part.strip()!r}"
            )
        targets = tuple(_target(w) for w in m.group(2).split(","))
        steps.append(LadderStep(timedelta(seconds=int(m.group(1))), targets))
    return Ladder(tuple(steps)).check()


def format_ladder(ladder: Ladder) -> str:
    def word(t: Target) -> str:
        return f"user:{t.id}" if t.audience is Audience.USER else t.id or t.audience.value

    return "; ".join(
        f"{int(s.after.total_seconds())}=" + ",".join(word(t) for t in s.targets)
        for s in ladder.steps
    )
