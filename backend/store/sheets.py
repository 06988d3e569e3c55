"""Attendance sheets inside the caller's transaction: the residents a sheet's lines name (within a centre), a sheet
of a centre, the activities its lines became."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.store.activities import activity_views
from backend.store.models import Activity, AttendanceSheet, OutboxItem, Resident, SignedBatch
from backend.store.residents import of_centre


def residents_named(s: Session, centre_id: int | None, member_numbers: set[str], addresses: set[str],
                    phones: set[str]) -> tuple[dict, dict, dict]:
    """The centre's residents (None: all) with these member numbers, addresses and phone digits: three maps from
    the value to the list of residents having it."""
    maps: tuple[dict, dict, dict] = (defaultdict(list), defaultdict(list), defaultdict(list))
    scope = [of_centre(centre_id)] if centre_id is not None else []
    for column, values, found in ((Resident.member_number, member_numbers, maps[0]),
                                  (Resident.address, addresses, maps[1]), (Resident.phone_digits, phones, maps[2])):
        if values:
            for r in s.scalars(select(Resident).where(column.in_(values), *scope)):
                found[getattr(r, column.key)].append(r)
    return maps


def residents_by_id(s: Session, ids: set[int]) -> dict[int, Resident]:
    if not ids:
        return {}
    return {r.id: r for r in s.scalars(select(Resident).where(Resident.id.in_(ids)))}


def sheet_of(s: Session, sheet_id: int, centre_id: int | None, *, for_update: bool = False) -> AttendanceSheet | None:
    """The sheet, if it is of the centre (None: any), with its lines."""
    q = select(AttendanceSheet).where(AttendanceSheet.id == sheet_id).options(selectinload(AttendanceSheet.lines))
    if centre_id is not None:
        q = q.where(AttendanceSheet.centre_id == centre_id)
    return s.scalar(q.with_for_update() if for_update else q)


def sheets_of(s: Session, centre_id: int | None, status: str | None, after_id: int, limit: int) -> list[AttendanceSheet]:
    where = [AttendanceSheet.id > after_id]
    if centre_id is not None:
        where.append(AttendanceSheet.centre_id == centre_id)
    if status is not None:
        where.append(AttendanceSheet.status == status)
    return list(s.scalars(select(AttendanceSheet).where(*where).order_by(AttendanceSheet.id).limit(limit)))


def activities_of(s: Session, ids: list[int]) -> dict[int, dict]:
    """The API's views of the activities (status, tx hash, block) by id."""
    return {v["id"]: v for v in activity_views(s, Activity.id.in_(ids))} if ids else {}


def outbox_items_of(s: Session, activity_ids: list[int], kind: str) -> list[OutboxItem]:
    return list(s.scalars(select(OutboxItem).where(OutboxItem.activity_id.in_(activity_ids), OutboxItem.kind == kind)
                          .order_by(OutboxItem.id)))


def waiting_for_signature(s: Session, batch_id: int) -> list[OutboxItem]:
    """A signed batch's items still waiting for a signature, in the order the signature covers them (by id)."""
    return list(s.scalars(select(OutboxItem).where(OutboxItem.signed_batch_id == batch_id,
                                                   OutboxItem.state == "awaiting_signature")
                          .options(selectinload(OutboxItem.activity).selectinload(Activity.resident))
                          .order_by(OutboxItem.id)))


def signed_batch_of(s: Session, sheet_id: int) -> SignedBatch | None:
    return s.scalar(select(SignedBatch).where(SignedBatch.sheet_id == sheet_id))


def signed_nonces_from(s: Session, coordinator: str, first: int, other_than: int) -> list[int]:
    """The nonces (from `first` on) of the coordinator's other signed batches: signatures still to be used."""
    return list(s.scalars(select(SignedBatch.nonce).where(
        SignedBatch.coordinator == coordinator, SignedBatch.status == "signed", SignedBatch.id != other_than,
        SignedBatch.nonce >= first)))
