"""WebAuthn security keys as a second factor (py_webauthn does the cryptography).

A signed-in user registers a key from their settings; afterwards the key can stand in for
the TOTP code at sign-in. The challenge lives in the session row, so a response is only
accepted once, by the session that asked for it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from emscad.accounts.audit import AuditEntry
from emscad.accounts.auth import AuthService
from emscad.accounts.models import SecurityKey, Session, User
from emscad.errors import InvalidInput, Unauthenticated

MAX_KEYS = 10


class SecurityKeys:
    def __init__(self, auth: AuthService, *, public_url: str) -> None:
        self.auth = auth
        self.origin = public_url.rstrip("/")
        host = urlsplit(self.origin).hostname
        if not host:
            raise InvalidInput(f"EMSCAD_PUBLIC_URL {public_url!r} has no host")
        self.rp_id = host

    # -- registering a key (signed in) -----------------------------------------------------

    def registration_options(self, token: str) -> dict[str, Any]:
        with self.auth.store.write() as tx:
            session, user = self._signed_in(tx, token)
            challenge = secrets.token_bytes(32)
            options = generate_registration_options(
                rp_id=self.rp_id,
                rp_name="emscad",
                user_name=user.username,
                user_id=user.id.encode(),
                user_display_name=user.display_name,
                challenge=challenge,
                authenticator_selection=AuthenticatorSelectionCriteria(
                    user_verification=UserVerificationRequirement.PREFERRED
                ),
                exclude_credentials=[
                    PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
                    for k in user.security_keys
                ],
            )
            tx.save_session(replace(session, challenge=bytes_to_base64url(challenge)))
        data: dict[str, Any] = json.loads(options_to_json(options))
        return data

    def register(self, token: str, credential: dict[str, Any], *, name: str, ip: str) -> User:
        now = self.auth.clock.now()
        with self.auth.store.write() as tx:
            session, user = self._signed_in(tx, token)
            challenge = self._take_challenge(tx, session)
            if len(user.security_keys) >= MAX_KEYS:
                raise InvalidInput(f"at most {MAX_KEYS} security keys per user")
            try:
                verified = verify_registration_response(
                    credential=credential,
                    expected_challenge=challenge,
                    expected_rp_id=self.rp_id,
                    expected_origin=self.origin,
                )
            except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
                raise InvalidInput(f"the security key's response was not accepted: {exc}") from None
            key = SecurityKey(
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=bytes_to_base64url(verified.credential_public_key),
                sign_count=verified.sign_count,
                name=name.strip()[:60] or "security key",
                created_at=now,
            )
            saved = replace(user, security_keys=(*user.security_keys, key))
            saved = self.auth._save(tx, saved)
            tx.audit([_entry(now, user.username, "mfa.key_added", key.name, ip)])
        return saved

    # -- signing in with a key (after the password) -----------------------------------------

    def authentication_options(self, token: str) -> dict[str, Any]:
        with self.auth.store.write() as tx:
            session, user = self.auth._pending(tx, token)
            if not user.security_keys:
                raise InvalidInput("no security key is registered for this user")
            challenge = secrets.token_bytes(32)
            options = generate_authentication_options(
                rp_id=self.rp_id,
                challenge=challenge,
                allow_credentials=[
                    PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
                    for k in user.security_keys
                ],
                user_verification=UserVerificationRequirement.PREFERRED,
            )
            tx.save_session(replace(session, challenge=bytes_to_base64url(challenge)))
        data: dict[str, Any] = json.loads(options_to_json(options))
        return data

    def authenticate(self, token: str, credential: dict[str, Any], *, ip: str) -> Session:
        now = self.auth.clock.now()
        failed = False
        with self.auth.store.write() as tx:
            session, user = self.auth._pending(tx, token)
            challenge = self._take_challenge(tx, session)
            key = next(
                (k for k in user.security_keys if k.credential_id == credential.get("id")), None
            )
            try:
                if key is None:
                    raise InvalidAuthenticationResponse("unknown credential")
                verified = verify_authentication_response(
                    credential=credential,
                    expected_challenge=challenge,
                    expected_rp_id=self.rp_id,
                    expected_origin=self.origin,
                    credential_public_key=base64url_to_bytes(key.public_key),
                    credential_current_sign_count=key.sign_count,
                )
            except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
                self.auth._fail(tx, user, now, ip, "wrong security key response")
                failed = True
            if not failed:
                keys = tuple(
                    replace(k, sign_count=verified.new_sign_count) if k is key else k
                    for k in user.security_keys
                )
                self.auth._save(tx, replace(user, security_keys=keys, failed_logins=()))
                done = replace(session, mfa_done=True, challenge="", last_seen_at=now)
                tx.save_session(done)
                tx.audit([_entry(now, user.username, "mfa.success", "security key", ip)])
        if failed:
            raise Unauthenticated("the security key's response was not accepted")
        return done

    # -- helpers ---------------------------------------------------------------------------

    def _signed_in(self, tx: Any, token: str) -> tuple[Session, User]:
        session, user = self.auth._pending(tx, token)
        if self.auth.needs_mfa(user) and not session.mfa_done:
            raise Unauthenticated("finish signing in first")
        return session, user

    @staticmethod
    def _take_challenge(tx: Any, session: Session) -> bytes:
        if not session.challenge:
            raise InvalidInput("ask for options first")
        # One challenge, one answer: clear it whatever the outcome.
        tx.save_session(replace(session, challenge=""))
        return base64url_to_bytes(session.challenge)


def _entry(at: Any, actor: str, action: str, why: str, ip: str) -> AuditEntry:
    return AuditEntry(
        at=at, actor=actor, action=action, subject=f"user:{actor}", detail={"reason": why}, ip=ip
    )
