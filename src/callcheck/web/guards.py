"""ASGI guards of the practice server: a request body limit and security headers,
and the handlers that turn every error into a one-line JSON answer (no traceback)."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from callcheck.errors import CallcheckError, StoreError
from callcheck.web.uploads import UploadRejected

log = logging.getLogger(__name__)

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
            "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
# The coaching report is one self-contained page with inline style and script; it may only be framed by the app.
REPORT_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
              "media-src 'self'; base-uri 'none'; frame-ancestors 'self'")


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Answers 413 to a request to `paths` whose body exceeds `max_bytes`: at once from
    Content-Length, else as soon as that many bytes have arrived (the upload is not read on)."""

    def __init__(self, app, *, max_bytes: int, paths: tuple[str, ...], message: str):
        self.app, self.max_bytes, self.paths, self.message = app, max_bytes, paths, message

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in self.paths:
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        state = {"received": 0, "exceeded": False, "started": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    state["exceeded"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message):
            if state["exceeded"]:
                return  # whatever the app makes of the interrupted body, the answer is 413
            state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            pass
        if state["exceeded"] and not state["started"]:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": self.message}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def add_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response


def add_error_handlers(app: FastAPI) -> None:
    """Library errors and bad requests become {"detail": "<one line>"} with a fitting status."""

    @app.exception_handler(UploadRejected)
    async def rejected(request: Request, err: UploadRejected):
        return JSONResponse({"detail": str(err)}, status_code=err.status_code)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, err: StoreError):
        log.error("%s", err)
        return JSONResponse({"detail": str(err)}, status_code=503)

    @app.exception_handler(CallcheckError)
    async def library_error(request: Request, err: CallcheckError):
        return JSONResponse({"detail": str(err)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        return JSONResponse({"detail": validation_message(err)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        return JSONResponse({"detail": str(err.detail)}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception):
        log.error("%s %s failed", request.method, request.url.path, exc_info=err)
        return JSONResponse({"detail": "internal error (see the server log)"}, status_code=500)


def validation_message(err: RequestValidationError) -> str:
    """`language: Input should be 'auto', 'de' or 'en'` for the first problem."""
    problems = err.errors()
    if not problems:
        return "invalid request"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {first.get('msg', 'invalid value')}" if where else str(first.get("msg", "invalid request"))
