// What every console page (dispatcher, supervisor) does first: check the session and the
// role, fill the top bar, start the clock and the timers.

import { get, homeOf, requireSession, signOut } from './api.js';
import { $, startTimers } from './util.js';

const CONSOLE_ROLES = ['call_taker', 'dispatcher', 'supervisor'];

export function setConnection(state) {
  const el = $('#conn');
  const text = { live: 'Live', connecting: 'Reconnecting…', down: 'Offline' }[state] || state;
  el.className = `conn ${state}`;
  el.textContent = text;
  document.body.dataset.conn = state;
}

export function startClock() {
  const el = $('#clock');
  const tick = () => {
    el.textContent = new Date().toLocaleTimeString([], { hour12: false });
  };
  tick();
  setInterval(tick, 1000);
}

export async function startCommon() {
  const session = await requireSession();
  const me = await get('/api/me');
  if (!me.roles.some((r) => CONSOLE_ROLES.includes(r))) {
    const home = homeOf(me.roles);
    location.replace(home || '/login');
    throw new Error('not a console role');
  }
  $('#who').textContent = `${me.username} (${me.roles.join(', ').replace(/_/g, ' ')})`;
  $('#signout').addEventListener('click', () => signOut());
  if (me.permissions.includes('hospitals:diversion')) {
    const nav = $('#nav-supervisor');
    if (nav) nav.hidden = false;
  }
  get('/api/health').then((hl) => { $('#region').textContent = `Region: ${hl.region}`; }).catch(() => {});
  startClock();
  startTimers();
  return { session, me };
}

