"""/api/intake/{provider}/{line}: inbound texts from Twilio and Telnyx.

Open to the internet (the providers cannot sign in), so each request must carry the
provider's signature over exactly what it sent; anything else is refused with 403 before it
is read. A redelivered message is acknowledged and stored once. The reply is immediate:
providers give up after about 15 s and then retry or drop the message.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from emscad.accounts.permissions import Permission
from emscad.dispatch.intake import Received
from emscad.errors import Forbidden
from emscad.intake.sms import load_telnyx, parse_twilio, verify_telnyx, verify_twilio
from emscad.intake.sms.models import InboundText
from emscad.web.bodies import read_body
from emscad.web.deps import RuntimeDep, client_ip, require
from emscad.web.runtime import Runtime

router = APIRouter(prefix="/api/intake", tags=["intake"])

Public = Annotated[None, Depends(require(Permission.PUBLIC))]

MAX_WEBHOOK_BYTES = 64 * 1024  # a text with ten media links is about 4 KiB
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _body(request: Request, rt: Runtime) -> bytes:
    rt.limits.hit(f"{rt.settings.webhook_rate_per_minute}/minute", "webhook", client_ip(request))
    return await read_body(request, limit=MAX_WEBHOOK_BYTES, what="webhook body")


def _signed_url(rt: Runtime, request: Request) -> str:
    """The URL the provider called, as it saw it: behind a proxy that is public_url's host."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{rt.settings.public_url.rstrip('/')}{request.url.path}{query}"


async def _take(rt: Runtime, text: InboundText, line: str) -> Received:
    return await run_in_threadpool(rt.intake.receive_text, text, line=line)


@router.post(
    "/twilio/{line}",
    summary="Twilio's inbound SMS webhook (X-Twilio-Signature), answered with empty TwiML",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
)
async def twilio_webhook(
    line: str,
    request: Request,
    rt: RuntimeDep,
    _: Public,
    # No max_length on the signature headers: an overlong one is a wrong signature (403, as
    # documented), not a malformed request; the server already bounds header sizes.
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    rt.intake.lines.number(line)  # an unknown line is 404 before anything else
    raw = await _body(request, rt)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        # Twilio signs the decoded parameters, so a body that cannot be decoded is not
        # Twilio's: refused as unsigned (403), not reported on as if it had been read.
        pairs = []
        x_twilio_signature = None
    token = rt.settings.twilio_auth_token
    secret = token.get_secret_value() if token else ""
    if not verify_twilio(_signed_url(rt, request), pairs, x_twilio_signature, secret):
        raise Forbidden("missing or invalid X-Twilio-Signature")
    text = parse_twilio(dict(pairs), received_at=rt.clock.now())
    await _take(rt, text, line)
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/telnyx/{line}", summary="Telnyx's messaging webhook (Ed25519 signature)")
async def telnyx_webhook(
    line: str,
    request: Request,
    rt: RuntimeDep,
    _: Public,
    telnyx_signature_ed25519: Annotated[str | None, Header()] = None,
    telnyx_timestamp: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    rt.intake.lines.number(line)
    raw = await _body(request, rt)
    key = rt.settings.telnyx_public_key or ""
    ok = verify_telnyx(
        raw,
        telnyx_signature_ed25519,
        telnyx_timestamp,
        key,
        now=rt.clock.now(),
        tolerance_s=rt.settings.telnyx_tolerance_s,
    )
    if not ok:
        raise Forbidden("missing, invalid or expired telnyx-signature-ed25519")
    text = load_telnyx(raw, received_at=rt.clock.now())
    if text is None:  # a delivery report or another event: acknowledged, not stored
        return {"stored": False}
    received = await _take(rt, text, line)
    return {"stored": received.new, "thread": received.thread.id}
