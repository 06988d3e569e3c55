"""Guardians and proxies of members whose account the centre holds, and the operations they asked for: reads and
steps inside the caller's transaction (services.guardians)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.store.models import ChainOp, GuardianOp, Guardianship


def of_resident(s: Session, resident_id: int) -> list[Guardianship]:
    """Every guardianship of the member, active first, newest first."""
    return list(s.scalars(select(Guardianship).where(Guardianship.resident_id == resident_id)
                          .order_by(Guardianship.revoked_at.is_not(None), Guardianship.id.desc())))


def get(s: Session, guardianship_id: int, *, for_update: bool = False) -> Guardianship | None:
    q = select(Guardianship).where(Guardianship.id == guardianship_id)
    return s.scalar(q.with_for_update() if for_update else q)


def active(s: Session, resident_id: int, address: str) -> Guardianship | None:
    """The active guardianship of `address` for the member, if any."""
    return s.scalar(select(Guardianship).where(Guardianship.resident_id == resident_id,
                                               Guardianship.address == address, Guardianship.revoked_at.is_(None)))


def active_of(s: Session, address: str) -> list[Guardianship]:
    """The members `address` is the active guardian of."""
    return list(s.scalars(select(Guardianship).where(Guardianship.address == address,
                                                     Guardianship.revoked_at.is_(None)).order_by(Guardianship.id)))


def record_op(s: Session, guardianship_id: int, chain_op_id: int, kind: str) -> None:
    s.add(GuardianOp(chain_op_id=chain_op_id, guardianship_id=guardianship_id, kind=kind))


def by_tx(s: Session, tx_hashes: Iterable[str]) -> dict[str, Guardianship]:
    """The guardian who asked for the operation each transaction carried (one operation per transaction)."""
    hashes = sorted({h for h in tx_hashes if h})
    if not hashes:
        return {}
    rows = s.execute(select(ChainOp.tx_hash, Guardianship).join(GuardianOp, GuardianOp.chain_op_id == ChainOp.id)
                     .join(Guardianship, Guardianship.id == GuardianOp.guardianship_id)
                     .where(ChainOp.tx_hash.in_(hashes)))
    return {tx: g for tx, g in rows}


def by_op(s: Session, op_ids: Iterable[int]) -> dict[int, Guardianship]:
    ids = sorted(set(op_ids))
    if not ids:
        return {}
    rows = s.execute(select(GuardianOp.chain_op_id, Guardianship)
                     .join(Guardianship, Guardianship.id == GuardianOp.guardianship_id)
                     .where(GuardianOp.chain_op_id.in_(ids)))
    return {op_id: g for op_id, g in rows}


def forget(s: Session, resident_id: int) -> int:
    """The member's guardianships and the links of their operations deleted (the member is forgotten)."""
    ids = list(s.scalars(select(Guardianship.id).where(Guardianship.resident_id == resident_id)))
    if ids:
        s.execute(delete(GuardianOp).where(GuardianOp.guardianship_id.in_(ids)))
        s.execute(delete(Guardianship).where(Guardianship.id.in_(ids)))
    return len(ids)
