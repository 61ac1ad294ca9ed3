// The incident queue: open incidents by priority, then age, with a running timer since the
// call was received. ↓/↑ (or J/K anywhere) move the selection.

import { h, replaceChildren, tickTimers } from './util.js';

export class Queue {
  constructor(list, { store, plan, empty, count, onSelect }) {
    this.list = list;
    this.store = store;
    this.labels = new Map(plan.complaints.map((c) => [c.code, c.label]));
    this.empty = empty;
    this.count = count;
    this.onSelect = onSelect;
    this.selected = null;
    list.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.move(e.key === 'ArrowDown' ? 1 : -1, true);
      }
    });
  }

  ids() {
    return this.store.queue().map((i) => i.id);
  }

  render() {
    const focusedId = this.list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    const incidents = this.store.queue();
    const rows = incidents.map((inc) => {
      const units = inc.units.map((id) => this.store.units.get(id)?.call_sign || id);
      const status = inc.status === 'pending' ? 'PENDING' : units.join(', ') || 'active';
      return h('li', {}, h('button', {
        type: 'button',
        class: `inc-row${inc.cautions.length ? ' has-caution' : ''}`,
        'aria-current': String(inc.id === this.selected),
        dataset: { id: inc.id },
        onclick: () => this.onSelect(inc.id),
      },
      h('span', { class: `prio chip p${inc.priority}` }, `P${inc.priority}`),
      h('span', { class: 'what' }, `${inc.number} ${this.labels.get(inc.chief_complaint) || inc.chief_complaint || 'no complaint'}`),
      h('span', { class: 'age mono', title: 'Since received', dataset: { since: inc.received_at } }, ''),
      h('span', { class: 'where' }, inc.location.text || inc.location.label || '(no location)'),
      h('span', { class: `status ${inc.status}` }, status)));
    });
    replaceChildren(this.list, rows);
    tickTimers(this.list);
    this.empty.hidden = incidents.length > 0;
    this.count.textContent = incidents.length ? `(${incidents.length})` : '';
    if (focusedId) this.list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  select(id) {
    this.selected = id;
    for (const b of this.list.querySelectorAll('.inc-row')) b.setAttribute('aria-current', String(b.dataset.id === id));
  }

  // Select the next (+1) or previous (-1) incident; `focus` moves the keyboard focus too.
  move(step, focus = false) {
    const ids = this.ids();
    if (!ids.length) return;
    const i = ids.indexOf(this.selected);
    const next = ids[i < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, i + step))];
    this.onSelect(next);
    if (focus) this.list.querySelector(`[data-id="${CSS.escape(next)}"]`)?.focus();
  }
}
