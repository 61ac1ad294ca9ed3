"""Twilio's REST API for outbound texts, over the standard library only (no SDK, no httpx).

Private: the only module of `intake` that talks to the network. Not exercised against Twilio
in the tests; they hand it a fake transport.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlencode

from emscad.intake.sms.gateway import OutboundResult

# (url, form body, headers, timeout in s) -> (HTTP status, response body)
Transport = Callable[[str, bytes, Mapping[str, str], float], tuple[int, bytes]]

API = "https://api.twilio.com"


def urllib_transport(
    url: str, body: bytes, headers: Mapping[str, str], timeout_s: float
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class TwilioRestGateway:
    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = API,
        timeout_s: float = 10.0,
        transport: Transport = urllib_transport,
    ) -> None:
        self._url = f"{base_url}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        self._timeout_s = timeout_s
        self._transport = transport

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        form = urlencode({"To": to, "From": from_, "Body": body}).encode()
        try:
            status, raw = self._transport(self._url, form, self._headers, self._timeout_s)
        except OSError as exc:  # DNS, refused, timeout: the reply is not sent, say so
            error = f"Twilio unreachable: {exc}"
            return OutboundResult(ok=False, provider=self.provider, error=error)
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if 200 <= status < 300 and isinstance(answer.get("sid"), str):
            return OutboundResult(ok=True, provider=self.provider, message_id=answer["sid"])
        detail = answer.get("message") or f"HTTP {status}"
        return OutboundResult(ok=False, provider=self.provider, error=f"Twilio refused: {detail}")
