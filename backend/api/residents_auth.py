"""Who a community request comes from: a resident signed in with their wallet (Sign-In with Ethereum:
GET /siwe/nonce, POST /siwe/verify), or a staff member (password JWT or API key).

SIWE's principal names a resident by address only; the community layer keeps offers, needs, reports and proposals
against a `residents` row, so the first community request of a resident registers that row (the address only;
personal details stay with the centre, as before).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.api.deps import DbDep, PrincipalDep, require
from backend.services import residents
from backend.services.actors import Actor, ResidentPrincipal
from backend.services.security import RESIDENT_ROLE, Principal


async def current_actor(principal: PrincipalDep, db: DbDep) -> Actor:
    if principal.role != RESIDENT_ROLE:
        return principal
    address = principal.username  # SIWE's principal: the checksummed address
    return ResidentPrincipal(residents.resident_id(db, address), address)


ActorDep = Annotated[Actor, Depends(current_actor)]


async def _resident(principal: Annotated[Principal, Depends(require(RESIDENT_ROLE))], db: DbDep) -> ResidentPrincipal:
    return ResidentPrincipal(residents.resident_id(db, principal.username), principal.username)


ResidentDep = Annotated[ResidentPrincipal, Depends(_resident)]
