// The console's picture of the world: open incidents, units, stations and hospitals, kept
// current by applying the event log's events in order. The reducers mirror the server's
// (incidents/lifecycle.py apply, units/lifecycle.py apply, agency/rules.py), so after
// applying event n the console shows exactly what the server held after event n.

import { COMMITTED } from './domain.js';

export class Store extends EventTarget {
  constructor() {
    super();
    this.incidents = new Map();
    this.units = new Map();
    this.stations = new Map();
    this.hospitals = new Map();
    this.lastId = 0; // the newest event applied: events at or below it are ignored
  }

  load(board) {
    this.incidents = new Map(board.incidents.map((i) => [i.id, i]));
    this.units = new Map(board.units.map((u) => [u.id, u]));
    this.stations = new Map(board.stations.map((s) => [s.id, s]));
    this.hospitals = new Map(board.hospitals.map((h) => [h.id, h]));
    this.lastId = board.last_event;
    this.emit({ kind: 'load' });
  }

  emit(detail) {
    this.dispatchEvent(new CustomEvent('change', { detail }));
  }

  // Open incidents by priority, then oldest first (the server's queue order).
  queue() {
    return [...this.incidents.values()]
      .filter((i) => i.status !== 'closed')
      .sort((a, b) => a.priority - b.priority || a.received_at.localeCompare(b.received_at) || a.number.localeCompare(b.number));
  }

  unitList() {
    return [...this.units.values()]
      .filter((u) => u.active)
      .sort((a, b) => a.call_sign.localeCompare(b.call_sign, undefined, { numeric: true }));
  }

  // Only events change what the store holds, so nothing is applied twice. A REST answer is
  // taken only for something the store does not know (an old incident a note or a reopening
  // refers to); such an entry is marked `rest` and fetched again whenever an event touches it,
  // since a snapshot cannot tell which events it already includes.
  putIncident(incident) {
    const known = this.incidents.get(incident.id);
    if (known && !known.rest) return;
    if (known && known.version > incident.version) return;
    this.incidents.set(incident.id, { ...incident, rest: true });
    this.emit({ kind: 'incident', id: incident.id });
  }

  putUnit(unit) {
    const known = this.units.get(unit.id);
    if (known && !known.rest) return;
    if (known && known.version > unit.version) return;
    this.units.set(unit.id, { ...unit, rest: true });
    this.emit({ kind: 'unit', id: unit.id });
  }

  // The unit list from polling: positions only (they are not events); units the store does
  // not know yet are added as REST snapshots.
  mergeUnits(list) {
    let changed = false;
    for (const fresh of list) {
      const known = this.units.get(fresh.id);
      if (!known) {
        this.units.set(fresh.id, { ...fresh, rest: true });
        changed = true;
      } else if (known.rest && fresh.version > known.version) {
        this.units.set(fresh.id, { ...fresh, rest: true });
        changed = true;
      } else if (fresh.position && (!known.position || fresh.position.at > known.position.at)) {
        known.position = fresh.position;
        changed = true;
      }
    }
    if (changed) this.emit({ kind: 'positions' });
  }

  // Resolves when the incident is known (its creation event arrived), or null after `ms`.
  waitForIncident(id, ms) {
    if (this.incidents.has(id)) return Promise.resolve(this.incidents.get(id));
    return new Promise((resolve) => {
      const done = (value) => {
        this.removeEventListener('change', check);
        clearTimeout(timer);
        resolve(value);
      };
      const check = () => {
        if (this.incidents.has(id)) done(this.incidents.get(id));
      };
      const timer = setTimeout(() => done(null), ms);
      this.addEventListener('change', check);
    });
  }

  // Apply one event of the log. Returns false when it was applied before (a repeat).
  apply(ev) {
    if (ev.id <= this.lastId) return false;
    this.lastId = ev.id;
    const handled = this.reduce(ev);
    this.emit({ kind: 'event', event: ev, handled });
    return true;
  }

  reduce(ev) {
    const d = ev.data || {};
    const type = ev.type;
    if (type === 'incident.created') {
      this.incidents.set(d.incident, {
        id: d.incident,
        number: d.number,
        status: 'pending',
        received_at: d.received_at,
        source: d.source,
        location: d.location,
        chief_complaint: d.triage.chief_complaint,
        priority: d.triage.priority,
        determinant: d.triage.determinant,
        caller: d.caller,
        persons: d.persons || [],
        notes: [],
        cautions: d.cautions || [],
        units: [],
        destination: null,
        served: false,
        disposition: null,
        closed_at: null,
        version: 1,
      });
      return true;
    }
    let handled = false;
    if (type.startsWith('incident.') || type.startsWith('unit.')) {
      const inc = ev.incident ? this.incidents.get(ev.incident) : null;
      if (inc && !inc.rest) handled = this.reduceIncident(inc, ev) || handled;
      const unitId = ev.unit;
      if (type === 'unit.added') {
        const p = d.profile;
        this.units.set(d.unit, {
          id: d.unit, call_sign: p.call_sign, type: p.type, capabilities: p.capabilities,
          station: p.station, crew: p.crew, status: d.status, status_at: ev.at, incident: null,
          destination: null, position: null, active: true, version: 1,
          eido_status: null,
        });
        return true;
      }
      const unit = unitId ? this.units.get(unitId) : null;
      if (unit && !unit.rest) handled = this.reduceUnit(unit, ev) || handled;
      return handled;
    }
    if (type === 'hospital.saved') {
      const old = this.hospitals.get(d.hospital);
      this.hospitals.set(d.hospital, { ...d.after, version: (old ? old.version : 0) + 1 });
      return true;
    }
    if (type === 'hospital.removed') return this.hospitals.delete(d.hospital);
    if (type === 'hospital.diversion_changed') {
      const hosp = this.hospitals.get(d.hospital);
      if (!hosp) return false;
      hosp.diversion = d.after;
      hosp.diversion_reason = d.after ? d.reason : '';
      hosp.version += 1;
      return true;
    }
    if (type === 'station.saved') {
      const old = this.stations.get(d.station);
      this.stations.set(d.station, { ...d.after, version: (old ? old.version : 0) + 1 });
      return true;
    }
    if (type === 'station.removed') return this.stations.delete(d.station);
    return false;
  }

  reduceIncident(inc, ev) {
    const d = ev.data;
    inc.version += 1;
    switch (ev.type) {
      case 'incident.location_changed': inc.location = d.after; break;
      case 'incident.triaged':
        inc.chief_complaint = d.after.chief_complaint;
        inc.priority = d.after.priority;
        inc.determinant = d.after.determinant;
        break;
      case 'incident.caller_changed': inc.caller = d.after; break;
      case 'incident.persons_changed': inc.persons = d.after; break;
      case 'incident.cautions_changed': inc.cautions = d.after; break;
      case 'incident.destination_changed': inc.destination = d.after; break;
      case 'incident.note_added': inc.notes = [...inc.notes, d.note]; break;
      case 'incident.closed':
        inc.status = 'closed';
        inc.disposition = d.disposition;
        inc.closed_at = ev.at;
        break;
      case 'incident.reopened':
        inc.status = inc.served ? 'active' : 'pending';
        inc.disposition = null;
        inc.closed_at = null;
        break;
      case 'unit.assigned':
        inc.status = 'active';
        inc.units = [...inc.units, d.unit];
        break;
      case 'unit.unassigned':
        inc.units = inc.units.filter((u) => u !== d.unit);
        // Every unit cancelled before anyone arrived: the call waits for a unit again.
        if (!inc.units.length && !inc.served) inc.status = 'pending';
        break;
      case 'unit.status_changed':
        inc.served = inc.served || d.after === 'on_scene';
        if (!COMMITTED.has(d.after)) inc.units = inc.units.filter((u) => u !== d.unit);
        break;
      default:
        inc.version -= 1; // an event this console does not know: nothing changed
        return false;
    }
    return true;
  }

  reduceUnit(unit, ev) {
    const d = ev.data;
    unit.version += 1;
    switch (ev.type) {
      case 'unit.edited':
        Object.assign(unit, {
          call_sign: d.after.call_sign, type: d.after.type, capabilities: d.after.capabilities,
          station: d.after.station, crew: d.after.crew,
        });
        break;
      case 'unit.removed': unit.active = false; break;
      case 'unit.assigned':
        Object.assign(unit, { status: 'dispatched', status_at: ev.at, incident: d.incident, destination: null });
        break;
      case 'unit.unassigned':
        Object.assign(unit, { status: 'available', status_at: ev.at, incident: null, destination: null });
        break;
      case 'unit.status_changed': {
        const committed = COMMITTED.has(d.after);
        Object.assign(unit, {
          status: d.after,
          status_at: ev.at,
          incident: committed ? unit.incident : null,
          destination: committed ? d.destination : null,
        });
        break;
      }
      default:
        unit.version -= 1;
        return false;
    }
    return true;
  }
}
