"""Raw request bodies (webhooks, PIDF-LO) read with a size cap, and their errors."""

from __future__ import annotations

from fastapi import Request

from emscad.errors import EmscadError


class PayloadTooLarge(EmscadError):
    """The body is larger than the route accepts (HTTP 413)."""


class UnsupportedMediaType(EmscadError):
    """The route does not read this Content-Type (HTTP 415)."""


async def read_body(request: Request, *, limit: int, what: str) -> bytes:
    """The body, refusing it as soon as it passes `limit` bytes (never buffering more)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the {what} is larger than {limit} bytes")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise PayloadTooLarge(f"the {what} is larger than {limit} bytes")
    return bytes(raw)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
