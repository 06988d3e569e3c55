"""Accounts held by the centre for residents without a wallet (services.custody, docs/access.md): staff open one
with the resident's consent, reset the PIN, block and replace the member card, print it; a card and its PIN open a
short session at the centre's kiosk or a provider's desk to see the balance and offers, redeem and donate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, StrictStr

from backend.api.deps import (ChainDep, DbDep, SettingsDep, chain_or_503, client_address, current_principal, require,
                              signed_in)
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import AfterId, Coins, Id, Strict, StrictOfferId
from backend.domain.errors import Refusal
from backend.services import custody, graduation
from backend.services.security import CARD_ROLE, RESIDENT_ROLE, Principal

router = APIRouter(tags=["custodial accounts and member cards"])
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]
# A PIN is reset with the resident in person, at their centre: its coordinators only (not the city's admin).
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
# A resident signed in with a wallet (Sign-In with Ethereum): the wallet they move to.
WalletResident = Annotated[Principal, Depends(require(RESIDENT_ROLE))]
PIN = Field(pattern=r"^\d{4,6}$", description="4 to 6 digits the resident chose", repr=False)


async def keyring(request: Request) -> custody.Keyring:
    """The custody master keys (once per process), or 503 while none is configured."""
    if not hasattr(request.app.state, "custody_keyring"):
        request.app.state.custody_keyring = custody.Keyring.from_settings(request.app.state.settings,
                                                                          chain_or_503(request).chain_id)
    if request.app.state.custody_keyring is None:
        raise Refusal(503, "custody_unavailable")
    return request.app.state.custody_keyring


KeyringDep = Annotated[custody.Keyring, Depends(keyring)]


class CustodyIn(Strict):
    pin: StrictStr = PIN
    consent_terms_version: StrictStr | None = Field(default=None, max_length=40)
    consent_at: datetime | None = None
    daily_limit: Coins | None = Field(default=None,
                                      description="coins in base units per Korean day (default: the city's)")


class PinIn(Strict):
    pin: StrictStr = PIN


class BlockIn(Strict):
    reason: StrictStr | None = Field(default=None, max_length=200)


class CardSessionIn(Strict):
    card_token: StrictStr = Field(max_length=64, repr=False)
    pin: StrictStr = Field(max_length=6, repr=False)


class CardRedeemIn(Strict):
    offer_id: StrictOfferId


class CardDonateIn(Strict):
    charity: StrictStr = Field(max_length=42)
    amount: Coins


# ------------------------------------------------------------------ staff


@router.post("/residents/{resident_id}/custody", status_code=201)
def open_custody(resident_id: Id, body: CustodyIn, db: DbDep, settings: SettingsDep, actor: Staff,
                 keys: KeyringDep) -> dict:
    """An account held by the centre for a registered resident without a wallet, with their recorded consent to the
    custody terms and the PIN they chose; their first member card. The key is made and sealed here and never shown."""
    return custody.open_account(db, keys, settings, actor, resident_id, pin=body.pin,
                                consent_terms_version=body.consent_terms_version, consent_at=body.consent_at,
                                daily_limit=int(body.daily_limit) if body.daily_limit is not None else None)


@router.get("/residents/{resident_id}/custody")
def custody_status(resident_id: Id, db: DbDep, settings: SettingsDep, actor: Staff) -> dict:
    """The account's address, the day's limit and spending, the card's state (another centre's resident: 404)."""
    return custody.status(db, settings, actor, resident_id)


@router.post("/residents/{resident_id}/pin")
def reset_pin(resident_id: Id, body: PinIn, db: DbDep, settings: SettingsDep, actor: Coordinator) -> dict:
    """The PIN chosen anew by the resident, in person: the card unlocked, its sessions ended; audited, and the
    member told."""
    return custody.reset_pin(db, settings, actor, resident_id, body.pin)


@router.post("/residents/{resident_id}/card/block")
def block_card(resident_id: Id, body: BlockIn, db: DbDep, settings: SettingsDep, actor: Staff) -> dict:
    """A lost card blocked at once (its QR code refused from now on); audited, and the member told."""
    return custody.block_card(db, settings, actor, resident_id, body.reason)


@router.post("/residents/{resident_id}/card", status_code=201)
def replace_card(resident_id: Id, db: DbDep, settings: SettingsDep, actor: Staff, keys: KeyringDep,
                 once: IdempotencyDep) -> JSONResponse:
    """A new card with the next serial; the one before blocked. Print it with GET …/card.pdf."""
    return once.run(db, actor, None, lambda: custody.replace_card(db, keys, settings, actor, resident_id), 201)


@router.get("/residents/{resident_id}/card.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def card_pdf(request: Request, resident_id: Id, db: DbDep, actor: Staff, keys: KeyringDep) -> Response:
    """The active card to print: member number, name, serial, and a QR code of the card's token only."""
    card = custody.printed_card(db, keys, actor, resident_id)
    names = request.app.state.branding.branding.name
    data = custody.card_pdf(card, names.get("ko"), names.get("en"))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="card-{card.member_number}-{card.serial}.pdf"',
                             "Cache-Control": "no-store"})


# ------------------------------------------------------------------ card sessions


async def _desk(request: Request, settings: SettingsDep, db: DbDep,
                authorization: Annotated[str | None, Header()] = None,
                x_api_key: Annotated[str | None, Header()] = None) -> Principal | None:
    """The provider signed in at their desk, if the request carries one's sign-in; None at a kiosk."""
    if not authorization and not x_api_key:
        return None
    return await current_principal(request, await signed_in(request, settings, db, authorization, x_api_key))


async def card_session(request: Request, db: DbDep,
                       authorization: Annotated[str | None, Header()] = None) -> custody.CardSession:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Refusal(401, "card_session_required")
    return custody.session_of(db, request.app.state.settings, authorization[7:].strip())


Card = Annotated[custody.CardSession, Depends(card_session)]


@router.post("/card/sessions")
def start_card_session(body: CardSessionIn, request: Request, db: DbDep, settings: SettingsDep,
                       desk: Annotated[Principal | None, Depends(_desk)],
                       x_kiosk_device: Annotated[str | None, Header(max_length=80)] = None) -> dict:
    """A member card's token (from its QR code) and the PIN: a short session for that resident only. Sent with a
    provider's sign-in (their desk), the session redeems that provider's offers only; otherwise the request comes
    from a kiosk enrolled for a centre (`X-Kiosk-Device: vbk_…`, the code shown when it was enrolled) and the
    session is that kiosk's: 401 `kiosk_device_required` without one, 403 `kiosk_device_revoked` once revoked."""
    token, ttl, who = custody.start_session(db, settings, body.card_token, body.pin, client_address(request),
                                            desk.user_id if desk is not None and desk.role == "provider" else None,
                                            x_kiosk_device)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "role": CARD_ROLE, **who}


@router.get("/card/me")
def card_me(session: Card, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """The member's balance, today's limit and what is left of it, and what they were told (PIN reset, cards)."""
    return custody.me(db, chain, settings, session)


@router.get("/card/history")
def card_history(session: Card, db: DbDep, chain: ChainDep, after_id: AfterId = 0,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    return custody.history(db, chain, session, after_id, limit)


@router.get("/card/offers")
def card_offers(session: Card, db: DbDep, chain: ChainDep) -> list[dict]:
    """The offers the session can redeem (at a provider's desk: that provider's)."""
    return custody.offers(db, chain, session)


@router.get("/card/vouchers")
def card_vouchers(session: Card, db: DbDep, chain: ChainDep) -> list[dict]:
    """The member's vouchers, newest first, with the check code a provider's desk asks for."""
    return custody.vouchers(db, chain, session)


@router.get("/card/operations/{op_id}")
def card_operation(op_id: Id, session: Card, db: DbDep) -> dict:
    """A spend of this card's resident as it goes to the chain (queued → in_tx → confirmed | failed)."""
    return custody.operation(db, session, op_id)


def _card_actor(session: custody.CardSession) -> Principal:
    """Whose Idempotency-Keys: the card's."""
    return Principal(session.card_id, session.address, CARD_ROLE, None, "card")


@router.post("/card/redeem", status_code=202)
def card_redeem(body: CardRedeemIn, session: Card, db: DbDep, chain: ChainDep, settings: SettingsDep,
                keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """A voucher of the offer, signed with the account's key and relayed; under the daily limit."""
    return once.run(db, _card_actor(session), body, lambda: custody.spend(
        db, chain, settings, keys, session, "redeem", offer_id=body.offer_id), 202)


@router.post("/card/donate", status_code=202)
def card_donate(body: CardDonateIn, session: Card, db: DbDep, chain: ChainDep, settings: SettingsDep,
                keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """Coins to a registered charity, signed with the account's key and relayed; under the daily limit."""
    return once.run(db, _card_actor(session), body, lambda: custody.spend(
        db, chain, settings, keys, session, "donate", charity=body.charity, amount=int(body.amount)), 202)


# ------------------------------------------------------------------ moving to the resident's own wallet


class MoveIn(Strict):
    card_token: StrictStr = Field(max_length=64, repr=False)
    pin: StrictStr = Field(max_length=6, repr=False)


class ConfirmMoveIn(Strict):
    new_address: StrictStr = Field(max_length=42, description="the wallet the coordinator checked with the resident")


class DeclineIn(Strict):
    reason: StrictStr = Field(min_length=1, max_length=300)


@router.post("/me/custody-move", status_code=201)
def request_move(body: MoveIn, request: Request, who: WalletResident, db: DbDep, settings: SettingsDep) -> dict:
    """Signed in with the wallet they want, the resident shows their member card and PIN: their coins and record
    are to move to this wallet once a coordinator of their centre confirms it with them in person."""
    return graduation.request(db, settings, who.username, body.card_token, body.pin, client_address(request))


@router.get("/me/custody-move")
def my_move(who: WalletResident, db: DbDep) -> dict:
    """The move to this wallet (`move`: null when none): requested, confirmed, paying, done, declined (why) or
    failed (why)."""
    return graduation.of_wallet(db, who.username)


@router.post("/me/custody-move/retry")
def retry_my_move(who: WalletResident, db: DbDep, chain: ChainDep, settings: SettingsDep, keys: KeyringDep,
                  once: IdempotencyDep) -> JSONResponse:
    """A failed payment of the move tried again (all the coins the old account can use now)."""
    return once.run(db, who, None, lambda: graduation.retry_by_resident(db, chain, settings, keys, who.username))


@router.post("/residents/{resident_id}/custody/move/confirm")
def confirm_move(resident_id: Id, body: ConfirmMoveIn, db: DbDep, chain: ChainDep, settings: SettingsDep,
                 actor: Coordinator, keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """Confirmed with the resident in person, for the wallet checked with them, by a coordinator who has not held
    their card: the record's address becomes the new wallet, the cards are blocked, and the whole balance is paid to
    it in one signed payment (a second confirm pays nothing more)."""
    return once.run(db, actor, body, lambda: graduation.confirm(db, chain, settings, keys, actor, resident_id,
                                                                body.new_address))


@router.post("/residents/{resident_id}/custody/move/decline")
def decline_move(resident_id: Id, body: DeclineIn, db: DbDep, actor: Coordinator) -> dict:
    """The request refused, saying why (the resident sees the reason)."""
    return graduation.decline(db, actor, resident_id, body.reason)


@router.post("/residents/{resident_id}/custody/move/retry")
def retry_move(resident_id: Id, db: DbDep, chain: ChainDep, settings: SettingsDep, actor: Coordinator,
               keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """A failed payment of the move tried again."""
    return once.run(db, actor, None, lambda: graduation.retry_by_staff(db, chain, settings, keys, actor, resident_id))
