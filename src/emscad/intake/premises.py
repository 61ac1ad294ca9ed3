"""Premise caution records: saving and removing them as events, so each change is on the log."""

from __future__ import annotations

from dataclasses import dataclass, replace

from emscad.errors import NotFound
from emscad.events import DomainEvent
from emscad.intake.history import PremiseCaution, check_premise_caution


class _PremiseEvent(DomainEvent):
    caution: PremiseCaution

    @property
    def subject(self) -> str | None:
        return f"premise:{self.caution.id}"


@dataclass(frozen=True, kw_only=True)
class PremiseCautionSaved(_PremiseEvent):
    type = "premise.caution_saved"
    caution: PremiseCaution
    before: PremiseCaution | None


@dataclass(frozen=True, kw_only=True)
class PremiseCautionRemoved(_PremiseEvent):
    type = "premise.caution_removed"
    caution: PremiseCaution


def save(before: PremiseCaution | None, caution: PremiseCaution) -> list[DomainEvent]:
    """Events to create or change a caution; none when nothing changes."""
    check_premise_caution(caution)
    version = before.version if before is not None else 0
    after = replace(caution, version=version + 1)
    if before is not None and replace(before, version=0) == replace(caution, version=0):
        return []
    return [PremiseCautionSaved(caution=after, before=before)]


def remove(caution: PremiseCaution | None, caution_id: str) -> list[DomainEvent]:
    if caution is None:
        raise NotFound(f"no premise caution {caution_id!r}")
    return [PremiseCautionRemoved(caution=caution)]


def describe(event: DomainEvent) -> str | None:
    if isinstance(event, PremiseCautionSaved):
        c = event.caution
        verb = "changed" if event.before is not None else "added"
        where = c.address or f"{c.lat:.5f}, {c.lon:.5f}"
        return f"Premise caution {verb} at {where}: {c.kind} ({c.severity.value})"
    if isinstance(event, PremiseCautionRemoved):
        return f"Premise caution removed: {event.caution.kind} at {event.caution.address}"
    return None
