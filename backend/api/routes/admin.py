"""The city's administration through the API: centres, coordinators, providers, charities, category rules, caps,
the won rate, the switch of any offer and the coin's pause (services.admin: a dry run, then the operation and its audit
row in one transaction). Each POST, PUT and DELETE takes an `Idempotency-Key`: a retried request returns the first
answer instead of changing twice. With `?dry_run=true` it runs the same checks and the contract call and answers 200
with what the transaction would be and change, queueing, auditing and remembering nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field, StrictBool, StrictInt, StrictStr

from backend.api.deps import ChainDep, DbDep, LanguageDep, SendersDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import AfterId, Coins, Id, OfferId, Strict
from backend.services.security import Principal
from backend.services import admin as service
from backend.services import categories, exports

router = APIRouter(prefix="/admin", tags=["admin"])
AdminRole = Annotated[Principal, Depends(require("admin"))]
RulesReader = Annotated[Principal, Depends(require("admin", "coordinator"))]


class CentreIn(Strict):
    key: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    name: StrictStr = Field(min_length=1, max_length=200)
    cap: Coins = Field(description="coins per period, base units")
    period_days: StrictInt = Field(ge=1, le=3650)


class CapIn(Strict):
    cap: Coins
    period_days: StrictInt = Field(ge=1, le=3650)


class ActiveIn(Strict):
    active: StrictBool


class AddressIn(Strict):
    address: StrictStr


class RuleIn(Strict):
    coins_per_block: Coins = Field(description="base units per block of units")
    units_per_block: StrictInt = Field(ge=1, le=2**32 - 1)
    max_units: StrictInt = Field(ge=1, le=2**32 - 1)
    active: StrictBool = True


class RateIn(Strict):
    won_per_coin: StrictInt = Field(ge=1, le=10**12)



async def city(principal: AdminRole, db: DbDep, chain: ChainDep, senders: SendersDep, language: LanguageDep,
               dry_run: Annotated[bool, Query(description="check and estimate only: nothing is queued or audited")]
               = False) -> service.Admin:
    return service.Admin(db, chain, senders, principal.name, principal.user_id, dry=dry_run, language=language)


City = Annotated[service.Admin, Depends(city)]


def change(admin: service.Admin, principal: Principal, once, body, work: Callable[[], dict]) -> JSONResponse:
    """A dry run answers 200 and is not remembered under the Idempotency-Key; a change is queued once per key (202)."""
    if admin.dry:
        return JSONResponse(jsonable_encoder(work()), status_code=200)
    return once.run(admin.db, principal, body, work, 202)


@router.post("/centres", status_code=202)
def add_centre(body: CentreIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    """A new centre with its cap; its id is in the operation's result (CentreAdded) and it joins /centres."""
    return change(admin, principal, once, body, lambda: admin.add_centre(body.key, body.name, body.cap, body.period_days))


@router.put("/centres/{centre_id}/cap", status_code=202)
def set_cap(centre_id: Id, body: CapIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, body, lambda: admin.set_cap(centre_id, body.cap, body.period_days))


@router.put("/centres/{centre_id}/active", status_code=202)
def set_centre_active(centre_id: Id, body: ActiveIn, admin: City, principal: AdminRole,
                      once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, body, lambda: admin.set_centre_active(centre_id, body.active))


@router.post("/centres/{centre_id}/coordinators", status_code=202)
def add_coordinator(centre_id: Id, body: AddressIn, admin: City, principal: AdminRole,
                    once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, body, lambda: admin.set_coordinator(centre_id, body.address, True))


@router.delete("/centres/{centre_id}/coordinators/{address}", status_code=202)
def remove_coordinator(centre_id: Id, address: str, admin: City, principal: AdminRole,
                       once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, None, lambda: admin.set_coordinator(centre_id, address, False))


@router.post("/providers", status_code=202)
def add_provider(body: AddressIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, body, lambda: admin.set_member("provider", body.address, True))


@router.delete("/providers/{address}", status_code=202)
def remove_provider(address: str, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, None, lambda: admin.set_member("provider", address, False))


@router.post("/charities", status_code=202)
def add_charity(body: AddressIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, body, lambda: admin.set_member("charity", body.address, True))


@router.delete("/charities/{address}", status_code=202)
def remove_charity(address: str, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    return change(admin, principal, once, None, lambda: admin.set_member("charity", address, False))


@router.put("/categories/{category}", status_code=202)
def set_rule(category: int, body: RuleIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    """A new version of the category's rule (prices attestations made from then on)."""
    return change(admin, principal, once, body, lambda: admin.set_rule(
        category, body.coins_per_block, body.units_per_block, body.max_units, body.active))


@router.get("/categories/{category}/history")
def rule_history(category: int, principal: RulesReader, db: DbDep, chain: ChainDep) -> dict:
    """Every version of the category's rule, oldest first, as indexed from the registry's CategoryRuleSet events
    (the admin and coordinators: the same figures anyone can read on-chain)."""
    return categories.rule_history(db, chain, category)


@router.put("/offers/{offer_id}/active", status_code=202)
def set_offer_active(offer_id: OfferId, body: ActiveIn, admin: City, principal: AdminRole,
                     once: IdempotencyDep) -> JSONResponse:
    """Switches any provider's offer off (suspended: its provider cannot switch it back on) or on again."""
    return change(admin, principal, once, body, lambda: admin.set_offer_active(offer_id, body.active))


@router.put("/won-per-coin", status_code=202)
def set_won_per_coin(body: RateIn, admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    """The won a provider is owed per coin at settlement, from the next settlement on."""
    return change(admin, principal, once, body, lambda: admin.set_won_per_coin(body.won_per_coin))


@router.post("/pause", status_code=202)
def pause(admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    """Pauses the coin: no coin is minted, moved, redeemed, donated or settled until it is resumed."""
    return change(admin, principal, once, None, lambda: admin.set_paused(True))


@router.post("/unpause", status_code=202)
def unpause(admin: City, principal: AdminRole, once: IdempotencyDep) -> JSONResponse:
    """Resumes the coin."""
    return change(admin, principal, once, None, lambda: admin.set_paused(False))


@router.get("/centres/{centre_id}/export.zip", response_class=StreamingResponse)
def export_centre(centre_id: Id, principal: AdminRole, db: DbDep, chain: ChainDep,
                  start: Annotated[date | None, Query(alias="from", description="settlements from this day (UTC)")] = None,
                  end: Annotated[date | None, Query(alias="to", description="settlements up to this day (UTC)")] = None,
                  ) -> StreamingResponse:
    """The centre's data for the city's archive: a ZIP of CSV files (activities, residents, reports' metadata,
    settlements) and a README; the export is written to the audit log."""
    name, data = exports.centre_export(db, chain, principal.name, principal.user_id, centre_id, start, end)

    def chunks():
        try:
            while block := data.read(2**16):
                yield block
        finally:
            data.close()

    return StreamingResponse(chunks(), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})


@router.get("/audit")
def audit(principal: AdminRole, db: DbDep, actor: str | None = None, action: str | None = None,
          since: datetime | None = None, until: datetime | None = None, centre_id: Id | None = None,
          after_id: AfterId | None = None, limit: int = 100) -> list[dict]:
    """The city's changes and exports, newest first: who asked, what, and where its transaction stands; filtered by
    actor, action, time (since ≤ at < until) and centre; paged by `after_id` (the last id of the page before),
    `limit` ≤ 500."""
    return service.audit_log(db, actor=actor, action=action, since=since, until=until, centre_id=centre_id,
                             after_id=after_id, limit=limit)
