"""Twilio's inbound SMS webhook: the `X-Twilio-Signature` check and the form parameters.

The signature is base64(HMAC-SHA1(auth token, URL + each parameter's name and value, sorted
by name)), computed here from Twilio's documented algorithm rather than its SDK. The URL must
be the exact public URL Twilio called, query string included: behind a reverse proxy the web
layer rebuilds it from the configured public base URL, not from the proxy's Host header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import SplitResult, urlsplit, urlunsplit

from emscad.errors import InvalidInput
from emscad.intake.phone import normalize_number
from emscad.intake.sms.models import (
    MAX_MEDIA,
    InboundText,
    Media,
    NumberRegistration,
    Provider,
    check_body,
    check_id,
    check_media_url,
    check_received_at,
)

Params = Mapping[str, str] | Iterable[tuple[str, str]]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def _pairs(params: Params) -> list[tuple[str, str]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)


def twilio_signature(url: str, params: Params, auth_token: str) -> str:
    """The signature Twilio sends for a form POST of `params` to `url`."""
    grouped: dict[str, set[str]] = {}
    for name, value in _pairs(params):
        grouped.setdefault(name, set()).add(value)
    # Twilio's own validator sorts names, then each name's distinct values.
    data = url + "".join(
        name + value for name in sorted(grouped) for value in sorted(grouped[name])
    )
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _with_port(parts: SplitResult) -> str:
    if parts.port is not None or parts.scheme not in _DEFAULT_PORTS:
        return urlunsplit(parts)
    netloc = f"{parts.netloc}:{_DEFAULT_PORTS[parts.scheme]}"
    return urlunsplit(parts._replace(netloc=netloc))


def _without_port(parts: SplitResult) -> str:
    if parts.port is None:
        return urlunsplit(parts)
    netloc = parts.netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=netloc))


def verify_twilio(url: str, params: Params, signature: str | None, auth_token: str) -> bool:
    """Whether `signature` is Twilio's for this URL and these form parameters.

    False for a missing or empty signature and for an empty auth token (an unconfigured line
    must not accept forged texts). Twilio signs the URL sometimes with and sometimes without
    the default port, so its own validator accepts either; so does this.
    """
    if not signature or not auth_token:
        return False
    pairs = _pairs(params)
    try:
        parts = urlsplit(url)
        candidates = {url, _with_port(parts), _without_port(parts)}
    except ValueError:  # a malformed port
        candidates = {url}
    given = signature.strip().encode()
    ok = False
    for candidate in sorted(candidates):
        expected = twilio_signature(candidate, pairs, auth_token).encode()
        ok |= hmac.compare_digest(expected, given)
    return ok


def parse_twilio(params: Mapping[str, str], *, received_at: datetime) -> InboundText:
    """An inbound text from Twilio's form parameters (already signature-checked).

    Twilio adds parameters without notice, so unknown ones are ignored.
    """
    check_received_at(received_at)
    message_id = check_id(params.get("MessageSid") or params.get("SmsSid") or "", "MessageSid")
    sender = check_id(params.get("From", ""), "From number")
    line = check_id(params.get("To", ""), "To number")
    return InboundText(
        provider=Provider.TWILIO,
        message_id=message_id,
        from_number=normalize_number(sender),
        to_number=normalize_number(line),
        body=check_body(params.get("Body", "")),
        media=_media(params),
        received_at=received_at,
        number_registration=NumberRegistration(
            from_city=params.get("FromCity", ""),
            from_state=params.get("FromState", ""),
            from_zip=params.get("FromZip", ""),
            from_country=params.get("FromCountry", ""),
            to_city=params.get("ToCity", ""),
            to_state=params.get("ToState", ""),
            to_zip=params.get("ToZip", ""),
            to_country=params.get("ToCountry", ""),
        ),
    )


def _media(params: Mapping[str, str]) -> tuple[Media, ...]:
    raw = params.get("NumMedia", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_MEDIA:
        raise InvalidInput(f"NumMedia must be a whole number from 0 to {MAX_MEDIA}")
    media = []
    for i in range(int(raw)):
        url = params.get(f"MediaUrl{i}")
        if url is None:
            raise InvalidInput(f"NumMedia is {raw} but MediaUrl{i} is missing")
        media.append(Media(check_media_url(url), params.get(f"MediaContentType{i}", "").strip()))
    return tuple(media)
