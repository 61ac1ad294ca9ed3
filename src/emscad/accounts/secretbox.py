"""Encryption at rest for small secrets (MFA seeds), keyed by the server's secret key."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from emscad.errors import DataError


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        # Derive the Fernet key rather than use the setting directly: any long passphrase
        # works, and the key is bound to this one purpose.
        raw = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"emscad mfa secrets"
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise DataError(
                "a stored MFA secret cannot be decrypted: was EMSCAD_SECRET_KEY changed?"
            ) from None
