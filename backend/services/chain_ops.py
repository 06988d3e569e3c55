"""What the provider and admin services share: who sends, a dry run of the call before anything is recorded, and
the operations a provider or the city may read."""

from __future__ import annotations

from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.client import ChainClient
from backend.domain.errors import Refusal
from backend.store import ops
from backend.store.models import ChainOp, StaffUser


def admin_sender(senders: dict[str, set[str]]) -> str:
    """The admin address the worker's sender holds a key for."""
    admins = senders["admin"]
    if not admins:
        raise Refusal(409, "no_admin_key", "the backend holds no admin key (admin.json in VB_KEYSTORE_DIR, or "
                                               "VB_DEV_ADMIN_KEY on a local chain): use tools/admin instead")
    return sorted(admins)[0]


def provider_address(db: Session, user_id: int) -> str:
    """The on-chain address of a provider's staff account."""
    user = db.get(StaffUser, user_id)
    if user is None or not user.address:
        raise Refusal(409, "no_provider_address", "your account has no provider address")
    return user.address


def dry_run(chain: ChainClient, sender: str, to: str, data: str, *, estimate: bool = False) -> int | None:
    """Refuses, with the contract's own reason, a call the contract would revert: nothing is recorded or sent.
    With `estimate`, also the gas the transaction would use (eth_estimateGas)."""
    call = {"from": sender, "to": to, "data": data}
    try:
        chain.web3.eth.call(call)
        return chain.web3.eth.estimate_gas(call) if estimate else None
    except (ContractLogicError, Web3RPCError, ValueError) as exc:
        raise Refusal(409, "refused_by_contract", f"the contract would refuse this: {chain.explain(exc)}") from None


def operation(db: Session, op_id: int, *, role: str, user_id: int) -> dict:
    """A provider's own operation, or any for the admin: queued, in a transaction, confirmed or failed."""
    op = db.get(ChainOp, op_id)
    if op is None or (role != "admin" and op.subject != provider_address(db, user_id)):
        raise Refusal(404, "not_found", f"operation {op_id} not found")
    return ops.op_view(op)
