"""The monthly statement letter of a resident who does not use a phone, printed by a coordinator of their centre
(services.statements)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from backend.api.deps import ChainDep, DbDep, require
from backend.api.schemas import Id
from backend.services import statements
from backend.services.security import Principal

router = APIRouter(tags=["residents"])
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]


@router.get("/residents/{resident_id}/statement.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def statement_pdf(request: Request, resident_id: Id, actor: Staff, db: DbDep, chain: ChainDep,
                  month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (Korean time)")]) -> Response:
    """A4 PDF: the month's coins in and out in words, the balance now, what the member was told. A coordinator of the
    resident's centre (another centre's resident: 404) or the admin."""
    chain_time = int(chain.web3.eth.get_block("latest")["timestamp"])
    found = statements.build(db, chain, actor, resident_id, statements.month_of(month, chain_time))
    names = request.app.state.branding.branding.name
    data = statements.pdf(found, names.get("ko"), names.get("en"))
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="statement-{found.member_number or resident_id}-{month}.pdf"',
        "Cache-Control": "no-store"})
