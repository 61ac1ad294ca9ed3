"""Address import: rows of a county export into points, bad rows counted, no duplicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emscad.errors import DataError, InvalidInput
from emscad.geocoding import GeocodeIndex, MatchType
from emscad.geocoding._csv import read_csv
from emscad.geocoding.importer import (
    Columns,
    ImportResult,
    ParsedAddress,
    Reject,
    import_rows,
    parse_address,
)
from emscad.regions.model import AddressSource, AddressTable

BBOX = (-92.40, 34.70, -92.20, 34.80)
HEADER = ["Address", "lon", "lat"]
ROWS: list[list[str]] = [
    ["1200 W 7th St", "-92.30", "34.75"],
    ["1202 W 7th St Apt 4", "-92.3001", "34.7501"],
    ["", "-92.30", "34.75"],
    ["HIGHWAY 298", "-92.30", "34.75"],
    ["1204", "-92.30", "34.75"],
    ["1206 W 7th St", "abc", "34.75"],
    ["1208 W 7th St", "nan", "34.75"],
    ["1210 W 7th St", "-92.30", "95.0"],
    ["1212 W 7th St", "-80.00", "34.75"],
    ["1200 W 7th St", "-92.30", "34.75"],  # the first row again
    ["1200 West Seventh Street", "-92.30", "34.75"],  # the same address, spelled out
]


def _import(
    rows: list[list[str]],
    base: AddressTable | None = None,
    strings: tuple[str, ...] = (),
    **kw: object,
) -> ImportResult:
    numbered = [(i + 2, r) for i, r in enumerate(rows)]
    return import_rows(
        HEADER,
        numbered,
        Columns(address="address"),
        base=AddressTable.empty() if base is None else base,
        strings=strings,
        bbox=BBOX,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1200 W 7th St", ParsedAddress("1200", 1200, "W 7th St")),
        (
            "1200 W 7th St Apt 4, Riverton, AR 72201",
            ParsedAddress("1200", 1200, "W 7th St", "Apt 4", "Riverton", "72201"),
        ),
        ("12 1/2 Main St #3", ParsedAddress("12 1/2", 12, "Main St", "#3")),
        ("  5319   MCCLELLAN DR ", ParsedAddress("5319", 5319, "MCCLELLAN DR")),
        ("N123W456 County Rd K", ParsedAddress("N123W456", 123, "County Rd K")),
        (
            "100 Oak St, Little Rock AR 72201-1234",
            ParsedAddress("100", 100, "Oak St", "", "Little Rock", "72201"),
        ),
    ],
)
def test_addresses_are_split_but_spelled_as_written(text: str, parsed: ParsedAddress) -> None:
    assert parse_address(text) == parsed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reject.MISSING_ADDRESS),
        ("HIGHWAY 298", Reject.NO_HOUSE_NUMBER),
        ("1ST ST", Reject.NO_HOUSE_NUMBER),
        ("1200", Reject.NO_STREET),
        ("1200 #4", Reject.NO_STREET),
    ],
)
def test_unusable_addresses_say_why(text: str, reason: Reject) -> None:
    assert parse_address(text) is reason


def test_bad_rows_are_counted_by_reason_not_fatal() -> None:
    result = _import(ROWS)
    report = result.report
    assert report.rows == len(ROWS)
    assert report.added == 2
    assert report.duplicates == 2
    assert report.rejected == {
        "coordinates not numbers": 2,
        "coordinates out of range": 1,
        "missing address": 1,
        "no house number": 1,
        "no street name": 1,
        "outside the region": 1,
    }
    assert report.examples["outside the region"] == (10,)
    assert report.to_json()["rejected_total"] == 7


def test_imported_points_keep_their_spelling_and_source() -> None:
    result = _import(ROWS)
    a, s = result.addresses, result.strings
    assert [s[i] for i in a.street] == ["W 7th St", "W 7th St"]
    assert [s[i] if i >= 0 else "" for i in a.unit] == ["", "Apt 4"]
    assert a.number.tolist() == [1200, 1202]
    assert set(a.source.tolist()) == {AddressSource.IMPORTED.code}


def test_reimporting_the_same_file_adds_nothing() -> None:
    first = _import(ROWS)
    again = _import(ROWS, first.addresses, first.strings)
    assert again.report.added == 0
    assert again.report.duplicates == 4
    assert len(again.addresses) == len(first.addresses)


def test_a_moved_point_is_a_new_point_unless_replacing() -> None:
    first = _import(ROWS[:1])
    moved = [["1200 W 7th St", "-92.3005", "34.75"]]
    added = _import(moved, first.addresses, first.strings)
    assert len(added.addresses) == 2
    replaced = _import(moved, first.addresses, first.strings, replace=True)
    assert len(replaced.addresses) == 1
    assert replaced.addresses.lon.tolist() == [-92.3005]


def test_optional_columns_fill_unit_city_and_zip() -> None:
    result = import_rows(
        ["addr", "x", "y", "apt", "town", "postcode"],
        [(2, ["1200 W 7th St", "-92.30", "34.75", "4B", "Riverton", "72201"])],
        Columns(address="addr", lon="x", lat="y", unit="apt", city="town", zip="postcode"),
        base=AddressTable.empty(),
        strings=(),
    )
    s = result.strings
    a = result.addresses
    assert (s[a.unit[0]], s[a.city[0]], s[a.zip[0]]) == ("4B", "Riverton", "72201")


def test_a_missing_column_is_one_line_naming_the_columns() -> None:
    with pytest.raises(
        InvalidInput, match=r"no column 'lng' for the lon \(the columns are: Address, lon, lat\)"
    ):
        import_rows(HEADER, [], Columns(lon="lng"), base=AddressTable.empty(), strings=())


def test_imported_points_are_found_by_the_geocoder() -> None:
    result = _import(ROWS)
    index = GeocodeIndex.build(result.addresses, result.strings)
    first = index.search("1202 W 7th St #4")[0]
    assert first.match_type is MatchType.ADDRESS_POINT
    assert (first.lon, first.lat) == (-92.3001, 34.7501)


def test_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("\ufeffaddress;lon;lat\n1200 W 7th St;-92.3;34.75\n\n".encode())
    header, rows = read_csv(path)
    assert header == ["address", "lon", "lat"]
    assert rows == [(2, ["1200 W 7th St", "-92.3", "34.75"])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"address,lon\n\xff\xfe bad", "not UTF-8"),
    ],
)
def test_unreadable_files_are_one_line_errors(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "a.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_csv(path)
    assert "\n" not in str(err.value)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="directory"):
        read_csv(tmp_path)


def test_quoted_fields_keep_their_commas(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('address,lon,lat\n"1200 W 7th St, Riverton",-92.3,34.75\n')
    _, rows = read_csv(path)
    assert rows[0][1][0] == "1200 W 7th St, Riverton"
    assert np.isclose(float(rows[0][1][1]), -92.3)
