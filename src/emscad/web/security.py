"""Browser safety: security headers on every response, and rate limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from emscad.errors import EmscadError

# No inline script or style anywhere: the console's code is served from /static, so a
# script injected into a page cannot run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def install_headers(app: FastAPI, *, production: bool, extra_img_src: str = "") -> None:
    csp = CSP.replace("img-src 'self'", f"img-src 'self' {extra_img_src}".rstrip())

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", csp)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.url.path.startswith("/api/"):
            h.setdefault("Cache-Control", "no-store")
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


class TooManyRequests(EmscadError):
    """The client is over its rate limit (HTTP 429)."""


class RateLimits:
    """Moving-window limits per key (a client address, a username), in memory."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, rule: str, *keys: str) -> None:
        limit = parse(rule)
        if not self._limiter.hit(limit, *keys):
            raise TooManyRequests("too many requests: wait a minute and try again")
