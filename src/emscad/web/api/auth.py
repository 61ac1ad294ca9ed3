"""/api/auth: signing in with a password and a second factor, and signing out (browsers)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emscad.accounts.auth import NextStep
from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import Forbidden, InvalidInput, Unauthenticated
from emscad.web.api.schemas import Body
from emscad.web.deps import CSRF_HEADER, SESSION_COOKIE, RuntimeDep, client_ip, require
from emscad.web.runtime import Runtime

router = APIRouter(prefix="/api/auth", tags=["sign-in"])

Public = Annotated[None, Depends(require(Permission.PUBLIC))]
SigningIn = Annotated[None, Depends(require(Permission.SIGNING_IN))]


class LoginIn(Body):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=256)


class CodeIn(Body):
    code: str = Field(min_length=6, max_length=12, description="The 6-digit TOTP code.")


def _set_cookie(response: Response, rt: Runtime, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=rt.settings.session_absolute_hours * 3600,
        httponly=True,  # never readable by page scripts
        secure=rt.settings.cookie_secure,
        samesite="strict",  # never sent on requests other sites start
        path="/",
    )


def _browser_session(request: Request) -> str:
    """The session cookie of an already signed-in caller; a token cannot register keys."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise InvalidInput("security keys are registered from a signed-in browser session")
    return token


def _cookie(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise Unauthenticated("sign in first")
    return token


async def _check_csrf(request: Request, rt: Runtime, token: str) -> None:
    """The pending session's CSRF token must come back with every step after the password."""

    def expected() -> str:
        return rt.auth.authenticate(token).csrf or ""

    csrf = await run_in_threadpool(expected)
    if not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf):
        raise Forbidden("missing or wrong X-CSRF-Token header")


@router.post("/login", summary="Sign in with a password; a second factor may follow")
async def login(
    body: LoginIn, request: Request, response: Response, rt: RuntimeDep, _: Public
) -> dict[str, Any]:
    ip = client_ip(request)
    per_minute = f"{rt.settings.login_rate_per_minute}/minute"
    rt.limits.hit(per_minute, "login-ip", ip)
    rt.limits.hit(per_minute, "login-user", body.username.lower())
    result = await run_in_threadpool(
        lambda: rt.auth.login(
            body.username,
            body.password,
            ip=ip,
            user_agent=request.headers.get("user-agent", ""),
        )
    )
    _set_cookie(response, rt, result.token)
    return {
        "next": result.next_step.value,
        "csrf": result.session.csrf,
        "methods": list(result.methods),
    }


@router.post("/mfa", summary="Finish signing in with the authenticator app's code")
async def mfa(body: CodeIn, request: Request, rt: RuntimeDep, _: SigningIn) -> dict[str, Any]:
    token = _cookie(request)
    await _check_csrf(request, rt, token)
    rt.limits.hit(f"{rt.settings.login_rate_per_minute}/minute", "mfa-ip", client_ip(request))
    session = await run_in_threadpool(
        lambda: rt.auth.verify_mfa(token, body.code, ip=client_ip(request))
    )
    return {"next": NextStep.DONE.value, "csrf": session.csrf}


@router.post("/mfa/enrol", summary="Start setting up an authenticator app (TOTP)")
async def enrol(request: Request, rt: RuntimeDep, _: SigningIn) -> dict[str, Any]:
    token = _cookie(request)
    await _check_csrf(request, rt, token)
    secret, uri = await run_in_threadpool(rt.auth.begin_enrolment, token)
    return {"secret": secret, "otpauth_uri": uri}


@router.post("/mfa/enrol/confirm", summary="Confirm the authenticator with its first code")
async def confirm(body: CodeIn, request: Request, rt: RuntimeDep, _: SigningIn) -> dict[str, Any]:
    token = _cookie(request)
    await _check_csrf(request, rt, token)
    session = await run_in_threadpool(
        lambda: rt.auth.confirm_enrolment(token, body.code, ip=client_ip(request))
    )
    return {"next": NextStep.DONE.value, "csrf": session.csrf}


class CredentialIn(Body):
    credential: dict[str, Any] = Field(description="The browser's PublicKeyCredential as JSON.")
    name: str = Field(default="security key", max_length=60)


@router.post("/keys/options", summary="Start registering a security key (WebAuthn)")
async def key_options(
    request: Request, rt: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.SELF))]
) -> dict[str, Any]:
    return await run_in_threadpool(rt.keys.registration_options, _browser_session(request))


@router.post("/keys", status_code=201, summary="Register a security key with its response")
async def add_key(
    body: CredentialIn,
    request: Request,
    rt: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.SELF))],
) -> dict[str, Any]:
    user = await run_in_threadpool(
        lambda: rt.keys.register(
            _browser_session(request), body.credential, name=body.name, ip=client_ip(request)
        )
    )
    return {"keys": [k.name for k in user.security_keys]}


@router.post("/webauthn/options", summary="Sign-in step: a challenge for a security key")
async def webauthn_options(request: Request, rt: RuntimeDep, _: SigningIn) -> dict[str, Any]:
    token = _cookie(request)
    await _check_csrf(request, rt, token)
    return await run_in_threadpool(rt.keys.authentication_options, token)


@router.post("/webauthn", summary="Sign-in step: the security key's answer")
async def webauthn(
    body: CredentialIn, request: Request, rt: RuntimeDep, _: SigningIn
) -> dict[str, Any]:
    token = _cookie(request)
    await _check_csrf(request, rt, token)
    rt.limits.hit(f"{rt.settings.login_rate_per_minute}/minute", "mfa-ip", client_ip(request))
    session = await run_in_threadpool(
        lambda: rt.keys.authenticate(token, body.credential, ip=client_ip(request))
    )
    return {"next": NextStep.DONE.value, "csrf": session.csrf}


@router.post("/logout", summary="Sign out: the session ends everywhere at once")
async def logout(request: Request, response: Response, rt: RuntimeDep, _: Public) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await run_in_threadpool(lambda: rt.auth.logout(token, ip=client_ip(request)))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": True}


@router.get("/session", summary="The current session: who, whether MFA is pending, its CSRF token")
async def session(request: Request, rt: RuntimeDep, _: SigningIn) -> dict[str, Any]:
    who = await run_in_threadpool(rt.auth.authenticate, _cookie(request))
    pending = Permission.SELF not in who.permissions
    return {
        "username": who.username,
        "roles": sorted(r.value for r in who.roles),
        "mfa_pending": pending,
        "csrf": who.csrf,
        "unit": who.unit,
    }
