// The selected incident: what, where, who; cautions first; the recommended units (the top
// one is dispatched with one key, D) and hospitals; the units on it; destination; notes;
// closing; the timeline.

import { del, get, patch, post, put } from './api.js';
import { DISPOSITIONS, unitStatusLabel } from './domain.js';
import { cautionNote, debounce, eta, h, km, replaceChildren, tickTimers, toast } from './util.js';

// Re-render `container` while keeping keyboard focus on the "same" control (data-key).
function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

const PRIORITY_TEXT = { 1: 'P1', 2: 'P2', 3: 'P3', 4: 'P4' };

export class Detail {
  constructor(root, { store, me, plan }) {
    this.root = root;
    this.store = store;
    this.me = me;
    this.plan = plan;
    this.can = (p) => me.permissions.includes(p);
    this.id = null;
    this.reco = new Map(); // incident id -> {data, promise}
    this.timeline = [];
    this.body = root.querySelector('#detail-body');
    this.empty = root.querySelector('#detail-empty');
    this.refreshReco = debounce(() => this.loadReco(this.id, true), 700);
    this.refreshTimeline = debounce(() => this.loadTimeline(), 400);
  }

  show(id) {
    if (id === this.id) return;
    this.id = id;
    this.timeline = [];
    if (!id) {
      this.body.hidden = true;
      this.empty.hidden = false;
      return;
    }
    this.build();
    this.render();
    this.loadReco(id, true);
    this.loadTimeline();
  }

  get incident() {
    return this.id ? this.store.incidents.get(this.id) : null;
  }

  // The parts that hold what a dispatcher is typing are built once per incident, so live
  // updates never wipe a half-written note.
  build() {
    const dispositions = Object.entries(DISPOSITIONS).map(([code, label]) => h('option', { value: code }, label));
    this.parts = {
      head: h('section', { class: 'head' }),
      cautions: h('section', { class: 'cautions', 'aria-label': 'Cautions' }),
      reco: h('section', { class: 'reco', 'aria-label': 'Recommendation' }),
      units: h('section', { 'aria-label': 'Units on this incident' }),
      destination: h('section', { 'aria-label': 'Destination hospital' }),
      notes: h('ul', { class: 'notes', 'aria-label': 'Notes' }),
      noteInput: h('input', { id: 'note-text', type: 'text', maxlength: 4000, autocomplete: 'off' }),
      disposition: h('select', { id: 'close-disposition' }, h('option', { value: '' }, 'Choose…'), dispositions),
      closeText: h('input', { id: 'close-text', type: 'text', maxlength: 4000, autocomplete: 'off' }),
      closeButton: h('button', { type: 'submit', class: 'danger', 'data-key': 'close' }, 'Close incident'),
      closeHint: h('p', { class: 'muted' }),
      timeline: h('ol', { class: 'timeline', 'aria-label': 'Timeline' }),
    };
    const p = this.parts;
    const noteForm = h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); this.addNote(); } },
      h('div', { class: 'grow' }, h('label', { for: 'note-text' }, 'New note (T)'), p.noteInput),
      h('button', { type: 'submit', 'data-key': 'note' }, 'Add note'));
    const closeForm = h('form', { class: 'close-form', onsubmit: (e) => { e.preventDefault(); this.close(); } },
      h('div', { class: 'inline-form' },
        h('div', { class: 'grow' }, h('label', { for: 'close-disposition' }, 'Disposition (C)'), p.disposition),
        h('div', { class: 'grow' }, h('label', { for: 'close-text' }, 'Details (optional)'), p.closeText),
        p.closeButton),
      p.closeHint);
    replaceChildren(this.body,
      p.head, p.cautions,
      this.can('recommend') ? p.reco : null,
      p.units, p.destination,
      h('section', { 'aria-label': 'Notes' }, h('h2', {}, 'Notes'), p.notes, this.can('incidents:write') ? noteForm : null),
      this.can('incidents:write') ? h('section', { 'aria-label': 'Close' }, h('h2', {}, 'Close'), closeForm) : null,
      h('section', { 'aria-label': 'Timeline' }, h('h2', {}, 'Timeline'), p.timeline));
    this.body.hidden = false;
    this.empty.hidden = true;
  }

  // Called on every store change that may concern the selected incident.
  changed(ev) {
    if (!this.id) return;
    if (ev && ev.incident === this.id) this.refreshTimeline();
    // Unit moves change who is closest; the incident's own changes change what it needs.
    if (!ev || ev.unit || ev.incident === this.id) this.refreshReco();
    this.render();
  }

  render() {
    const inc = this.incident;
    if (!inc || !this.parts) return;
    keepFocus(this.body, () => {
      this.renderHead(inc);
      this.renderCautions(inc);
      this.renderReco(inc);
      this.renderUnits(inc);
      this.renderDestination(inc);
      this.renderNotes(inc);
      this.renderClose(inc);
      this.renderTimeline();
    });
    tickTimers(this.body);
  }

  renderHead(inc) {
    const complaint = this.plan.complaints.find((c) => c.code === inc.chief_complaint);
    const loc = inc.location;
    const located = loc.lat !== null
      ? h('span', { class: 'muted' }, `Located: ${loc.label || `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}`} (${loc.confidence})`)
      : h('strong', { class: 'flag-warn' }, 'NOT LOCATED: no coordinates, no recommendation');
    const prio = this.can('incidents:write')
      ? h('select', {
        'aria-label': 'Priority', class: `chip p${inc.priority}`, 'data-key': 'priority',
        onchange: (e) => this.setPriority(Number(e.target.value)),
      }, [1, 2, 3, 4].map((p) => h('option', { value: p, selected: p === inc.priority }, PRIORITY_TEXT[p])))
      : h('span', { class: `chip p${inc.priority}` }, PRIORITY_TEXT[inc.priority]);
    replaceChildren(this.parts.head,
      inc.status === 'closed' ? h('p', { class: 'closed-banner' },
        `Closed: ${DISPOSITIONS[inc.disposition?.code] || inc.disposition?.code || ''}`) : null,
      h('div', { class: 'title' },
        prio,
        h('span', { class: 'number' }, inc.number),
        h('span', { class: 'complaint' }, complaint ? complaint.label : (inc.chief_complaint || 'No complaint yet')),
        h('span', { class: 'muted' }, inc.status),
        h('span', { class: 'mono', title: 'Time since the call was received', dataset: { since: inc.received_at } }, '')),
      h('p', { class: 'where' }, loc.text || '(no location text)'),
      h('p', {}, located),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Caller'), h('dd', {}, [inc.caller.name, inc.caller.phone].filter(Boolean).join(' · ') || '—'),
        h('dt', {}, 'Source'), h('dd', {}, inc.source),
        inc.persons.length ? [h('dt', {}, 'Persons'), h('dd', {}, inc.persons.map((p) => (p.redacted ? p.role : [p.role, p.name, p.age].filter(Boolean).join(' '))).join('; '))] : null));
  }

  renderCautions(inc) {
    const order = { high: 0, medium: 1, low: 2 };
    const list = [...inc.cautions].sort((a, b) => order[a.severity] - order[b.severity]);
    replaceChildren(this.parts.cautions, list.map(cautionNote));
  }

  renderReco(inc) {
    const entry = this.reco.get(inc.id);
    const data = entry && entry.data;
    const canDispatch = this.can('dispatch') && inc.status !== 'closed';
    if (!data) {
      replaceChildren(this.parts.reco, h('h2', {}, 'Recommended units'),
        h('p', { class: 'muted' }, entry && entry.error ? entry.error : 'Loading…'));
      return;
    }
    const unitRows = (units, first) => units.slice(0, 5).map((u, i) => h('tr', { class: first && i === 0 ? 'top' : '' },
      h('td', {}, String(u.rank)),
      h('td', {}, h('strong', {}, u.call_sign), ' ', h('span', { class: 'muted' }, u.type.toUpperCase())),
      h('td', { class: 'num' }, eta(u.eta_s)),
      h('td', { class: 'num' }, km(u.distance_m)),
      h('td', {},
        u.stale ? h('span', { class: 'flag' }, 'STALE AVL ') : null,
        u.clearing ? h('span', { class: 'flag' }, 'CLEARING ') : null,
        h('span', { class: 'reasons' }, u.reasons.join('; '))),
      h('td', {}, canDispatch ? h('button', {
        type: 'button', class: first && i === 0 ? 'primary small' : 'small', 'data-key': `dispatch-${u.unit}`,
        'aria-keyshortcuts': first && i === 0 ? 'D' : null,
        onclick: () => this.dispatch(u.unit),
      }, first && i === 0 ? ['Dispatch ', h('kbd', {}, 'D')] : 'Dispatch') : null)));
    const head = h('tr', {}, ['#', 'Unit', 'ETA', 'Dist.', 'Why', ''].map((t) => h('th', { scope: 'col' }, t)));
    const req = data.requirement;
    const extra = data.additional.map((group) => [
      h('h2', {}, `Also needed: ${group.capabilities.join(', ').toUpperCase()}`),
      group.units.length ? h('table', {}, h('thead', {}, head.cloneNode(true)), h('tbody', {}, unitRows(group.units, false)))
        : h('p', { class: 'muted' }, 'No qualified unit available.'),
    ]);
    const hospitals = data.hospitals.slice(0, 4).map((ho) => h('tr', { class: ho.suggested ? 'top' : '' },
      h('td', {}, h('strong', {}, ho.name)),
      h('td', { class: 'num' }, eta(ho.eta_s)),
      h('td', {},
        ho.suggested ? h('span', { class: 'suggested' }, 'SUGGESTED ') : null,
        ho.diversion ? h('span', { class: 'diverted' }, 'ON DIVERSION ') : null,
        ho.missing.length ? h('span', { class: 'reasons' }, `lacks ${ho.missing.join(', ')}`) : null),
      h('td', {}, this.can('dispatch') && inc.status !== 'closed' ? h('button', {
        type: 'button', class: 'small', 'data-key': `dest-${ho.hospital}`,
        'aria-keyshortcuts': ho.suggested ? 'H' : null,
        disabled: inc.destination === ho.hospital,
        onclick: () => this.setDestination(ho.hospital),
      }, inc.destination === ho.hospital ? 'Destination' : (ho.suggested ? ['Send here ', h('kbd', {}, 'H')] : 'Send here')) : null)));
    replaceChildren(this.parts.reco,
      h('h2', {}, `Recommended units — needs ${req.capabilities.join(', ').toUpperCase() || 'any'}`),
      data.units.length
        ? h('table', {}, h('thead', {}, head), h('tbody', {}, unitRows(data.units, true)))
        : h('p', { class: 'muted' }, 'No qualified unit available.'),
      extra,
      h('h2', {}, `Hospitals${req.hospital.length ? ` — needs ${req.hospital.join(', ')}` : ''}`),
      h('table', {}, h('tbody', {}, hospitals)));
  }

  renderUnits(inc) {
    const rows = inc.units.map((id) => {
      const u = this.store.units.get(id);
      if (!u) return h('li', {}, id);
      return h('li', {},
        h('strong', {}, u.call_sign),
        h('span', { class: `chip st-${u.status}` }, unitStatusLabel(u.status)),
        h('span', { class: 'mono muted', dataset: { since: u.status_at } }, ''),
        this.can('dispatch') ? h('button', {
          type: 'button', class: 'small', 'data-key': `cancel-${id}`, onclick: () => this.cancel(id),
        }, 'Cancel') : null);
    });
    replaceChildren(this.parts.units, h('h2', {}, 'Units on this incident'),
      rows.length ? h('ul', { class: 'assigned' }, rows) : h('p', { class: 'muted' }, inc.status === 'closed' ? 'None.' : 'None yet: waiting for a unit.'));
  }

  renderDestination(inc) {
    const hosp = inc.destination ? this.store.hospitals.get(inc.destination) : null;
    replaceChildren(this.parts.destination, h('h2', {}, 'Destination'),
      h('p', {}, hosp ? [h('strong', {}, hosp.name), hosp.diversion ? h('span', { class: 'diverted' }, ' — ON DIVERSION') : null]
        : h('span', { class: 'muted' }, inc.destination || 'Not set'),
      inc.destination && this.can('dispatch') && inc.status !== 'closed'
        ? [' ', h('button', { type: 'button', class: 'small', 'data-key': 'dest-clear', onclick: () => this.setDestination(null) }, 'Clear')] : null));
  }

  renderNotes(inc) {
    replaceChildren(this.parts.notes, inc.notes.length ? inc.notes.map((n) => h('li', {},
      h('span', { class: 'meta' }, `${new Date(n.at).toLocaleTimeString([], { hour12: false })} ${n.author}`), n.text))
      : h('li', { class: 'muted' }, 'No notes.'));
  }

  renderClose(inc) {
    const open = inc.status !== 'closed';
    const busy = inc.units.length > 0;
    this.parts.closeButton.disabled = !open || busy;
    this.parts.disposition.disabled = !open;
    this.parts.closeHint.textContent = !open ? 'Closed.'
      : (busy ? 'Units are still on it: clear or cancel them first.' : '');
  }

  renderTimeline() {
    replaceChildren(this.parts.timeline, this.timeline.map((e) => h('li', {},
      h('span', { class: 'meta' }, `${new Date(e.at).toLocaleTimeString([], { hour12: false })} ${e.actor}`), e.text)));
  }

  // -- data ----------------------------------------------------------------------------------

  loadReco(id, force = false) {
    if (!id || !this.can('recommend')) return Promise.resolve(null);
    const known = this.reco.get(id);
    if (known && !force) return known.promise;
    const inc = this.store.incidents.get(id);
    const entry = { data: known ? known.data : null, error: '' };
    entry.promise = (inc && inc.status === 'closed' ? Promise.resolve(null) : get(`/api/incidents/${id}/recommendation`))
      .then((data) => {
        entry.data = data;
        return data;
      })
      .catch((err) => {
        entry.error = `No recommendation: ${err.message}`;
        return null;
      })
      .finally(() => {
        if (this.id === id) this.render();
      });
    this.reco.set(id, entry);
    return entry.promise;
  }

  async loadTimeline() {
    const id = this.id;
    if (!id) return;
    try {
      const entries = await get(`/api/incidents/${id}/timeline`);
      if (this.id !== id) return;
      this.timeline = entries.slice().reverse();
      keepFocus(this.body, () => this.renderTimeline());
    } catch (err) {
      // Shown again on the next change.
    }
  }

  // -- actions -------------------------------------------------------------------------------

  // One key: the first unit of the current recommendation. If the recommendation is still
  // loading it is awaited, so a D pressed right after creating the call still works.
  async dispatchTop() {
    const inc = this.incident;
    if (!inc) return toast('Select an incident first.', 'error');
    if (!this.can('dispatch')) return toast('Your role does not dispatch units.', 'error');
    const entry = this.reco.get(inc.id);
    const data = entry && entry.data ? entry.data : await this.loadReco(inc.id);
    const top = data && data.units[0];
    if (!top) return toast(`No unit to recommend for ${inc.number}.`, 'error');
    return this.dispatch(top.unit);
  }

  async dispatch(unitId) {
    const inc = this.incident;
    if (!inc) return;
    const unit = this.store.units.get(unitId);
    const name = unit ? unit.call_sign : unitId;
    try {
      await post(`/api/incidents/${inc.id}/units`, { unit: unitId });
      toast(`${name} dispatched to ${inc.number}`, 'ok');
    } catch (err) {
      toast(`${name} not dispatched: ${err.message}`, 'error', 8000);
    }
    this.loadReco(inc.id, true);
  }

  async cancel(unitId) {
    const inc = this.incident;
    const unit = this.store.units.get(unitId);
    try {
      await del(`/api/incidents/${inc.id}/units/${unitId}?reason=${encodeURIComponent('cancelled by dispatcher')}`);
      toast(`${unit ? unit.call_sign : unitId} cancelled`, 'ok');
    } catch (err) {
      toast(`Not cancelled: ${err.message}`, 'error', 8000);
    }
  }

  async setDestination(hospitalId) {
    const inc = this.incident;
    if (!inc) return;
    try {
      await put(`/api/incidents/${inc.id}/destination`, { hospital: hospitalId });
      const hosp = hospitalId && this.store.hospitals.get(hospitalId);
      toast(hospitalId ? `Destination: ${hosp ? hosp.name : hospitalId}` : 'Destination cleared', 'ok');
    } catch (err) {
      toast(`Destination not set: ${err.message}`, 'error', 8000);
    }
  }

  async setSuggestedHospital() {
    const inc = this.incident;
    if (!inc) return toast('Select an incident first.', 'error');
    const entry = this.reco.get(inc.id);
    const data = entry && entry.data ? entry.data : await this.loadReco(inc.id);
    const suggested = data && data.hospitals.find((ho) => ho.suggested);
    if (!suggested) return toast('No hospital is suggested for this incident.', 'error');
    return this.setDestination(suggested.hospital);
  }

  async setPriority(priority) {
    const inc = this.incident;
    try {
      await patch(`/api/incidents/${inc.id}`, { priority });
    } catch (err) {
      toast(`Priority not changed: ${err.message}`, 'error', 8000);
      this.render();
    }
  }

  async addNote() {
    const inc = this.incident;
    const text = this.parts.noteInput.value.trim();
    if (!inc || !text) return;
    try {
      await post(`/api/incidents/${inc.id}/notes`, { text });
      this.parts.noteInput.value = '';
    } catch (err) {
      toast(`Note not added: ${err.message}`, 'error', 8000);
    }
  }

  async close() {
    const inc = this.incident;
    const code = this.parts.disposition.value;
    if (!inc) return;
    if (!code) {
      toast('Choose a disposition to close the incident.', 'error');
      this.parts.disposition.focus();
      return;
    }
    try {
      await post(`/api/incidents/${inc.id}/close`, { disposition: code, text: this.parts.closeText.value.trim() });
      toast(`Incident ${inc.number} closed`, 'ok');
      this.parts.disposition.value = '';
      this.parts.closeText.value = '';
    } catch (err) {
      toast(`Not closed: ${err.message}`, 'error', 8000);
    }
  }

  focusNote() {
    this.parts?.noteInput.focus();
  }

  focusClose() {
    this.parts?.disposition.focus();
  }
}
