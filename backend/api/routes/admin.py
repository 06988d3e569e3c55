"""The city's administration through the API: centres, coordinators, providers, charities, category rules and caps.
Each change is checked with a dry run of the contract call, then queued as an operation the sender signs with the
admin key, and recorded in `admin_audit` with the staff user who asked — in one database transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field, StrictBool, StrictInt, StrictStr
from sqlalchemy import select

from fastapi.responses import JSONResponse

from backend.api.deps import ChainDep, DbDep, require
from backend.api.idempotency import request_fingerprint, run_idempotent
from backend.api.operations import admin_sender, dry_run, queue
from backend.api.schemas import AMOUNT_PATTERN, Strict
from backend.api.security import Principal
from backend.chain.client import ChainClient
from backend.domain.activities import DomainError, parse_address
from backend.store import ops
from backend.store.models import AdminAudit, Centre, ChainOp

router = APIRouter(prefix="/admin", tags=["admin"])
Admin = Annotated[Principal, Depends(require("admin"))]
DAY = 86400
UINT88_MAX, UINT96_MAX = 2**88 - 1, 2**96 - 1


class CentreIn(Strict):
    key: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    name: StrictStr = Field(min_length=1, max_length=200)
    cap: StrictStr = Field(pattern=AMOUNT_PATTERN, description="coins per period, base units")
    period_days: StrictInt = Field(ge=1, le=3650)


class CapIn(Strict):
    cap: StrictStr = Field(pattern=AMOUNT_PATTERN)
    period_days: StrictInt = Field(ge=1, le=3650)


class ActiveIn(Strict):
    active: StrictBool


class AddressIn(Strict):
    address: StrictStr


class RuleIn(Strict):
    coins_per_block: StrictStr = Field(pattern=AMOUNT_PATTERN, description="base units per block of units")
    units_per_block: StrictInt = Field(ge=1, le=2**32 - 1)
    max_units: StrictInt = Field(ge=1, le=2**32 - 1)
    active: StrictBool = True


def _change(request: Request, db, chain: ChainClient, principal: Principal, action: str, contract, fn: str,
            args: list, params: dict) -> JSONResponse:
    """Dry run, then the operation and its audit row in one transaction. With an `Idempotency-Key`, a retried
    request returns the first answer instead of making the change twice."""
    sender = admin_sender(request, chain)
    data = contract.encode_abi(fn, args=args)
    dry_run(chain, sender, contract.address, data)

    def handler() -> dict:
        op = queue(db, kind=f"admin_{action}", signer_role="admin", requested_by=principal.name, subject=None,
                   to=contract.address, data=data, params=params)
        db.add(AdminAudit(actor=principal.name, actor_user_id=principal.user_id, action=action, params=params,
                          chain_op_id=op.id))
        db.flush()
        return ops.op_view(op)

    key = request.headers.get("Idempotency-Key")
    fingerprint = request_fingerprint(request.method, request.url.path, _Params(params=params))
    return run_idempotent(db, principal, key, fingerprint, handler, 202)


class _Params(Strict):
    params: dict


def _centre(chain: ChainClient, centre_id: int) -> None:
    count = chain.registry.functions.centreCount().call()
    if not 1 <= centre_id <= count:
        raise DomainError(404, "unknown_centre", f"centre {centre_id} does not exist (centres 1–{count})")


@router.post("/centres", status_code=202)
def add_centre(body: CentreIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    """A new centre with its cap; its id is in the operation's result (CentreAdded) and it joins /centres."""
    cap = int(body.cap)
    if not 0 < cap <= UINT88_MAX:
        raise DomainError(422, "invalid_cap", f"a cap is more than 0 and at most {UINT88_MAX} base units")
    if db.scalar(select(Centre.id).where(Centre.key == body.key)) is not None:
        raise DomainError(409, "centre_exists", f"a centre with key {body.key!r} exists")
    return _change(request, db, chain, principal, "add_centre", chain.registry, "addCentre", [cap, body.period_days * DAY],
                   {"key": body.key, "name": body.name, "cap": str(cap), "period_days": body.period_days})


@router.put("/centres/{centre_id}/cap", status_code=202)
def set_cap(centre_id: int, body: CapIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    _centre(chain, centre_id)
    cap = int(body.cap)
    if not 0 < cap <= UINT88_MAX:
        raise DomainError(422, "invalid_cap", f"a cap is more than 0 and at most {UINT88_MAX} base units")
    return _change(request, db, chain, principal, "set_cap", chain.registry, "setCentreCap",
                   [centre_id, cap, body.period_days * DAY],
                   {"centre_id": centre_id, "cap": str(cap), "period_days": body.period_days})


@router.put("/centres/{centre_id}/active", status_code=202)
def set_centre_active(centre_id: int, body: ActiveIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    _centre(chain, centre_id)
    return _change(request, db, chain, principal, "set_centre_active", chain.registry, "setCentreActive",
                   [centre_id, body.active], {"centre_id": centre_id, "active": body.active})


def _coordinator(chain: ChainClient, centre_id: int, address: str) -> bool:
    role = chain.registry.functions.coordinatorRole(centre_id).call()
    return chain.registry.functions.hasRole(role, address).call()


@router.post("/centres/{centre_id}/coordinators", status_code=202)
def add_coordinator(centre_id: int, body: AddressIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    _centre(chain, centre_id)
    who = parse_address(body.address)
    if _coordinator(chain, centre_id, who):
        raise DomainError(409, "no_change", f"{who} is already a coordinator of centre {centre_id}")
    return _change(request, db, chain, principal, "add_coordinator", chain.registry, "addCoordinator", [centre_id, who],
                   {"centre_id": centre_id, "address": who})


@router.delete("/centres/{centre_id}/coordinators/{address}", status_code=202)
def remove_coordinator(centre_id: int, address: str, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    _centre(chain, centre_id)
    who = parse_address(address)
    if not _coordinator(chain, centre_id, who):
        raise DomainError(409, "no_change", f"{who} is not a coordinator of centre {centre_id}")
    return _change(request, db, chain, principal, "remove_coordinator", chain.registry, "removeCoordinator",
                   [centre_id, who], {"centre_id": centre_id, "address": who})


def _member(kind: str, grant: bool):
    role_fn = "PROVIDER_ROLE" if kind == "provider" else "CHARITY_ROLE"

    def change(address: str, request: Request, principal: Principal, db, chain: ChainClient) -> JSONResponse:
        who = parse_address(address)
        role = getattr(chain.redemption.functions, role_fn)().call()
        if chain.redemption.functions.hasRole(role, who).call() == grant:
            raise DomainError(409, "no_change", f"{who} {'is already' if grant else 'is not'} a {kind}")
        action = f"{'add' if grant else 'remove'}_{kind}"
        return _change(request, db, chain, principal, action, chain.redemption, "grantRole" if grant else "revokeRole",
                       [role, who], {"address": who})

    return change


@router.post("/providers", status_code=202)
def add_provider(body: AddressIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    return _member("provider", True)(body.address, request, principal, db, chain)


@router.delete("/providers/{address}", status_code=202)
def remove_provider(address: str, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    return _member("provider", False)(address, request, principal, db, chain)


@router.post("/charities", status_code=202)
def add_charity(body: AddressIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    return _member("charity", True)(body.address, request, principal, db, chain)


@router.delete("/charities/{address}", status_code=202)
def remove_charity(address: str, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    return _member("charity", False)(address, request, principal, db, chain)


@router.put("/categories/{category}", status_code=202)
def set_rule(category: int, body: RuleIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    """A new version of the category's rule (prices attestations made from then on)."""
    if not 1 <= category < 2**16:
        raise DomainError(422, "invalid_category", "a category is 1–65535")
    coins = int(body.coins_per_block)
    if coins > UINT96_MAX:
        raise DomainError(422, "invalid_rule", "coins_per_block does not fit 96 bits")
    if body.active and coins == 0:
        raise DomainError(422, "invalid_rule", "an active rule gives more than 0 coins (set active: false to switch off)")
    return _change(request, db, chain, principal, "set_rule", chain.registry, "setCategoryRule",
                   [category, coins, body.units_per_block, body.max_units, body.active],
                   {"category": category, "coins_per_block": str(coins), "units_per_block": body.units_per_block,
                    "max_units": body.max_units, "active": body.active})


class RateIn(Strict):
    won_per_coin: StrictInt = Field(ge=1, le=10**12)


@router.put("/won-per-coin", status_code=202)
def set_won_per_coin(body: RateIn, request: Request, principal: Admin, db: DbDep, chain: ChainDep) -> JSONResponse:
    """The won a provider is owed per coin at settlement, from the next settlement on."""
    if chain.redemption.functions.wonPerCoin().call() == body.won_per_coin:
        raise DomainError(409, "no_change", f"the rate is already {body.won_per_coin} won per coin")
    return _change(request, db, chain, principal, "set_won_per_coin", chain.redemption, "setWonPerCoin",
                   [body.won_per_coin], {"won_per_coin": body.won_per_coin})


@router.get("/audit")
def audit(principal: Admin, db: DbDep, limit: int = 100) -> list[dict]:
    """The city's changes, newest first: who asked, what, and where its transaction stands."""
    rows = db.execute(select(AdminAudit, ChainOp).join(ChainOp, AdminAudit.chain_op_id == ChainOp.id, isouter=True)
                      .order_by(AdminAudit.id.desc()).limit(max(1, min(limit, 1000)))).all()
    return [{"id": a.id, "actor": a.actor, "actor_user_id": a.actor_user_id, "action": a.action, "params": a.params,
             "at": a.at, "operation_id": a.chain_op_id, "state": op.state if op else None,
             "tx_hash": op.tx_hash if op else None, "error": op.error if op else None} for a, op in rows]
