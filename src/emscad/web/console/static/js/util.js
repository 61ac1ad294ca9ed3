// Small DOM and time helpers. Text from the server (caller names, notes, SMS) is only ever
// inserted as text nodes, never as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// -- time ----------------------------------------------------------------------------------
// Timers count from server times. The browser's clock may be off: `clock.skew` is the
// server's time minus ours, measured from the Date header of the first API answer.

export const clock = {
  skew: 0,
  now() {
    return Date.now() + this.skew;
  },
  learn(dateHeader) {
    const server = Date.parse(dateHeader || '');
    if (Number.isNaN(server)) return;
    const skew = server - Date.now();
    // The header has whole seconds: only a skew beyond that is worth correcting.
    this.skew = Math.abs(skew) > 1500 ? skew : 0;
  },
};

export function secondsSince(iso) {
  if (!iso) return null;
  return Math.max(0, Math.floor((clock.now() - Date.parse(iso)) / 1000));
}

// "0:42", "12:05", "1:02:33": a running timer.
export function timer(seconds) {
  if (seconds === null || seconds === undefined) return '';
  const s = seconds % 60;
  const m = Math.floor(seconds / 60) % 60;
  const hrs = Math.floor(seconds / 3600);
  const pad = (n) => String(n).padStart(2, '0');
  return hrs ? `${hrs}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

// "8 s", "3 min", "2 h", "3 d": an age.
export function age(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

export function clockTime(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

// Elements with data-since (an ISO time) show a running timer, data-age an age; one
// interval updates them all.
export function tickTimers(root = document) {
  for (const el of root.querySelectorAll('[data-since]')) {
    el.textContent = timer(secondsSince(el.dataset.since));
  }
  for (const el of root.querySelectorAll('[data-age]')) {
    const s = secondsSince(el.dataset.age);
    el.textContent = s === null ? '' : `${age(s)} ago`;
  }
}

export function startTimers() {
  tickTimers();
  return setInterval(() => tickTimers(), 1000);
}

// -- misc ----------------------------------------------------------------------------------

export function eta(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  return timer(Math.round(seconds));
}

export function km(meters) {
  if (meters === null || meters === undefined) return '—';
  return `${(meters / 1000).toFixed(1)} km`;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

export function isEditable(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function toast(message, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: `toast ${kind}` }, message);
  box.append(el);
  // A burst of actions must not bury the screen: the newest three stay.
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => el.remove(), ms);
}

// A caution as a note: severity first, then what it is and says, then where it comes from.
export function cautionNote(c) {
  return h('div', { class: `caution sev-${c.severity}`, role: 'note' },
    h('span', { class: 'sev' }, `${c.severity.toUpperCase()} CAUTION`),
    h('strong', {}, c.kind), c.text ? ` — ${c.text}` : '', c.source ? h('span', { class: 'muted' }, ` (${c.source})`) : null);
}
