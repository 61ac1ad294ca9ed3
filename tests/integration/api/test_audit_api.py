"""The audit trail through the API: writes and patient reads are recorded, and verify."""

from __future__ import annotations

from tests.factories.api import Api


def test_writes_logons_and_patient_reads_are_on_the_trail(api: Api) -> None:
    body = {
        "location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75},
        "persons": [{"name": "Bob", "role": "Patient", "description": "diabetic"}],
    }
    created = api.client.post("/api/incidents", json=body, headers=api.headers("calltaker"))
    iid = created.json()["id"]
    api.client.get(f"/api/incidents/{iid}", headers=api.headers("dispatcher"))
    api.client.get(f"/api/incidents/{iid}", headers=api.headers("analyst"))  # redacted: no read
    records = api.runtime.audit.read(limit=1000)
    created_entry = next(r for r in records if r.entry.action == "incident.created")
    assert created_entry.entry.actor == "calltaker"
    assert created_entry.entry.subject == f"incident:{iid}"
    reads = [r for r in records if r.entry.action == "read.patient"]
    assert [r.entry.actor for r in reads] == ["dispatcher"]
    assert reads[0].entry.subject == f"incident:{iid}"
    assert api.runtime.audit.verify().ok
    verified = api.client.get("/api/audit/verify", headers=api.headers("supervisor")).json()
    assert verified["ok"] is True
    assert api.client.get("/api/audit", headers=api.headers("dispatcher")).status_code == 403
