"""Response plans: what a complaint and priority require (data, reviewed by a medical director)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from emscad.errors import DataError

PRIORITIES = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Complaint:
    code: str
    label: str
    priority: int  # the default priority for the complaint
    capabilities: tuple[str, ...]  # what the first unit must have
    also: tuple[tuple[str, ...], ...] = ()  # further units the plan sends, by capability
    hospital: tuple[str, ...] = ()  # what the destination must offer besides an emergency room


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a particular incident needs, and why."""

    capabilities: tuple[str, ...]
    also: tuple[tuple[str, ...], ...]
    hospital: tuple[str, ...]
    basis: str  # e.g. "chest pain (P1)", for the dispatcher


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    name: str
    version: str
    complaints: tuple[Complaint, ...]
    priority_capabilities: dict[int, tuple[str, ...]]

    def complaint(self, text: str) -> Complaint | None:
        """The complaint a chief complaint names, by code or label (case-insensitive)."""
        key = text.strip().lower()
        for c in self.complaints:
            if key in (c.code, c.label.lower()):
                return c
        return None

    def requirement(self, chief_complaint: str, priority: int) -> Requirement:
        """The complaint's needs plus what the incident's own priority asks for.

        A call-taker who raises a fall to priority 1 gets an ALS unit even though falls
        usually get BLS: the higher urgency wins.
        """
        by_priority = self.priority_capabilities.get(priority, ())
        complaint = self.complaint(chief_complaint) if chief_complaint else None
        if complaint is None:
            label = chief_complaint.strip() or "no complaint"
            return Requirement(
                capabilities=by_priority,
                also=(),
                hospital=("emergency",),
                basis=f"{label} (P{priority})",
            )
        caps = tuple(dict.fromkeys((*complaint.capabilities, *by_priority)))
        # A unit of the police or a supervisor does not need a medical level on top.
        if {"police", "supervisor"} & set(complaint.capabilities):
            caps = complaint.capabilities
        return Requirement(
            capabilities=caps,
            also=complaint.also,
            hospital=("emergency", *complaint.hospital),
            basis=f"{complaint.label.lower()} (P{priority})",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "priority_capabilities": {
                str(k): list(v) for k, v in sorted(self.priority_capabilities.items())
            },
            "complaints": [
                {
                    "code": c.code,
                    "label": c.label,
                    "priority": c.priority,
                    "capabilities": list(c.capabilities),
                    "also": [list(a) for a in c.also],
                    "hospital": list(c.hospital),
                }
                for c in self.complaints
            ],
        }


def parse_plan(data: Any, *, source: str) -> ResponsePlan:
    """Build and check a plan; any mistake is a DataError naming the source and the entry."""
    try:
        complaints = tuple(
            Complaint(
                code=str(c["code"]),
                label=str(c["label"]),
                priority=int(c["priority"]),
                capabilities=tuple(str(x) for x in c["capabilities"]),
                also=tuple(tuple(str(x) for x in group) for group in c.get("also", ())),
                hospital=tuple(str(x) for x in c.get("hospital", ())),
            )
            for c in data["complaints"]
        )
        by_priority = {
            int(k): tuple(str(x) for x in v) for k, v in data["priority_capabilities"].items()
        }
        plan = ResponsePlan(
            name=str(data.get("name", source)),
            version=str(data.get("version", "")),
            complaints=complaints,
            priority_capabilities=by_priority,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"response plan {source} is malformed: {exc!r}") from None
    codes = [c.code for c in plan.complaints]
    if len(set(codes)) != len(codes):
        raise DataError(f"response plan {source} lists a complaint code twice")
    for c in plan.complaints:
        if c.priority not in PRIORITIES:
            raise DataError(f"response plan {source}: {c.code} has priority {c.priority}")
    if set(plan.priority_capabilities) != set(PRIORITIES):
        raise DataError(f"response plan {source} must give capabilities for priorities 1 to 4")
    return plan


def load_plan(path: Path | None = None) -> ResponsePlan:
    """The plan at `path`, or the built-in default."""
    if path is None:
        text = resources.files("emscad.recommend").joinpath("default_plan.json").read_text()
        return parse_plan(json.loads(text), source="(built-in)")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the response plan {path}: {exc}") from None
    return parse_plan(data, source=str(path))
