"""The console's browser code stays in step with the server and with the CSP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import emscad.agency.events
import emscad.incidents.events
import emscad.safety.events
import emscad.units.events
from emscad.events import event_types
from emscad.incidents.lifecycle import DISPOSITIONS
from emscad.units.lifecycle import TRANSITIONS
from emscad.units.models import UnitStatus

CONSOLE = Path(__file__).resolve().parents[3] / "src" / "emscad" / "web" / "console"
JS = CONSOLE / "static" / "js"
# The events whose types the console reads (incidents, units, agency, safety alarms).
CONSOLE_EVENT_MODULES = {
    m.__name__
    for m in (
        emscad.agency.events,
        emscad.incidents.events,
        emscad.safety.events,
        emscad.units.events,
    )
}


def _json_table(source: str, name: str) -> dict[str, Any]:
    match = re.search(
        rf"export const {name} = /\* json \*/ (\{{.*?\}}) /\* end json \*/", source, re.S
    )
    assert match, f"{name} not found in domain.js"
    table: dict[str, Any] = json.loads(match.group(1))
    return table


def test_the_status_changes_offered_are_the_ones_the_server_allows() -> None:
    table = _json_table((JS / "domain.js").read_text(), "TRANSITIONS")
    offered = {UnitStatus(k): {UnitStatus(v) for v in vs} for k, vs in table.items()}
    assert offered == {k: set(v) for k, v in TRANSITIONS.items()}


def test_the_dispositions_offered_are_the_ones_the_server_knows() -> None:
    assert _json_table((JS / "domain.js").read_text(), "DISPOSITIONS") == DISPOSITIONS


def test_the_console_listens_for_the_event_types_it_acts_on() -> None:
    source = (JS / "live.js").read_text()
    block = source[source.index("export const EVENT_TYPES") : source.index("];")]
    listened = set(re.findall(r"'([a-z_]+\.[a-z_]+)'", block))
    acted_on = {
        name for name, cls in event_types().items() if cls.__module__ in CONSOLE_EVENT_MODULES
    }
    # Any other type still arrives (its id gap is read back from /api/events), at the cost of
    # one request: the types the console shows must have a listener of their own.
    missing = acted_on - listened
    assert not missing, f"live.js EVENT_TYPES lacks {sorted(missing)}"


def test_pages_have_no_inline_script_or_style() -> None:
    for page in (CONSOLE / "templates").glob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{page.name}: inline script"
        assert "<style" not in html, f"{page.name}: inline style"
        assert not re.search(r"\sstyle=", html), f"{page.name}: style attribute"
        assert not re.search(r"\son[a-z]+=", html), f"{page.name}: inline event handler"
        assert "http://" not in html, f"{page.name}: remote asset"
        assert "https://" not in html, f"{page.name}: remote asset"


def test_scripts_set_no_style_attribute_and_use_no_eval() -> None:
    for script in JS.glob("*.js"):
        text = script.read_text()
        assert "setAttribute('style'" not in text, script.name
        assert "eval(" not in text, script.name
        assert "new Function" not in text, script.name
        assert "innerHTML" not in text, f"{script.name}: build nodes with h(), never HTML text"


def test_every_module_a_page_loads_exists() -> None:
    for page in (CONSOLE / "templates").glob("*.html"):
        for src in re.findall(r'src="/static/js/([^"]+)"', page.read_text()):
            assert (JS / src).is_file(), f"{page.name} loads a missing {src}"
    for script in JS.glob("*.js"):
        for module in re.findall(r"from '\./([^']+)'", script.read_text()):
            assert (JS / module).is_file(), f"{script.name} imports a missing {module}"


def test_the_safety_endpoints_are_constants_in_one_place() -> None:
    uses = sorted(p.name for p in JS.glob("*.js") if "/api/safety/" in p.read_text())
    assert uses == ["alarms.js", "staff.js"]
    alarms = (JS / "alarms.js").read_text()
    assert alarms.count("/api/safety/alarms") == 1
    assert "export const ALARM_ACK_URL = `${ALARMS_URL}/{id}/ack`;" in alarms
    staff = (JS / "staff.js").read_text()
    block = staff[staff.index("export const SAFETY_API") : staff.index("};")]
    assert staff.count("/api/safety/") == block.count("/api/safety/")
