// The API client: JSON in and out, the session's CSRF token on every state-changing request,
// RFC 9457 problem details turned into readable errors, and a signed-out session sent back
// to the sign-in page.

import { clock } from './util.js';

let csrf = '';
let learnedClock = false;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

export function signInPage() {
  const next = encodeURIComponent(location.pathname);
  location.assign(`/login?next=${next}`);
}

// `redirect`: on 401 go to the sign-in page (default), or throw like any other error.
export async function api(method, path, body, { headers = {}, redirect = true } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, { detail: 'the server cannot be reached' });
  }
  if (!learnedClock && response.headers.get('date')) {
    clock.learn(response.headers.get('date'));
    learnedClock = true;
  }
  if (response.status === 401 && redirect) {
    signInPage();
    throw new ApiError(401, { detail: 'signed out' });
  }
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch (err) {
      problem = {};
    }
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// The signed-in session (who, roles, unit, CSRF token), or null when there is none.
export async function loadSession() {
  try {
    const s = await get('/api/auth/session', { redirect: false });
    setCsrf(s.csrf);
    return s;
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

// The page for a set of roles; null when the role has no page here.
export function homeOf(roles) {
  const r = new Set(roles || []);
  if (r.has('dispatcher') || r.has('call_taker') || r.has('supervisor')) return '/console';
  if (r.has('field_unit')) return '/field';
  if (r.has('staff')) return '/staff';
  return null;
}

// Every signed-in page starts here: a session that finished signing in, else the sign-in page.
export async function requireSession() {
  const s = await loadSession();
  if (!s || s.mfa_pending) {
    signInPage();
    throw new ApiError(401, { detail: 'signed out' });
  }
  return s;
}

export async function signOut() {
  try {
    await post('/api/auth/logout', {}, { redirect: false });
  } finally {
    location.assign('/login');
  }
}
