"""Community rewards: a coordinator grants a resident of the centre points for a contribution to the community;
they are attested with the period's other community rewards (services.community_rewards)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from backend.api.deps import ChainDep, DbDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import StrictId
from backend.services import community_rewards
from backend.services.security import Principal

router = APIRouter(prefix="/community-rewards", tags=["community rewards"])
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: StrictId
    points: StrictInt = Field(ge=1, description="at most the community_reward category's max_units (GET /categories)")
    reason: StrictStr = Field(min_length=1, max_length=300, description="kept off-chain, for the centre's records")
    centre_id: StrictId | None = Field(default=None, description="the admin's: which centre grants them")


@router.post("", status_code=201)
def grant(body: GrantIn, db: DbDep, chain: ChainDep, actor: Coordinator, once: IdempotencyDep):
    """Points for the resident, waiting for the period's community batch (one attestation per resident and period,
    dated at the period's start)."""
    def work() -> dict:
        c = community_rewards.grant(db, chain, actor, body.resident_id, body.points, body.reason, body.centre_id)
        return {"id": c.id, "resident_id": c.resident_id, "centre_id": c.centre_id, "points": c.points,
                "created_at": c.created_at}
    return once.run(db, actor, body, work, status_code=201)
