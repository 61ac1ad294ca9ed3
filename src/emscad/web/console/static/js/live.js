// Live updates: load the board, then follow the event stream from the event the board
// includes. EventSource reconnects by itself and sends Last-Event-ID, so the server resumes
// exactly after the last event received; the store ignores any id it has applied already,
// so nothing is missed and nothing is applied twice. Unit positions (AVL) are not events:
// they are polled.

import { get, loadSession, signInPage } from './api.js';

// EventSource delivers only the event types one listens for. These are the types emscad
// writes today; an event of any other type still advances the ids, and the gap it leaves
// is read back from /api/events (see fill()), so a new type is never silently lost.
export const EVENT_TYPES = [
  'incident.created', 'incident.location_changed', 'incident.triaged', 'incident.caller_changed',
  'incident.persons_changed', 'incident.cautions_changed', 'incident.destination_changed',
  'incident.note_added', 'incident.closed', 'incident.reopened',
  'unit.assigned', 'unit.unassigned', 'unit.status_changed', 'unit.added', 'unit.edited', 'unit.removed',
  'station.saved', 'station.removed', 'hospital.saved', 'hospital.removed', 'hospital.diversion_changed',
  // The safety layer (src/emscad/safety/events.py).
  'sos.raised', 'sos.escalated', 'sos.acknowledged', 'sos.cleared', 'sos.location_updated',
  'checkin.started', 'checkin.extended', 'checkin.safe', 'checkin.cancelled', 'checkin.missed',
  'checkin.escalated', 'checkin.acknowledged', 'checkin.resolved',
  'escort.requested', 'escort.escalated', 'escort.accepted', 'escort.completed', 'escort.cancelled',
  'watch.alert', 'watch.acknowledged', 'watch.degraded', 'watch.restored', 'safety.incident_linked',
  'order.created', 'order.updated', 'order.verified', 'order.withdrawn',
  // Intake (texts, device locations, premise cautions): not shown yet, listened for so their
  // ids leave no gap to read back.
  'text.received', 'text.sent', 'text.thread_attached', 'device.location_received',
  'premise.caution_saved', 'premise.caution_removed',
];

export const TEST_EVENT = 'emscad:test-event';
export const BACKGROUND = 'X-Emscad-Background';

export class Live {
  // onEvent(ev, {synthetic}) runs after the store applied a new event; onStatus(state) gets
  // 'connecting', 'live' or 'down'.
  constructor(store, { onEvent = () => {}, onStatus = () => {}, pollMs = 4000, units = true } = {}) {
    this.store = store;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.pollMs = pollMs;
    this.pollUnits = units;
    this.chain = Promise.resolve(); // events are handled one at a time, in order
    this.source = null;
    this.refetching = new Set();
    this.received = 0; // events received from the stream (for diagnostics and tests)
  }

  async start() {
    const board = await get('/api/board');
    this.store.load(board);
    this.open();
    if (this.pollUnits) this.timer = setInterval(() => this.poll(), this.pollMs);
    this.installTestHook();
  }

  open() {
    this.onStatus('connecting');
    const source = new EventSource(`/api/stream?after=${this.store.lastId}`);
    this.source = source;
    source.onopen = () => this.onStatus('live');
    const receive = (message) => {
      this.received += 1;
      let ev;
      try {
        ev = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      this.chain = this.chain.then(() => this.handle(ev)).catch((err) => console.error(err));
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, receive);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (signed out, or an error): see why, then reopen from
        // the last event applied.
        this.onStatus('down');
        source.close();
        setTimeout(() => this.reopen(), 2000);
      } else {
        this.onStatus('connecting'); // EventSource is reconnecting with Last-Event-ID
      }
    };
  }

  async reopen() {
    try {
      const session = await loadSession();
      if (!session || session.mfa_pending) {
        signInPage();
        return;
      }
    } catch (err) {
      // Server unreachable: try again shortly.
      setTimeout(() => this.reopen(), 3000);
      return;
    }
    this.open();
  }

  async handle(ev) {
    const store = this.store;
    if (ev.id <= store.lastId) return;
    if (ev.id > store.lastId + 1) await this.fill(store.lastId, ev.id);
    this.deliver(ev);
  }

  // Events between `after` and `before` that the stream did not hand us (types not listened
  // for). On PostgreSQL, sequence gaps also happen after rolled-back writes: then nothing
  // comes back and that is fine.
  async fill(after, before) {
    let cursor = after;
    while (cursor < before - 1) {
      const page = await get(`/api/events?after=${cursor}&limit=500`);
      const wanted = page.filter((e) => e.id < before);
      for (const e of wanted) this.deliver(e);
      if (page.length < 500 || wanted.length < page.length || !page.length) break;
      cursor = page[page.length - 1].id;
    }
  }

  deliver(ev) {
    if (!this.store.apply(ev)) return;
    this.refetchFor(ev);
    this.onEvent(ev, { synthetic: false });
  }

  // Entities the store holds as REST snapshots, or does not know at all, are fetched again.
  refetchFor(ev) {
    const store = this.store;
    if (ev.incident && ev.type !== 'incident.created') {
      const inc = store.incidents.get(ev.incident);
      if (!inc || inc.rest) this.refetch(`/api/incidents/${ev.incident}`, (i) => store.putIncident(i));
    }
    if (ev.unit && ev.type !== 'unit.added') {
      const unit = store.units.get(ev.unit);
      if (!unit || unit.rest) this.refetch(`/api/units/${ev.unit}`, (u) => store.putUnit(u));
    }
  }

  async refetch(path, put) {
    if (this.refetching.has(path)) return;
    this.refetching.add(path);
    try {
      put(await get(path));
    } catch (err) {
      // Not found (removed) or offline: the next event or poll tries again.
    } finally {
      this.refetching.delete(path);
    }
  }

  async poll() {
    try {
      // A background poll: it must not count as the dispatcher being at the console, or
      // the session's idle timeout would never end an abandoned console.
      this.store.mergeUnits(await get('/api/units', { headers: { [BACKGROUND]: '1' } }));
    } catch (err) {
      // Offline for a moment: the next poll catches up.
    }
  }

  // Browser tests inject synthetic live events (a watch alert without plate readers). The
  // hook exists only when the test harness defines __EMSCAD_TEST_HOOKS__ before the page's
  // scripts run (Playwright's add_init_script); no page of emscad ever defines it.
  installTestHook() {
    if (globalThis.__EMSCAD_TEST_HOOKS__ !== true) return;
    window.addEventListener(TEST_EVENT, (e) => this.onEvent(e.detail, { synthetic: true }));
  }
}
