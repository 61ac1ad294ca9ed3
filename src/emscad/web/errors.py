"""Errors become RFC 9457 problem details, here and only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from emscad.errors import (
    Conflict,
    DataError,
    EmscadError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from emscad.web.bodies import PayloadTooLarge, UnsupportedMediaType
from emscad.web.security import TooManyRequests

log = logging.getLogger("emscad.web")

PROBLEM = "application/problem+json"

# domain error -> (HTTP status, problem type, title)
_MAP: list[tuple[type[EmscadError], int, str, str]] = [
    (TooManyRequests, 429, "too-many-requests", "Too many requests"),
    (PayloadTooLarge, 413, "payload-too-large", "Request body too large"),
    (UnsupportedMediaType, 415, "unsupported-media-type", "Unsupported media type"),
    (Unauthenticated, 401, "unauthenticated", "Authentication required"),
    (Forbidden, 403, "forbidden", "Not permitted"),
    (NotFound, 404, "not-found", "Not found"),
    (Conflict, 409, "conflict", "Conflict with the current state"),
    (InvalidInput, 422, "invalid-input", "Invalid input"),
    (DataError, 503, "data-error", "Stored data is unusable"),
]


def problem(
    status: int, kind: str, title: str, detail: str, request: Request, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="emscad"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(EmscadError)
    async def domain_error(request: Request, exc: EmscadError) -> JSONResponse:
        for kind, status, name, title in _MAP:
            if isinstance(exc, kind):
                return problem(status, name, title, str(exc), request)
        return problem(422, "invalid-input", "Invalid input", str(exc), request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": [str(p) for p in e.get("loc", ())],
                "message": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"location": [], "message": "invalid request"}
        where = ".".join(first["location"][1:]) or "request"
        return problem(
            422,
            "invalid-input",
            "Invalid input",
            f"{where}: {first['message']}",
            request,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        return problem(exc.status_code, kind, str(exc.detail), str(exc.detail), request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "internal", "Internal error", "an unexpected error occurred", request)
