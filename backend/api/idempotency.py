"""The one Idempotency-Key dependency of every POST that changes something (coordinators, providers, the city,
residents): the same key with the same body returns the first response (`Idempotent-Replayed: true`), another body
is refused with 409. What a key stands for is stored as a keyed fingerprint (HMAC, services.idempotency), never as
a plain hash of the body. The rules are in backend.services.idempotency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from backend.api.deps import SettingsDep
from backend.services.idempotency import Answer, Once, check_key, fingerprint_key, owner_of, request_fingerprint


def respond(answer: Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true", **answer.headers} if answer.replayed else answer.headers
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers or None)


@dataclass(frozen=True)
class IdempotencyKey:
    key: str | None
    method: str
    path: str
    secret: bytes = field(repr=False, default=b"")  # fingerprint_key of this deployment

    def fingerprint(self, body: BaseModel | None) -> str:
        return request_fingerprint(self.secret, self.method, self.path,
                                   body.model_dump(mode="json") if body is not None else None)

    def once(self, actor, body: BaseModel | None) -> Once:
        return Once(owner_of(actor), self.key, self.fingerprint(body))

    def run(self, db: Session, actor, body: BaseModel | None, work: Callable[[], object],
            status_code: int = 200) -> JSONResponse:
        """`work` — one service call and the serialisation of its result — once per key of `actor`."""
        return respond(self.once(actor, body).run(db, lambda: jsonable_encoder(work()), status_code))


async def idempotency_key(request: Request, settings: SettingsDep,
                          key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> IdempotencyKey:
    check_key(key)
    return IdempotencyKey(key, request.method, request.url.path, fingerprint_key(settings.jwt_secret))


IdempotencyDep = Annotated[IdempotencyKey, Depends(idempotency_key)]
