// An accessible combobox (WAI-ARIA 1.2 pattern, list autocomplete): the input keeps what
// was typed; a list of options follows each keystroke; ↓/↑ move the active option, Enter
// takes it (the first one is active as soon as the list shows), Esc closes the list.
// Enter pressed before the options for the current text have arrived waits for them.

import { h, replaceChildren } from './util.js';

let uid = 0;

export class Combobox {
  // search(text) -> Promise<option[]>; render(option) -> node(s) for the option's row;
  // onPick(option) after a choice; onEdit() when the text changes after a choice.
  constructor(input, list, { search, render, onPick, onEdit = () => {}, delay = 100, minLength = 1 }) {
    this.input = input;
    this.list = list;
    this.search = search;
    this.renderOption = render;
    this.onPick = onPick;
    this.onEdit = onEdit;
    this.delay = delay;
    this.minLength = minLength;
    this.options = [];
    this.active = -1;
    this.seq = 0; // answers to older keystrokes are dropped
    this.pending = null; // the search for the current text, until it answers
    this.timer = null;
    this.resolvePending = null;
    this.id = `cb${(uid += 1)}`;
    input.addEventListener('input', () => this.changed());
    input.addEventListener('keydown', (e) => this.keydown(e));
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    list.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the input
  }

  changed() {
    this.onEdit();
    this.supersede();
    const text = this.input.value.trim();
    if (text.length < this.minLength) {
      this.show([]);
      return;
    }
    const seq = (this.seq += 1);
    let resolve;
    this.pending = new Promise((r) => { resolve = r; });
    this.resolvePending = resolve;
    this.timer = setTimeout(async () => {
      let options = [];
      try {
        options = await this.search(text);
      } catch (err) {
        options = [];
      }
      if (seq !== this.seq) return resolve(null);
      this.show(options);
      this.pending = null;
      this.resolvePending = null;
      return resolve(options);
    }, this.delay);
  }

  show(options) {
    this.options = options;
    this.active = options.length ? 0 : -1;
    const items = options.map((opt, i) => h('li', {
      id: `${this.id}-${i}`,
      role: 'option',
      'aria-selected': String(i === this.active),
      onclick: () => this.pick(i),
    }, this.renderOption(opt)));
    replaceChildren(this.list, items);
    const open = options.length > 0 && document.activeElement === this.input;
    this.list.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    this.markActive();
  }

  markActive() {
    [...this.list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    if (this.active >= 0 && !this.list.hidden) {
      this.input.setAttribute('aria-activedescendant', `${this.id}-${this.active}`);
      this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  async keydown(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.options.length) return;
      e.preventDefault();
      if (this.list.hidden) {
        this.list.hidden = false;
        this.input.setAttribute('aria-expanded', 'true');
      } else {
        const step = e.key === 'ArrowDown' ? 1 : -1;
        this.active = (this.active + step + this.options.length) % this.options.length;
      }
      this.markActive();
    } else if (e.key === 'Enter') {
      if (this.pending) {
        // Typed fast: take the first option for this text once it arrives.
        e.preventDefault();
        const options = await this.pending;
        if (options && options.length) this.pick(0);
        return;
      }
      if (!this.list.hidden && this.active >= 0) {
        e.preventDefault();
        this.pick(this.active);
      }
    } else if (e.key === 'Escape') {
      if (!this.list.hidden) {
        e.preventDefault();
        e.stopPropagation();
        this.close();
      }
    }
  }

  pick(i) {
    const option = this.options[i];
    if (!option) return;
    this.close();
    this.onPick(option);
  }

  // A newer keystroke replaces the search in progress: whoever waits for it gets nothing.
  supersede() {
    clearTimeout(this.timer);
    if (this.resolvePending) this.resolvePending(null);
    this.resolvePending = null;
    this.pending = null;
  }

  reset() {
    this.seq += 1;
    this.supersede();
    this.options = [];
    this.active = -1;
    replaceChildren(this.list);
    this.close();
  }
}
