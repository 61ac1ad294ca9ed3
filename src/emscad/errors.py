"""The error hierarchy: domain code raises these; the CLI and web layer translate them."""

from __future__ import annotations


class EmscadError(Exception):
    """Base of every error emscad reports to a user; the message is one readable line."""


class InvalidInput(EmscadError):
    """The caller gave something malformed or out of range."""


class NotFound(EmscadError):
    """A named thing does not exist."""


class Conflict(EmscadError):
    """The request clashes with the current state (an invalid transition, a lost race)."""


class DataError(EmscadError):
    """Stored or imported data is corrupt, empty or of the wrong kind."""


class Contention(Conflict):
    """A concurrent request changed the same data first, or the database was briefly busy:
    the operation may simply be retried."""


class Unauthenticated(EmscadError):
    """No valid credentials: log in, or present a valid token."""


class Forbidden(EmscadError):
    """Valid credentials, but the role does not allow this."""
