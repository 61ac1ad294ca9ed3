"""Reading a CSV file of addresses (the only file I/O of the geocoding package)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from emscad.errors import DataError

_DELIMITERS = (",", "\t", ";", "|")


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells), ...]); DataError naming the file if it cannot be read.

    The delimiter is whichever of , tab ; | the header line uses most, so a tab- or
    semicolon-separated county export works without an option. A UTF-8 byte-order mark
    (as Excel writes) is skipped.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"cannot read {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError(f"cannot read {path}: the file is empty or has no header line")
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise DataError(f"cannot read {path}: line {reader.line_num}: {exc}") from None
    return [h.strip() for h in header], rows
