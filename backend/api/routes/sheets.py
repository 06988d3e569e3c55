"""Attendance sheets: the template to fill in, the upload (CSV or .xlsx) checked line by line, fixing and dropping
lines, approval in one step, and each line's chain status (services.sheets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backend.api.deps import ChainDep, DbDep, LanguageDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import AfterId, Id
from backend.api.schemas.sheets import SheetApproval, SheetForm, SheetLinePatch, SheetSignature
from backend.domain.errors import Refusal
from backend.domain.messages import localized
from backend.domain.sheets import MAX_BYTES, template_csv, template_xlsx
from backend.services import sheets
from backend.services.security import Principal

router = APIRouter(prefix="/sheets", tags=["attendance sheets"])
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart boundaries


def sheet_out(view: dict, language: str) -> dict:
    """The service's view with each problem as {code, message} in the reader's language."""
    def said(problems: list[Refusal]) -> list[dict]:
        return [{"code": p.code, "message": localized(p, language)} for p in problems]

    return {**view, "problems": said(view["problems"]),
            "lines": [{**line, "problems": said(line["problems"])} for line in view["lines"]]}


@router.get("/template.csv")
async def template_as_csv() -> Response:
    """The sheet to fill in, as CSV (UTF-8 with a byte-order mark, for Excel): member number, wallet address,
    phone, name, units."""
    return Response(template_csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="attendance-sheet.csv"'})


@router.get("/template.xlsx")
async def template_as_xlsx() -> Response:
    return Response(template_xlsx(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="attendance-sheet.xlsx"'})


@router.post("", status_code=201)
async def upload_sheet(request: Request, db: DbDep, chain: ChainDep, actor: Coordinator,
                       language: LanguageDep) -> JSONResponse:
    """multipart/form-data: `file` (a CSV — UTF-8, or CP949/EUC-KR — or an .xlsx, at most 1 MB and 500 lines),
    `category`, `occurred_on`, `place`, `description` (and the admin's `centre_id`). Kept as a draft sheet; the
    answer is the sheet with each line checked."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise Refusal(411, "length_required")
    if int(length) > MAX_BYTES + FORM_OVERHEAD:
        raise Refusal(413, "sheet_too_large", "a sheet is at most 1 MB")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # a malformed multipart body (or too many parts)
        raise Refusal(422, "sheet_file_missing") from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Refusal(422, "sheet_file_missing")
    data = await upload.read(MAX_BYTES + 1)
    try:
        fields = SheetForm.model_validate({k: v for k, v in form.multi_items() if k != "file"})
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("form", *e["loc"])} for e in exc.errors()]) from None
    view = await run_in_threadpool(
        sheets.upload, db, chain, actor, data=data, filename=upload.filename, category=fields.category,
        occurred_on=fields.occurred_on, place=fields.place, description=fields.description, centre_id=fields.centre_id)
    return JSONResponse(jsonable_encoder(sheet_out(view, language)), status_code=201)


@router.get("")
def list_sheets(db: DbDep, actor: Coordinator, status: Annotated[str | None, Query(pattern="^(draft|approved)$")] = None,
                after_id: AfterId = 0,
                limit: Annotated[int, Query(ge=1, le=sheets.PAGE_MAX)] = 50) -> list[dict]:
    """The centre's sheets, by id."""
    return sheets.listing(db, actor, status, after_id, limit)


@router.get("/{sheet_id}")
def get_sheet(sheet_id: Id, db: DbDep, chain: ChainDep, actor: Coordinator, language: LanguageDep) -> dict:
    """The sheet, each line with its problems (a draft's, checked now) and the activity it became with its chain
    status (confirmed, its transaction)."""
    return sheet_out(sheets.view(db, chain, actor, sheet_id), language)


@router.patch("/{sheet_id}/lines/{n}")
def fix_line(sheet_id: Id, n: int, body: SheetLinePatch, db: DbDep, chain: ChainDep, actor: Coordinator,
             language: LanguageDep) -> dict:
    """Names the line's resident again or corrects its units; the sheet is checked again."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return sheet_out(sheets.fix_line(db, chain, actor, sheet_id, n, changes), language)


@router.delete("/{sheet_id}/lines/{n}")
def drop_line(sheet_id: Id, n: int, db: DbDep, chain: ChainDep, actor: Coordinator, language: LanguageDep) -> dict:
    """Leaves the line out; the sheet is checked again."""
    return sheet_out(sheets.drop_line(db, chain, actor, sheet_id, n), language)


@router.post("/{sheet_id}/approve")
def approve_sheet(sheet_id: Id, db: DbDep, chain: ChainDep, actor: Coordinator, once: IdempotencyDep,
                  language: LanguageDep, body: SheetApproval | None = None) -> JSONResponse:
    """Records and approves every kept line as an activity in one transaction (refused while a kept line has a
    problem); the chain writer then puts them on-chain under the centre's key — or, with `sign_with`, once that
    coordinator wallet has signed them (GET then POST /sheets/{id}/signature)."""
    sign_with = body.sign_with if body else None
    return once.run(db, actor, body,
                    lambda: sheet_out(sheets.approve(db, chain, actor, sheet_id, sign_with), language))


@router.get("/{sheet_id}/signature")
def signature_request(sheet_id: Id, db: DbDep, chain: ChainDep, actor: Coordinator) -> dict:
    """The EIP-712 typed data (AttestBatch: the centre, the hash of the waiting activities, the wallet's nonce, a
    deadline a day away) for the coordinator's wallet to sign with eth_signTypedData_v4; integers as strings."""
    return sheets.signing_request(db, chain, actor, sheet_id)


@router.post("/{sheet_id}/signature")
def sign_sheet(sheet_id: Id, body: SheetSignature, db: DbDep, chain: ChainDep, actor: Coordinator,
               language: LanguageDep) -> dict:
    """The coordinator wallet's signature: checked against the waiting activities, which then go on-chain whole
    with attestBatchBySig (the registry records that coordinator as their attester). The same signature twice
    changes nothing."""
    return sheet_out(sheets.sign(db, chain, actor, sheet_id, body.nonce, body.deadline, body.signature), language)


@router.delete("/{sheet_id}/signature")
def release_signing(sheet_id: Id, db: DbDep, chain: ChainDep, actor: Coordinator, language: LanguageDep) -> dict:
    """No signature after all: the waiting activities go on-chain under the centre's key, as any approved sheet."""
    return sheet_out(sheets.release_signing(db, chain, actor, sheet_id), language)
