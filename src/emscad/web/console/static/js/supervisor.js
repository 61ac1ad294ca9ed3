// The supervisor view: the same live board and map, plus hospital diversion, an overview
// of the roster (how many units are free, by type and by station) and the alerts that did
// not go out.

import { get, post } from './api.js';
import { Alarms } from './alarms.js';
import { UnitBoard } from './board.js';
import { Deliveries } from './deliveries.js';
import { COMMITTED, UNIT_TYPE_LABELS, unitStatusLabel } from './domain.js';
import { Live } from './live.js';
import { ConsoleMap } from './map.js';
import { setConnection, startCommon } from './page.js';
import { Queue } from './queue.js';
import { Store } from './store.js';
import { $, h, replaceChildren, toast } from './util.js';

const AVAILABLE = new Set(['available', 'available_at_station']);

function renderRoster(store) {
  const units = store.unitList();
  const count = (pred) => units.filter(pred).length;
  const stat = (label, n, cls = '') => h('div', {}, h('span', {}, cls ? h('span', { class: `chip ${cls}` }, label) : label), h('strong', { class: 'num' }, String(n)));
  replaceChildren($('#roster'),
    stat('Available', count((u) => AVAILABLE.has(u.status)), 'st-available'),
    stat('On incidents', count((u) => COMMITTED.has(u.status) && !['at_hospital', 'transferred'].includes(u.status)), 'st-en_route'),
    stat('Clearing hospital', count((u) => ['at_hospital', 'transferred'].includes(u.status)), 'st-at_hospital'),
    stat(unitStatusLabel('out_of_service'), count((u) => u.status === 'out_of_service'), 'st-out_of_service'),
    stat(unitStatusLabel('off_duty'), count((u) => u.status === 'off_duty'), 'st-off_duty'),
    stat('On the roster', units.length));
  const types = [...new Set(units.map((u) => u.type))].sort();
  replaceChildren($('#roster-types'), types.map((t) => {
    const of = units.filter((u) => u.type === t);
    return stat(UNIT_TYPE_LABELS[t] || t, `${of.filter((u) => AVAILABLE.has(u.status)).length} / ${of.length}`);
  }));
  const stations = [...store.stations.values()].sort((a, b) => a.name.localeCompare(b.name));
  replaceChildren($('#roster-stations'), stations.map((s) => {
    const home = units.filter((u) => u.station === s.id && u.status === 'available_at_station');
    return h('div', {}, h('span', {}, s.name), h('span', { class: 'muted' }, home.map((u) => u.call_sign).join(', ') || 'none'));
  }));
  $('#units-count').textContent = `(${units.length})`;
}

function renderHospitals(store, canDivert) {
  const list = [...store.hospitals.values()].sort((a, b) => a.name.localeCompare(b.name));
  const focusedKey = document.activeElement?.dataset.key;
  replaceChildren($('#hospitals'), list.map((ho) => {
    const reasonId = `reason-${ho.id}`;
    const reason = h('input', { id: reasonId, type: 'text', maxlength: 200, placeholder: 'e.g. ED full', 'data-key': `r-${ho.id}` });
    const toggle = async () => {
      // Decided before the request: the live event may update `ho` before the answer comes.
      const divert = !ho.diversion;
      try {
        await post(`/api/hospitals/${ho.id}/diversion`, { diversion: divert, reason: reason.value.trim() });
        toast(`${ho.name}: ${divert ? 'on diversion' : 'open again'}`, 'ok');
      } catch (err) {
        toast(`${ho.name} unchanged: ${err.message}`, 'error', 8000);
      }
    };
    return h('li', {},
      h('div', { class: 'line' },
        h('strong', {}, ho.name),
        h('span', { class: `state ${ho.diversion ? 'on' : 'off'}` }, ho.diversion ? `ON DIVERSION${ho.diversion_reason ? `: ${ho.diversion_reason}` : ''}` : 'Open')),
      h('div', { class: 'muted' }, ho.capabilities.join(', ')),
      canDivert ? h('div', { class: 'row' },
        ho.diversion ? null : h('div', { class: 'grow' }, h('label', { for: reasonId }, `Reason for ${ho.name}`), reason),
        h('button', {
          type: 'button', class: ho.diversion ? 'small' : 'small danger', 'data-key': `d-${ho.id}`, onclick: toggle,
        }, ho.diversion ? 'End diversion' : 'Go on diversion')) : null);
  }));
  if (focusedKey) document.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
}

async function main() {
  const { me } = await startCommon();
  const plan = await get('/api/response-plan');
  const store = new Store();
  const map = new ConsoleMap($('#map'), { store, onSelectIncident: (id) => select(id) });
  const queue = new Queue($('#queue'), {
    store, plan, empty: $('#queue-empty'), count: $('#queue-count'), onSelect: (id) => select(id),
  });
  const board = new UnitBoard($('#units'), { store, me, menu: $('#status-menu'), onSelectIncident: (id) => select(id) });
  const alarms = new Alarms({
    container: $('#alarms'), map, soundButton: $('#sound'), onOpenIncident: (id) => select(id),
    canHandle: me.permissions.includes('alarms'),
  });
  const canDivert = me.permissions.includes('hospitals:diversion');
  const deliveries = me.permissions.includes('notifications:read')
    ? new Deliveries($('#deliveries'), { count: $('#deliveries-count'), empty: $('#deliveries-empty') })
    : null;

  function select(id) {
    queue.select(id);
    map.select(id);
    map.focusIncident(id);
  }

  store.addEventListener('change', (e) => {
    board.render();
    map.update();
    renderRoster(store);
    if (e.detail.kind === 'positions') return;
    queue.render();
    // Only hospital changes redraw the list: a reason being typed is never wiped.
    const ev = e.detail.event;
    if (e.detail.kind === 'load' || (ev && ev.type.startsWith('hospital.'))) renderHospitals(store, canDivert);
  });
  const onEvent = (ev, opts) => {
    alarms.handle(ev, opts);
    // An alarm's alerts go out a moment after its event: look again once they have.
    if (deliveries && /^(sos|checkin|escort|watch)\./.test(ev.type || '')) deliveries.refreshSoon();
  };
  const live = new Live(store, { onEvent, onStatus: setConnection });
  const mapReady = map.start()
    .then((config) => {
      if (config) board.staleAfterS = config.stale_after_s; // the server's AVL staleness
    })
    .catch((err) => toast(`Map: ${err.message}`, 'error'));
  await Promise.all([live.start(), mapReady]);
  map.update();
  alarms.refresh(); // alarms raised before this page opened
  if (deliveries) {
    $('.deliveries').hidden = false;
    deliveries.start();
  }
  // Browser tests reach the page's state (only when their harness flag is set).
  if (globalThis.__EMSCAD_TEST_HOOKS__ === true) globalThis.__EMSCAD_CONSOLE__ = { store, live, alarms, map, deliveries };
}

main().catch((err) => {
  if (err && (err.status === 401 || err.message === 'not a console role')) return;
  console.error(err);
  toast(`The supervisor view could not start: ${err.message}`, 'error', 60000);
});
