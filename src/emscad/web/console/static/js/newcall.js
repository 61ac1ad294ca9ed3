// Taking a call: where (type-ahead from the region's own geocoder), what (the response
// plan's complaints, which set the priority), who called. The text the call-taker typed is
// sent as typed; a chosen candidate adds its coordinates and label beside it. Once the place
// or the number is known, the history at intake shows under the form: the cautions the call
// will carry (premise, protective order) and earlier calls there and from that number.

import { get, post } from './api.js';
import { Combobox } from './combobox.js';
import { CONFIDENCE_OF_MATCH, MATCH_TYPE_LABELS } from './domain.js';
import { cautionNote, h, replaceChildren, toast } from './util.js';

function newKey() {
  return globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// Complaints matching typed text: label start first, then a word start, then anywhere.
export function matchComplaints(complaints, text) {
  const q = text.trim().toLowerCase();
  if (!q) return [];
  const scored = [];
  for (const c of complaints) {
    const label = c.label.toLowerCase();
    let score = -1;
    if (label.startsWith(q) || c.code.startsWith(q)) score = 0;
    else if (label.split(/[\s,/-]+/).some((w) => w.startsWith(q))) score = 1;
    else if (label.includes(q) || c.code.includes(q.replace(/\s+/g, '_'))) score = 2;
    if (score >= 0) scored.push([score, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label));
  return scored.slice(0, 10).map(([, c]) => c);
}

export class NewCall {
  constructor(form, { plan, onCreated }) {
    this.form = form;
    this.plan = plan;
    this.onCreated = onCreated;
    this.el = {
      address: form.querySelector('#nc-address'),
      located: form.querySelector('#nc-located'),
      complaint: form.querySelector('#nc-complaint'),
      priority: form.querySelector('#nc-priority'),
      caller: form.querySelector('#nc-caller'),
      phone: form.querySelector('#nc-phone'),
      create: form.querySelector('#nc-create'),
      history: form.querySelector('#nc-history'),
    };
    this.historyFor = ''; // the query of the history shown
    this.historyTimer = null;
    this.picked = null; // the chosen location candidate
    this.complaint = null; // the chosen complaint of the plan
    this.key = newKey(); // one idempotency key per call: a retried create never duplicates
    this.busy = false;

    this.address = new Combobox(this.el.address, form.querySelector('#nc-address-list'), {
      search: async (text) => (await get(`/api/geocode?q=${encodeURIComponent(text)}&limit=8`)).candidates,
      render: (c) => [
        h('span', { class: 'label' }, c.label, c.detail ? h('span', { class: 'detail' }, c.detail) : null),
        h('span', { class: 'match' }, MATCH_TYPE_LABELS[c.match_type] || c.match_type),
        h('span', { class: 'score' }, `${Math.round(c.score * 100)}%`),
      ],
      onPick: (c) => this.pickLocation(c),
      onEdit: () => this.clearLocation(),
      minLength: 2,
    });
    this.complaints = new Combobox(this.el.complaint, form.querySelector('#nc-complaint-list'), {
      search: async (text) => matchComplaints(this.plan.complaints, text),
      render: (c) => [h('span', { class: 'label' }, c.label), h('span', { class: 'match' }, `P${c.priority}`)],
      onPick: (c) => this.pickComplaint(c),
      onEdit: () => { this.complaint = null; },
      delay: 0,
    });

    this.el.phone.addEventListener('input', () => this.scheduleHistory());

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.create();
    });
    form.querySelector('#nc-clear').addEventListener('click', () => {
      this.clear();
      this.focus();
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        e.stopPropagation();
        this.create();
      }
    });
  }

  focus() {
    this.el.address.focus();
    this.el.address.select();
  }

  pickLocation(c) {
    this.picked = c;
    const kind = MATCH_TYPE_LABELS[c.match_type] || c.match_type;
    this.el.located.className = `located ${c.match_type === 'street' ? 'warn' : 'ok'}`;
    this.el.located.textContent = `Located: ${c.label} (${kind}${c.detail ? `; ${c.detail}` : ''})`;
    this.scheduleHistory();
  }

  clearLocation() {
    if (!this.picked && this.el.located.textContent === 'Not located yet') return;
    this.picked = null;
    this.el.located.className = 'located muted';
    this.el.located.textContent = 'Not located yet';
    this.scheduleHistory();
  }

  scheduleHistory() {
    clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => this.loadHistory(), 250);
  }

  // The history's query: the chosen place and a number long enough to be one ('' for none).
  historyQuery() {
    const params = new URLSearchParams();
    const c = this.picked;
    if (c) {
      params.set('address', c.label);
      params.set('lon', String(c.lon));
      params.set('lat', String(c.lat));
    }
    const phone = this.el.phone.value.trim();
    if (phone.replace(/\D/g, '').length >= 7) params.set('phone', phone);
    if (![...params.keys()].length) return '';
    params.set('limit', '3');
    return params.toString();
  }

  async loadHistory() {
    const query = this.historyQuery();
    if (query === this.historyFor) return;
    this.historyFor = query;
    if (!query) {
      this.renderHistory(null);
      return;
    }
    let data;
    try {
      data = await get(`/api/intake/history?${query}`);
    } catch (err) {
      return; // history helps the call-taker; without it the call is still taken
    }
    if (query === this.historyFor) this.renderHistory(data);
  }

  renderHistory(data) {
    const earlier = (what, count, last) => (count
      ? h('div', { class: 'muted' }, `${count} earlier ${what}; last ${last.number}, `
        + `${new Date(last.received_at).toLocaleDateString()}, ${last.chief_complaint || 'no complaint'} `
        + `(${last.disposition || last.status})`)
      : null);
    // The one-line counts first, so a long caution never scrolls them out of sight.
    const parts = data ? [
      earlier('at this place', data.at_address_count, data.at_address[0]),
      earlier('from this number', data.from_number_count, data.from_number[0]),
      ...data.incident_cautions.map(cautionNote),
    ].filter(Boolean) : [];
    replaceChildren(this.el.history, parts);
    this.el.history.hidden = parts.length === 0;
  }

  pickComplaint(c) {
    this.complaint = c;
    this.el.complaint.value = c.label;
    this.el.priority.value = String(c.priority);
  }

  clear() {
    this.address.reset();
    this.complaints.reset();
    this.picked = null;
    this.complaint = null;
    for (const input of [this.el.address, this.el.complaint, this.el.caller, this.el.phone]) input.value = '';
    this.el.priority.value = '3';
    this.clearLocation();
    clearTimeout(this.historyTimer);
    this.historyFor = '';
    this.renderHistory(null);
    this.key = newKey();
  }

  body() {
    const text = this.el.address.value.trim();
    const c = this.picked;
    return {
      location: c
        ? { text, lon: c.lon, lat: c.lat, label: c.label, confidence: CONFIDENCE_OF_MATCH[c.match_type] || 'unverified' }
        : { text },
      chief_complaint: this.complaint ? this.complaint.code : this.el.complaint.value.trim(),
      priority: Number(this.el.priority.value),
      caller: { name: this.el.caller.value.trim(), phone: this.el.phone.value.trim() },
    };
  }

  async create() {
    if (this.busy) return;
    const body = this.body();
    if (!body.location.text) {
      toast('Type a location first (an address, a place or coordinates).', 'error');
      this.el.address.focus();
      return;
    }
    this.busy = true;
    this.el.create.disabled = true;
    let incident = null;
    try {
      incident = await post('/api/incidents', body, { headers: { 'Idempotency-Key': this.key } });
      const where = this.picked ? '' : ' (not located: add coordinates or choose a candidate)';
      toast(`Incident ${incident.number} created${where}`, this.picked ? 'ok' : 'error');
      this.clear();
    } catch (err) {
      toast(`Call not created: ${err.message}`, 'error', 8000);
      this.el.address.focus();
    } finally {
      this.busy = false;
      this.el.create.disabled = false;
    }
    // Resolves once the new incident is selected: a D pressed meanwhile waits for this.
    if (incident) await this.onCreated(incident);
    return incident;
  }
}
