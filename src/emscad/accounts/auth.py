"""Logging in: passwords, TOTP second factor, lockout, browser sessions, revocation.

Every outcome that matters for security (logons, failures, lockouts, MFA, logouts,
revocations, unlocks) is written to the audit trail in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import Principal, Session, User
from emscad.accounts.passwords import check_password
from emscad.accounts.permissions import Permission, Role, permissions_of
from emscad.accounts.ports import AccountStore, AccountTransaction
from emscad.accounts.secretbox import SecretBox
from emscad.clock import Clock
from emscad.config import Settings
from emscad.errors import Forbidden, InvalidInput, NotFound, Unauthenticated

TOTP_STEP_S = 30
BAD_LOGIN = "invalid username or password"
ISSUER = "emscad"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    mfa_roles: frozenset[Role]
    idle: timedelta
    absolute: timedelta
    lockout_failures: int
    lockout_window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPolicy:
        return cls(
            mfa_roles=frozenset(Role(r) for r in settings.mfa_roles),
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            lockout_failures=settings.lockout_failures,
            lockout_window=timedelta(minutes=settings.lockout_window_minutes),
        )


class NextStep(StrEnum):
    DONE = "done"  # signed in
    MFA = "mfa"  # enter the code from the authenticator app
    ENROL = "enrol"  # set up an authenticator app first


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str  # the session cookie's value; only its hash is stored
    session: Session
    next_step: NextStep
    methods: tuple[str, ...] = ()  # the second factors the user has: "totp", "webauthn"


Revoked = Callable[[str, tuple[str, ...]], None]  # (user id, session ids) -> None


def _no_listener(user_id: str, sessions: tuple[str, ...]) -> None:
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Duress(Protocol):
    """The safety layer's duress PIN: typed at sign-in instead of the password."""

    def is_duress_pin(self, user_id: str, pin: str) -> bool: ...
    def duress_sign_in(self, user_id: str) -> None: ...


class AuthService:
    def __init__(
        self,
        store: AccountStore,
        *,
        clock: Clock,
        policy: AuthPolicy,
        box: SecretBox,
        hasher: PasswordHasher | None = None,
        on_revoke: Revoked | None = None,
        duress: Duress | None = None,
    ) -> None:
        self.duress = duress
        self.store = store
        self.clock = clock
        self.policy = policy
        self.box = box
        self.hasher = hasher or PasswordHasher()
        self.on_revoke = on_revoke or _no_listener
        self._decoy_hash = ""

    def needs_mfa(self, user: User) -> bool:
        return bool(set(user.roles) & self.policy.mfa_roles)

    # -- logging in ------------------------------------------------------------------------

    def login(self, username: str, password: str, *, ip: str, user_agent: str) -> LoginResult:
        now = self.clock.now()
        name = username.strip().lower()[:40]
        with self.store.read() as tx:
            found = tx.find_user_by_name(name)
        # The costly hash checks run outside the write transaction: on SQLite that holds the
        # database's only write lock, and argon2 takes a good part of a second.
        verdict = self._verdict(found, password)
        # A refusal must still commit its audit record and failure count, so it is raised
        # only after the transaction ends.
        refusal: Exception | None = None
        with self.store.write() as tx:
            user = tx.find_user_by_name(name)
            if user is None or found is None or user.id != found.id or verdict == "unknown":
                tx.audit([self._entry(now, name, "logon.failure", "unknown user", ip)])
                refusal = Unauthenticated(BAD_LOGIN)
            elif user.locked:
                tx.audit([self._entry(now, name, "logon.refused", "account locked", ip)])
                refusal = Forbidden("this account is locked: ask an administrator to unlock it")
            elif user.disabled:
                tx.audit([self._entry(now, name, "logon.refused", "account disabled", ip)])
                refusal = Unauthenticated(BAD_LOGIN)
            elif user.password_hash != found.password_hash:
                # The password changed while this sign-in was being checked: try again.
                refusal = Unauthenticated(BAD_LOGIN)
            elif verdict == "wrong":
                self._fail(tx, user, now, ip, "wrong password")
                refusal = Unauthenticated(BAD_LOGIN)
            else:
                # Under duress the sign-in looks normal, so whoever makes them do it sees
                # nothing amiss; a silent SOS goes out once this commits. The audit says so.
                duress = verdict == "duress"
                result = self._open_session(tx, user, now, ip, user_agent, duress=duress)
        if refusal is not None:
            raise refusal
        if verdict == "duress" and self.duress is not None and found is not None:
            self.duress.duress_sign_in(found.id)
        return result

    def _verdict(self, user: User | None, password: str) -> str:
        """ "unknown", "ok", "duress" or "wrong" (locked and disabled accounts are told apart
        in the write transaction, on the user as it is then)."""
        if user is None or not user.password_hash:
            self._check(self._decoy(), password)  # as slow as a real check: no user oracle
            return "unknown"
        if self._check(user.password_hash, password):
            return "ok"
        if self.duress is not None and self.duress.is_duress_pin(user.id, password):
            return "duress"
        return "wrong"

    def _open_session(
        self,
        tx: AccountTransaction,
        user: User,
        now: datetime,
        ip: str,
        user_agent: str,
        *,
        duress: bool = False,
    ) -> LoginResult:
        step = NextStep.DONE
        if self.needs_mfa(user):
            step = NextStep.MFA if user.mfa_enrolled else NextStep.ENROL
        # Failures are forgiven only by a complete sign-in: otherwise someone who knows the
        # password could keep guessing second-factor codes.
        if step is NextStep.DONE and user.failed_logins:
            user = self._save(tx, replace(user, failed_logins=()))
        token = secrets.token_urlsafe(32)
        session = Session(
            id=secrets.token_hex(16),
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.absolute,
            csrf=secrets.token_urlsafe(24),
            mfa_done=step is NextStep.DONE,
            ip=ip[:60],
            user_agent=user_agent[:200],
        )
        tx.save_session(session)
        detail = f"next: {step}" + ("; DURESS PIN: silent SOS raised" if duress else "")
        tx.audit([self._entry(now, user.username, "logon.success", detail, ip)])
        methods = (("totp",) if user.totp_secret else ()) + (
            ("webauthn",) if user.security_keys else ()
        )
        return LoginResult(token=token, session=session, next_step=step, methods=methods)

    def _decoy(self) -> str:
        """A hash to verify against when the user does not exist, so both take as long."""
        if not self._decoy_hash:
            self._decoy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy_hash

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _fail(self, tx: AccountTransaction, user: User, now: datetime, ip: str, why: str) -> None:
        """Count a failure; too many inside the window lock the account (CJIS AC-7)."""
        window_start = now - self.policy.lockout_window
        recent = (*(t for t in user.failed_logins if t > window_start), now)
        locked = len(recent) >= self.policy.lockout_failures
        self._save(tx, replace(user, failed_logins=recent, locked=locked or user.locked))
        entries = [self._entry(now, user.username, "logon.failure", why, ip)]
        if locked and not user.locked:
            entries.append(
                self._entry(now, user.username, "account.locked", f"{len(recent)} failures", ip)
            )
        tx.audit(entries)

    # -- the second factor -----------------------------------------------------------------

    def begin_enrolment(self, token: str) -> tuple[str, str]:
        """A new TOTP secret for the signed-in (pending) user, and its otpauth:// URI."""
        with self.store.write() as tx:
            session, user = self._pending(tx, token)
            if user.mfa_enrolled:
                raise InvalidInput("an authenticator is already set up; enter its code")
            secret = pyotp.random_base32()
            tx.save_session(replace(session, pending_totp=self.box.seal(secret)))
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
        return secret, uri

    def confirm_enrolment(self, token: str, code: str, *, ip: str) -> Session:
        now = self.clock.now()
        with self.store.write() as tx:
            session, user = self._pending(tx, token)
            if not session.pending_totp:
                raise InvalidInput("start the authenticator set-up first")
            secret = self.box.open(session.pending_totp)
            step = self._match(secret, code, now, after=0)
            if step is None:
                self._fail(tx, user, now, ip, "wrong enrolment code")
                raise Unauthenticated("that code is not right; try the current one")
            self._save(tx, replace(user, totp_secret=session.pending_totp, totp_last_step=step))
            done = replace(session, mfa_done=True, pending_totp="", last_seen_at=now)
            tx.save_session(done)
            tx.audit([self._entry(now, user.username, "mfa.enrolled", "totp", ip)])
        return done

    def verify_mfa(self, token: str, code: str, *, ip: str) -> Session:
        now = self.clock.now()
        with self.store.write() as tx:
            session, user = self._pending(tx, token)
            if not user.mfa_enrolled:
                raise InvalidInput("set up an authenticator first")
            step = self._match(
                self.box.open(user.totp_secret), code, now, after=user.totp_last_step
            )
            if step is None:
                self._fail(tx, user, now, ip, "wrong MFA code")
            else:
                self._save(tx, replace(user, totp_last_step=step, failed_logins=()))
                done = replace(session, mfa_done=True, last_seen_at=now)
                tx.save_session(done)
                tx.audit([self._entry(now, user.username, "mfa.success", "totp", ip)])
        if step is None:
            raise Unauthenticated("that code is not right")
        return done

    @staticmethod
    def _match(secret: str, code: str, now: datetime, *, after: int) -> int | None:
        """The time step the code belongs to (now, or one step either side for clock drift).

        A step at or before `after` was used already: a code replayed by someone who saw it
        is refused.
        """
        code = code.strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(secret)
        current = int(now.timestamp()) // TOTP_STEP_S
        for step in (current, current - 1, current + 1):
            if step > after and hmac.compare_digest(totp.at(step * TOTP_STEP_S), code):
                return step
        return None

    def _pending(self, tx: AccountTransaction, token: str) -> tuple[Session, User]:
        session = self._live(tx, token, self.clock.now())
        user = tx.find_user(session.user_id)
        if user is None or user.disabled or user.locked:
            raise Unauthenticated("sign in again")
        return session, user

    # -- sessions --------------------------------------------------------------------------

    def authenticate(self, token: str, *, activity: bool = True) -> Principal:
        """The principal a session cookie stands for; refuses ended or revoked sessions.

        `activity` False for requests the page makes on its own (a background poll, the
        live stream checking it may go on): they do not count as the user being there, so
        an abandoned console still times out.
        """
        now = self.clock.now()
        with self.store.read() as tx:
            session = self._live(tx, token, now)
            user = tx.find_user(session.user_id)
        if user is None or user.disabled or user.locked:
            raise Unauthenticated("sign in again")
        if activity and now - session.last_seen_at > timedelta(minutes=1):
            # Idle time counts from the last request; a minute's resolution saves a write
            # on every request.
            with self.store.write() as tx:
                tx.save_session(replace(session, last_seen_at=now))
        granted = permissions_of(set(user.roles))
        if self.needs_mfa(user) and not session.mfa_done:
            granted = frozenset({Permission.PUBLIC})
        return Principal(
            user_id=user.id,
            username=user.username,
            roles=frozenset(user.roles),
            permissions=granted,
            via=f"session:{session.id}",
            unit=user.unit,
            csrf=session.csrf,
        )

    def _live(self, tx: AccountTransaction, token: str, now: datetime) -> Session:
        session = tx.find_session(_hash(token)) if token else None
        if session is None or session.revoked_at is not None:
            raise Unauthenticated("sign in")
        if now >= session.expires_at:
            raise Unauthenticated("your session has ended: sign in again")
        if now - session.last_seen_at >= self.policy.idle:
            raise Unauthenticated("your session timed out after inactivity: sign in again")
        return session

    def logout(self, token: str, *, ip: str) -> None:
        now = self.clock.now()
        with self.store.write() as tx:
            session = tx.find_session(_hash(token))
            if session is None or session.revoked_at is not None:
                return
            tx.save_session(replace(session, revoked_at=now))
            user = tx.find_user(session.user_id)
            tx.audit([self._entry(now, user.username if user else "?", "logout", "", ip)])
        self.on_revoke(session.user_id, (session.id,))

    # -- administration --------------------------------------------------------------------

    def revoke_everything(self, username: str, *, by: str, reason: str) -> int:
        """End every session and token of a user, now (open live streams included)."""
        now = self.clock.now()
        with self.store.write() as tx:
            user = tx.find_user_by_name(username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            sessions = tx.revoke_sessions_of(user.id, at=now)
            tokens = tx.revoke_tokens_of(user.id, at=now)
            tx.audit(
                [
                    self._entry(
                        now,
                        by,
                        "access.revoked",
                        f"{reason}: {len(sessions)} sessions, {tokens} tokens",
                        subject=f"user:{user.username}",
                    )
                ]
            )
        self.on_revoke(user.id, tuple(sessions))
        return len(sessions) + tokens

    def unlock(self, username: str, *, by: str) -> User:
        now = self.clock.now()
        with self.store.write() as tx:
            user = tx.find_user_by_name(username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            unlocked = self._save(tx, replace(user, locked=False, failed_logins=()))
            tx.audit([self._entry(now, by, "account.unlocked", "", subject=f"user:{username}")])
        return unlocked

    def set_password(self, username: str, password: str, *, by: str) -> User:
        check_password(password, username=username)
        digest = self.hasher.hash(password)
        now = self.clock.now()
        with self.store.write() as tx:
            user = tx.find_user_by_name(username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            saved = self._save(tx, replace(user, password_hash=digest))
            tx.audit([self._entry(now, by, "password.set", "", subject=f"user:{username}")])
        return saved

    def reset_mfa(self, username: str, *, by: str) -> User:
        now = self.clock.now()
        with self.store.write() as tx:
            user = tx.find_user_by_name(username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            saved = self._save(tx, replace(user, totp_secret="", totp_last_step=0))
            tx.audit([self._entry(now, by, "mfa.reset", "", subject=f"user:{username}")])
        return saved

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _save(tx: AccountTransaction, user: User) -> User:
        saved = replace(user, version=user.version + 1)
        tx.save_user(saved, expected_version=user.version)
        return saved

    @staticmethod
    def _entry(
        at: datetime, actor: str, action: str, why: str, ip: str = "", *, subject: str = ""
    ) -> AuditEntry:
        return AuditEntry(
            at=at,
            actor=actor or "?",
            action=action,
            subject=subject or f"user:{actor}",
            detail={"reason": why} if why else {},
            ip=ip,
        )
