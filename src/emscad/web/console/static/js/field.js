// The field unit's page (phone or tablet in the vehicle): its own status in big buttons, the
// current assignment with cautions and destination, a hand-off to a navigation app, and the
// device's position sent to dispatch (AVL) while the crew allows it.

import { ApiError, post, requireSession, signOut } from './api.js';
import { nextStatuses, unitStatusLabel } from './domain.js';
import { Live } from './live.js';
import { Store } from './store.js';
import { $, h, replaceChildren, startTimers, toast } from './util.js';

const AVL_EVERY_MS = 10000; // one fix every 10 s at most: enough for closest-unit decisions

function problem(text) {
  const el = $('#problem');
  el.textContent = text || '';
  el.hidden = !text;
}

function navLinks(lat, lon, label, from) {
  const geo = `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(label)})`;
  const start = from ? `${from.lat},${from.lon}` : '';
  const osm = `https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=${start};${lat},${lon}`;
  return h('div', { class: 'nav-links' },
    h('a', { class: 'button big primary', href: geo }, `Navigate (maps app): ${label}`),
    h('a', { class: 'button big', href: osm, target: '_blank', rel: 'noopener noreferrer' }, 'Directions on OpenStreetMap'));
}

class Field {
  constructor(unitId, store) {
    this.unitId = unitId;
    this.store = store;
    this.fix = null; // the newest position from the device
    this.sentAt = null; // when (device time) the last sent fix was taken
    this.watch = null;
  }

  get unit() {
    return this.store.units.get(this.unitId);
  }

  render() {
    const u = this.unit;
    if (!u) {
      problem(`Unit ${this.unitId} is not on the roster.`);
      return;
    }
    $('#unit-name').textContent = u.call_sign;
    const chip = $('#status-chip');
    chip.className = `chip st-${u.status}`;
    chip.textContent = unitStatusLabel(u.status);
    $('#status-since').dataset.since = u.status_at || '';
    const inc = u.incident ? this.store.incidents.get(u.incident) : null;
    this.renderButtons(u, inc);
    this.renderAssignment(u, inc);
  }

  renderButtons(u, inc) {
    const options = nextStatuses(u.status);
    const needsHospital = options.includes('transporting') && !(inc && inc.destination);
    $('#transport-choice').hidden = !needsHospital;
    if (needsHospital) {
      const select = $('#hospital');
      const current = select.value;
      replaceChildren(select, h('option', { value: '' }, 'Choose a hospital…'),
        [...this.store.hospitals.values()].sort((a, b) => a.name.localeCompare(b.name)).map((ho) => h('option', {
          value: ho.id, selected: ho.id === current,
        }, `${ho.name}${ho.diversion ? ' (ON DIVERSION)' : ''}`)));
    }
    const focused = document.activeElement?.dataset.status;
    replaceChildren($('#status-buttons'), options.map((status) => h('button', {
      type: 'button', class: `st-${status}`, dataset: { status }, onclick: () => this.change(status),
    }, unitStatusLabel(status))));
    if (focused) $(`#status-buttons [data-status="${focused}"]`)?.focus();
  }

  renderAssignment(u, inc) {
    const box = $('#assignment');
    if (!inc) {
      replaceChildren(box, h('p', { class: 'muted' }, u.incident ? 'Loading the assignment…' : 'No assignment.'));
      return;
    }
    const loc = inc.location;
    const hosp = inc.destination ? this.store.hospitals.get(inc.destination) : null;
    const here = this.fix ? { lat: this.fix.coords.latitude, lon: this.fix.coords.longitude } : null;
    const goingToHospital = hosp && ['transporting', 'at_hospital', 'transferred'].includes(u.status);
    replaceChildren(box,
      h('div', { class: 'unit-status' },
        h('span', { class: `chip p${inc.priority}` }, `P${inc.priority}`),
        h('strong', {}, inc.number),
        h('span', {}, inc.chief_complaint.replace(/_/g, ' ') || 'no complaint')),
      h('p', { class: 'address' }, loc.text || loc.label || 'No address'),
      loc.label && loc.label !== loc.text ? h('p', { class: 'muted' }, loc.label) : null,
      h('div', { class: 'cautions' }, inc.cautions.map((c) => h('div', { class: `caution sev-${c.severity}`, role: 'note' },
        h('span', { class: 'sev' }, `${c.severity.toUpperCase()} CAUTION`), h('strong', {}, c.kind), c.text ? ` — ${c.text}` : ''))),
      h('dl', {},
        h('dt', {}, 'Caller'), h('dd', {}, [inc.caller.name, inc.caller.phone].filter(Boolean).join(' · ') || '—'),
        h('dt', {}, 'Destination'), h('dd', {}, hosp ? `${hosp.name}${hosp.diversion ? ' (ON DIVERSION)' : ''}` : 'not set yet'),
        inc.notes.length ? [h('dt', {}, 'Last note'), h('dd', {}, inc.notes[inc.notes.length - 1].text)] : null),
      goingToHospital
        ? navLinks(hosp.lat, hosp.lon, hosp.name, here)
        : (loc.lat !== null ? navLinks(loc.lat, loc.lon, loc.text || loc.label, here) : h('p', { class: 'notice' }, 'No coordinates yet: ask dispatch.')));
  }

  async change(status) {
    const u = this.unit;
    const inc = u.incident ? this.store.incidents.get(u.incident) : null;
    const body = { status };
    if (status === 'transporting') {
      const destination = (inc && inc.destination) || $('#hospital').value;
      if (!destination) {
        toast('Choose the destination hospital first.', 'error');
        $('#hospital').focus();
        return;
      }
      body.destination = destination;
    }
    try {
      await post(`/api/units/${u.id}/status`, body);
      toast(unitStatusLabel(status), 'ok');
    } catch (err) {
      toast(`Not changed: ${err.message}`, 'error', 8000);
    }
  }

  // -- AVL -----------------------------------------------------------------------------------

  startPosition() {
    const share = $('#share');
    const state = $('#position-state');
    if (!('geolocation' in navigator)) {
      state.textContent = 'This device cannot share its location.';
      share.disabled = true;
      return;
    }
    const begin = () => {
      this.watch = navigator.geolocation.watchPosition(
        (fix) => { this.fix = fix; },
        (err) => {
          state.textContent = err.code === 1 ? 'Location permission denied: dispatch sees no position.' : `No location: ${err.message}`;
        },
        { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 },
      );
    };
    share.addEventListener('change', () => {
      if (share.checked) begin();
      else {
        navigator.geolocation.clearWatch(this.watch);
        state.textContent = 'Not sharing the position.';
      }
    });
    begin();
    setInterval(() => this.sendFix(), AVL_EVERY_MS);
    setTimeout(() => this.sendFix(), 1500);
  }

  async sendFix() {
    const share = $('#share');
    const fix = this.fix;
    if (!share.checked || !fix || fix.timestamp === this.sentAt) return;
    const c = fix.coords;
    const position = {
      unit: this.unitId,
      lon: c.longitude,
      lat: c.latitude,
      at: new Date(fix.timestamp).toISOString(),
      accuracy_m: c.accuracy ?? null,
      speed_mps: c.speed !== null && c.speed >= 0 ? c.speed : null,
      heading_deg: c.heading !== null && c.heading >= 0 && c.heading <= 360 ? c.heading : null,
    };
    try {
      await post('/api/avl', { positions: [position] });
      this.sentAt = fix.timestamp;
      $('#position-state').textContent = `Position sent at ${new Date().toLocaleTimeString([], { hour12: false })}`
        + (c.accuracy ? ` (±${Math.round(c.accuracy)} m)` : '');
      document.body.dataset.avlSent = String(Number(document.body.dataset.avlSent || 0) + 1);
    } catch (err) {
      $('#position-state').textContent = err instanceof ApiError && err.status === 0
        ? 'Offline: the position will be sent when the connection is back.'
        : `Position not sent: ${err.message}`;
    }
  }
}

async function main() {
  const session = await requireSession();
  $('#signout').addEventListener('click', () => signOut());
  if (!session.roles.includes('field_unit') || !session.unit) {
    problem('This account is not a field unit linked to a unit: ask an administrator.');
    return;
  }
  const store = new Store();
  const field = new Field(session.unit, store);
  store.addEventListener('change', () => field.render());
  const setConn = (state) => {
    const el = $('#conn');
    el.className = `conn ${state}`;
    el.textContent = { live: 'Live', connecting: 'Reconnecting…', down: 'Offline' }[state] || state;
    document.body.dataset.conn = state;
  };
  const live = new Live(store, {
    onStatus: setConn,
    onEvent: (ev) => {
      if (ev.type === 'unit.assigned' && ev.unit === session.unit) {
        toast('New assignment', 'ok', 8000);
        if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
      }
    },
  });
  await live.start();
  startTimers();
  field.render();
  field.startPosition();
  // Browser tests reach the page's state (only when their harness flag is set).
  if (globalThis.__EMSCAD_TEST_HOOKS__ === true) globalThis.__EMSCAD_FIELD__ = { store, live, field };
}

main().catch((err) => {
  if (err && err.status === 401) return;
  console.error(err);
  problem(`The page could not start: ${err.message}`);
});
