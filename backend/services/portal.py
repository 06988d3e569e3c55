"""The link with the national volunteer portal 1365 (docs/portal.md).

- Programmes in: the city imports a region's 1365 programmes (`import_programmes`, also `python -m backend.portal`);
  residents browse them and see the ones that fit their talents, ranked by the matcher like needs.
- Consent: a resident's 1365 id and their consent to share hours with the portal, recorded by a coordinator of
  their centre (in person) or by the resident; withdrawing it stops every later export.
- Hours out: a centre's confirmed activities of consenting residents, not sent before, as the file the portal's
  bulk entry takes; each activity goes out once.
- Hours in: a centre's file of hours its residents already have on the portal, credited here as volunteering once:
  a line already imported, or a day the resident already has volunteering recorded here, is refused.

Every step has a dry run that lists what would change and each line refused, with why; the steps that change
something are written to the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain import portal as fmt
from backend.domain.access import check_centre
from backend.domain.activities import coins
from backend.domain.errors import Refusal
from backend.domain.matching import NeedQuery, RankedNeed, slots_between
from backend.domain.residents import member_number_of, name_key, phone_digits
from backend.services import activities, sentences
from backend.services.sheets import SheetLineItem
from backend.services.actors import ResidentPrincipal
from backend.services.categories import VOLUNTEERING, category_id
from backend.services.resident_records import scope
from backend.store import activities as activity_store
from backend.store import sheets as sheet_store
from backend.store.db import unit_of_work, write_transaction
from backend.store.models import (Activity, ActivityAudit, AdminAudit, Area, Centre, PortalExport, PortalExported,
                                  PortalHours, PortalLink, PortalProgramme, Resident, TalentOffer)
from backend.store.residents import in_scope

log = logging.getLogger("backend.portal")
# httpx logs each request's URL at INFO, and the portal's URL carries the service key.
logging.getLogger("httpx").setLevel(logging.WARNING)
LIST_OPERATION = "getVltrSearchWordList"
MAX_IMPORT_DAYS = 366
MAX_EXPORT_DAYS = 366
PROGRAMME_POOL = 2000  # the soonest open programmes a talent is ranked against


# ------------------------------------------------------------------------------------------- programmes in


def _service_url(settings: Settings, operation: str, params: dict) -> str:
    # data.go.kr hands out each key twice, URL-encoded and not: the encoded one must not be encoded again.
    key = settings.portal_service_key
    key = key if "%" in key else quote(key, safe="")
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{settings.portal_api_url.rstrip('/')}/{operation}?serviceKey={key}&{query}"


def fetch_programmes(settings: Settings, *, keyword: str | None, sido: str | None, gugun: str | None, start: date,
                     end: date) -> tuple[list[fmt.Programme], list[tuple[str, Refusal]], bool]:
    """The programmes of the period (and region, and keyword) page by page: (programmes, refused items, whether
    the service had more than `portal_max_pages` pages). A programme of another region is left out even if the
    service sends it."""
    if not settings.portal_service_key:
        raise Refusal(503, "portal_not_configured")
    programmes: dict[str, fmt.Programme] = {}
    refused: list[tuple[str, Refusal]] = []
    page = 1
    while True:
        url = _service_url(settings, LIST_OPERATION, {
            "keyword": keyword, "schSido": sido, "schSign1": gugun, "progrmBgnde": start.strftime("%Y%m%d"),
            "progrmEndde": end.strftime("%Y%m%d"), "numOfRows": settings.portal_page_rows, "pageNo": page})
        try:
            answer = httpx.get(url, timeout=settings.portal_timeout_s, follow_redirects=False)
        except httpx.HTTPError as exc:  # its text names the URL, which carries the key: only its kind is told
            raise Refusal(502, "portal_unavailable", why=type(exc).__name__) from None
        if answer.status_code != 200:
            raise Refusal(502, "portal_unavailable", why=f"HTTP {answer.status_code}")
        got = fmt.read_programme_page(answer.content)
        for p in got.programmes:
            if (sido and p.sido_code and p.sido_code != sido) or (gugun and p.gugun_code and p.gugun_code != gugun):
                continue
            programmes[p.registration_no] = p
        refused.extend(got.refused)
        seen = page * settings.portal_page_rows
        if not got.programmes and not got.refused or seen >= got.total:
            return list(programmes.values()), refused, False
        if page >= settings.portal_max_pages:
            return list(programmes.values()), refused, True
        page += 1


def _summary(p: fmt.Programme) -> dict:
    return {"registration_no": p.registration_no, "title": p.title, "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(), "organisation": p.organisation, "place": p.place}


def _refused_out(item: str, why: Refusal) -> dict:
    return {"item": item, "refusal": why}


def import_programmes(db: Session, settings: Settings, actor, *, keyword: str | None, sido: str | None,
                      gugun: str | None, start: date, end: date, area: str | None, dry_run: bool) -> dict:
    """Reads the portal and lists what an import would add and change (dry run), or does it (audited)."""
    if end < start:
        raise Refusal(422, "invalid_period", f"from {start} is after to {end}")
    if (end - start).days > MAX_IMPORT_DAYS:
        raise Refusal(422, "invalid_period", f"a period is at most {MAX_IMPORT_DAYS} days")
    if area is not None and db.get(Area, area) is None:
        raise Refusal(422, "unknown_area", area=area)
    fetched, refused, truncated = fetch_programmes(settings, keyword=keyword, sido=sido, gugun=gugun, start=start,
                                                   end=end)
    with write_transaction(db):
        known = {p.registration_no: p for p in db.scalars(select(PortalProgramme).where(
            PortalProgramme.registration_no.in_([p.registration_no for p in fetched])))} if fetched else {}
        new = [p for p in fetched if p.registration_no not in known]
        changed = [p for p in fetched if p.registration_no in known and (
            known[p.registration_no].digest != p.digest() or (area is not None and known[p.registration_no].area != area))]
        if not dry_run:
            now = datetime.now(UTC)
            for p in new:
                db.add(PortalProgramme(**_columns(p), area=area, digest=p.digest(), imported_at=now,
                                       imported_by=actor.name))
            for p in changed:
                row = known[p.registration_no]
                for k, v in _columns(p).items():
                    setattr(row, k, v)
                row.digest, row.imported_at, row.imported_by = p.digest(), now, actor.name
                row.sentence = None  # its text may have changed: the worker computes it again
                if area is not None:
                    row.area = area
            db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id, action="import_portal_programmes",
                              params={"keyword": keyword, "sido": sido, "gugun": gugun, "from": start.isoformat(),
                                      "to": end.isoformat(), "area": area, "new": len(new), "changed": len(changed),
                                      "refused": len(refused)}, at=now))
    return {"dry_run": dry_run, "new": [_summary(p) for p in new], "changed": [_summary(p) for p in changed],
            "unchanged": len(fetched) - len(new) - len(changed),
            "refused": [_refused_out(item, why) for item, why in refused], "truncated": truncated}


def _columns(p: fmt.Programme) -> dict:
    return {"registration_no": p.registration_no, "title": p.title, "status": p.status, "starts_on": p.starts_on,
            "ends_on": p.ends_on, "begin_hour": p.begin_hour, "end_hour": p.end_hour, "place": p.place,
            "organisation": p.organisation, "sido_code": p.sido_code, "gugun_code": p.gugun_code, "field": p.field,
            "adults": p.adults, "youths": p.youths, "recruits": p.recruits, "weekdays": p.weekdays,
            "description": p.description}


def _today() -> date:
    return datetime.now(fmt.KST).date()


def programmes(db: Session, *, area: str | None, q: str | None, after_id: int, limit: int) -> list[PortalProgramme]:
    """Programmes not yet over, soonest first (then by id), of an area and with words in their title, organiser or
    place."""
    where = [PortalProgramme.ends_on >= _today(), PortalProgramme.id > after_id]
    if area is not None:
        where.append(PortalProgramme.area == area)
    if q:
        like = f"%{q.strip().lower()}%"
        where.append(or_(func.lower(PortalProgramme.title).like(like), func.lower(PortalProgramme.organisation).like(like),
                         func.lower(PortalProgramme.place).like(like)))
    return list(db.scalars(select(PortalProgramme).where(*where).order_by(PortalProgramme.id).limit(limit)))


def programme(db: Session, programme_id: int) -> PortalProgramme:
    p = db.get(PortalProgramme, programme_id)
    if p is None:
        raise Refusal(404, "not_found", what=f"programme {programme_id}")
    return p


def _query_of(p: PortalProgramme, today: date) -> NeedQuery:
    record = fmt.Programme(p.registration_no, p.title, p.status, p.starts_on, p.ends_on, p.begin_hour, p.end_hour,
                           p.place, p.organisation, p.sido_code, p.gugun_code, p.field, p.adults, p.youths,
                           p.recruits, p.weekdays, p.description)
    start, end = fmt.programme_window(record, today)
    return NeedQuery(sentences.programme_text(p), p.area, slots_between(start, end), None)


def fitting_programmes(db: Session, matcher, resident: ResidentPrincipal, talent_id: int,
                       limit: int) -> list[RankedNeed]:
    """The open 1365 programmes that fit one of the resident's talents, best first, scored and explained as a need
    would be (a programme is ranked as a need whose text is its title, description, organiser and place)."""
    offer = db.get(TalentOffer, talent_id)
    if offer is None or offer.resident_id != resident.resident_id:
        raise Refusal(404, "not_found", what=f"talent {talent_id}")
    if offer.status != "active":
        raise Refusal(409, "talent_withdrawn", talent_id=talent_id)
    today = _today()
    rows = db.scalars(select(PortalProgramme).where(PortalProgramme.ends_on >= today)
                      .options(undefer(PortalProgramme.sentence))
                      .order_by(PortalProgramme.starts_on, PortalProgramme.id).limit(PROGRAMME_POOL)).all()
    queries = [(p.id, _query_of(p, today)) for p in rows]
    sentences.seed((p.sentence, q.text) for p, (_, q) in zip(rows, queries))
    return matcher.rank_needs(db, talent_id, queries, limit)


def by_ids(db: Session, ids: list[int]) -> dict[int, PortalProgramme]:
    return {p.id: p for p in db.scalars(select(PortalProgramme).where(PortalProgramme.id.in_(ids)))} if ids else {}


# ------------------------------------------------------------------------------------------------- consent


def _resident(db: Session, actor, resident_id: int, *, for_update: bool = False) -> Resident:
    r = in_scope(db, resident_id, scope(actor), for_update=for_update)
    if r is None or r.forgotten_pool:
        raise Refusal(404, "not_found", what=f"resident {resident_id}")
    return r


def link_of(db: Session, resident_id: int) -> dict:
    link = db.get(PortalLink, resident_id)
    consented = link is not None and link.consent_at is not None and link.withdrawn_at is None
    return {"resident_id": resident_id, "portal_id": link.portal_id if link else None, "consented": consented,
            "consent_at": link.consent_at if consented else None, "consent_by": link.consent_by if consented else None,
            "withdrawn_at": link.withdrawn_at if link else None}


def _audit_consent(db: Session, actor, action: str, resident_id: int, portal_id: str) -> None:
    """Consent recorded or withdrawn, kept in the audit log: the link row holds only the latest."""
    resident = db.get(Resident, resident_id)
    db.add(AdminAudit(actor=actor.name if actor is not None else f"resident:{resident_id}",
                      actor_user_id=actor.user_id if actor is not None else None, action=action,
                      centre_id=resident.centre_id if resident is not None else None,
                      params={"resident_id": resident_id, "portal_id": portal_id}))


def set_link(db: Session, resident_id: int, portal_id: str, who: str, actor=None) -> dict:
    """Records the 1365 id and the consent to share hours with the portal, now, by `who` (audited). A 1365 id
    another resident's live link holds is refused: one id is one person's."""
    with write_transaction(db):
        taken = db.scalar(select(PortalLink.resident_id).where(
            PortalLink.portal_id == portal_id, PortalLink.resident_id != resident_id,
            PortalLink.withdrawn_at.is_(None)).limit(1))
        if taken is not None:
            raise Refusal(409, "portal_id_taken")
        link = db.get(PortalLink, resident_id, with_for_update=True)
        now = datetime.now(UTC)
        if link is None:
            db.add(PortalLink(resident_id=resident_id, portal_id=portal_id, consent_at=now, consent_by=who))
        else:
            link.portal_id, link.consent_at, link.consent_by, link.withdrawn_at = portal_id, now, who, None
        _audit_consent(db, actor, "portal_consent", resident_id, portal_id)
    return link_of(db, resident_id)


def withdraw_link(db: Session, resident_id: int, actor=None) -> dict:
    with write_transaction(db):
        link = db.get(PortalLink, resident_id, with_for_update=True)
        if link is None or link.withdrawn_at is not None or link.consent_at is None:
            raise Refusal(409, "no_portal_consent_to_withdraw")
        link.withdrawn_at = datetime.now(UTC)
        _audit_consent(db, actor, "portal_consent_withdrawn", resident_id, link.portal_id)
    return link_of(db, resident_id)


def staff_link(db: Session, actor, resident_id: int) -> dict:
    _resident(db, actor, resident_id)
    return link_of(db, resident_id)


def staff_set_link(db: Session, actor, resident_id: int, portal_id: str) -> dict:
    _resident(db, actor, resident_id)
    return set_link(db, resident_id, portal_id, actor.name, actor)


def staff_withdraw_link(db: Session, actor, resident_id: int) -> dict:
    _resident(db, actor, resident_id)
    return withdraw_link(db, resident_id, actor)


# ------------------------------------------------------------------------------------------------ hours out


@dataclass(frozen=True)
class _Candidate:
    activity: Activity
    resident: Resident
    link: PortalLink | None
    approved_at: datetime | None
    exported: bool


def _centre(db: Session, actor, centre_id: int | None) -> int:
    """The centre asked for (the admin's choice; a coordinator's own by default), if the actor acts for it."""
    centre_id = centre_id if centre_id is not None else actor.centre_id
    if centre_id is None:
        raise Refusal(422, "centre_required", "the 1365 hours are a centre's: give centre_id")
    check_centre(actor, centre_id)
    if db.get(Centre, centre_id) is None:
        raise Refusal(404, "unknown_centre", centre_id=centre_id)
    return centre_id


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise Refusal(422, "invalid_period", f"from {start} is after to {end}")
    if (end - start).days > MAX_EXPORT_DAYS:
        raise Refusal(422, "invalid_period", f"a period is at most {MAX_EXPORT_DAYS} days")
    return (datetime.combine(start, time(0), fmt.KST).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), fmt.KST).astimezone(UTC))


def _candidates(db: Session, chain: ChainClient, centre_id: int, start: date, end: date) -> list[_Candidate]:
    since, until = _period(start, end)
    volunteering = category_id(chain, VOLUNTEERING)
    rows = db.execute(select(Activity, Resident, PortalLink).join(Resident, Activity.resident_id == Resident.id)
                      .join(PortalLink, PortalLink.resident_id == Resident.id, isouter=True)
                      .where(Activity.centre_id == centre_id, Activity.category == volunteering,
                             Activity.occurred_at >= since, Activity.occurred_at < until,
                             Activity.status.not_in(("rejected", "revoked", "revoking", "failed")),
                             Resident.forgotten_pool.is_(False))
                      .order_by(Activity.occurred_at, Activity.id)).all()
    ids = [a.id for a, _, _ in rows]
    exported = set(db.scalars(select(PortalExported.activity_id).where(PortalExported.activity_id.in_(ids)))) if ids else set()
    approved = dict(db.execute(select(ActivityAudit.activity_id, func.max(ActivityAudit.at)).where(
        ActivityAudit.activity_id.in_(ids), ActivityAudit.action == "approve").group_by(ActivityAudit.activity_id)).all()) if ids else {}
    return [_Candidate(a, r, link, approved.get(a.id), a.id in exported) for a, r, link in rows]


def _facts(c: _Candidate) -> fmt.ExportFacts:
    consented = c.link is not None and c.link.consent_at is not None and c.link.withdrawn_at is None
    return fmt.ExportFacts(c.activity.id, c.activity.status, c.activity.source, c.link.portal_id if c.link else None,
                           consented, c.exported, c.activity.occurred_at, int(c.activity.units))


def _row(c: _Candidate) -> dict:
    a = c.activity
    return fmt.export_row(portal_id=c.link.portal_id, name=c.resident.name, member_number=c.resident.member_number,
                          occurred_at=a.occurred_at, minutes=int(a.units), activity=a.description, place=a.place,
                          approved_by=a.reviewed_by, approved_at=c.approved_at,
                          reference=f"{a.centre_id}-{a.id}" + (f"-{a.chain_id_hex[2:10]}" if a.chain_id_hex else ""),
                          day_only=a.occurred_at.astimezone(UTC).time() == time(0))


def export_hours(db: Session, chain: ChainClient, actor, centre_id: int | None, start: date, end: date,
                 dry_run: bool) -> dict:
    """The centre's volunteering of the period for the portal: the lines that go (and, unless a dry run, the export
    made of them, each activity marked as sent) and the activities that do not, with why."""
    centre_id = _centre(db, actor, centre_id)
    today = _today()
    with write_transaction(db):
        found = _candidates(db, chain, centre_id, start, end)
        going, refused = [], []
        for c in found:
            problem = fmt.export_problem(_facts(c), today)
            if problem is None:
                going.append(c)
            else:
                refused.append({"activity_id": c.activity.id, "refusal": problem})
        rows = [_row(c) for c in going]
        export_id = None
        if not dry_run:
            if not rows:
                raise Refusal(409, "nothing_to_export")
            content = fmt.export_csv(rows).decode("utf-8")
            export = PortalExport(centre_id=centre_id, period_from=start, period_to=end, lines=len(rows),
                                  content=content, created_by=actor.name)
            db.add(export)
            db.flush()
            db.add_all(PortalExported(activity_id=c.activity.id, export_id=export.id) for c in going)
            try:
                db.flush()
            except IntegrityError:  # another export of the same activities committed first
                raise Refusal(409, "already_exported_concurrently") from None
            db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id, action="export_portal_hours",
                              centre_id=centre_id, params={"export_id": export.id, "from": start.isoformat(),
                                                           "to": end.isoformat(), "lines": len(rows),
                                                           "refused": len(refused)}))
            export_id = export.id
    return {"dry_run": dry_run, "export_id": export_id, "lines": rows, "refused": refused}


def export_file(db: Session, actor, export_id: int) -> tuple[str, bytes]:
    export = db.get(PortalExport, export_id)
    if export is None:
        raise Refusal(404, "not_found", what=f"export {export_id}")
    try:
        check_centre(actor, export.centre_id)
    except Refusal:
        raise Refusal(404, "not_found", what=f"export {export_id}") from None
    name = f"1365-hours-centre-{export.centre_id}-{export.period_from:%Y%m%d}-{export.period_to:%Y%m%d}-{export.id}.csv"
    return name, export.content.encode("utf-8")


# ------------------------------------------------------------------------------------------------- hours in


def _lookup(db: Session, centre_scope: int | None, rows: list[fmt.HoursRow]) -> list[tuple[Resident | None, str | None]]:
    """Each line's resident (member number, else 1365 id, else phone; among the centre's residents), or why not."""
    members = {member_number_of(r.member_number) or r.member_number.strip().upper() for r in rows if r.member_number}
    phones = {phone_digits(r.phone) or r.phone for r in rows if r.phone and not r.member_number and not r.portal_id}
    by_member, _, by_phone = sheet_store.residents_named(db, centre_scope, members, set(), phones)
    portal_ids = {r.portal_id.strip() for r in rows if r.portal_id and not r.member_number}
    by_portal: dict[str, list[Resident]] = {}
    if portal_ids:
        for link, resident in db.execute(select(PortalLink, Resident).join(Resident, PortalLink.resident_id == Resident.id)
                                         .where(PortalLink.portal_id.in_(portal_ids), PortalLink.withdrawn_at.is_(None),
                                                PortalLink.consent_at.is_not(None))):
            if centre_scope is None or in_scope(db, resident.id, centre_scope) is not None:
                by_portal.setdefault(link.portal_id, []).append(resident)
    out = []
    for r in rows:
        if r.member_number:
            matches = by_member.get(member_number_of(r.member_number) or r.member_number.strip().upper(), [])
        elif r.portal_id:
            matches = by_portal.get(r.portal_id.strip(), [])
        elif r.phone:
            matches = by_phone.get(phone_digits(r.phone) or r.phone, [])
        else:
            matches = []
        out.append((matches[0], None) if len(matches) == 1 else (None, "ambiguous_resident" if matches else "unknown_resident"))
    return out


def import_hours(db: Session, chain: ChainClient, actor, centre_id: int | None, data: bytes, dry_run: bool) -> dict:
    """Reads a centre's file of portal hours. Each line is credited here as volunteering (recorded and approved,
    so the chain writer attests it) unless it is refused: its resident not found in the centre, its name not
    theirs, no wallet, a bad day or time, over the category's maximum, the same line imported before, a day on
    which the resident already has volunteering recorded here, twice in the file, over the centre's cap. A dry run
    only lists."""
    centre_id = _centre(db, actor, centre_id)
    rows = fmt.read_hours_file(data)
    today = _today()
    volunteering = category_id(chain, VOLUNTEERING)
    rule = chain.rule(volunteering)
    if rule is None or not rule.version or not rule.active:
        raise Refusal(422, "category_inactive", category=volunteering)
    remaining, block = chain.remaining_cap_at(centre_id)
    # One unit of work: the lines' activities (services.activities.record_sheet) and their portal rows commit together.
    with unit_of_work(db), write_transaction(db):
        # One import of a centre at a time: two files (or a file and a sheet) checked at once could each find a
        # resident's day free.
        db.execute(select(Centre.id).where(Centre.id == centre_id).with_for_update())
        residents = _lookup(db, scope(actor), rows)
        pending = activity_store.pending_rewards(db, centre_id, block)
        lines, accepted, total = [], [], 0
        seen_keys: dict[str, int] = {}
        seen_days: dict[tuple[int, date], int] = {}
        now = datetime.now(UTC)
        for row, (resident, lookup_problem) in zip(rows, residents, strict=True):
            line = fmt.understand(row, today)
            problem = line.problem
            reward = 0
            key = None
            if problem is None and resident is None:
                identifier = row.member_number or row.portal_id or row.phone
                problem = Refusal(422, lookup_problem, **({"identifier": identifier} if identifier else {}))
            if problem is None and resident.address is None:
                problem = Refusal(422, "resident_without_wallet")
            if problem is None and row.portal_id and not row.member_number and not row.name:
                # A 1365 id is the resident's own word: a line found by it must also carry their name.
                problem = Refusal(422, "name_needed_with_portal_id")
            if problem is None and row.name and resident.name and name_key(row.name) != name_key(resident.name):
                problem = Refusal(422, "name_mismatch", written=row.name, registered=resident.name)
            if problem is None:
                key = fmt.line_key(resident.id, line, row.programme_no)
                at = fmt.occurred_at(line)
                if at > now:
                    problem = Refusal(422, "in_future", day=line.day.isoformat())
                elif line.minutes > rule.max_units:
                    problem = Refusal(422, "units_above_max", units=line.minutes, max=rule.max_units)
                elif key in seen_keys or (resident.id, line.day) in seen_days:
                    first = seen_keys.get(key) or seen_days[(resident.id, line.day)]
                    problem = Refusal(409, "duplicate", f"the same resident as line {first}", line=first)
                elif db.scalar(select(PortalHours.id).where(PortalHours.line_key == key)) is not None:
                    problem = Refusal(409, "already_imported", row=row.row)
                elif (activity_store.recorded_on_day(db, centre_id, volunteering, at, [resident.id])
                      or _volunteering_on_korean_day(db, volunteering, resident.id, line.day)):
                    # Also any centre's, at any hour of that Korean day: the bank's own hours coming back from
                    # the portal are in the centre's file too.
                    problem = Refusal(409, "duplicate", f"already recorded for this category on {line.day}",
                                      day=line.day.isoformat())
                else:
                    reward = rule.reward(line.minutes)
                    if reward == 0:
                        problem = Refusal(422, "reward_too_small", units=line.minutes, category=volunteering,
                                          per=rule.units_per_block)
                    elif total + reward > max(remaining - pending, 0):
                        available = max(remaining - pending, 0)
                        problem = Refusal(409, "over_centre_cap", f"centre {centre_id} can issue {coins(available)} more "
                                          f"this period; the sheet's lines up to this one need {coins(total + reward)}")
            if problem is None:
                total += reward
                seen_keys[key] = row.row
                seen_days[(resident.id, line.day)] = row.row
                accepted.append((row, line, resident, key))
            lines.append({"row": row.row, "resident_id": resident.id if resident else None,
                          "member_number": resident.member_number if resident else None,
                          "identifier": row.member_number or row.portal_id or row.phone,
                          "day": line.day.isoformat() if line.day else None, "minutes": line.minutes,
                          "reward": str(reward) if problem is None else None, "refusal": problem})
        activity_ids: list[int] = []
        if not dry_run and accepted:
            items = [SheetLineItem(centre_id, resident.address, volunteering, line.minutes, fmt.occurred_at(line),
                                row.organisation, _description(row)) for row, line, resident, _ in accepted]
            recorded = activities.record_sheet(db, chain, actor, items, approve=True, source="portal")
            for (row, line, resident, key), activity in zip(accepted, recorded, strict=True):
                db.add(PortalHours(line_key=key, centre_id=centre_id, resident_id=resident.id, activity_id=activity.id,
                                   programme_no=(row.programme_no or "")[:20] or None,
                                   organisation=(row.organisation or "")[:200] or None, imported_by=actor.name))
                activity_ids.append(activity.id)
            db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id, action="import_portal_hours",
                              centre_id=centre_id, params={"lines": len(rows), "credited": len(accepted),
                                                           "refused": len(rows) - len(accepted)}))
        elif not dry_run:
            raise Refusal(409, "nothing_to_import")
    return {"dry_run": dry_run, "credited": len(accepted), "refused": len(rows) - len(accepted), "lines": lines,
            "activity_ids": activity_ids}


def _volunteering_on_korean_day(db: Session, category: int, resident_id: int, day: date) -> bool:
    start = datetime.combine(day, time(0), fmt.KST).astimezone(UTC)
    return db.scalar(select(Activity.id).where(
        Activity.resident_id == resident_id, Activity.category == category,
        Activity.status.not_in(activity_store.NOT_COUNTED), Activity.occurred_at >= start,
        Activity.occurred_at < start + timedelta(days=1)).limit(1)) is not None


def _description(row: fmt.HoursRow) -> str:
    said = " · ".join(t for t in (row.activity, row.organisation) if t)
    number = f" (1365 {row.programme_no})" if row.programme_no else " (1365)"
    return (said + number).strip()[:500]
