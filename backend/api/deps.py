"""Dependencies injected into the routers (FastAPI `Depends`): settings, database session, chain, principal."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from backend.services.security import (READ_METHODS, RESIDENT_ROLE, Principal, api_key_matches, decode_token,
                                       password_mark, split_api_key)
from backend.chain.client import ChainClient
from backend.chain.keys import sender_addresses
from backend.config import Settings
from backend.domain.errors import Refusal
from backend.domain.messages import pick_language
from backend.store.accounts import account_by_api_key, account_by_id


# Dependencies that do no blocking I/O are `async def`: FastAPI then runs them in the event loop instead of
# handing each to the thread pool, which costs a thread switch per dependency per request.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    # A sync session used from the event loop: SQLite and PostgreSQL calls here take well under a millisecond,
    # cheaper than the two thread hand-offs a sync generator dependency costs.
    with request.app.state.sessions() as session:
        yield session


def chain_or_503(request: Request) -> ChainClient:
    """The chain client, or 503 while the node could not be reached at start-up."""
    chain = request.app.state.chain
    if chain is None:
        raise Refusal(503, "chain_unavailable")
    return chain


async def get_chain(request: Request) -> ChainClient:
    return chain_or_503(request)


async def get_senders(request: Request) -> dict[str, set[str]]:
    """The addresses the worker's sender holds keys for, by role (read from the same settings, without unlocking
    them; once per process)."""
    cached = getattr(request.app.state, "sender_addresses", None)
    if cached is None:
        chain = chain_or_503(request)
        cached = request.app.state.sender_addresses = sender_addresses(request.app.state.settings, chain.chain_id)
    return cached


async def get_language(request: Request) -> str:
    """"ko" or "en", as Accept-Language prefers."""
    return pick_language(request.headers.get("accept-language"))


SettingsDep = Annotated[Settings, Depends(get_settings)]
LanguageDep = Annotated[str, Depends(get_language)]
DbDep = Annotated[Session, Depends(get_db)]
ChainDep = Annotated[ChainClient, Depends(get_chain)]
SendersDep = Annotated[dict[str, set[str]], Depends(get_senders)]


def unauthorized(message: str) -> Refusal:
    return Refusal(401, "unauthorized", message)


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a reverse proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that this is the client's and not the proxy's)."""
    return request.client.host if request.client else "unknown"


def _password_change_required() -> Refusal:
    return Refusal(403, "password_change_required")


def _admitted(request: Request, principal: Principal, must_change: bool) -> Principal:
    """The principal, unless its password must be set first or its API key may not make this request."""
    if must_change:
        raise _password_change_required()
    if principal.scope == "read" and request.method not in READ_METHODS:
        raise Refusal(403, "api_key_read_only", method=request.method)
    return principal


async def signed_in(
    request: Request,
    settings: SettingsDep,
    db: DbDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> tuple[Principal, bool]:
    """Who is asking (a staff token or API key, or a resident's wallet token), and whether the account's password
    was set by someone else and must be replaced first: the one reading of a request's credentials."""
    if x_api_key:
        parts = split_api_key(x_api_key)
        row = account_by_api_key(db, parts[0]) if parts else None
        db.rollback()  # hold no transaction between the dependency and the endpoint
        if row is None or row.revoked_at is not None or not api_key_matches(parts[1], row.secret_sha256) or not row.active:
            raise unauthorized("invalid or revoked API key")
        if row.expires_at <= datetime.now(UTC):
            raise Refusal(401, "api_key_expired")
        if row.key_password_mark != password_mark(row.password_hash):  # a reset, or its owner setting their own
            raise Refusal(401, "api_key_password_changed")
        return (Principal(row.id, row.username, row.role, row.centre_id, "api_key", row.scope),
                row.must_change_password)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized("sign in first: Authorization: Bearer <token> (POST /auth/login) or X-API-Key")
    try:
        claims = decode_token(settings.jwt_secret, settings.jwt_issuer, authorization[7:].strip())
    except jwt.ExpiredSignatureError:
        raise unauthorized("the token has expired; sign in again") from None
    except jwt.PyJWTError as exc:
        raise unauthorized(f"invalid token: {exc}") from None
    if claims.get("role") == RESIDENT_ROLE and str(claims["sub"]).startswith("resident:"):
        # A resident signed in with their wallet (SIWE): no account row, the address is who they are.
        return Principal(0, str(claims["sub"]).removeprefix("resident:"), RESIDENT_ROLE, None, "siwe"), False
    # Columns rather than the ORM object: this runs on every request, and the account's state is read each time so
    # that disabling it takes effect at once.
    user = _account(request.app.state.accounts, db, int(claims["sub"])) if str(claims["sub"]).isdigit() else None
    # The read transaction stays open for the endpoint (a write transaction ends it first: write_transaction).
    if user is None or not user.active:
        raise unauthorized("the account of this token no longer exists or is disabled")
    if claims.get("pwd") != password_mark(user.password_hash):
        raise unauthorized("the password of this account has changed; sign in again")
    return Principal(user.id, user.username, user.role, user.centre_id, "jwt"), user.must_change_password


# Accounts as last read, per process, for ACCOUNT_CACHE_S: checking on every request that a token's account still
# exists and is active would cost a database round trip each time. An account changed through this process is
# forgotten at once (forget_account); other API processes see the change within ACCOUNT_CACHE_S.
ACCOUNT_CACHE_S = 1.0


def _account(cache: dict, db: Session, user_id: int):
    now = time.monotonic()
    hit = cache.get(user_id)
    if hit is not None and now - hit[0] < ACCOUNT_CACHE_S:
        return hit[1]
    row = account_by_id(db, user_id)
    if len(cache) > 10_000:
        cache.clear()
    cache[user_id] = (now, row)
    return row


def forget_account(request: Request, user_id: int) -> None:
    request.app.state.accounts.pop(user_id, None)


SignedInDep = Annotated[tuple[Principal, bool], Depends(signed_in)]


async def current_principal(request: Request, signed: SignedInDep) -> Principal:
    """Who is asking. A staff account whose password someone else set is refused (403 password_change_required)
    on every route but POST /auth/password (password_changer) until its owner sets their own. An API key of scope
    "read" is refused (403 api_key_read_only) on every request but GET and HEAD: every route that needs a principal
    (require's role check included) comes through here or through require_logging_refusals, which makes the same
    checks (_admitted), so no route can forget the scope."""
    return _admitted(request, *signed)


async def password_changer(signed: SignedInDep) -> Principal:
    """Who is asking, also while the account must set its password first: for POST /auth/password only."""
    return signed[0]


PrincipalDep = Annotated[Principal, Depends(current_principal)]
PasswordChangerDep = Annotated[Principal, Depends(password_changer)]


def require(*roles: str) -> Callable[[Principal], Principal]:
    """The one role check: the caller is signed in with one of `roles` (staff roles, or RESIDENT_ROLE for a
    resident signed in with their wallet); anyone else gets 403 saying who may. The principal it checks has passed
    current_principal's checks: a temporary password, and an API key's scope (a "read" key: GET and HEAD only)."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            who = "a resident" if principal.role == RESIDENT_ROLE else principal.role
            if roles == (RESIDENT_ROLE,):
                raise Refusal(403, "resident_required", who=who)
            raise Refusal(403, "staff_required", roles=" or ".join(roles), who=who)
        return principal

    return check


def require_logging_refusals(note: Callable[[Session, Principal, str, dict], None], *roles: str):
    """`require(*roles)` for routes that log a refused attempt (neighbour reports: services.reports.refused): when
    a signed-in staff caller is refused — another role, a password someone else set and not yet replaced, a read-only
    API key writing (current_principal's checks) — `note(db, principal, code, path_params)` runs first."""
    check_role = require(*roles)

    async def check(request: Request, db: DbDep, signed: SignedInDep) -> Principal:
        principal, must_change = signed
        try:
            return await check_role(_admitted(request, principal, must_change))
        except Refusal as refusal:
            note(db, principal, refusal.code, dict(request.path_params))
            raise

    return check
