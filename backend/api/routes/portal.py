"""The 1365 link (services.portal): programmes in (the city imports, residents browse and see those fitting their
talents), a resident's 1365 id and consent, a centre's hours out and hours in — each with a dry run."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backend.api.community import matcher
from backend.api.deps import ChainDep, DbDep, LanguageDep, SettingsDep, require
from backend.api.residents_auth import ResidentDep
from backend.api.schemas import AfterId, Id
from backend.api.views import factors_out
from backend.domain.bounds import ROW_ID_MAX
from backend.domain.errors import Refusal
from backend.domain.messages import localized
from backend.domain.portal import signup_url
from backend.domain.sheets import MAX_BYTES
from backend.services import areas, portal
from backend.services.security import Principal
from backend.store.models import PortalProgramme

router = APIRouter(tags=["1365 link"])
Admin = Annotated[Principal, Depends(require("admin"))]
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]
FORM_OVERHEAD = 64 * 1024
PORTAL_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,39}$"
HOURS_PATH = "/portal/hours"


class ProgrammeImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: date = Field(alias="from", description="programmes running from this day (YYYY-MM-DD)")
    to: date = Field(description="… to this day")
    keyword: StrictStr | None = Field(default=None, max_length=50)
    sido_code: StrictStr | None = Field(default=None, pattern=r"^\d{1,10}$", description="1365's province code")
    gugun_code: StrictStr | None = Field(default=None, pattern=r"^\d{1,10}$", description="1365's district code")
    area: StrictStr | None = Field(default=None, max_length=40, description="the area of this bank they are placed in")
    dry_run: StrictBool = True


class PortalLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portal_id: StrictStr = Field(pattern=PORTAL_ID, description="the resident's 1365 id")
    consent: StrictBool = Field(description="the resident agrees to have this bank's hours sent to 1365 (must be true)")


class HoursExport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: date = Field(alias="from")
    to: date
    centre_id: Id | None = Field(default=None, description="the admin's: which centre")
    dry_run: StrictBool = True


def _said(refusal: Refusal, language: str) -> dict:
    return {"code": refusal.code, "message": localized(refusal, language)}


def programme_out(p: PortalProgramme) -> dict:
    return {"id": p.id, "registration_no": p.registration_no, "title": p.title, "status": p.status,
            "starts_on": p.starts_on, "ends_on": p.ends_on, "begin_hour": p.begin_hour, "end_hour": p.end_hour,
            "place": p.place, "organisation": p.organisation, "field": p.field, "adults": p.adults,
            "youths": p.youths, "recruits": p.recruits, "weekdays": p.weekdays, "description": p.description,
            "area": p.area, "signup_url": signup_url(p.registration_no)}


@router.post("/portal/programmes/import")
def import_programmes(body: ProgrammeImport, db: DbDep, settings: SettingsDep, actor: Admin, language: LanguageDep) -> dict:
    """The city reads a period's 1365 programmes (of a region, with a keyword) from the public data portal: a dry
    run (the default) lists what would be added and changed and each item refused; `dry_run: false` imports them
    (audited)."""
    found = portal.import_programmes(db, settings, actor, keyword=body.keyword, sido=body.sido_code,
                                     gugun=body.gugun_code, start=body.from_, end=body.to, area=body.area,
                                     dry_run=body.dry_run)
    return {**found, "refused": [{"item": r["item"], **_said(r["refusal"], language)} for r in found["refused"]]}


@router.get("/programmes")
def list_programmes(db: DbDep, area: str | None = None, q: Annotated[str | None, Query(max_length=100)] = None,
                    after_id: AfterId = 0,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict]:
    """1365 programmes not yet over (public: the portal publishes them), by id; each links to its 1365 page."""
    return [programme_out(p) for p in portal.programmes(db, area=area, q=q, after_id=after_id, limit=limit)]


@router.get("/programmes/{programme_id}")
def get_programme(programme_id: Id, db: DbDep) -> dict:
    return programme_out(portal.programme(db, programme_id))


@router.get("/me/talents/{talent_id}/programmes")
def fitting_programmes(talent_id: Id, request: Request, db: DbDep, resident: ResidentDep, language: LanguageDep,
                       limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[dict]:
    """The 1365 programmes that fit one of my talents, best first, each with its score and factors in words."""
    ranked = portal.fitting_programmes(db, matcher(request), resident, talent_id, limit)
    found = portal.by_ids(db, [r.need_id for r in ranked])
    names = areas.area_names(db)
    return [{"programme": programme_out(found[r.need_id]), "score": r.score, "matched_terms": r.matched_terms,
             "factors": factors_out(r.factors, language, names)} for r in ranked if r.need_id in found]


@router.get("/residents/{resident_id}/portal-link")
def staff_portal_link(resident_id: Id, db: DbDep, actor: Coordinator) -> dict:
    return portal.staff_link(db, actor, resident_id)


@router.put("/residents/{resident_id}/portal-link")
def staff_set_portal_link(resident_id: Id, body: PortalLinkIn, db: DbDep, actor: Coordinator) -> dict:
    """A coordinator of the resident's centre records their 1365 id and their consent, given in person."""
    if not body.consent:
        raise Refusal(422, "portal_consent_required")
    return portal.staff_set_link(db, actor, resident_id, body.portal_id)


@router.delete("/residents/{resident_id}/portal-link")
def staff_withdraw_portal_link(resident_id: Id, db: DbDep, actor: Coordinator) -> dict:
    return portal.staff_withdraw_link(db, actor, resident_id)


@router.get("/me/portal-link")
def my_portal_link(db: DbDep, resident: ResidentDep) -> dict:
    return portal.link_of(db, resident.resident_id)


@router.put("/me/portal-link")
def set_my_portal_link(body: PortalLinkIn, db: DbDep, resident: ResidentDep) -> dict:
    """I give my 1365 id and agree to have my hours here sent to 1365."""
    if not body.consent:
        raise Refusal(422, "portal_consent_required")
    return portal.set_link(db, resident.resident_id, body.portal_id, f"resident {resident.address}")


@router.delete("/me/portal-link")
def withdraw_my_portal_link(db: DbDep, resident: ResidentDep) -> dict:
    """I withdraw my consent: nothing of mine is sent to 1365 after this."""
    return portal.withdraw_link(db, resident.resident_id)


@router.post("/portal/exports")
def export_hours(body: HoursExport, db: DbDep, chain: ChainDep, actor: Coordinator, language: LanguageDep) -> dict:
    """A centre's confirmed volunteering of the period, for 1365's bulk entry: a dry run (the default) lists the
    lines and the activities left out with why; `dry_run: false` makes the export (each activity goes out once;
    audited), downloaded from GET /portal/exports/{id}.csv."""
    found = portal.export_hours(db, chain, actor, body.centre_id, body.from_, body.to, body.dry_run)
    return {**found, "refused": [{"activity_id": r["activity_id"], **_said(r["refusal"], language)}
                                 for r in found["refused"]]}


@router.get("/portal/exports/{export_id}.csv")
def export_file(export_id: Id, db: DbDep, actor: Coordinator) -> Response:
    name, content = portal.export_file(db, actor, export_id)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post(HOURS_PATH)
async def import_hours(request: Request, db: DbDep, chain: ChainDep, actor: Coordinator, language: LanguageDep) -> dict:
    """multipart/form-data: `file` (CSV or .xlsx, at most 1 MB: the hours residents already have on 1365),
    `dry_run` ("true", the default, or "false") and the admin's `centre_id`. Each line is credited here as
    volunteering once, or refused with why."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise Refusal(411, "length_required")
    if int(length) > MAX_BYTES + FORM_OVERHEAD:
        raise Refusal(413, "sheet_too_large", "a file is at most 1 MB")
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:
        raise Refusal(422, "sheet_file_missing") from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Refusal(422, "sheet_file_missing")
    data = await upload.read(MAX_BYTES + 1)
    dry_run = str(form.get("dry_run", "true")).strip().lower()
    if dry_run not in ("true", "false"):
        raise Refusal(422, "invalid_request", "dry_run is true or false")
    centre = str(form.get("centre_id") or "").strip()
    if centre and not (centre.isdigit() and 1 <= int(centre) <= ROW_ID_MAX):
        raise Refusal(422, "invalid_request", "centre_id is a centre's number")
    found = await run_in_threadpool(portal.import_hours, db, chain, actor, int(centre) if centre else None, data,
                                    dry_run == "true")
    return {**found, "lines": [{**line, "refusal": _said(line["refusal"], language) if line["refusal"] else None}
                               for line in found["lines"]]}
