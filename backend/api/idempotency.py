"""Idempotency-Key for POSTs: the same key with the same body returns the first result; another body is a 409.

The record is written in the same database transaction as the effect, so a key can never stand for two effects,
even when the duplicates race (the unique (principal, key) constraint decides)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.api.security import Principal
from backend.domain.activities import DomainError
from backend.store.db import write_transaction
from backend.store.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def request_fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    payload = {"method": method, "path": path, "body": body.model_dump(mode="json") if body is not None else None}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_idempotency_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise DomainError(422, "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")


def idempotency_owner(principal: Principal) -> str:
    """Whose keys: a key is unique per principal, so two clients may use the same one."""
    return f"{principal.via}:{principal.user_id}"


def key_reused() -> DomainError:
    return DomainError(409, "idempotency_key_reused",
                       "this Idempotency-Key was used with another request; use a new key for a new request")


def stored_answer(row: IdempotencyRecord, fingerprint: str) -> JSONResponse | DomainError:
    """The answer to a request whose key is already stored: the first response replayed, or a 409 (returned, not
    raised, for callers answering many requests at once) when the key came with another request."""
    if row.request_sha256 != fingerprint:
        return key_reused()
    return JSONResponse(row.response, status_code=row.status_code or 200, headers={"Idempotent-Replayed": "true"})


def find_stored(db: Session, owner: str, key: str) -> IdempotencyRecord | None:
    return db.scalar(select(IdempotencyRecord).where(IdempotencyRecord.principal == owner, IdempotencyRecord.key == key))


def run_idempotent(db: Session, principal: Principal, key: str | None, fingerprint: str,
                   handler: Callable[[], object], status_code: int = 200) -> JSONResponse:
    """Runs `handler` (which changes `db`) and commits, or replays the response stored under `key`."""
    check_idempotency_key(key)
    owner = idempotency_owner(principal)
    if key is not None:
        replay = _stored(db, owner, key, fingerprint)
        if replay is not None:
            return replay
    try:
        with write_transaction(db):
            body = jsonable_encoder(handler())
            if key is not None:
                db.add(IdempotencyRecord(principal=owner, key=key, request_sha256=fingerprint, status_code=status_code,
                                         response=body))
    except IntegrityError:
        db.rollback()
        replay = _stored(db, owner, key, fingerprint) if key is not None else None
        if replay is None:
            raise
        return replay
    return JSONResponse(body, status_code=status_code)


def _stored(db: Session, owner: str, key: str, fingerprint: str) -> JSONResponse | None:
    row = find_stored(db, owner, key)
    db.rollback()  # end the read, so the write transaction starts fresh
    if row is None:
        return None
    answer = stored_answer(row, fingerprint)
    if isinstance(answer, DomainError):
        raise answer
    return answer
