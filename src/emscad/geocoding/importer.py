"""Address import: rows of a county GIS export (address, lon, lat...) into a region's points.

Pure: rows in, a new address table out, with a report. Bad rows are counted by reason and
skipped; only a missing column stops the import. Re-importing the same rows adds nothing: a
row is a duplicate of an existing point when its normalised address (house number, street
key, unit) and its coordinates (to the stored 1e-7 degree) are the same.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from emscad.errors import InvalidInput
from emscad.geo import E7, LocalPlane, to_e7
from emscad.geocoding.normalize import fold, house_number, street_key, unit_key
from emscad.geocoding.usps import STATES, UNIT_DESIGNATORS
from emscad.regions.model import NO_STRING, AddressSource, AddressTable
from emscad.regions.strings import StringPool

OUTSIDE_MARGIN_M = 1000.0  # points this far outside the region's box are someone else's
EXAMPLES_PER_REASON = 5
_HOUSE = re.compile(r"^\s*(\d+(?:-\d+)?[A-Za-z]{0,2}|[NSEWnsew]\d+[NSEWnsew]\d+)(\s+\d/\d)?\s+")
_UNIT = re.compile(
    r"\s+(?:(" + "|".join(k for k in UNIT_DESIGNATORS if k != "#") + r")\.?\s+|#\s*)(\S+)\s*$",
    re.IGNORECASE,
)
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


class Reject(StrEnum):
    """Why a row was skipped."""

    MISSING_ADDRESS = "missing address"
    NO_HOUSE_NUMBER = "no house number"
    NO_STREET = "no street name"
    BAD_COORDINATES = "coordinates not numbers"
    OUT_OF_RANGE = "coordinates out of range"
    OUTSIDE_REGION = "outside the region"


@dataclass(frozen=True, slots=True)
class Columns:
    """Which CSV columns hold what (matched exactly, else ignoring case)."""

    address: str = "address"
    lon: str = "lon"
    lat: str = "lat"
    city: str | None = None
    zip: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    added: int
    duplicates: int
    rejected: dict[str, int] = field(default_factory=dict)
    examples: dict[str, tuple[int, ...]] = field(default_factory=dict)  # reason -> line numbers

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "added": self.added,
            "duplicates": self.duplicates,
            "rejected": dict(self.rejected),
            "rejected_total": sum(self.rejected.values()),
            "examples": {k: list(v) for k, v in self.examples.items()},
        }


@dataclass(frozen=True, eq=False)
class ImportResult:
    addresses: AddressTable
    strings: tuple[str, ...]
    report: ImportReport


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    housenumber: str
    number: int
    street: str
    unit: str = ""
    city: str = ""
    zip: str = ""


def parse_address(text: str) -> ParsedAddress | Reject:
    """ "1200 W 7th St Apt 4, Riverton, AR 72201" -> its parts, spelled as written."""
    text = " ".join(text.split())
    if not text:
        return Reject.MISSING_ADDRESS
    line, _, locality = text.partition(",")
    m = _HOUSE.match(line + " ")
    number = house_number(fold(m.group(1))) if m else None
    if m is None or number is None:
        return Reject.NO_HOUSE_NUMBER
    housenumber = m.group(1) + (f" {m.group(2).strip()}" if m.group(2) else "")
    street = (line + " ")[m.end() :].strip()
    unit = ""
    u = _UNIT.search(" " + street)
    if u and u.start() > 0:
        designator = (u.group(1) or "#").upper()
        unit = f"#{u.group(2)}" if designator == "#" else f"{u.group(1)} {u.group(2)}"
        street = (" " + street)[: u.start()].strip()
    if not street or not any(c.isalpha() for c in street):
        return Reject.NO_STREET
    city, zip_code = _locality(locality)
    return ParsedAddress(housenumber, number, street, unit, city, zip_code)


def import_rows(
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    columns: Columns,
    *,
    base: AddressTable,
    strings: tuple[str, ...],
    bbox: tuple[float, float, float, float] | None = None,
    replace: bool = False,
) -> ImportResult:
    """Add the rows' address points to `base` (source IMPORTED); see the module docstring.

    `replace` drops the points an earlier import added first, for a fresh county export.
    """
    col = _column_indices(header, columns)
    if replace:
        base = select_rows(base, base.source != AddressSource.IMPORTED.code)
    pool = StringPool(strings)
    seen = _existing_keys(base, strings)
    inside = _box_test(bbox)
    rejected: dict[str, int] = {}
    examples: dict[str, list[int]] = {}
    new: list[tuple[float, float, int, int, int, int, int, int]] = []
    total = duplicates = 0
    street_keys: dict[str, str] = {}  # county files repeat each street hundreds of times
    for line_no, cells in rows:
        total += 1
        result = _row(cells, col, inside)
        if isinstance(result, Reject):
            rejected[result.value] = rejected.get(result.value, 0) + 1
            lines = examples.setdefault(result.value, [])
            if len(lines) < EXAMPLES_PER_REASON:
                lines.append(line_no)
            continue
        addr, lon, lat = result
        skey = street_keys.get(addr.street)
        if skey is None:
            skey = street_keys[addr.street] = street_key(addr.street)
        key = _key(addr.housenumber, skey, addr.unit, lon, lat)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        new.append(
            (
                lon,
                lat,
                pool.add(addr.housenumber),
                addr.number,
                pool.add(addr.street),
                pool.add(addr.unit),
                pool.add(addr.city),
                pool.add(addr.zip),
            )
        )
    report = ImportReport(
        rows=total,
        added=len(new),
        duplicates=duplicates,
        rejected=dict(sorted(rejected.items())),
        examples={k: tuple(v) for k, v in sorted(examples.items())},
    )
    return ImportResult(_append(base, new), pool.freeze(), report)


def _row(
    cells: Sequence[str], col: dict[str, int], inside: Any
) -> tuple[ParsedAddress, float, float] | Reject:
    def cell(name: str) -> str:
        i = col.get(name, -1)
        return cells[i].strip() if 0 <= i < len(cells) else ""

    parsed = parse_address(cell("address"))
    if isinstance(parsed, Reject):
        return parsed
    try:
        lon, lat = float(cell("lon")), float(cell("lat"))
    except ValueError:
        return Reject.BAD_COORDINATES
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return Reject.BAD_COORDINATES
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return Reject.OUT_OF_RANGE
    if not inside(lon, lat):
        return Reject.OUTSIDE_REGION
    unit = cell("unit")
    if unit:
        parsed = replace(parsed, unit=unit)
    city, zip_code = cell("city"), cell("zip")
    if city or zip_code:
        parsed = replace(parsed, city=city or parsed.city, zip=zip_code or parsed.zip)
    # Rounded to the stored 1e-7 degree, as quantize_deg does, so duplicates compare equal.
    return parsed, round(lon * E7) / E7, round(lat * E7) / E7


def _column_indices(header: Sequence[str], columns: Columns) -> dict[str, int]:
    wanted = {
        "address": columns.address,
        "lon": columns.lon,
        "lat": columns.lat,
        "city": columns.city,
        "zip": columns.zip,
        "unit": columns.unit,
    }
    out: dict[str, int] = {}
    folded = [h.strip().casefold() for h in header]
    for role, name in wanted.items():
        if name is None:
            continue
        if name in header:
            out[role] = list(header).index(name)
        elif name.strip().casefold() in folded:
            out[role] = folded.index(name.strip().casefold())
        else:
            shown = ", ".join(header) if len(header) <= 20 else ", ".join(header[:20]) + ", ..."
            raise InvalidInput(f"no column {name!r} for the {role} (the columns are: {shown})")
    return out


def _locality(text: str) -> tuple[str, str]:
    """City and ZIP from what follows the first comma: "Riverton, AR 72201"."""
    parts = [p.strip() for p in text.replace(",", " , ").split(",") if p.strip()]
    words = " ".join(parts).split()
    zip_code = ""
    if words and _ZIP.match(words[-1]):
        zip_code = words.pop()[:5]
    if words and fold(words[-1]) in STATES:
        words.pop()
    return " ".join(words), zip_code


def _key(housenumber: str, skey: str, unit: str, lon: float, lat: float) -> tuple[Any, ...]:
    return (
        fold(housenumber).replace(" ", ""),
        skey,
        unit_key(unit),
        round(lon * E7),
        round(lat * E7),
    )


def _existing_keys(base: AddressTable, strings: tuple[str, ...]) -> set[tuple[Any, ...]]:
    def text(i: int) -> str:
        return "" if i == NO_STRING else strings[i]

    number_key = {i: fold(text(i)).replace(" ", "") for i in np.unique(base.housenumber).tolist()}
    street_keys = {i: street_key(text(i)) for i in np.unique(base.street).tolist()}
    unit_keys = {i: unit_key(text(i)) for i in np.unique(base.unit).tolist()}
    lon_e7, lat_e7 = to_e7(base.lon).tolist(), to_e7(base.lat).tolist()
    return {
        (number_key[h], street_keys[s], unit_keys[u], x, y)
        for h, s, u, x, y in zip(
            base.housenumber.tolist(),
            base.street.tolist(),
            base.unit.tolist(),
            lon_e7,
            lat_e7,
            strict=True,
        )
    }


def _box_test(bbox: tuple[float, float, float, float] | None) -> Any:
    if bbox is None:
        return lambda _lon, _lat: True
    west, south, east, north = bbox
    plane = LocalPlane((west + east) / 2, (south + north) / 2)
    # Degrees of margin from metres at the box's centre; a city is small enough for that.
    x_m, y_m = plane.to_xy(plane.lon0 + 1.0, plane.lat0 + 1.0)
    dlon, dlat = OUTSIDE_MARGIN_M / float(x_m), OUTSIDE_MARGIN_M / float(y_m)

    def inside(lon: float, lat: float) -> bool:
        return west - dlon <= lon <= east + dlon and south - dlat <= lat <= north + dlat

    return inside


def select_rows(table: AddressTable, keep: Any) -> AddressTable:
    return AddressTable(
        lon=table.lon[keep],
        lat=table.lat[keep],
        housenumber=table.housenumber[keep],
        number=table.number[keep],
        street=table.street[keep],
        unit=table.unit[keep],
        city=table.city[keep],
        zip=table.zip[keep],
        source=table.source[keep],
    )


def _append(
    base: AddressTable, rows: list[tuple[float, float, int, int, int, int, int, int]]
) -> AddressTable:
    if not rows:
        return base
    cols = list(zip(*rows, strict=True))

    def ints(i: int) -> np.ndarray[Any, np.dtype[np.int32]]:
        return np.asarray(cols[i], np.int32)

    return AddressTable(
        lon=np.concatenate([base.lon, np.asarray(cols[0], np.float64)]),
        lat=np.concatenate([base.lat, np.asarray(cols[1], np.float64)]),
        housenumber=np.concatenate([base.housenumber, ints(2)]).astype(np.int32),
        number=np.concatenate([base.number, ints(3)]).astype(np.int32),
        street=np.concatenate([base.street, ints(4)]).astype(np.int32),
        unit=np.concatenate([base.unit, ints(5)]).astype(np.int32),
        city=np.concatenate([base.city, ints(6)]).astype(np.int32),
        zip=np.concatenate([base.zip, ints(7)]).astype(np.int32),
        source=np.concatenate(
            [base.source, np.full(len(rows), AddressSource.IMPORTED.code, np.uint8)]
        ),
    )
