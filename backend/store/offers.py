"""Talent offers as the matching index reads them, and the volunteers' track records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.domain.matching import OfferDoc, Outcome, reliability
from backend.store.models import Match, TalentOffer
from backend.store.areas import next_version


def offer_text(o: TalentOffer) -> str:
    return " ".join(filter(None, (o.title, " ".join(o.skills or ()), o.description)))



def track_records(s: Session, resident_ids: set[int]) -> dict[int, tuple[int, int]]:
    """resident → (matches completed, no-shows) as a volunteer."""
    out = {rid: (0, 0) for rid in resident_ids}
    if not resident_ids:
        return out
    rows = s.execute(select(Match.volunteer_id, Match.status, func.count()).where(
        Match.volunteer_id.in_(resident_ids), Match.status.in_(("completed", "no_show")))
        .group_by(Match.volunteer_id, Match.status))
    for rid, status, n in rows:
        done, missed = out[rid]
        out[rid] = (done + n, missed) if status == "completed" else (done, missed + n)
    return out



def offers_changed_since(s: Session, since: int) -> list[tuple[TalentOffer, float]]:
    """Offers whose version is above `since`, with their volunteer's reliability."""
    offers = list(s.scalars(select(TalentOffer).where(TalentOffer.version > since).order_by(TalentOffer.version)))
    records = track_records(s, {o.resident_id for o in offers})
    return [(o, reliability(*records[o.resident_id])) for o in offers]



def offer_doc(o: TalentOffer, rel: float) -> OfferDoc:
    return OfferDoc(o.id, offer_text(o), o.area, o.availability, rel, owner=f"resident:{o.resident_id}",
                    tags=tuple(o.skills or ()))



def touch_offers_of(s: Session, resident_id: int) -> None:
    """A volunteer's track record changed: their offers get a new version, so the index reads their reliability."""
    s.execute(update(TalentOffer).where(TalentOffer.resident_id == resident_id)
              .values(version=next_version(s, "offers")))


def match_outcomes(s: Session) -> list[Outcome]:
    """The decided matches as training data for the matcher: completed or scheduled (good), declined or no-show,
    each with its volunteer's reliability as it would be without that match's own completion or no-show."""
    from backend.domain.matching import NEGATIVE, POSITIVE, NeedQuery, slots_between
    from backend.store.models import Need
    from backend.store.needs import need_text

    rows = list(s.execute(select(Match, Need).join(Need, Match.need_id == Need.id)
                          .where(Match.status.in_(tuple(POSITIVE | NEGATIVE))).order_by(Match.id)))
    records = track_records(s, {m.volunteer_id for m, _ in rows})

    def without(m: Match) -> float:
        done, missed = records[m.volunteer_id]
        return reliability(done - (m.status == "completed"), missed - (m.status == "no_show"))

    return [Outcome(NeedQuery(need_text(n), n.area, slots_between(n.starts_at, n.ends_at)), m.offer_id, m.status,
                    without(m)) for m, n in rows]


def outcomes_fingerprint(s: Session) -> tuple[int, int, int]:
    """(decided matches, the newest decided match's id, the latest change to one, in µs): changes when an outcome
    is added or decided otherwise."""
    from backend.domain.matching import NEGATIVE, POSITIVE

    count, top, changed = s.execute(select(func.count(), func.max(Match.id), func.max(Match.updated_at))
                                    .where(Match.status.in_(tuple(POSITIVE | NEGATIVE)))).one()
    if isinstance(changed, str):  # SQLite's max() of a date-time column comes back as its text
        changed = datetime.fromisoformat(changed)
    return int(count or 0), int(top or 0), round(changed.timestamp() * 1_000_000) if changed else 0
