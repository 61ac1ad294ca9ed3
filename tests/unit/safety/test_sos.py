"""Staff SOS: raising from every source, silent duress, acknowledgement, clearing, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import DomainEvent, Recorded
from emscad.incidents.models import Confidence, PersonRole, Severity, Source
from emscad.safety.escalation import DEFAULT_LADDER
from emscad.safety.events import (
    AlertIncidentLinked,
    SosAcknowledged,
    SosEscalated,
    SosRaised,
    SosSource,
)
from emscad.safety.models import CONSOLES, DISPATCHERS, Actor, Position
from emscad.safety.sos import (
    Reply,
    Sos,
    SosPhase,
    acknowledge_sos,
    apply_sos,
    clear_sos,
    escalate_sos,
    link_incident,
    may_clear,
    raise_sos,
    update_sos_location,
)
from tests.unit.safety.factories import (
    ADMIN,
    DANA,
    DISPATCHER,
    HER,
    HER_AS_SUPERVISOR,
    OTHER_DISPATCHER,
    SUPERVISOR,
    SYSTEM,
    T0,
    order,
    rec,
    staff,
)

S = timedelta(seconds=1)
PHONE = Position(-92.2890, 34.7468, 12.0)


def fold(events: list[DomainEvent], sos: Sos | None = None) -> Sos:
    for e in events:
        sos = apply_sos(sos, rec(e))
    assert sos is not None
    return sos


def raised(**kw: object) -> Sos:
    args: dict[str, object] = {
        "sos_id": "s1",
        "staff": staff(),
        "source": SosSource.APP,
        "now": T0,
        "position": PHONE,
    }
    args.update(kw)
    return raise_sos(**args).sos  # type: ignore[arg-type]


@pytest.mark.parametrize("source", [SosSource.APP, SosSource.SMS, SosSource.BUTTON])
def test_an_sos_alarms_the_consoles_at_once(source: SosSource) -> None:
    out = raise_sos(sos_id="s1", staff=staff(), source=source, now=T0, position=PHONE)
    first, step0 = out.events
    assert isinstance(first, SosRaised)
    assert isinstance(step0, SosEscalated)
    assert (step0.level, step0.targets, step0.at) == (0, (CONSOLES, DISPATCHERS), T0)
    assert not step0.silent
    assert step0.except_user is None
    assert out.sos == fold(list(out.events))
    assert out.sos.phase is SosPhase.ACTIVE
    assert out.reply is Reply.CONFIRM
    assert out.user_message.startswith("SOS received")


def test_the_sos_incident_is_top_priority_at_the_phone() -> None:
    out = raise_sos(
        sos_id="s1", staff=staff(), source=SosSource.APP, now=T0, position=PHONE, orders=[order()]
    )
    req = out.incident
    assert (req.key, req.source, req.complaint, req.priority) == (
        "sos:s1",
        Source.STAFF_SOS,
        "staff_sos",
        1,
    )
    loc = req.location
    assert (loc.lon, loc.lat, loc.uncertainty_m) == (PHONE.lon, PHONE.lat, 12.0)
    assert loc.confidence is Confidence.DEVICE
    assert loc.text == "Staff SOS: Dana Whitfield's device location (±12 m)"
    assert req.caller.phone == ""  # she is confidential: her number stays off the incident
    plain = raise_sos(
        sos_id="s2", staff=staff(confidential=False), source=SosSource.APP, now=T0
    ).incident
    assert plain.caller.phone == "501-555-0142"
    assert [p.role for p in req.persons] == [PersonRole.VICTIM, PersonRole.SUSPECT]
    (caution,) = req.cautions
    assert caution.severity is Severity.HIGH
    assert "Marcus Reed" in caution.text
    assert "ABC-1234" in caution.text
    assert "Verify with the court or NCIC before acting." in caution.text
    assert "via the app" in req.note


def test_an_sos_without_a_location_asks_the_dispatcher_to_find_them() -> None:
    out = raise_sos(sos_id="s1", staff=staff(name=""), source=SosSource.SMS, now=T0)
    assert not out.incident.location.has_point
    assert out.incident.location.text == "Staff SOS from u-dana: location unknown, find them"
    assert out.incident.cautions == ()


def test_an_sos_is_never_refused_for_a_bad_position() -> None:
    bad = raised(position=Position(0.0, 95.0))
    assert bad.position is None
    vague = raised(position=Position(-92.0, 34.0, -5.0))
    assert vague.position == Position(-92.0, 34.0, None)
    out = raise_sos(
        sos_id="s1",
        staff=staff(),
        source=SosSource.APP,
        now=T0,
        position=Position(-92.0, 34.0, None),
    )
    assert out.incident.location.text.endswith("(accuracy unknown)")


def test_a_duress_pin_is_always_silent() -> None:
    out = raise_sos(sos_id="s1", staff=staff(), source=SosSource.DURESS_PIN, now=T0)
    assert out.sos.silent
    assert out.reply is Reply.AS_IF_NOTHING_HAPPENED
    assert out.instruction.startswith("Respond to the user as if nothing happened")
    assert out.user_message == ""
    step0 = out.events[1]
    assert isinstance(step0, SosEscalated)
    assert step0.silent
    assert step0.except_user == DANA
    assert out.incident.cautions[0].kind == "silent-duress"
    assert "do not call, text or radio" in out.incident.cautions[0].text
    assert "SILENT" in out.incident.note


def test_the_app_can_raise_a_silent_sos_too() -> None:
    assert raised(silent=True).silent


def test_an_sos_needs_an_id_and_a_user() -> None:
    with pytest.raises(InvalidInput):
        raised(sos_id="")
    with pytest.raises(InvalidInput):
        raised(staff=staff(user=""))


# -- acknowledgement ---------------------------------------------------------------------------


def test_a_persons_acknowledgement_stops_escalation() -> None:
    sos = raised()
    (ack,) = acknowledge_sos(sos, DISPATCHER, T0 + 10 * S)
    sos = fold([ack], sos)
    assert sos.phase is SosPhase.ACKNOWLEDGED
    assert (sos.acknowledged_by, sos.acknowledged_at) == ("u-disp", T0 + 10 * S)
    assert escalate_sos(sos, T0 + 3600 * S) == []
    assert acknowledge_sos(sos, OTHER_DISPATCHER, T0 + 11 * S) == []  # already acknowledged


def test_two_dispatchers_acknowledging_at_once_keep_the_first() -> None:
    sos = raised()
    first = acknowledge_sos(sos, DISPATCHER, T0 + S)
    second = acknowledge_sos(sos, OTHER_DISPATCHER, T0 + 2 * S)  # raced: both saw it open
    sos = fold(first + second, sos)
    assert (sos.acknowledged_by, sos.acknowledged_at) == ("u-disp", T0 + S)


def test_targets_read_as_audience_and_id() -> None:
    assert str(CONSOLES) == "consoles"
    assert str(DISPATCHERS) == "role:dispatcher"


def test_a_system_acknowledgement_does_not_count() -> None:
    sos = raised()
    (ack,) = acknowledge_sos(sos, SYSTEM, T0 + S)
    assert isinstance(ack, SosAcknowledged)
    assert not ack.human
    sos = fold([ack], sos)
    assert sos.phase is SosPhase.ACTIVE
    assert sos.system_acks == 1
    assert [e.level for e in escalate_sos(sos, T0 + 60 * S)] == [1]
    acked = fold(acknowledge_sos(sos, DISPATCHER, T0 + 2 * S), sos)
    assert fold([ack], acked).acknowledged_by == "u-disp"


def test_the_raiser_and_non_console_roles_cannot_acknowledge() -> None:
    sos = raised()
    with pytest.raises(Forbidden, match="your own SOS"):
        acknowledge_sos(sos, HER_AS_SUPERVISOR, T0)
    with pytest.raises(Forbidden, match="call-taker, dispatcher or supervisor"):
        acknowledge_sos(sos, ADMIN, T0)


# -- clearing ----------------------------------------------------------------------------------


def test_a_supervisor_clears_with_a_reason() -> None:
    sos = raised()
    cleared = clear_sos(sos, SUPERVISOR, T0 + 90 * S, "police with her, she is safe")
    sos = fold([cleared], sos)
    assert sos.phase is SosPhase.CLEARED
    assert (sos.cleared_by, sos.clear_reason) == ("u-sup", "police with her, she is safe")
    assert escalate_sos(sos, T0 + 3600 * S) == []
    for act in (
        lambda: clear_sos(sos, SUPERVISOR, T0, "again"),
        lambda: acknowledge_sos(sos, DISPATCHER, T0),
        lambda: update_sos_location(sos, PHONE, T0),
    ):
        with pytest.raises(Conflict):
            act()


def test_the_dispatcher_who_acknowledged_may_clear_and_no_one_else_below_supervisor() -> None:
    sos = fold(acknowledge_sos(raised(), DISPATCHER, T0), raised())
    assert may_clear(sos, DISPATCHER)
    assert not may_clear(sos, OTHER_DISPATCHER)
    with pytest.raises(Forbidden):
        clear_sos(sos, OTHER_DISPATCHER, T0, "fine")
    assert clear_sos(sos, DISPATCHER, T0, "false alarm, confirmed in person").by == "u-disp"


def test_the_raiser_a_system_and_an_admin_cannot_clear() -> None:
    sos = raised()
    for who in (HER, HER_AS_SUPERVISOR, SYSTEM, ADMIN, Actor("u-sup", frozenset(), human=True)):
        assert not may_clear(sos, who)
        with pytest.raises(Forbidden):
            clear_sos(sos, who, T0, "ok")


def test_clearing_needs_a_reason() -> None:
    with pytest.raises(InvalidInput, match="the reason for clearing is required"):
        clear_sos(raised(), SUPERVISOR, T0, " ")


# -- location and the incident -----------------------------------------------------------------


def test_location_updates_follow_the_phone() -> None:
    moved = Position(-92.29, 34.75, 5.0)
    sos = fold([update_sos_location(raised(), moved, T0 + S)], raised())
    assert sos.position == moved
    with pytest.raises(InvalidInput):
        update_sos_location(sos, Position(500, 0), T0)


def test_linking_the_incident() -> None:
    sos = raised()
    linked = link_incident(sos, "i-9")
    assert linked.incident_id == "i-9"  # on the incident's own timeline too
    sos = fold([linked], sos)
    assert sos.incident == "i-9"
    other = AlertIncidentLinked(alarm="sos:s2", incident="i-10")
    assert fold([other], sos) is sos


def test_events_for_other_soses_are_ignored() -> None:
    sos = raised()
    other = SosAcknowledged(sos="s2", by="u", at=T0, human=True)
    assert fold([other], sos) is sos
    assert apply_sos(None, rec(other)) is None
    from emscad.safety.events import CheckInCancelled

    assert fold([CheckInCancelled(checkin="s1", at=T0)], sos) is sos


# -- the state machine -------------------------------------------------------------------------

ACTORS = [DISPATCHER, OTHER_DISPATCHER, SUPERVISOR, ADMIN, SYSTEM, HER, HER_AS_SUPERVISOR]


class SosMachine(RuleBasedStateMachine):
    """Random presses, ticks, acknowledgements and clears never break the SOS rules."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.log: list[Recorded] = []
        self.sos: Sos | None = None
        self.level_at_ack: int | None = None

    def _record(self, events: list[DomainEvent]) -> None:
        for e in events:
            r = Recorded(seq=len(self.log) + 1, at=self.now, actor="t", event=e)
            self.log.append(r)
            self.sos = apply_sos(self.sos, r)

    def _due_level(self) -> int:
        assert self.sos is not None
        elapsed = self.now - self.sos.started_at
        return max(i for i, s in enumerate(DEFAULT_LADDER.steps) if s.after <= elapsed)

    @precondition(lambda self: self.sos is None)
    @rule(source=st.sampled_from(list(SosSource)), silent=st.booleans())
    def press(self, source: SosSource, silent: bool) -> None:
        out = raise_sos(
            sos_id="s1", staff=staff(), source=source, now=self.now, position=PHONE, silent=silent
        )
        self._record(list(out.events))
        assert self.sos == out.sos

    @rule(seconds=st.integers(min_value=0, max_value=90))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @precondition(lambda self: self.sos is not None)
    @rule()
    def tick(self) -> None:
        assert self.sos is not None
        self._record(list(escalate_sos(self.sos, self.now)))
        if self.sos.open and self.sos.acknowledged_by is None:
            # Unacknowledged: always at the highest step due, up to the top.
            assert self.sos.level == self._due_level()

    @precondition(lambda self: self.sos is not None)
    @rule(who=st.sampled_from(ACTORS))
    def acknowledge(self, who: Actor) -> None:
        assert self.sos is not None
        try:
            events = acknowledge_sos(self.sos, who, self.now)
        except (Forbidden, Conflict):
            return
        before = self.sos.acknowledged_by
        self._record(events)
        if before is None and self.sos.acknowledged_by is not None:
            assert who.human
            self.level_at_ack = self.sos.level

    @precondition(lambda self: self.sos is not None)
    @rule(who=st.sampled_from(ACTORS))
    def clear(self, who: Actor) -> None:
        assert self.sos is not None
        allowed = self.sos.open and (
            who.human
            and who.user != DANA
            and (who is SUPERVISOR or who.user == self.sos.acknowledged_by)
        )
        try:
            event = clear_sos(self.sos, who, self.now, "resolved")
        except (Forbidden, Conflict):
            assert not allowed
            return
        assert allowed
        self._record([event])

    @precondition(lambda self: self.sos is not None)
    @rule(dlon=st.floats(min_value=-0.01, max_value=0.01))
    def move(self, dlon: float) -> None:
        assert self.sos is not None
        try:
            event = update_sos_location(self.sos, Position(PHONE.lon + dlon, PHONE.lat), self.now)
        except Conflict:
            assert not self.sos.open
            return
        self._record([event])

    @invariant()
    def no_escalation_after_a_person_acknowledges(self) -> None:
        if self.sos is not None and self.level_at_ack is not None:
            assert self.sos.level == self.level_at_ack

    @invariant()
    def only_authorised_people_cleared_it(self) -> None:
        if self.sos is not None and self.sos.cleared_by is not None:
            assert self.sos.cleared_by in ("u-sup", self.sos.acknowledged_by)
            assert self.sos.cleared_by != DANA

    @invariant()
    def the_log_replays_to_the_same_state(self) -> None:
        replayed: Sos | None = None
        for r in self.log:
            replayed = apply_sos(replayed, r)
        assert replayed == self.sos
        from emscad.events import DomainEvent as Base

        for r in self.log:
            again = Base.from_payload(r.event.type, r.event.payload())
            assert again == r.event


TestSosMachine = SosMachine.TestCase
TestSosMachine.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
