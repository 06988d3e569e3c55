"""Residents sign in with their wallet (interim, until Sign-In with Ethereum from issue 6 replaces it): a one-time
challenge, signed with personal_sign (EIP-191), exchanged for a resident token. Signing in the first time registers
the resident (their address only; personal details stay with the centre)."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import DbDep, SettingsDep
from backend.domain.messages import Refusal
from backend.api.residents_auth import issue_resident_token
from backend.api.schemas import Strict, StrictStr
from backend.domain.activities import parse_address
from backend.store.activities import resident_for
from backend.store.db import write_transaction
from backend.store.models import KeyValue

router = APIRouter(prefix="/auth/resident", tags=["residents"])


class ChallengeIn(Strict):
    address: StrictStr


class ChallengeOut(BaseModel):
    message: str
    expires_at: datetime


class ResidentLoginIn(Strict):
    address: StrictStr
    signature: StrictStr


class ResidentTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    resident_id: int
    address: str


def _challenge_key(address: str) -> str:
    return f"resident-challenge:{address.lower()}"


def challenge_message(address: str, nonce: str, issued: int, expires: int) -> str:
    return (f"Volunteer Bank: sign in as a resident with {address}\n\nNonce: {nonce}\n"
            f"Issued At: {datetime.fromtimestamp(issued, UTC).isoformat()}\n"
            f"Expiration Time: {datetime.fromtimestamp(expires, UTC).isoformat()}")


@router.post("/challenge", response_model=ChallengeOut)
def challenge(body: ChallengeIn, db: DbDep, settings: SettingsDep) -> ChallengeOut:
    """A message to sign with the wallet (personal_sign); valid once, for VB_RESIDENT_CHALLENGE_TTL_S seconds."""
    address = parse_address(body.address, "address")
    issued = int(time.time())
    expires = issued + settings.resident_challenge_ttl_s
    message = challenge_message(address, secrets.token_hex(16), issued, expires)
    with write_transaction(db):
        db.merge(KeyValue(key=_challenge_key(address), value=json.dumps({"message": message, "exp": expires})))
    return ChallengeOut(message=message, expires_at=datetime.fromtimestamp(expires, UTC))


@router.post("/login", response_model=ResidentTokenOut)
def login(body: ResidentLoginIn, db: DbDep, settings: SettingsDep) -> ResidentTokenOut:
    address = parse_address(body.address, "address")
    with write_transaction(db):
        row = db.get(KeyValue, _challenge_key(address))
        stored = json.loads(row.value) if row else None
        if stored is None or stored["exp"] < time.time():
            raise Refusal(401, "challenge_unknown", address=address)
        try:
            signer = Account.recover_message(encode_defunct(text=stored["message"]), signature=body.signature)
        except Exception:
            signer = None
        if signer != address:
            raise Refusal(401, "bad_signature", address=address)
        db.delete(row)  # one use
        resident = resident_for(db, address)
        rid = resident.id
    token = issue_resident_token(settings.jwt_secret, settings.jwt_issuer, settings.jwt_ttl_s, rid, address)
    return ResidentTokenOut(access_token=token, expires_in=settings.jwt_ttl_s, resident_id=rid, address=address)
