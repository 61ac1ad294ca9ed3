// The supervisor's "alerts not delivered" panel: alert deliveries that failed in the last
// day, are being retried, or have waited over a minute without a try (the outbox is behind
// or down). An SOS text that never went out must not go unnoticed.

import { get } from './api.js';
import { clock, debounce, h, replaceChildren, secondsSince, tickTimers } from './util.js';

const DAY_S = 86400;
const WAITING_S = 60; // pending this long without a single try: the outbox is not sending
const POLL_MS = 30000;
const LIMIT = 200;
const KIND_LABELS = {
  sos: 'SOS', welfare: 'Missed check-in', watch: 'Watch alert', degraded: 'Monitoring degraded', escort: 'Escort',
};
const CHANNEL_LABELS = { email: 'email', sms: 'text', console: 'console' };

// Which deliveries need a person's attention, and how to say why.
export function trouble(n) {
  if (n.status === 'failed') return 'FAILED';
  if (n.status !== 'pending') return null;
  if (n.retrying) return `RETRYING (${n.attempts} ${n.attempts === 1 ? 'try' : 'tries'})`;
  const since = secondsSince(n.created_at);
  return since !== null && since >= WAITING_S ? 'NOT SENT YET' : null;
}

export class Deliveries {
  constructor(list, { count, empty }) {
    this.list = list;
    this.count = count;
    this.empty = empty;
    this.refreshSoon = debounce(() => this.refresh(), 2000);
  }

  start() {
    this.empty.textContent = 'Loading…';
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  async refresh() {
    let failed;
    let pending;
    try {
      // Failures of the last day; anything still pending, however old (a stopped outbox).
      const since = new Date(clock.now() - DAY_S * 1000).toISOString();
      [failed, pending] = await Promise.all([
        get(`/api/notifications?status=failed&limit=${LIMIT}&since=${encodeURIComponent(since)}`),
        get(`/api/notifications?status=pending&limit=${LIMIT}`),
      ]);
    } catch (err) {
      this.empty.hidden = false;
      this.empty.textContent = `Alert deliveries could not be read: ${err.message}`;
      return;
    }
    const full = failed.length >= LIMIT || pending.length >= LIMIT;
    const found = [...failed, ...pending].sort((a, b) => b.created_at.localeCompare(a.created_at));
    this.render(found, full);
  }

  render(found, full = false) {
    const rows = found.map((n) => [n, trouble(n)]).filter(([, why]) => why);
    this.count.textContent = rows.length ? `(${rows.length}${full ? '+' : ''})` : '';
    this.empty.hidden = rows.length > 0;
    this.empty.textContent = 'Every alert of the last day went out.';
    replaceChildren(this.list, rows.map(([n, why]) => h('li', { 'data-id': n.id, class: n.status },
      h('div', { class: 'line' },
        h('strong', {}, `${KIND_LABELS[n.kind] || n.kind} alert to ${n.recipient.name} by ${CHANNEL_LABELS[n.channel] || n.channel}`),
        h('span', { class: 'state' }, why)),
      h('div', { class: 'muted' },
        `${n.recipient.address} · `, h('span', { 'data-age': n.created_at }), ` · ${n.alarm}`),
      n.last_error ? h('div', { class: 'error' }, n.last_error) : null)));
    tickTimers(this.list);
  }
}
