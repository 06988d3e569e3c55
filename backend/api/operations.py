"""What provider and admin endpoints share: who may send, a dry run of the call before anything is recorded, the
operation queued for the sender, and GET /operations/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.api.deps import DbDep, require
from backend.api.schemas import OperationOut
from backend.api.security import Principal
from backend.chain.client import ChainClient
from backend.chain.keys import sender_addresses
from backend.domain.activities import DomainError, not_found
from backend.store import ops
from backend.store.models import ChainOp, StaffUser

router = APIRouter(tags=["operations"])


def known_senders(request: Request, chain: ChainClient) -> dict[str, set[str]]:
    """The addresses the worker's sender holds keys for (read from the same settings, without unlocking them)."""
    cached = getattr(request.app.state, "sender_addresses", None)
    if cached is None:
        cached = sender_addresses(request.app.state.settings, chain.chain_id)
        request.app.state.sender_addresses = cached
    return cached


def admin_sender(request: Request, chain: ChainClient) -> str:
    admins = known_senders(request, chain)["admin"]
    if not admins:
        raise DomainError(409, "no_admin_key", "the backend holds no admin key (admin.json in VB_KEYSTORE_DIR, or "
                                               "VB_DEV_ADMIN_KEY on a local chain): use tools/admin instead")
    return sorted(admins)[0]


def provider_address(db, principal: Principal) -> str:
    user = db.get(StaffUser, principal.user_id)
    if user is None or not user.address:
        raise DomainError(409, "no_provider_address", "your account has no provider address")
    return user.address


def dry_run(chain: ChainClient, sender: str, to: str, data: str) -> None:
    """Refuses, with the contract's own reason, a call the contract would revert: nothing is recorded or sent."""
    try:
        chain.web3.eth.call({"from": sender, "to": to, "data": data})
    except (ContractLogicError, Web3RPCError, ValueError) as exc:
        raise DomainError(409, "refused_by_contract", f"the contract would refuse this: {chain.explain(exc)}") from None


def queue(db, *, kind: str, signer_role: str, requested_by: str, subject: str | None, to: str, data: str,
          params: dict, **extra) -> ChainOp:
    op = ChainOp(kind=kind, signer_role=signer_role, requested_by=requested_by, subject=subject, to=to, data=data,
                 params=params, state="queued", **extra)
    db.add(op)
    db.flush()
    return op


@router.get("/operations/{op_id}", response_model=OperationOut)
def get_operation(op_id: int, db: DbDep,
                  principal: Annotated[Principal, Depends(require("admin", "provider"))]) -> dict:
    """A provider's or the city's operation: queued, in a transaction, confirmed or failed (with the reason)."""
    op = db.get(ChainOp, op_id)
    if op is None or (principal.role != "admin" and op.subject != provider_address(db, principal)):
        raise not_found(f"operation {op_id}")
    return ops.op_view(op)
