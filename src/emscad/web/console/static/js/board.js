// The unit status board: status (colour and words), time in status, age of the last
// position, current incident; statuses are changed from a small menu of the allowed ones.

import { post } from './api.js';
import { UNIT_TYPE_LABELS, nextStatuses, unitStatusLabel } from './domain.js';
import { h, replaceChildren, secondsSince, tickTimers, toast } from './util.js';

export class UnitBoard {
  constructor(table, { store, me, menu, staleAfterS = 120, onSelectIncident = () => {} }) {
    this.tbody = table.querySelector('tbody');
    this.store = store;
    this.me = me;
    this.menu = menu;
    this.staleAfterS = staleAfterS;
    this.onSelectIncident = onSelectIncident;
    this.rows = new Map(); // unit id -> <tr>
    this.canChange = me.permissions.includes('units:status');
    this.tbody.addEventListener('keydown', (e) => this.keydown(e));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.menu.hidden) {
        e.stopPropagation();
        this.closeMenu(true);
      }
    }, true);
    document.addEventListener('pointerdown', (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target)) this.closeMenu(false);
    });
  }

  // Rows are kept and updated in place (stable order by call sign), so a live update never
  // moves the row under the dispatcher's cursor or takes the keyboard focus away.
  render() {
    const units = this.store.unitList();
    const seen = new Set();
    let previous = null;
    for (const u of units) {
      seen.add(u.id);
      let row = this.rows.get(u.id);
      if (!row) {
        row = h('tr', { dataset: { unit: u.id } });
        this.rows.set(u.id, row);
      }
      this.fill(row, u);
      const expected = previous ? previous.nextSibling : this.tbody.firstChild;
      if (expected !== row) this.tbody.insertBefore(row, expected);
      previous = row;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
  }

  fill(row, u) {
    const posAge = u.position ? secondsSince(u.position.at) : null;
    const stale = posAge !== null && posAge > this.staleAfterS;
    const inc = u.incident ? this.store.incidents.get(u.incident) : null;
    const key = `${u.version}|${u.status}|${u.incident}|${inc ? inc.number : ''}|${u.position ? u.position.at : ''}|${stale}`;
    if (row.dataset.key === key) return; // timers tick on their own (data-since, data-age)
    row.dataset.key = key;
    const focusedAction = row.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    row.className = stale ? 'stale' : '';
    const cells = [
      h('td', {}, h('strong', {}, u.call_sign)),
      h('td', {}, UNIT_TYPE_LABELS[u.type] || u.type),
      h('td', {}, h('span', { class: `chip st-${u.status}` }, unitStatusLabel(u.status))),
      h('td', { class: 'mono', dataset: { since: u.status_at || '' } }, ''),
      h('td', { class: 'pos' }, u.position ? h('span', { dataset: { age: u.position.at } }, '') : h('span', { class: 'muted' }, 'no fix'),
        stale ? ' (stale)' : ''),
      h('td', {}, inc ? h('button', {
        type: 'button', class: 'small', dataset: { action: 'incident' },
        onclick: () => this.onSelectIncident(inc.id),
      }, inc.number) : (u.incident ? u.incident.slice(0, 8) : '')),
      h('td', {}, this.canChange ? h('button', {
        type: 'button', class: 'small', dataset: { action: 'status' },
        'aria-haspopup': 'menu',
        'aria-label': `Change status of ${u.call_sign}`,
        onclick: (e) => this.openMenu(u.id, e.currentTarget),
      }, 'Status ▾') : null),
    ];
    replaceChildren(row, cells);
    tickTimers(row);
    if (focusedAction) row.querySelector(`[data-action="${focusedAction}"]`)?.focus();
  }

  focus() {
    const first = this.tbody.querySelector('button[data-action="status"]') || this.tbody.querySelector('button');
    first?.focus();
  }

  // ↓/↑ move between rows, keeping the column.
  keydown(e) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const row = e.target.closest('tr');
    if (!row) return;
    const action = e.target.dataset.action || 'status';
    const next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
    const target = next && (next.querySelector(`[data-action="${action}"]`) || next.querySelector('button'));
    if (target) {
      e.preventDefault();
      target.focus();
    }
  }

  openMenu(unitId, anchor) {
    const u = this.store.units.get(unitId);
    if (!u) return;
    const options = nextStatuses(u.status);
    const buttons = options.map((status) => h('button', {
      type: 'button', role: 'menuitem', class: 'small',
      onclick: () => this.change(u, status),
    }, h('span', { class: `chip st-${status}` }, unitStatusLabel(status))));
    replaceChildren(this.menu,
      h('div', { class: 'menu-title' }, `${u.call_sign}: ${unitStatusLabel(u.status)} →`),
      buttons.length ? buttons : h('div', { class: 'muted' }, 'No change allowed from here.'));
    this.menu.hidden = false;
    this.anchor = anchor;
    const box = anchor.getBoundingClientRect();
    const height = this.menu.offsetHeight;
    const top = box.bottom + height > window.innerHeight ? Math.max(4, box.top - height) : box.bottom;
    this.menu.style.top = `${top}px`;
    this.menu.style.left = `${Math.max(4, Math.min(box.left, window.innerWidth - this.menu.offsetWidth - 4))}px`;
    this.menu.onkeydown = (e) => {
      const items = [...this.menu.querySelectorAll('button')];
      const i = items.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        items[(i + step + items.length) % items.length]?.focus();
      } else if (e.key === 'Tab') {
        this.closeMenu(true);
      }
    };
    (this.menu.querySelector('button') || anchor).focus();
  }

  closeMenu(refocus) {
    this.menu.hidden = true;
    if (refocus && this.anchor && this.anchor.isConnected) this.anchor.focus();
  }

  async change(u, status) {
    this.closeMenu(true);
    const body = { status };
    if (status === 'transporting') {
      const inc = u.incident ? this.store.incidents.get(u.incident) : null;
      if (!inc || !inc.destination) {
        toast(`${u.call_sign}: set the incident's destination hospital first (H, or Send here).`, 'error', 8000);
        return;
      }
      body.destination = inc.destination;
    }
    try {
      await post(`/api/units/${u.id}/status`, body);
      toast(`${u.call_sign}: ${unitStatusLabel(status)}`, 'ok');
    } catch (err) {
      toast(`${u.call_sign} unchanged: ${err.message}`, 'error', 8000);
    }
  }
}
