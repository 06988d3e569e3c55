"""GET /operations/{id}: a provider's or the city's chain operation and where it stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from backend.api.deps import DbDep, require
from backend.api.schemas import Id, OperationOut
from backend.services.security import Principal
from backend.services.chain_ops import operation

router = APIRouter(tags=["operations"])


@router.get("/operations/{op_id}", response_model=OperationOut)
def get_operation(op_id: Id, db: DbDep, principal: Annotated[Principal, Depends(require("admin", "provider"))]) -> dict:
    """A provider's or the city's operation: queued, in a transaction, confirmed or failed (with the reason)."""
    return operation(db, op_id, role=principal.role, user_id=principal.user_id)
