"""Cautions the system keeps on incidents: premise cautions and protective orders.

A caution source owns every caution whose `source` starts with its prefix ("premise:").
Whenever an incident is taken or its location, caller or persons change, each source is
asked again, and its cautions on the incident are replaced by the fresh answer; so they are
when a source's record is saved, and when one comes into force or lapses by the clock
(`DispatchService.expire_cautions`, run by the server's ticker). Clients
cannot add or remove a managed caution by editing the list: those edits are dropped, since
a warning must go where it is kept (the premise record, the order), not off one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from emscad.dispatch.ports import Transaction
from emscad.errors import InvalidInput
from emscad.incidents.lifecycle import MAX_CAUTIONS
from emscad.incidents.models import Caller, Caution, Location, Person
from emscad.intake.history import keys, premise_cautions


@dataclass(frozen=True, slots=True)
class CautionQuery:
    """What a source may match on: the incident as it will be after the change."""

    location: Location
    caller: Caller
    persons: tuple[Person, ...]
    at: datetime


class CautionSource(Protocol):
    prefix: str  # owns cautions whose source starts with this

    def cautions(self, tx: Transaction, query: CautionQuery) -> list[Caution]: ...

    def changes_between(self, tx: Transaction, after: datetime, until: datetime) -> bool:
        """Whether one of its records started or stopped applying in (after, until] by the
        clock alone (an end date passing): open incidents' cautions are then out of date."""
        ...


class PremiseCautions:
    """The standing cautions of the place (intake.history)."""

    prefix = "premise:"

    def cautions(self, tx: Transaction, query: CautionQuery) -> list[Caution]:
        location = query.location
        candidates = tx.premise_cautions_near(
            sorted(keys(location)), location.lon, location.lat, now=query.at
        )
        return [c.to_caution() for c in premise_cautions(location, candidates, now=query.at)]

    def changes_between(self, tx: Transaction, after: datetime, until: datetime) -> bool:
        return tx.premise_cautions_expiring(after, until)


def merge(
    given: Sequence[Caution],
    sources: Sequence[CautionSource],
    tx: Transaction,
    query: CautionQuery,
    *,
    keep_given: bool = False,
) -> tuple[Caution, ...]:
    """Every source's cautions first, then the dispatcher's own cautions from `given`.

    A full list refuses more of the dispatcher's cautions; it never drops a managed one.
    With `keep_given` (the system raising an incident) every given caution stays, and a
    source's caution is added only if none with its source is already there.
    """
    prefixes = tuple(s.prefix for s in sources)
    if keep_given or not prefixes:
        own = list(given)
    else:
        own = [c for c in given if not c.source.startswith(prefixes)]
    present = {c.source for c in own} if keep_given else set()
    managed = [c for s in sources for c in s.cautions(tx, query) if c.source not in present][
        :MAX_CAUTIONS
    ]
    if len(managed) + len(own) > MAX_CAUTIONS:
        raise InvalidInput(
            f"at most {MAX_CAUTIONS} cautions: {len(managed)} are kept by the system for this "
            "place or these people"
        )
    return tuple(managed + own)
