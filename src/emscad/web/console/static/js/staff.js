// The staff safety page (any employee, on a phone): a big SOS button, a check-in timer and
// an escort request; for staff an order protects, the shift-end offer of both. The safety API arrives with the safety layer: until a route exists the
// page says so plainly, and tells the person what to do instead.

import { ApiError, get, post, requireSession, signOut } from './api.js';
import { $, timer, toast } from './util.js';

// The safety layer's endpoints (docs/safety.md): the one place to change when they move.
// `{id}`: the check-in's id from the start answer.
export const SAFETY_API = {
  me: '/api/safety/me', // GET -> {alarms: [...], shift_end, orders}
  sos: '/api/safety/sos', // POST {position?} -> {ok, sos, message, incident}
  sosLocation: '/api/safety/sos/location', // POST {position}: the raiser's newer position
  checkins: '/api/safety/checkins', // POST {minutes, note, position?} -> {id, deadline, ...}
  checkinSafe: '/api/safety/checkins/{id}/safe', // POST {pin?, position?}
  checkinExtend: '/api/safety/checkins/{id}/extend', // POST {minutes}
  checkinCancel: '/api/safety/checkins/{id}/cancel', // POST
  escorts: '/api/safety/escorts', // POST {place, note, position?}
};
const SOS_LOCATION_EVERY_MS = 15000; // while an SOS is open, its position follows the phone

const SOS_DELAY_S = 3; // time to cancel a press by mistake
const OFFER_REFRESH_MS = 60000; // the offer changes when an alert comes in: look again
const NOT_YET = 'not available yet on this server';

function url(template, id) {
  return template.replace('{id}', encodeURIComponent(id));
}

function unavailable(err) {
  return err instanceof ApiError && (err.status === 404 || err.status === 405);
}

// The device's position, if it gives one within `ms` (never blocks an SOS for long).
function position(ms) {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) {
      resolve(null);
      return;
    }
    const t = setTimeout(() => resolve(null), ms);
    navigator.geolocation.getCurrentPosition(
      (fix) => {
        clearTimeout(t);
        resolve({ lon: fix.coords.longitude, lat: fix.coords.latitude, uncertainty_m: fix.coords.accuracy ?? null });
      },
      () => {
        clearTimeout(t);
        resolve(null);
      },
      { enableHighAccuracy: true, maximumAge: 10000, timeout: ms },
    );
  });
}

function state(id, text, kind = '') {
  const el = $(id);
  el.textContent = text;
  el.className = kind;
}

function setupSos() {
  const button = $('#sos');
  const box = $('#sos-countdown');
  let countdown = null;
  let where = null;
  const reset = () => {
    clearInterval(countdown);
    countdown = null;
    box.hidden = true;
    button.disabled = false;
  };
  button.addEventListener('click', () => {
    if (countdown) return;
    let left = SOS_DELAY_S;
    $('#sos-seconds').textContent = `Sending SOS in ${left}…`;
    box.hidden = false;
    button.disabled = true;
    where = position(SOS_DELAY_S * 1000);
    $('#sos-cancel').focus();
    countdown = setInterval(async () => {
      left -= 1;
      $('#sos-seconds').textContent = left > 0 ? `Sending SOS in ${left}…` : 'Sending…';
      if (left > 0) return;
      clearInterval(countdown);
      countdown = 'sending';
      await send(await where);
      reset();
    }, 1000);
  });
  $('#sos-cancel').addEventListener('click', () => {
    if (countdown === 'sending') return;
    reset();
    state('#sos-state', 'SOS cancelled. Nothing was sent.', 'notice');
    button.focus();
  });
}

async function send(where) {
  const body = where ? { position: where } : {};
  try {
    const answer = await post(SAFETY_API.sos, body);
    // A silent (duress) SOS answers like a request that did nothing: show nothing either.
    if (answer && answer.sos) {
      state('#sos-state', `${answer.message || 'SOS sent. Dispatch has your alert.'} Stay on this page if you can.`, 'okbox');
      document.body.dataset.sos = 'sent';
      followSos();
    }
  } catch (err) {
    const why = unavailable(err) ? `The SOS service is ${NOT_YET}.` : `The SOS could not be sent (${err.message}).`;
    state('#sos-state', `${why} Call 911 or your dispatch center now.`, 'error');
    document.body.dataset.sos = 'failed';
  }
}

// While the SOS is open, send the phone's newer positions, so responders find a person who
// is moving (or being moved).
let following = null;
function followSos() {
  if (following) return;
  let ticks = 0;
  following = setInterval(async () => {
    ticks += 1;
    if (ticks % 4 === 0) {
      const mine = await get(SAFETY_API.me).catch(() => null);
      if (mine && !mine.alarms.some((a) => a.kind === 'sos' && a.open)) {
        clearInterval(following);
        following = null;
        state('#sos-state', 'Your SOS has been cleared by dispatch.', 'notice');
        return;
      }
    }
    const where = await position(5000);
    if (where) post(SAFETY_API.sosLocation, { position: where }).catch(() => {});
  }, SOS_LOCATION_EVERY_MS);
}

// onRunning(on): told whenever a timer starts or ends.
function setupCheckin(onRunning = () => {}) {
  let minutes = 30;
  let current = null; // {id, deadline}
  let tick = null;
  for (const b of document.querySelectorAll('[data-minutes]')) {
    b.addEventListener('click', () => {
      minutes = Number(b.dataset.minutes);
      for (const o of document.querySelectorAll('[data-minutes]')) o.setAttribute('aria-pressed', String(o === b));
    });
  }
  const running = (on) => {
    $('#checkin-setup').hidden = on;
    $('#checkin-running').hidden = !on;
    onRunning(on);
    clearInterval(tick);
    if (on) {
      const show = () => {
        const left = Math.max(0, Math.round((Date.parse(current.deadline) - Date.now()) / 1000));
        $('#checkin-left').textContent = `${timer(left)} left`;
      };
      show();
      tick = setInterval(show, 1000);
    }
  };
  const failed = (what, err) => {
    const missing = unavailable(err);
    state('#checkin-state', missing ? `Check-in timers are ${NOT_YET}.` : `${what}: ${err.message}`, missing ? 'notice' : 'error');
  };
  const start = async (mins, note) => {
    try {
      const started = await post(SAFETY_API.checkins, {
        minutes: mins, note, position: (await position(2000)) || undefined,
      });
      current = { id: started.id, deadline: started.deadline };
      running(true);
      state('#checkin-state', `Timer started: check in within ${mins} minutes.`, 'okbox');
      $('#checkin-safe').focus();
    } catch (err) {
      failed('Not started', err);
    }
  };
  $('#checkin-start').addEventListener('click', () => start(minutes, $('#checkin-note').value.trim()));
  $('#checkin-safe').addEventListener('click', async () => {
    try {
      const pin = $('#checkin-pin').value.trim();
      await post(url(SAFETY_API.checkinSafe, current.id), {
        pin: pin || undefined, position: (await position(2000)) || undefined,
      });
      $('#checkin-pin').value = '';
      running(false);
      state('#checkin-state', 'Checked in as safe. Thank you.', 'okbox');
    } catch (err) {
      state('#checkin-state', `Not recorded (${err.message}): call dispatch to say you are safe.`, 'error');
    }
  });
  $('#checkin-extend').addEventListener('click', async () => {
    try {
      const extended = await post(url(SAFETY_API.checkinExtend, current.id), { minutes: 15 });
      current.deadline = extended.deadline;
      running(true);
      toast('15 minutes added', 'ok');
    } catch (err) {
      failed('Not extended', err);
    }
  });
  $('#checkin-cancel').addEventListener('click', async () => {
    try {
      await post(url(SAFETY_API.checkinCancel, current.id), {});
      running(false);
      state('#checkin-state', 'Timer cancelled.', 'notice');
    } catch (err) {
      failed('Not cancelled', err);
    }
  });
  return {
    // A timer started earlier (another visit, a reload) keeps counting here.
    restore(alarms) {
      const open = alarms.find((a) => a.kind === 'checkin' && a.phase === 'running');
      if (open) {
        current = { id: open.id, deadline: open.deadline };
        running(true);
      }
    },
    start,
  };
}

// The shift-end offer (`shift_end` of SAFETY_API.me): shown while an order protects this
// person; the escort is urged after a recent watch alert or while monitoring is degraded.
function setupOffer(checkin) {
  let offer = null;
  $('#offer-escort').addEventListener('click', () => {
    $('#escort-place').focus();
    $('#escort-place').scrollIntoView({ block: 'center' });
  });
  $('#offer-timer').addEventListener('click', () => {
    if (offer) checkin.start(offer.timer_minutes, 'leaving work');
  });
  return (next) => {
    offer = next;
    $('#offer').hidden = !offer;
    if (!offer) return;
    const urged = offer.escort === 'strongly_recommended';
    $('#offer').classList.toggle('urgent', urged);
    $('#offer-message').textContent = offer.message;
    $('#offer-escort').classList.toggle('primary', urged);
    $('#offer-timer').textContent = `Start a ${offer.timer_minutes}-minute check-in timer`;
  };
}

function setupEscort() {
  $('#escort-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const place = $('#escort-place').value.trim();
    if (!place) {
      state('#escort-state', 'Say where to meet.', 'error');
      $('#escort-place').focus();
      return;
    }
    try {
      await post(SAFETY_API.escorts, { place, note: $('#escort-note').value.trim(), position: (await position(2000)) || undefined });
      state('#escort-state', 'Escort requested: you will be told who is coming.', 'okbox');
    } catch (err) {
      state('#escort-state', unavailable(err) ? `Escort requests are ${NOT_YET}: call dispatch.` : `Not requested: ${err.message}`, unavailable(err) ? 'notice' : 'error');
    }
  });
}

async function main() {
  const session = await requireSession();
  $('#who').textContent = session.username;
  $('#signout').addEventListener('click', () => signOut());
  setupSos();
  // The offer's timer button is for starting one: hidden while a timer runs.
  const checkin = setupCheckin((on) => { $('#offer-timer').hidden = on; });
  const showOffer = setupOffer(checkin);
  setupEscort();
  const mine = await get(SAFETY_API.me).catch(() => null);
  if (mine) {
    checkin.restore(mine.alarms);
    showOffer(mine.shift_end);
    if (mine.alarms.some((a) => a.kind === 'sos' && a.open)) {
      state('#sos-state', 'Your SOS is open: dispatch has it. Press again to send your position again.', 'okbox');
      followSos();
    }
  }
  const refresh = () => get(SAFETY_API.me).then((m) => showOffer(m.shift_end)).catch(() => {});
  setInterval(refresh, OFFER_REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
}

main().catch((err) => {
  if (err && err.status === 401) return;
  const el = $('#problem');
  el.textContent = `The page could not start: ${err.message}. In an emergency call 911.`;
  el.hidden = false;
});
