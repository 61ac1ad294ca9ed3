"""Signing in: password, TOTP, CSRF, lockout, timeouts, logout, revocation; headers; limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest

from emscad.accounts.permissions import Role
from tests.factories.api import Api

PASSWORD = "correct horse battery staple"


def _user(api: Api, username: str = "dana", role: Role = Role.DISPATCHER) -> None:
    api.runtime.accounts.create_user(username, roles=[role], password=PASSWORD)


def _login(api: Api, username: str = "dana", password: str = PASSWORD) -> Any:
    return api.client.post("/api/auth/login", json={"username": username, "password": password})


def _enrol(api: Api) -> tuple[str, str]:
    """Log in and set up TOTP; returns (the secret, the session's CSRF token)."""
    first = _login(api)
    assert first.status_code == 200, first.text
    assert first.json()["next"] == "enrol"
    csrf = first.json()["csrf"]
    started = api.client.post("/api/auth/mfa/enrol", headers={"X-CSRF-Token": csrf})
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/emscad:dana")
    code = pyotp.TOTP(secret).at(api.clock.now())
    done = api.client.post(
        "/api/auth/mfa/enrol/confirm", json={"code": code}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200, done.text
    return secret, csrf


def test_a_console_user_signs_in_with_password_and_totp(api: Api) -> None:
    _user(api)
    secret, _csrf = _enrol(api)
    me = api.client.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["dispatcher"]
    api.client.post("/api/auth/logout")
    # Next time: password, then the current code.
    api.clock.advance(timedelta(seconds=60))
    again = _login(api)
    assert again.json()["next"] == "mfa"
    before = api.client.get("/api/incidents")
    assert before.status_code == 403  # the session grants nothing until the second factor
    code = pyotp.TOTP(secret).at(api.clock.now())
    ok = api.client.post(
        "/api/auth/mfa", json={"code": code}, headers={"X-CSRF-Token": again.json()["csrf"]}
    )
    assert ok.status_code == 200, ok.text
    assert api.client.get("/api/incidents").status_code == 200
    # The same code cannot be used twice.
    api.client.post("/api/auth/logout")
    third = _login(api)
    replay = api.client.post(
        "/api/auth/mfa", json={"code": code}, headers={"X-CSRF-Token": third.json()["csrf"]}
    )
    assert replay.status_code == 401


def test_state_changing_requests_with_the_cookie_need_the_csrf_token(api: Api) -> None:
    _user(api)
    _, csrf = _enrol(api)
    body = {"location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75}}
    refused = api.client.post("/api/incidents", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = api.client.post("/api/incidents", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    # A dispatcher may not create incidents? They may: dispatchers take calls too.
    ok = api.client.post("/api/incidents", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


def test_five_failures_lock_the_account_until_an_admin_unlocks_it(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)  # no MFA for a device account
    for _ in range(5):
        assert _login(api, "sam", "wrong password!").status_code == 401
    locked = _login(api, "sam")
    assert locked.status_code == 403
    assert "locked" in locked.json()["detail"]
    unlocked = api.client.post("/api/admin/users/sam/unlock", headers=api.headers("admin"))
    assert unlocked.status_code == 200, unlocked.text
    assert _login(api, "sam").status_code == 200
    actions = [r.entry.action for r in api.runtime.audit.read(limit=1000)]
    assert actions.count("logon.failure") == 5
    assert "account.locked" in actions
    assert "account.unlocked" in actions


def test_failures_outside_the_window_do_not_add_up(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    for _ in range(4):
        _login(api, "sam", "wrong password!")
    api.clock.advance(timedelta(minutes=16))
    _login(api, "sam", "wrong password!")
    assert _login(api, "sam").status_code == 200


def test_background_polls_do_not_keep_an_abandoned_console_signed_in(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    assert _login(api, "sam").status_code == 200
    background = {"X-Emscad-Background": "1"}
    for _ in range(5):  # the page polls on its own every few minutes for half an hour
        api.clock.advance(timedelta(minutes=6))
        polled = api.client.get("/api/units", headers=background)
    assert polled.status_code == 401
    assert "inactivity" in polled.json()["detail"]


def test_a_request_the_user_makes_keeps_the_session_alive(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    assert _login(api, "sam").status_code == 200
    for _ in range(5):
        api.clock.advance(timedelta(minutes=6))
        assert api.client.get("/api/units").status_code == 200


def test_sessions_end_after_inactivity_and_after_the_absolute_limit(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    assert _login(api, "sam").status_code == 200
    assert api.client.get("/api/me").status_code == 200
    api.clock.advance(timedelta(minutes=31))
    idle = api.client.get("/api/me")
    assert idle.status_code == 401
    assert "inactivity" in idle.json()["detail"]
    assert _login(api, "sam").status_code == 200
    for _ in range(13):  # keep it busy, still it ends after 12 hours
        api.clock.advance(timedelta(minutes=59))
        api.client.get("/api/me")
    assert api.client.get("/api/me").status_code == 401


def test_logout_and_disabling_revoke_at_once(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    _login(api, "sam")
    api.client.post("/api/auth/logout")
    assert api.client.get("/api/me").status_code == 401
    _login(api, "sam")
    _, token = api.runtime.accounts.create_token("sam", name="tablet")
    assert (
        api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    r = api.client.post("/api/admin/users/sam/disable", headers=api.headers("admin"))
    assert r.status_code == 200, r.text
    assert api.client.get("/api/me").status_code == 401
    assert (
        api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_weak_passwords_are_refused(api: Api) -> None:
    for password, reason in [
        ("short", "at least 8"),
        ("password1", "common"),
        ("12345678", "common"),
        ("pat-the-medic", "username"),
        ("aaaaaaaaaaaa", "different characters"),
    ]:
        r = api.client.post(
            "/api/admin/users",
            json={"username": "pat", "roles": ["staff"], "password": password},
            headers=api.headers("admin"),
        )
        assert r.status_code == 422, password
        assert reason in r.json()["detail"]
    long_passphrase = "a long passphrase with spaces that goes on " * 2
    r = api.client.post(
        "/api/admin/users",
        json={"username": "pat", "roles": ["staff"], "password": long_passphrase[:80]},
        headers=api.headers("admin"),
    )
    assert r.status_code == 201, r.text


def test_login_attempts_are_rate_limited(api: Api) -> None:
    statuses = [_login(api, "nobody", "whatever123").status_code for _ in range(25)]
    assert statuses[:20] == [401] * 20
    assert 429 in statuses[20:]


def test_responses_carry_security_headers(api: Api) -> None:
    r = api.client.get("/api/health")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in r.headers  # only in production
    assert r.headers["cache-control"] == "no-store"  # API answers are never cached
    assert r.headers["referrer-policy"] == "no-referrer"
    # Pages get the same protections; no-store is for the API only.
    page = api.client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "no-store" not in page.headers.get("cache-control", "")


def test_the_session_cookie_is_http_only_and_strict(api: Api) -> None:
    _user(api, "sam", Role.FIELD_UNIT)
    r = _login(api, "sam")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


@pytest.mark.parametrize("username", ["dana", "nosuchuser"])
def test_a_failed_login_says_nothing_about_which_part_was_wrong(api: Api, username: str) -> None:
    _user(api)
    r = _login(api, username, "not the password")
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid username or password"


def test_wrong_mfa_codes_count_towards_the_lockout(api: Api) -> None:
    _user(api)
    secret, _ = _enrol(api)
    api.client.post("/api/auth/logout")
    api.clock.advance(timedelta(seconds=60))
    for _ in range(5):
        r = _login(api)
        if r.status_code != 200:
            break
        api.client.post(
            "/api/auth/mfa", json={"code": "000000"}, headers={"X-CSRF-Token": r.json()["csrf"]}
        )
    assert _login(api).status_code == 403
    assert secret


def test_a_security_key_can_stand_in_for_the_totp_code(api: Api) -> None:
    from tests.factories.webauthn import SoftKey

    _user(api)
    _, csrf = _enrol(api)
    key = SoftKey(rp_id="localhost", origin="http://localhost:8000")
    options = api.client.post("/api/auth/keys/options", headers={"X-CSRF-Token": csrf}).json()
    assert options["rp"]["id"] == "localhost"
    added = api.client.post(
        "/api/auth/keys",
        json={"credential": key.register(options), "name": "yubikey"},
        headers={"X-CSRF-Token": csrf},
    )
    assert added.status_code == 201, added.text
    api.client.post("/api/auth/logout")
    api.clock.advance(timedelta(seconds=60))
    again = _login(api)
    assert set(again.json()["methods"]) == {"totp", "webauthn"}
    csrf = again.json()["csrf"]
    challenge = api.client.post("/api/auth/webauthn/options", headers={"X-CSRF-Token": csrf})
    done = api.client.post(
        "/api/auth/webauthn",
        json={"credential": key.sign_in(challenge.json())},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    assert api.client.get("/api/incidents").status_code == 200


def test_a_replayed_or_forged_key_answer_is_refused(api: Api) -> None:
    from tests.factories.webauthn import SoftKey

    _user(api)
    _, csrf = _enrol(api)
    key = SoftKey(rp_id="localhost", origin="http://localhost:8000")
    options = api.client.post("/api/auth/keys/options", headers={"X-CSRF-Token": csrf}).json()
    api.client.post(
        "/api/auth/keys", json={"credential": key.register(options)}, headers={"X-CSRF-Token": csrf}
    )
    api.client.post("/api/auth/logout")
    again = _login(api)
    csrf = again.json()["csrf"]
    first = api.client.post("/api/auth/webauthn/options", headers={"X-CSRF-Token": csrf}).json()
    # an answer to a challenge the server never gave
    forged = key.sign_in(first, challenge="bm90LXRoZS1jaGFsbGVuZ2U")
    r = api.client.post(
        "/api/auth/webauthn", json={"credential": forged}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 401
    # the challenge was used up by that attempt: a correct answer to it is refused too
    late = api.client.post(
        "/api/auth/webauthn",
        json={"credential": key.sign_in(first)},
        headers={"X-CSRF-Token": csrf},
    )
    assert late.status_code == 422
    assert api.client.get("/api/incidents").status_code == 403
