"""Geocoding benchmark: index build, type-ahead latency and accuracy, synthetic and real data.

    .venv/bin/python -m benchmarks.geocode [--nodes 200000] [--samples 2000] [--shared DIR]

Always runs on the synthetic city (about 170,000 address points at 200,000 nodes). When
../shared/data has them, also on the Pulaski County address points (the index built from
the CSV alone: no roads, no places) and on the `loc` column of the Little Rock CAD calls,
compared with that file's own re-geocoded `out_lon`/`out_lat`.

Type-ahead replays a dispatcher typing real addresses one character at a time and times
every search. Accuracy counts a case found when the first candidate (top-1) or any of the
first five (top-5, what a type-ahead list shows) is within 25 m of the true point. Perturbed
inputs (a typo, abbreviations swapped, ordinals spelled out, the directional dropped) come
from numpy.random.default_rng(seed), so every run sees the same cases. Ends with one line of
JSON holding every figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._geocode_cases import (
    crossing_accuracy,
    crossing_pairs,
    held_out_numbers,
    midpoint_baseline,
)
from benchmarks._stats import line
from emscad.geo import haversine_m
from emscad.geocoding import GeocodeIndex, build_index
from emscad.geocoding._csv import read_csv
from emscad.geocoding.importer import Columns, import_rows
from emscad.geocoding.usps import DIRECTIONAL, DIRECTIONAL_LONG, SUFFIX, SUFFIX_LONG, spell_ordinal
from emscad.regions.model import AddressTable
from emscad.regions.synthetic import generate_region

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FOUND_M = 25.0
TYPEAHEAD_ADDRESSES = 150
_LETTERS = "abcdefghijklmnopqrstuvwxyz"

Case = tuple[str, float, float]  # typed text, true lon, true lat
Perturb = Callable[[str, np.random.Generator], str | None]


def stats(samples_ms: list[float]) -> dict[str, float]:
    arr = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.median(arr)), 3),
        "p95_ms": round(float(np.percentile(arr, 95)), 3),
        "p99_ms": round(float(np.percentile(arr, 99)), 3),
        "max_ms": round(float(arr.max()), 3),
        "n": len(arr),
    }


# --- perturbations: each returns the changed street name, or None when it does not apply ---


def _is_plain_word(word: str) -> bool:
    upper = word.upper().rstrip(".")
    return (
        len(word) >= 4
        and word.isalpha()
        and upper not in SUFFIX
        and upper not in DIRECTIONAL
        and spell_ordinal_of(word) is None
    )


def spell_ordinal_of(word: str) -> str | None:
    digits = word[:-2]
    if digits.isdigit() and word[-2:].lower() in ("st", "nd", "rd", "th"):
        return spell_ordinal(int(digits))
    return None


def typo(street: str, rng: np.random.Generator) -> str | None:
    words = street.split()
    plain = [i for i, w in enumerate(words) if _is_plain_word(w)]
    if not plain:
        return None
    i = plain[int(rng.integers(len(plain)))]
    w = words[i]
    k = int(rng.integers(1, len(w)))  # keep the first letter: people rarely miss that one
    kind = int(rng.integers(4))
    letter = _LETTERS[int(rng.integers(26))]
    letter = letter.upper() if w.isupper() else letter
    if kind == 0:
        w = w[:k] + letter + w[k + 1 :]
    elif kind == 1:
        w = w[:k] + w[k + 1 :]
    elif kind == 2:
        w = w[:k] + letter + w[k:]
    elif k < len(w) - 1:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    else:
        w = w[:k] + letter + w[k + 1 :]
    if w == words[i]:  # swapping two equal letters changes nothing: substitute instead
        w = w[:k] + ("x" if w[k].lower() != "x" else "q") + w[k + 1 :]
    words[i] = w
    return " ".join(words)


def abbreviations(street: str, _rng: np.random.Generator) -> str | None:
    """Suffixes and directionals in their other form: "W 7th St" <-> "West 7th Street"."""
    words = street.split()
    changed = False
    for i, w in enumerate(words):
        upper = w.upper()
        if upper in DIRECTIONAL_LONG and (i == 0 or i == len(words) - 1) and len(words) > 1:
            words[i] = DIRECTIONAL_LONG[upper]
            changed = True
        elif upper in DIRECTIONAL and DIRECTIONAL[upper] != upper:
            words[i] = DIRECTIONAL[upper]
            changed = True
        elif i == len(words) - 1 and upper in SUFFIX_LONG:
            words[i] = SUFFIX_LONG[upper].capitalize()
            changed = True
        elif i == len(words) - 1 and upper in SUFFIX and SUFFIX[upper] != upper:
            words[i] = SUFFIX[upper].capitalize()
            changed = True
    return " ".join(words) if changed else None


def spelled_ordinal(street: str, _rng: np.random.Generator) -> str | None:
    words = street.split()
    for i, w in enumerate(words):
        spelled = spell_ordinal_of(w)
        if spelled is not None:
            words[i] = spelled
            return " ".join(words)
    return None


def missing_directional(street: str, _rng: np.random.Generator) -> str | None:
    words = street.split()
    if len(words) > 2 and words[0].upper() in DIRECTIONAL:
        return " ".join(words[1:])
    return None


PERTURBATIONS: dict[str, Perturb] = {
    "typo": typo,
    "abbreviations": abbreviations,
    "spelled_ordinal": spelled_ordinal,
    "missing_directional": missing_directional,
}


# --- measuring ---


def accuracy(index: GeocodeIndex, cases: list[Case]) -> dict[str, Any]:
    """Top-1 and top-5 within 25 m; `close_second`: a runner-up elsewhere scores within 0.05."""
    top1 = top5 = close = 0
    misses: list[str] = []
    kinds: Counter[str] = Counter()
    for text, lon, lat in cases:
        found = index.search(text, limit=5)
        if found:
            kinds[found[0].match_type.value] += 1
        dist = [float(haversine_m(c.lon, c.lat, lon, lat)) for c in found]
        if dist and dist[0] <= FOUND_M:
            top1 += 1
        elif len(misses) < 5:
            misses.append(text)
        if any(d <= FOUND_M for d in dist):
            top5 += 1
        if len(found) > 1 and found[0].score - found[1].score < 0.05:
            apart = float(haversine_m(found[0].lon, found[0].lat, found[1].lon, found[1].lat))
            close += apart > FOUND_M
    n = max(len(cases), 1)
    return {
        "n": len(cases),
        "top1": round(top1 / n, 4),
        "top5": round(top5 / n, 4),
        "close_second": round(close / n, 4),
        "first_match_types": dict(kinds),
        "examples_missed": misses,
    }


def typeahead(index: GeocodeIndex, cases: list[Case]) -> dict[str, Any]:
    """Every prefix of each address, as typed; plus keystrokes until the answer is first."""
    samples: list[float] = []
    keystrokes: list[int] = []
    for text, lon, lat in cases:
        first_right = len(text)
        for i in range(1, len(text) + 1):
            start = time.perf_counter()
            found = index.search(text[:i], limit=5)
            samples.append((time.perf_counter() - start) * 1000)
            right = found and float(haversine_m(found[0].lon, found[0].lat, lon, lat)) <= FOUND_M
            if right and first_right == len(text):
                first_right = i
        keystrokes.append(first_right)
    out: dict[str, Any] = stats(samples)
    out["addresses"] = len(cases)
    out["keystrokes_to_first_median"] = float(np.median(keystrokes))
    out["typed_length_median"] = float(np.median([len(t) for t, _, _ in cases]))
    return out


def address_cases(
    addresses: AddressTable, strings: tuple[str, ...], rng: np.random.Generator, k: int
) -> list[tuple[str, str, str, float, float]]:
    """(house number, street, unit, lon, lat) of `k` random address points."""
    idx = rng.choice(len(addresses), size=min(k, len(addresses)), replace=False)

    def text(i: int) -> str:
        return "" if i < 0 else strings[i]

    return [
        (
            text(int(addresses.housenumber[i])),
            text(int(addresses.street[i])),
            text(int(addresses.unit[i])),
            float(addresses.lon[i]),
            float(addresses.lat[i]),
        )
        for i in idx.tolist()
    ]


def run_accuracy(
    label: str,
    index: GeocodeIndex,
    picked: list[tuple[str, str, str, float, float]],
    seed: int,
) -> dict[str, Any]:
    def typed(number: str, street: str, unit: str) -> str:
        return " ".join(p for p in (number, street, unit) if p)

    exact = [(typed(n, s, u), lon, lat) for n, s, u, lon, lat in picked]
    out: dict[str, Any] = {"exact": accuracy(index, exact)}
    print(
        f"  {label} exact addresses: top-1 {out['exact']['top1']:.2%}, "
        f"top-5 {out['exact']['top5']:.2%} of {out['exact']['n']}"
    )
    for name, fn in PERTURBATIONS.items():
        rng = np.random.default_rng(seed)
        cases = []
        for n, s, u, lon, lat in picked:
            changed = fn(s, rng)
            if changed is not None:
                cases.append((typed(n, changed, u), lon, lat))
        result = accuracy(index, cases)
        out[name] = result
        print(
            f"  {label} {name:<20} top-1 {result['top1']:.2%}, top-5 {result['top5']:.2%} "
            f"of {result['n']}; close runner-up {result['close_second']:.1%}; "
            f"e.g. missed {result['examples_missed'][:2]}"
        )
    return out


def ambiguity(addresses: AddressTable, strings: tuple[str, ...]) -> float:
    """Share of address points whose number and street also name another point > 25 m away."""
    from emscad.geocoding.normalize import street_key

    keys: dict[tuple[int, str], list[int]] = {}
    street_keys = {
        i: street_key(strings[i]) for i in np.unique(addresses.street).tolist() if i >= 0
    }
    for p, (num, st) in enumerate(
        zip(addresses.number.tolist(), addresses.street.tolist(), strict=True)
    ):
        if st >= 0:
            keys.setdefault((num, street_keys[st]), []).append(p)
    ambiguous = 0
    for points in keys.values():
        if len(points) > 1:
            lon, lat = addresses.lon[points], addresses.lat[points]
            far = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :]) > FOUND_M
            ambiguous += int(far.any(axis=1).sum())
    return round(ambiguous / max(len(addresses), 1), 4)


# --- data sets ---


def bench_synthetic(nodes: int, samples: int, seed: int) -> dict[str, Any]:
    region = generate_region(
        "bench", seed=1, nodes=nodes, lights_sirens_factor=1.25, created_at=NOW
    )
    print(
        f"\nsynthetic city: {region.network.n_nodes:,} nodes, {len(region.addresses):,} "
        f"address points, {len(region.places)} places"
    )
    start = time.perf_counter()
    index = build_index(region)
    build_s = time.perf_counter() - start
    print(f"  index built in {build_s:.2f} s ({index.street_count:,} streets)")
    out: dict[str, Any] = {
        "nodes": region.network.n_nodes,
        "addresses": len(region.addresses),
        "streets": index.street_count,
        "build_s": round(build_s, 3),
    }
    rng = np.random.default_rng(seed)
    picked = address_cases(region.addresses, region.strings, rng, samples)
    out["typeahead"] = _typeahead(index, picked)
    start = time.perf_counter()
    index.reverse(picked[0][3], picked[0][4])  # the first reverse builds the road R-tree
    out["reverse_first_s"] = round(time.perf_counter() - start, 3)
    rev: list[float] = []
    for _, _, _, lon, lat in picked[:300]:
        start = time.perf_counter()
        index.reverse(lon + 0.0002, lat - 0.0001)
        rev.append((time.perf_counter() - start) * 1000)
    out["reverse"] = stats(rev)
    line("reverse geocode", out["reverse"])
    out["accuracy"] = run_accuracy("synthetic", index, picked, seed)
    out["accuracy"]["ambiguous_number_street"] = ambiguity(region.addresses, region.strings)
    pairs = crossing_pairs(region, np.random.default_rng(seed), samples // 4)
    out["intersections"] = crossing_accuracy(index, region, pairs)
    _print_errors("intersections, road network", out["intersections"])
    no_roads = GeocodeIndex.build(region.addresses, region.strings, bbox=region.manifest.bbox)
    out["intersections_without_roads"] = crossing_accuracy(no_roads, region, pairs)
    _print_errors("intersections, address points only", out["intersections_without_roads"])
    out["intersections_midpoint_baseline"] = midpoint_baseline(region, pairs)
    _print_errors("baseline", {"closest pair's midpoint": out["intersections_midpoint_baseline"]})
    a, s, k = region.addresses, region.strings, samples // 2
    out["held_out_numbers"] = {
        "with_roads": held_out_numbers(
            a, s, np.random.default_rng(seed), k, network=region.network, bbox=region.manifest.bbox
        ),
        "address_points_only": held_out_numbers(a, s, np.random.default_rng(seed), k),
    }
    _print_errors("held-out house numbers", out["held_out_numbers"])
    return out


def _print_errors(label: str, results: dict[str, Any]) -> None:
    for name, r in results.items():
        print(
            f"  {label}, {name}: found {r['found']:.1%}, top-1 within 25 m {r['top1']:.1%}, "
            f"50 m {r['within_50m']:.1%}; median error {r['median_error_m']} m, p90 "
            f"{r['p90_error_m']} m"
            + (f"; top-5 {r['top5']:.1%}" if "top5" in r else "")
            + (f"; {r['match_types']}" if "match_types" in r else "")
        )


def _typeahead(index: GeocodeIndex, picked: list[tuple[str, str, str, float, float]]) -> Any:
    cases = [(f"{n} {s}", lon, lat) for n, s, _, lon, lat in picked[:TYPEAHEAD_ADDRESSES]]
    result = typeahead(index, cases)
    print(
        f"  type-ahead: {result['n']} searches over {result['addresses']} addresses, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
        f"first at {result['keystrokes_to_first_median']:.0f} of "
        f"{result['typed_length_median']:.0f} characters (median)"
    )
    return result


def bench_pulaski(path: Path, samples: int, seed: int) -> tuple[dict[str, Any], GeocodeIndex]:
    print(f"\nPulaski County address points ({path.name}), index from the CSV alone")
    start = time.perf_counter()
    header, rows = read_csv(path)
    imported = import_rows(header, rows, Columns(), base=AddressTable.empty(), strings=())
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    index = GeocodeIndex.build(imported.addresses, imported.strings)
    build_s = time.perf_counter() - start
    report = imported.report
    print(
        f"  {report.rows:,} rows read and parsed in {import_s:.2f} s: {report.added:,} points, "
        f"rejected {report.rejected}; index built in {build_s:.2f} s "
        f"({index.street_count:,} streets)"
    )
    out: dict[str, Any] = {
        "rows": report.rows,
        "addresses": report.added,
        "rejected": report.rejected,
        "import_s": round(import_s, 3),
        "build_s": round(build_s, 3),
        "streets": index.street_count,
    }
    rng = np.random.default_rng(seed)
    picked = address_cases(imported.addresses, imported.strings, rng, samples)
    out["typeahead"] = _typeahead(index, picked)
    out["accuracy"] = run_accuracy("pulaski", index, picked, seed)
    out["accuracy"]["ambiguous_number_street"] = ambiguity(imported.addresses, imported.strings)
    out["held_out_numbers"] = held_out_numbers(
        imported.addresses, imported.strings, np.random.default_rng(seed), samples // 2
    )
    _print_errors("held-out house numbers", {"address points only": out["held_out_numbers"]})
    print(
        f"  {out['accuracy']['ambiguous_number_street']:.2%} of the points share number and "
        "street with another point > 25 m away (same street name in two towns)"
    )
    return out, index


def bench_lr_calls(path: Path, index: GeocodeIndex) -> dict[str, Any]:
    """The CAD calls' `loc` against the file's own re-geocoded points, by its quality class."""
    print(f"\nLittle Rock CAD calls ({path.name}): `loc` vs out_lon/out_lat")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_class: dict[str, list[float | None]] = {}
    ours: dict[str, Counter[str]] = {}
    cache: dict[str, Any] = {}
    unplaced_found = unplaced = 0
    for row in rows:
        loc = row["loc"].strip()
        if not loc:
            continue
        if loc not in cache:
            cache[loc] = index.search(loc, limit=1)
        found = cache[loc]
        if not row["out_lon"]:
            unplaced += 1
            unplaced_found += bool(found)
            continue
        gq = row["out_gq"] or "unknown"
        dist = (
            float(
                haversine_m(
                    found[0].lon, found[0].lat, float(row["out_lon"]), float(row["out_lat"])
                )
            )
            if found
            else None
        )
        by_class.setdefault(gq, []).append(dist)
        ours.setdefault(gq, Counter())[found[0].match_type.value if found else "none"] += 1
    out: dict[str, Any] = {"calls": len(rows), "distinct_locations": len(cache)}
    for gq, dists in sorted(by_class.items()):
        placed = np.array([d for d in dists if d is not None])
        n = len(dists)
        entry = {
            "n": n,
            "found": round(len(placed) / n, 4),
            "within_25m": round(float((placed <= 25).sum()) / n, 4),
            "within_50m": round(float((placed <= 50).sum()) / n, 4),
            "within_100m": round(float((placed <= 100).sum()) / n, 4),
            "median_error_m": round(float(np.median(placed)), 1) if len(placed) else None,
            "our_match_types": dict(ours[gq]),
        }
        out[gq] = entry
        print(
            f"  {gq:<14} {n:>5} calls: found {entry['found']:.1%}, within 25 m "
            f"{entry['within_25m']:.1%}, 50 m {entry['within_50m']:.1%}, 100 m "
            f"{entry['within_100m']:.1%}; median error {entry['median_error_m']} m; "
            f"ours {entry['our_match_types']}"
        )
    out["not_placed_by_source"] = {"n": unplaced, "found_by_us": unplaced_found}
    print(f"  {unplaced} calls the source could not place: we place {unplaced_found}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"synthetic": bench_synthetic(args.nodes, args.samples, args.seed)}
    pulaski = args.shared / "pulaski-address-points" / "pulaski_address_points.csv"
    calls = args.shared / "lr-cad-dispatch" / "lr_cad_calls_2026-07.csv"
    if pulaski.is_file():
        results["pulaski"], index = bench_pulaski(pulaski, args.samples, args.seed)
        if calls.is_file():
            results["lr_cad_calls"] = bench_lr_calls(calls, index)
    else:
        print("\n(../shared/data not found: real-data parts skipped)")
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
