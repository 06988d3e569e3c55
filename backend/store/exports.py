"""What a centre's export reads: its activities with the volunteer's member number, the residents it registered, its
neighbour reports' metadata (never the sealed columns), and the providers' settlements as indexed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import Activity, ChainEvent, NeighbourReport, Resident


def counts(s: Session, centre_id: int) -> int:
    """Rows the centre's export would hold, settlements aside."""
    return sum(s.scalar(select(func.count()).select_from(model).where(model.centre_id == centre_id))
               for model in (Activity, Resident, NeighbourReport))


def activities(s: Session, centre_id: int) -> list[tuple[Activity, str | None]]:
    return list(s.execute(select(Activity, Resident.member_number).join(Resident, Activity.resident_id == Resident.id)
                          .where(Activity.centre_id == centre_id).order_by(Activity.id)).all())


def residents(s: Session, centre_id: int) -> list[Resident]:
    return list(s.scalars(select(Resident).where(Resident.centre_id == centre_id).order_by(Resident.id)))


def reports(s: Session, centre_id: int) -> list[tuple]:
    """(id, area, status, created_at, updated_at, triaged_by) only: the sealed columns are not even read."""
    return list(s.execute(select(NeighbourReport.id, NeighbourReport.area, NeighbourReport.status,
                                 NeighbourReport.created_at, NeighbourReport.updated_at, NeighbourReport.triaged_by)
                          .where(NeighbourReport.centre_id == centre_id).order_by(NeighbourReport.id)).all())


def settlements(s: Session, since: int | None, until: int | None) -> list[ChainEvent]:
    """Redemption's Settled events with block time in [since, until) (unix seconds; None: unbounded), in chain order."""
    q = select(ChainEvent).where(ChainEvent.contract == "Redemption", ChainEvent.event == "Settled")
    if since is not None:
        q = q.where(ChainEvent.block_time >= since)
    if until is not None:
        q = q.where(ChainEvent.block_time < until)
    return list(s.scalars(q.order_by(ChainEvent.block_number, ChainEvent.log_index)))
