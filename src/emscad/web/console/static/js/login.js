// Signing in: password, then the authenticator code, or setting an authenticator up on the
// first sign-in. Each role then goes to its own page.

import { ApiError, homeOf, loadSession, post, setCsrf, signOut } from './api.js';
import { $ } from './util.js';

const steps = ['#password-step', '#code-step', '#enrol-step', '#signed-in'];

function show(step) {
  for (const s of steps) $(s).hidden = s !== step;
  const first = $(step).querySelector('input:not([readonly]), button');
  first?.focus();
}

function error(message) {
  const el = $('#error');
  el.textContent = message || '';
  el.hidden = !message;
}

// Only our own pages may be the target after signing in (no open redirect).
function nextPage(roles) {
  const home = homeOf(roles);
  const wanted = new URLSearchParams(location.search).get('next');
  const allowed = { '/console': ['dispatcher', 'call_taker', 'supervisor'], '/supervisor': ['dispatcher', 'supervisor'], '/field': ['field_unit'], '/staff': ['staff'] };
  if (wanted && allowed[wanted] && allowed[wanted].some((r) => roles.includes(r))) return wanted;
  return home;
}

async function finish() {
  const s = await loadSession();
  const target = s && nextPage(s.roles);
  if (target) {
    location.replace(target);
    return;
  }
  $('#signed-in-text').textContent = s
    ? `Signed in as ${s.username} (${s.roles.join(', ')}). This role has no page here: use the API or the command line.`
    : 'Signed out.';
  show('#signed-in');
}

function code(input) {
  return input.value.replace(/\s+/g, '');
}

function message(err) {
  if (err instanceof ApiError) {
    if (err.status === 429) return 'Too many attempts: wait a minute and try again.';
    return err.message;
  }
  return String(err);
}

async function signIn(e) {
  e.preventDefault();
  error('');
  const username = $('#username').value.trim();
  const password = $('#password').value;
  if (!username || !password) {
    error('Enter your username and password.');
    return;
  }
  try {
    const answer = await post('/api/auth/login', { username, password }, { redirect: false });
    setCsrf(answer.csrf);
    $('#password').value = '';
    if (answer.next === 'mfa') show('#code-step');
    else if (answer.next === 'enrol') await startEnrol();
    else await finish();
  } catch (err) {
    error(message(err));
    $('#password').select();
  }
}

async function startEnrol() {
  const started = await post('/api/auth/mfa/enrol', {}, { redirect: false });
  $('#enrol-secret').value = started.secret.replace(/(.{4})/g, '$1 ').trim();
  $('#enrol-uri').value = started.otpauth_uri;
  show('#enrol-step');
  $('#enrol-code').focus();
}

async function verify(e) {
  e.preventDefault();
  error('');
  try {
    const done = await post('/api/auth/mfa', { code: code($('#code')) }, { redirect: false });
    setCsrf(done.csrf);
    await finish();
  } catch (err) {
    error(message(err));
    $('#code').select();
  }
}

async function confirmEnrol(e) {
  e.preventDefault();
  error('');
  try {
    const done = await post('/api/auth/mfa/enrol/confirm', { code: code($('#enrol-code')) }, { redirect: false });
    setCsrf(done.csrf);
    await finish();
  } catch (err) {
    error(message(err));
    $('#enrol-code').select();
  }
}

async function main() {
  $('#password-step').addEventListener('submit', signIn);
  $('#code-step').addEventListener('submit', verify);
  $('#enrol-step').addEventListener('submit', confirmEnrol);
  for (const b of document.querySelectorAll('button.cancel')) {
    b.addEventListener('click', () => { error(''); show('#password-step'); });
  }
  $('#signout').addEventListener('click', () => signOut());
  // Already signed in (a reload, or the back button): go straight to the page.
  const s = await loadSession().catch(() => null);
  if (s && !s.mfa_pending) {
    await finish();
    return;
  }
  show('#password-step');
}

main().catch((err) => error(message(err)));
