"""Browser safety: security headers on every response, and rate limits."""

from __future__ import annotations

from fastapi import FastAPI
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    headers = {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    app.add_middleware(SecurityHeaders, headers=headers)


class SecurityHeaders:
    """Adds the headers to every HTTP response a route has not set itself, and no-store to
    the API's. Plain ASGI: it touches only the response's start message, so streams pass
    through untouched and a request costs no extra task (BaseHTTPMiddleware's did)."""

    def __init__(self, app: ASGIApp, *, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    h.setdefault(name, value)
                if api:
                    h.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
