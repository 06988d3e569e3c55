"""The request body limit of the whole app (VB_MAX_BODY_BYTES): a pure ASGI middleware, so it sees the body before
any route reads it.

A Content-Length above the limit is answered 413 at once, without reading the body. A body without one (chunked)
is counted as it streams in: once it passes the limit, the request gets 413 `request_too_large` and the rest is not
read. Routes that take larger bodies and bound them themselves are listed in `own_limit` (the attendance sheet
upload: 1 MB of file plus its form, Content-Length required — routes/sheets.py)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException

from backend.domain.errors import Refusal
from backend.domain.messages import localized, pick_language


class BodyTooLarge(HTTPException):
    """Raised by the counting receive: an HTTPException, so that FastAPI's body parsing lets it through (it turns
    other exceptions into 400) to the app's handler (app.py), which answers as `refusal()` says."""

    def __init__(self, max_bytes: int):
        super().__init__(413)
        self.max_bytes = max_bytes

    def refusal(self) -> Refusal:
        return Refusal(413, "request_too_large", max_bytes=self.max_bytes)


class BodyLimit:
    def __init__(self, app, max_bytes: int, own_limit: frozenset[tuple[str, str]] = frozenset()):
        self.app, self.max_bytes, self.own_limit = app, max_bytes, own_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or (scope["method"], scope["path"]) in self.own_limit:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, send)
            return
        seen, started = 0, False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # a route that answered before reading its whole body: nothing more can be said
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope, send) -> None:
        headers = dict(scope["headers"])
        language = pick_language(headers.get(b"accept-language", b"").decode("latin-1"))
        refusal = BodyTooLarge(self.max_bytes).refusal()
        body = json.dumps({"error": refusal.code, "detail": localized(refusal, language)}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"content-language", language.encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
