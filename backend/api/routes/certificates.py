"""Volunteer certificates (봉사활동 확인서): the resident's own, a resident's for staff, as a PDF or as JSON (the same
data and the verification URL), and the public yes/no check of attestation ids that the verification page
(/verify/) asks (services.certificates; docs/certificates.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, DbDep, SettingsDep, client_address, require
from backend.api.schemas import Id
from backend.services import certificates
from backend.services.security import RESIDENT_ROLE, Principal

router = APIRouter(tags=["certificates"])
Resident = Annotated[Principal, Depends(require(RESIDENT_ROLE))]
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]
From = Annotated[date, Query(alias="from", description="first day, YYYY-MM-DD (Korean date)")]
To = Annotated[date, Query(alias="to", description="last day, YYYY-MM-DD (Korean date), included")]


class ClaimIn(BaseModel):
    """A compact line's claim: checked against the attestation's log (day: unix seconds // 86400, UTC)."""

    id: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    volunteer: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    category: int = Field(ge=0, lt=2**16)
    units: int = Field(ge=0, lt=2**32)
    day: int = Field(ge=0, lt=2**40)


class IdsIn(BaseModel):
    ids: list[str] = Field(max_length=certificates.MAX_IDS)
    claims: list[ClaimIn] = Field(default=[], max_length=certificates.MAX_IDS)


def _pdf(request: Request, cert: certificates.Certificate) -> Response:
    names = request.app.state.branding.branding.name
    data = certificates.pdf(cert, names.get("ko"), names.get("en"))
    filename = f"certificate-{cert.start.isoformat()}-{cert.end.isoformat()}.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/me/certificate")
def my_certificate(who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep, start: From, end: To) -> dict:
    """My confirmed activities of the period (Korean dates, both included) as the certificate lists them, with the
    totals, how many could not be certified (their link to the chain erased), the verification URL and the code."""
    return certificates.for_address(db, chain, settings, who.username, start, end).as_dict()


@router.get("/me/certificate.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def my_certificate_pdf(request: Request, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep,
                       start: From, end: To) -> Response:
    """The same as a PDF (A4, Korean, with the QR code of the verification URL)."""
    return _pdf(request, certificates.for_address(db, chain, settings, who.username, start, end))


@router.get("/residents/{resident_id}/certificate")
def resident_certificate(resident_id: Id, actor: Staff, db: DbDep, chain: ChainDep, settings: SettingsDep,
                         start: From, end: To) -> dict:
    """A resident's certificate for staff: the admin's lists every centre's activities, a coordinator's those of
    their centre (another centre's resident: 404)."""
    return certificates.for_resident(db, chain, settings, actor, resident_id, start, end).as_dict()


@router.get("/residents/{resident_id}/certificate.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def resident_certificate_pdf(request: Request, resident_id: Id, actor: Staff, db: DbDep, chain: ChainDep,
                             settings: SettingsDep, start: From, end: To) -> Response:
    return _pdf(request, certificates.for_resident(db, chain, settings, actor, resident_id, start, end))


@router.post("/verify/attestations")
def verify_attestations(body: IdsIn, request: Request, chain: ChainDep) -> list[dict]:
    """Public, no sign-in: for each attestation id (at most 100), whether the registry attested exactly this id,
    whether it was revoked, and the block; for an id with a claim (a certificate's compact line), whether its log
    says the same volunteer, category, units and day (`matches`; null without a claim). Nothing about anyone: yes
    or no on the chain's own public facts. Rate-limited per client address."""
    certificates.throttle(client_address(request))
    return certificates.check_ids(chain, body.ids, [c.model_dump() for c in body.claims])
