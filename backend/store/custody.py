"""Custodial accounts, member cards and members' notices: reads and steps inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import CustodialAccount, CustodyMove, MemberCard, MemberNotice


def account(s: Session, resident_id: int, *, for_update: bool = False) -> CustodialAccount | None:
    q = select(CustodialAccount).where(CustodialAccount.resident_id == resident_id)
    return s.scalar(q.with_for_update() if for_update else q)


def accounts(s: Session) -> list[CustodialAccount]:
    return list(s.scalars(select(CustodialAccount).order_by(CustodialAccount.resident_id)))


def active_card(s: Session, resident_id: int, *, for_update: bool = False) -> MemberCard | None:
    q = select(MemberCard).where(MemberCard.resident_id == resident_id, MemberCard.status == "active")
    return s.scalar(q.with_for_update() if for_update else q)


def latest_card(s: Session, resident_id: int) -> MemberCard | None:
    return s.scalar(select(MemberCard).where(MemberCard.resident_id == resident_id)
                    .order_by(MemberCard.serial.desc()).limit(1))


def card_by_digest(s: Session, digest: str, *, for_update: bool = False) -> MemberCard | None:
    q = select(MemberCard).where(MemberCard.token_sha256 == digest)
    return s.scalar(q.with_for_update() if for_update else q)


def card(s: Session, card_id: int, *, for_update: bool = False) -> MemberCard | None:
    q = select(MemberCard).where(MemberCard.id == card_id)
    return s.scalar(q.with_for_update() if for_update else q)


def next_serial(s: Session, resident_id: int) -> int:
    return (s.scalar(select(func.max(MemberCard.serial)).where(MemberCard.resident_id == resident_id)) or 0) + 1


def notify(s: Session, resident_id: int, kind: str, actor: str | None, serial: int | None) -> None:
    s.add(MemberNotice(resident_id=resident_id, kind=kind, actor=actor, card_serial=serial))


def notices(s: Session, resident_id: int, limit: int) -> list[MemberNotice]:
    return list(s.scalars(select(MemberNotice).where(MemberNotice.resident_id == resident_id)
                          .order_by(MemberNotice.id.desc()).limit(limit)))


OPEN_MOVES = ("requested", "confirmed", "paying", "failed")


def account_by_address(s: Session, address: str) -> CustodialAccount | None:
    return s.scalar(select(CustodialAccount).where(CustodialAccount.address == address))


def open_move(s: Session, resident_id: int, *, for_update: bool = False) -> CustodyMove | None:
    q = select(CustodyMove).where(CustodyMove.resident_id == resident_id, CustodyMove.state.in_(OPEN_MOVES))
    return s.scalar(q.with_for_update() if for_update else q)


def latest_move(s: Session, resident_id: int) -> CustodyMove | None:
    return s.scalar(select(CustodyMove).where(CustodyMove.resident_id == resident_id)
                    .order_by(CustodyMove.id.desc()).limit(1))


def move_of_wallet(s: Session, address: str) -> CustodyMove | None:
    return s.scalar(select(CustodyMove).where(CustodyMove.new_address == address).order_by(CustodyMove.id.desc())
                    .limit(1))


def move(s: Session, move_id: int, *, for_update: bool = False) -> CustodyMove | None:
    q = select(CustodyMove).where(CustodyMove.id == move_id)
    return s.scalar(q.with_for_update() if for_update else q)


def moves_to_finish(s: Session) -> list[int]:
    return list(s.scalars(select(CustodyMove.id).where(CustodyMove.state.in_(("confirmed", "paying")))
                          .order_by(CustodyMove.id)))


def active_cards(s: Session, resident_id: int) -> list[MemberCard]:
    return list(s.scalars(select(MemberCard).where(MemberCard.resident_id == resident_id,
                                                   MemberCard.status == "active").with_for_update()))
