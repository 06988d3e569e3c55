"""Custodial accounts, member cards and members' notices: reads and steps inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import CustodialAccount, MemberCard, MemberNotice


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
