// Alarms: a staff SOS, a missed check-in (welfare alert), a protective-order watch alert, an
// escort request. An alarm flashes, with a repeating tone, until a person acknowledges it
// ("I have it": the server stops the escalation ladder). It then stays on screen, steady and
// quiet, until it is cleared with a reason (an SOS, a welfare alert) or the escort ends. A
// high watch alert ends when acknowledged: its incident goes on in the queue.
// Nothing silences an alarm on its own. See docs/safety.md for the rules.

import { get, post } from './api.js';
import { clockTime, h, replaceChildren, tickTimers, toast } from './util.js';

// The safety layer's endpoints; `{id}` is the alarm key ("sos:<id>", "checkin:<id>",
// "escort:<id>"), URL-encoded. The one place to change when they move.
export const ALARMS_URL = '/api/safety/alarms';
export const ALARM_ACK_URL = `${ALARMS_URL}/{id}/ack`;
export const ALARM_CLEAR_URL = `${ALARMS_URL}/{id}/clear`;

export function ackUrl(id) {
  return ALARM_ACK_URL.replace('{id}', encodeURIComponent(id));
}

function clearUrl(id) {
  return ALARM_CLEAR_URL.replace('{id}', encodeURIComponent(id));
}

// Events that end an alarm.
const ENDING = new Set([
  'sos.cleared', 'checkin.resolved', 'checkin.safe', 'checkin.cancelled',
  'escort.completed', 'escort.cancelled', 'watch.restored', 'watch.acknowledged',
]);
// Events that mean a person has it: the alarm stops sounding and stays, steady.
const HANDLED = new Set(['sos.acknowledged', 'checkin.acknowledged', 'escort.accepted']);
// Events that raise (or re-raise) an alarm.
const RAISING = new Set(['checkin.missed', 'checkin.escalated', 'escort.requested', 'escort.escalated']);

export function isAlarmEvent(type) {
  if (ENDING.has(type) || HANDLED.has(type) || type === 'sos.location_updated') return false;
  return type.startsWith('sos.') || type.startsWith('watch.') || RAISING.has(type);
}

export function alarmIdOf(ev) {
  const d = ev.data || {};
  const [family] = ev.type.split('.');
  if (ev.type === 'safety.incident_linked') return d.alarm;
  if (family === 'sos' && d.sos) return `sos:${d.sos}`;
  if (family === 'checkin' && d.checkin) return `checkin:${d.checkin}`;
  if (family === 'escort' && d.escort) return `escort:${d.escort}`;
  // A high alert is the alarm named by its incident key (two orders hit by one read make
  // two events, one alarm); a low one has no server state and is keyed by what was read.
  if (ev.type === 'watch.alert') return d.incident_key || `watch:${d.key}`;
  if (ev.type === 'watch.acknowledged') return d.alarm;
  if (family === 'watch') return `watch:${d.order}:${d.device || ''}`;
  return `${ev.type}:${ev.id}`;
}

const KIND_TITLES = {
  sos: 'STAFF SOS', checkin: 'MISSED CHECK-IN', escort: 'ESCORT REQUEST', watch: 'WATCH ALERT',
};

function describe(ev) {
  const d = ev.data || {};
  const kind = ev.type.split('.')[0];
  const level = d.level > 0 ? ` — escalated, level ${d.level}` : '';
  switch (kind) {
    case 'sos':
      return { kind, title: `${KIND_TITLES.sos}${level}`, detail: 'a member of staff needs help', silent: Boolean(d.silent) };
    case 'checkin':
      return { kind, title: `${KIND_TITLES.checkin}${level}`, detail: d.deadline ? `was due ${clockTime(d.deadline)}` : '' };
    case 'escort':
      return { kind, title: `${KIND_TITLES.escort}${level}`, detail: [d.place, d.note].filter(Boolean).join(' · ') };
    default:
      if (ev.type === 'watch.alert') {
        return {
          kind: 'watch',
          title: `${KIND_TITLES.watch}${d.severity ? ` (${String(d.severity).toUpperCase()})` : ''}`,
          detail: [d.reason, d.feed && `feed: ${d.feed}`].filter(Boolean).join(' · '),
        };
      }
      return {
        kind: 'watch',
        title: 'PROTECTION DEGRADED',
        detail: [d.device && `device ${d.device}`, d.cause].filter(Boolean).join(' · '),
      };
  }
}

// An open alarm as the server lists it (ALARMS_URL), in the console's terms (null: none).
function fromServer(a) {
  let phase = null;
  if (a.kind === 'sos') phase = a.phase === 'active' ? 'active' : 'acknowledged';
  else if (a.kind === 'checkin' && a.phase === 'missed') phase = a.acknowledged_by ? 'acknowledged' : 'active';
  else if (a.kind === 'escort') phase = a.phase === 'requested' ? 'active' : 'acknowledged';
  else if (a.kind === 'watch') phase = 'active';
  if (!phase || !a.open) return null;
  if (a.kind === 'watch') {
    return {
      id: a.alarm,
      ackKey: a.key,
      kind: 'watch',
      title: `${KIND_TITLES.watch} (${String(a.severity).toUpperCase()})`,
      detail: [a.reason, a.feed && `feed: ${a.feed}`].filter(Boolean).join(' · '),
      at: a.started_at,
      position: a.position || null,
      incident: null,
      silent: false,
      phase,
    };
  }
  const who = a.staff_username || 'a member of staff';
  const detail = {
    sos: `${who}${a.source ? ` via ${String(a.source).replace('_', ' ')}` : ''}`,
    checkin: `${who}${a.note ? ` · ${a.note}` : ''}${a.deadline ? ` · was due ${clockTime(a.deadline)}` : ''}`,
    escort: `${who} · meet at ${a.place || '?'}${a.note ? ` · ${a.note}` : ''}`,
  }[a.kind];
  return {
    id: a.key,
    kind: a.kind,
    title: `${KIND_TITLES[a.kind]}${a.level > 0 ? ` — escalated, level ${a.level}` : ''}`,
    detail,
    at: a.started_at || a.missed_at || a.requested_at,
    position: a.position || null,
    incident: a.incident || null,
    silent: Boolean(a.silent),
    phase,
  };
}

// A two-tone alert made at run time (WebAudio): no file to fetch, works offline. Browsers
// keep audio off until the user has interacted with the page; `needsGesture` says so, and
// the page shows a button to turn the sound on.
export class Siren {
  constructor() {
    this.ctx = null;
    this.timer = null;
    this.onState = () => {};
    const unlock = () => this.unlock();
    window.addEventListener('keydown', unlock, { capture: true });
    window.addEventListener('pointerdown', unlock, { capture: true });
  }

  unlock() {
    try {
      if (!this.ctx) this.ctx = new AudioContext();
      if (this.ctx.state === 'suspended') this.ctx.resume().then(() => this.onState());
    } catch (err) {
      this.ctx = null;
    }
    this.onState();
  }

  get needsGesture() {
    return !this.ctx || this.ctx.state !== 'running';
  }

  get sounding() {
    return this.timer !== null;
  }

  start() {
    if (this.timer !== null) return;
    this.beep();
    this.timer = setInterval(() => this.beep(), 1600);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  beep() {
    if (!this.ctx || this.ctx.state !== 'running') return;
    const t0 = this.ctx.currentTime;
    [[960, 0], [720, 0.28], [960, 0.56], [720, 0.84]].forEach(([freq, offset]) => {
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + offset + 0.25);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(t0 + offset);
      osc.stop(t0 + offset + 0.26);
    });
  }
}

export class Alarms {
  // container: where alarm banners go; map: optional (showAlarm/clearAlarm/focusAlarm);
  // soundButton: shown while an alarm sounds and the browser still blocks audio;
  // onOpenIncident(id): select the alarm's incident.
  constructor({ container, map = null, soundButton = null, onOpenIncident = null, canHandle = true }) {
    this.container = container;
    this.map = map;
    this.onOpenIncident = onOpenIncident;
    this.canHandle = canHandle; // the `alarms` permission: acknowledge and clear
    this.alarms = new Map(); // id -> alarm, oldest first
    this.siren = new Siren();
    this.soundButton = soundButton;
    this.siren.onState = () => this.updateSound();
    this.refreshTimer = null;
    if (soundButton) soundButton.addEventListener('click', () => this.siren.unlock());
  }

  // Open alarms from the server: at start (an SOS raised before this console opened), and
  // after live safety events (names and state as the server holds them).
  async refresh() {
    if (!this.canHandle) return;
    let list;
    try {
      list = await get(ALARMS_URL);
    } catch (err) {
      return; // no safety layer on this server, or offline: the live events still work
    }
    const open = new Map(list.map(fromServer).filter(Boolean).map((a) => [a.id, a]));
    for (const [id, alarm] of this.alarms) {
      if (!open.has(id) && !alarm.local) this.remove(id);
    }
    for (const a of open.values()) {
      const known = this.alarms.get(a.id);
      this.alarms.set(a.id, { ...(known || {}), ...a, error: known ? known.error : '', busy: known ? known.busy : false });
      if (a.position) this.map?.showAlarm(this.alarms.get(a.id));
    }
    this.render();
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 150);
  }

  remove(id) {
    if (!this.alarms.delete(id)) return false;
    this.map?.clearAlarm(id);
    return true;
  }

  // `synthetic`: injected by the browser tests' hook; the server knows nothing of it.
  handle(ev, { synthetic = false } = {}) {
    const type = ev.type || '';
    const family = type.split('.')[0];
    if (!['sos', 'checkin', 'escort', 'watch', 'safety'].includes(family)) return;
    const id = alarmIdOf(ev);
    const alarm = this.alarms.get(id);
    if (type === 'safety.incident_linked') {
      if (alarm) {
        alarm.incident = ev.incident || ev.data.incident;
        this.render();
      }
    } else if (ENDING.has(type)) {
      if (this.remove(id)) {
        toast(`${alarm.title.split(' —')[0]}: ${type.split('.')[1]}`, 'ok');
        this.render();
      }
    } else if (HANDLED.has(type)) {
      if (alarm && ev.data.human !== false) {
        alarm.phase = 'acknowledged';
        this.render();
      }
    } else if (type === 'sos.location_updated') {
      if (alarm && ev.data.position) {
        alarm.position = ev.data.position;
        this.map?.showAlarm(alarm);
      }
    } else if (isAlarmEvent(type)) {
      const described = describe(ev);
      const raised = {
        phase: 'active',
        ...(alarm || {}),
        ...described,
        // The server's description (with the person's name) wins over the event's.
        detail: alarm && alarm.detail ? alarm.detail : described.detail,
        id,
        at: (alarm && alarm.at) || ev.data.at || ev.at,
        position: ev.data.position || (alarm && alarm.position) || null,
        incident: ev.incident || (alarm && alarm.incident) || null,
        silent: Boolean(described.silent || (alarm && alarm.silent)),
        // No server state to acknowledge (a low watch alert; a test's synthetic event).
        local: (described.kind === 'watch' && !ev.data.incident_key) || synthetic,
        // A high watch alert is acknowledged by the number of its event.
        ackKey: type === 'watch.alert' && ev.data.incident_key ? `watch:${ev.id}` : (alarm && alarm.ackKey),
        error: '',
        busy: false,
      };
      this.alarms.set(id, raised);
      if (raised.position) this.map?.showAlarm(raised);
      this.render();
    }
    if (family !== 'watch' && !synthetic) this.scheduleRefresh();
  }

  async acknowledge(id) {
    const alarm = this.alarms.get(id);
    if (!alarm || alarm.busy) return;
    if (alarm.local) {
      // A low watch alert has no server state to acknowledge: it is for information.
      this.remove(id);
      this.render();
      return;
    }
    alarm.busy = true;
    alarm.error = '';
    this.render();
    try {
      await post(ackUrl(alarm.ackKey || id), {});
      alarm.phase = 'acknowledged';
      toast(`${alarm.title.split(' —')[0]}: acknowledged — you have it`, 'ok');
    } catch (err) {
      // It keeps sounding until the server has recorded that a person has it.
      alarm.error = err.status === 404
        ? 'Could not acknowledge: the server does not know this alarm (404). Handle it by radio and tell a supervisor.'
        : `Could not acknowledge: ${err.message}`;
    }
    alarm.busy = false;
    this.render();
  }

  async clear(id, reason) {
    const alarm = this.alarms.get(id);
    if (!alarm || alarm.busy) return;
    alarm.busy = true;
    this.render();
    try {
      await post(clearUrl(id), { reason });
      this.remove(id);
      toast(`${alarm.title.split(' —')[0]}: cleared`, 'ok');
    } catch (err) {
      alarm.error = `Could not clear: ${err.message}`;
    }
    alarm.busy = false;
    this.render();
  }

  focusFirst() {
    const button = this.container.querySelector('button.ack');
    if (button) button.focus();
    return Boolean(button);
  }

  buttons(a) {
    const label = a.title.split(' —')[0];
    if (a.local) {
      return h('button', { type: 'button', class: 'ack', 'aria-label': `Acknowledge ${a.title}`, onclick: () => this.acknowledge(a.id) },
        'Seen ', h('kbd', {}, 'A'));
    }
    if (!this.canHandle) return null;
    if (a.kind === 'watch' && a.phase !== 'active') return null; // it ends when the event comes
    if (a.phase === 'active') {
      return h('button', {
        type: 'button', class: 'ack', disabled: a.busy, 'aria-keyshortcuts': 'A',
        'aria-label': `${a.kind === 'escort' ? 'Accept' : 'Acknowledge'} ${a.title}`,
        onclick: () => this.acknowledge(a.id),
      }, a.busy ? 'Sending…' : [a.kind === 'escort' ? 'Accept ' : 'Acknowledge ', h('kbd', {}, 'A')]);
    }
    const reasonId = `clear-${a.id.replace(/[^a-z0-9]/gi, '-')}`;
    const reason = h('input', { id: reasonId, type: 'text', maxlength: 500, placeholder: 'reason', 'data-key': reasonId });
    const verb = a.kind === 'escort' ? 'End' : 'Clear';
    return h('form', {
      class: 'clear-form',
      onsubmit: (e) => {
        e.preventDefault();
        const text = reason.value.trim();
        if (!text && a.kind !== 'escort') {
          reason.focus();
          return;
        }
        this.clear(a.id, text || 'completed');
      },
    },
    h('label', { for: reasonId, class: 'visually-hidden' }, `Reason to ${verb.toLowerCase()} the ${label.toLowerCase()}`),
    reason,
    h('button', { type: 'submit', class: 'secondary small', disabled: a.busy }, verb));
  }

  render() {
    const focusedKey = document.activeElement?.dataset?.key;
    const typed = new Map([...this.container.querySelectorAll('input[data-key]')].map((i) => [i.dataset.key, i.value]));
    const rows = [...this.alarms.values()].map((a) => h('div', {
      class: `alarm kind-${a.kind} phase-${a.phase}${a.silent ? ' silent' : ''}`,
      role: a.phase === 'active' ? 'alert' : 'status',
      dataset: { alarm: a.id, phase: a.phase },
    },
    h('span', { class: 'what' }, a.title),
    h('span', { class: 'detail' },
      a.detail,
      a.silent ? h('strong', {}, ' · SILENT: do not call, text or radio them') : null,
      ' · since ', h('span', { class: 'mono', dataset: { since: a.at } }, ''),
      a.phase === 'acknowledged' ? h('strong', {}, ' · acknowledged') : null,
      a.error ? h('div', { class: 'error' }, a.error) : null),
    a.incident && this.onOpenIncident ? h('button', {
      type: 'button', class: 'secondary small', onclick: () => this.onOpenIncident(a.incident),
    }, 'Open incident') : null,
    a.position && this.map ? h('button', {
      type: 'button', class: 'secondary small', onclick: () => this.map.focusAlarm(a),
    }, 'Show on map') : null,
    this.buttons(a)));
    replaceChildren(this.container, rows);
    for (const [key, value] of typed) {
      const input = this.container.querySelector(`input[data-key="${key}"]`);
      if (input) input.value = value;
    }
    if (focusedKey) this.container.querySelector(`[data-key="${focusedKey}"]`)?.focus();
    tickTimers(this.container);
    this.updateSound();
  }

  updateSound() {
    const loud = [...this.alarms.values()].some((a) => a.phase === 'active' && !a.silent && a.kind !== 'escort');
    if (loud) this.siren.start(); else this.siren.stop();
    document.body.dataset.alarms = String([...this.alarms.values()].filter((a) => a.phase === 'active').length);
    document.body.dataset.alarmSounding = String(this.siren.sounding);
    if (this.soundButton) this.soundButton.hidden = !(loud && this.siren.needsGesture);
  }
}
