"""Residents' signed requests (redeem, donate, pay another resident) that the backend relays, paying the gas.

A request is checked completely before it is accepted — signature, deadline, nonce, replay, offer, balance, the
smallest amount worth relaying, the resident's rate limit, the day's gas fee budgets (the resident's, the centre's,
all centres') — so a refusal is a 4xx and nothing is recorded or sent. Only a resident with an activity a
coordinator vouched for has a centre to pay their gas (store.ops.resident_centre). An accepted request is a
`chain_ops` row; the worker's sender signs and broadcasts it (backend/chain/sender.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.chain.lifecycle import fees_now
from backend.config import Settings
from backend.domain import custody as custody_rules
from backend.domain import relay
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.units import coins_text
from backend.services.offers_catalogue import offer_view
from backend.store import custody as custody_store
from backend.store import ops
from backend.store.db import write_transaction
from backend.store.models import ChainOp, Resident

DEADLINE_MARGIN_S = 15  # a request must survive the trip to a block


def prepare(db: Session, chain: ChainClient, address: str, kind: str, valid_for_s: int, *, offer_id: int | None,
            max_price: str | None, charity: str | None, payee: str | None, amount: str | None,
            request_ref: str | None, memo: str | None) -> dict:
    """The EIP-712 typed data to sign in the wallet (eth_signTypedData_v4), with the next nonce and a deadline."""
    nonce = reads.relay_nonce(chain, address) + ops.pending_relays(db, address)
    deadline = reads.chain_time(chain) + valid_for_s  # the contract compares it with the block's time
    salt: bytes | None = None
    if kind == "redeem":
        if offer_id is None:
            raise Refusal(422, "invalid_request", "offer_id is required to redeem")
        offer = offer_view(db, chain, offer_id)
        if offer is None:
            raise Refusal(404, "unknown_offer", f"offer {offer_id} does not exist")
        message = {"resident": address, "offerId": offer_id, "maxPrice": int(max_price or offer["price"]),
                   "nonce": nonce, "deadline": deadline}
    elif kind == "donate":
        if charity is None or amount is None:
            raise Refusal(422, "invalid_request", "charity and amount are required to donate")
        message = {"donor": address, "charity": parse_address(charity, "charity"), "amount": int(amount),
                   "nonce": nonce, "deadline": deadline}
    else:
        if payee is None or amount is None:
            raise Refusal(422, "invalid_request", "payee and amount are required to pay")
        if request_ref is None:
            # Salted, so the on-chain reference says nothing about the memo; the salt is the resident's to keep.
            salt = secrets.token_bytes(relay.REF_SALT_BYTES)
            request_ref = relay.request_ref(memo or "", salt)
        message = {"payer": address, "payee": parse_address(payee, "payee"), "amount": int(amount),
                   "requestRef": request_ref, "nonce": nonce, "deadline": deadline}
    data = relay.typed_data(kind, chain.chain_id, chain.redemption.address, message)
    answer = {"typed_data": relay.for_wallet(data), "nonce": nonce, "deadline": deadline,
              "submit_to": {"redeem": "/me/redeem", "donate": "/me/donate", "pay": "/me/pay"}[kind]}
    if salt is not None:
        answer["request_ref"], answer["request_ref_salt"] = request_ref, "0x" + salt.hex()
    return answer


@dataclass(frozen=True)
class Signed:
    """A signed request as the resident sent it."""

    address: str
    nonce: int
    deadline: int
    signature: str

    @property
    def signature_bytes(self) -> bytes:
        return bytes.fromhex(self.signature[2:])


# Called with the operation just queued, inside the transaction that records it (e.g. to say who asked for it).
OnQueued = Callable[[Session, ChainOp], None]


def redeem(db: Session, chain: ChainClient, settings: Settings, req: Signed, offer_id: int, max_price: int, *,
           daily_limit: int | None = None, provider_only: str | None = None, on_queued: OnQueued | None = None) -> dict:
    """A voucher of an offer, with a signed `Redeem` request. `daily_limit`: the most the resident's requests may
    spend per Korean day (a custodial account's); `provider_only`: only an offer of this provider (a card session at
    the provider's desk); `on_queued`: called with the operation inside the transaction that records it."""
    provider, price, capacity, sold, active = reads.offer(chain, offer_id)

    def check_chain() -> None:
        if int(provider, 16) == 0:
            raise Refusal(404, "unknown_offer", f"offer {offer_id} does not exist")
        if provider_only is not None and provider.lower() != provider_only.lower():
            raise Refusal(403, "offer_of_another_provider", offer_id=offer_id)
        if not active:
            raise Refusal(409, "offer_inactive", f"offer {offer_id} is not active")
        if sold >= capacity:
            raise Refusal(409, "offer_sold_out", f"offer {offer_id} is sold out ({capacity} vouchers)")
        if price > max_price:
            raise Refusal(409, "price_above_max", f"offer {offer_id} costs {price}, more than your max_price {max_price}")

    message = {"resident": req.address, "offerId": offer_id, "maxPrice": max_price, "nonce": req.nonce,
               "deadline": req.deadline}
    data = relay.calldata("redeem", req.address, offer_id, max_price, req.deadline, req.signature_bytes)
    return _accept("redeem", req, message, db, chain, settings, amount_out=price, check_chain=check_chain, data=data,
                   offer=(offer_id, capacity, sold), daily_limit=daily_limit, on_queued=on_queued,
                   params={"offer_id": offer_id, "max_price": str(max_price), "price": str(price),
                           "provider": provider, "nonce": req.nonce, "deadline": req.deadline})


def donate(db: Session, chain: ChainClient, settings: Settings, req: Signed, charity: str, amount: int, *,
           daily_limit: int | None = None, on_queued: OnQueued | None = None) -> dict:
    """Coins to a registered charity, with a signed `Donate` request."""
    charity = parse_address(charity, "charity")
    if amount == 0:
        raise Refusal(422, "zero_amount", "donate more than 0")
    _check_amount("donations", amount, settings)

    def check_chain() -> None:
        if not reads.has_role(chain, reads.CHARITY_ROLE, charity):
            raise Refusal(422, "not_a_charity", f"{charity} is not a registered charity")

    message = {"donor": req.address, "charity": charity, "amount": amount, "nonce": req.nonce, "deadline": req.deadline}
    data = relay.calldata("donate", req.address, charity, amount, req.deadline, req.signature_bytes)
    return _accept("donate", req, message, db, chain, settings, amount_out=amount, check_chain=check_chain, data=data,
                   daily_limit=daily_limit, on_queued=on_queued,
                   params={"charity": charity, "amount": str(amount), "nonce": req.nonce, "deadline": req.deadline})


def pay(db: Session, chain: ChainClient, settings: Settings, req: Signed, payee: str, amount: int,
        request_ref: str, *, daily_limit: int | None = None, whole_balance: bool = False,
        payer_centre: int | None = None) -> dict:
    """Another resident paid for a service, with a signed `PayForService` request.

    `whole_balance`: a custodial resident's coins moving to their own wallet (services.graduation): `amount` must be
    all the payer can use now (checked under the budgets' lock, else 409 balance_changed), however small;
    `payer_centre`: the centre whose gas budget pays (the resident's own)."""
    payee = parse_address(payee, "payee")
    if payee == req.address:
        raise Refusal(422, "invalid_payee", "you cannot pay yourself")
    if amount == 0:
        raise Refusal(422, "zero_amount", "pay more than 0")
    if not whole_balance:
        _check_amount("payments", amount, settings)
        moved = custody_store.account_by_address(db, payee)
        if moved is not None and not custody_rules.is_held(
                db.get(Resident, moved.resident_id).address, moved.address, moved.sealed_private_key is not None):
            # The resident moved (or is moving) to a wallet of their own: coins sent here would wait for a sweep,
            # or, once the key is destroyed, never be spent again.
            raise Refusal(409, "payee_moved", payee=payee)
    message = {"payer": req.address, "payee": payee, "amount": amount, "requestRef": request_ref, "nonce": req.nonce,
               "deadline": req.deadline}
    data = relay.calldata("pay", req.address, payee, amount, bytes.fromhex(request_ref[2:]), req.deadline,
                          req.signature_bytes)
    return _accept("pay", req, message, db, chain, settings, amount_out=amount, check_chain=lambda: None, data=data,
                   daily_limit=daily_limit, whole_balance=whole_balance, payer_centre=payer_centre,
                   params={"payee": payee, "amount": str(amount), "request_ref": request_ref, "nonce": req.nonce,
                           "deadline": req.deadline})


def _check_amount(what: str, amount: int, settings: Settings) -> None:
    """A tiny amount is not worth the gas the bank pays to relay it (and many would drain the budgets)."""
    if amount < settings.relay_min_amount:
        raise Refusal(422, "amount_too_small", what=what, minimum=coins_text(settings.relay_min_amount),
                      amount=coins_text(amount))


def _eth(wei: int) -> str:
    return coins_text(wei)  # ether has 18 decimals, like the coin


def _check_budgets(db: Session, settings: Settings, address: str, centre: int, fee: int) -> None:
    """The day's gas fee budgets (wei, since 00:00 UTC): the resident's own first — so one resident cannot use up
    the centre's — then the centre's, then all centres' together. In the caller's transaction, under the budgets'
    lock."""
    used = ops.fees_today(db, subject=address)
    if used + fee > settings.relay_resident_budget_wei_per_day:
        raise Refusal(429, "resident_budget_exhausted", budget=_eth(settings.relay_resident_budget_wei_per_day),
                      used=_eth(used))
    used = ops.fees_today(db, centre_id=centre)
    if used + fee > settings.relay_centre_budget_wei_per_day:
        raise Refusal(429, "gas_budget_exhausted", centre=centre, budget=_eth(settings.relay_centre_budget_wei_per_day),
                      used=_eth(used))
    if ops.fees_today(db) + fee > settings.relay_global_budget_wei_per_day:
        raise Refusal(429, "relay_budget_exhausted", budget=_eth(settings.relay_global_budget_wei_per_day))


def _check_deadline(deadline: int, now: int, settings: Settings) -> None:
    """`now`: the chain's time, which the contract compares the deadline with."""
    if deadline < now + DEADLINE_MARGIN_S:
        raise Refusal(422, "request_expired", f"the request's deadline {deadline} has passed (or is within 15 s); "
                                              "sign a new one")
    if deadline > now + settings.relay_max_deadline_s:
        raise Refusal(422, "deadline_too_far", f"a signed request may be valid at most {settings.relay_max_deadline_s} s")


def _accept(kind: str, req: Signed, message: dict, db: Session, chain: ChainClient, settings: Settings, *,
            amount_out: int, check_chain: Callable[[], None], data: str, params: dict,
            offer: tuple[int, int, int] | None = None, daily_limit: int | None = None,
            on_queued: OnQueued | None = None, whole_balance: bool = False,
            payer_centre: int | None = None) -> dict:
    """The checks every relayed request shares, then the operation recorded (one database transaction)."""
    address = req.address
    _check_deadline(req.deadline, reads.chain_time(chain), settings)
    typed = relay.typed_data(kind, chain.chain_id, chain.redemption.address, message)
    sig_hash = relay.signature_hash(req.signature)
    if ops.signature_seen(db, sig_hash):
        raise Refusal(409, "replayed", "this signed request was already submitted; it is not sent twice")
    # A smart-contract wallet (EIP-1271) signs in its own form: it is asked, as the contract will ask it.
    wallet = address if reads.has_code(chain, address) else None
    signer = relay.signer_of(typed, req.signature, smart_wallet=wallet)
    if signer != address and not (wallet and reads.is_valid_signature(chain, address, relay.digest_of(typed),
                                                                          req.signature_bytes)):
        raise Refusal(403, "wrong_signer", f"the request was signed by {signer or 'another key'}, not by you ({address})")
    chain_nonce = reads.relay_nonce(chain, address)
    if req.nonce < chain_nonce:
        raise Refusal(409, "nonce_used", f"nonce {req.nonce} was already used on-chain (next is {chain_nonce}); "
                                             "sign a new request")
    if reads.paused(chain):
        raise Refusal(409, "coin_paused", "the city has paused the coin; nothing can be spent until it resumes")
    balance, spendable = reads.balance(chain, address), reads.available(chain, address)
    check_chain()
    centre = payer_centre if payer_centre is not None else ops.resident_centre(db, address)
    if centre is None:
        raise Refusal(403, "no_centre", "no coordinator has recorded or approved an activity of yours yet, so no "
                                        "centre pays for your requests' gas")
    # The fees reserved: the gas a request of this kind uses at most, at the max fee the sender would sign with now
    # (under the ceiling); settled with what the receipt paid once mined.
    # A smart-contract wallet's signature check (EIP-1271) runs its own code: a bounded allowance is reserved for it,
    # and the sender never gives a relayed transaction more gas than was reserved (services pay what they reserved).
    reserve = relay.GAS_RESERVE[kind] + (relay.SMART_WALLET_GAS if wallet else 0)
    fee = reserve * fees_now(chain.web3, settings.max_fee_wei(chain.chain_id))[0]
    now = datetime.now(UTC)
    try:
        with write_transaction(db):
            # The budgets' row locked first: on PostgreSQL, concurrent requests (in any API process) then see each
            # other's reserved fees (SQLite's single writer does this by itself).
            ops.lock_relay_budgets(db)
            expected = chain_nonce + ops.pending_relays(db, address)
            if req.nonce != expected:
                raise Refusal(409, "nonce_out_of_order", f"the next request must be signed with nonce {expected}, "
                                                             f"not {req.nonce} (GET /me or POST /me/prepare)")
            pending = ops.pending_out(db, address)
            available = spendable - pending
            if amount_out > available:
                needed, have = coins_text(amount_out), coins_text(max(available, 0))
                missing = coins_text(amount_out - max(available, 0))
                if amount_out <= balance - pending:  # enough coins, but some still locked
                    raise Refusal(409, "coins_locked", f"this needs {needed} coins, {have} can be used now "
                                                       f"({missing} more): coins of recent activity can be used once "
                                                       "it can no longer be revoked")
                raise Refusal(409, "insufficient_balance", f"this needs {needed} coins, you have {have} available "
                                                               f"({missing} more needed)")
            if whole_balance and amount_out != available:
                raise Refusal(409, "balance_changed", amount=coins_text(amount_out),
                              available=coins_text(max(available, 0)))
            if daily_limit is not None:
                # Under the budgets' lock: two requests at once cannot both fit under the limit.
                spent = ops.spent_since(db, address, custody_rules.korean_midnight(now))
                if spent + amount_out > daily_limit:
                    raise Refusal(409, "daily_limit_reached", limit=coins_text(daily_limit), spent=coins_text(spent),
                                  amount=coins_text(amount_out))
            if offer is not None:
                offer_id, capacity, sold = offer
                if sold + ops.pending_redemptions(db, offer_id) >= capacity:
                    raise Refusal(409, "offer_sold_out", f"offer {offer_id} has no voucher left ({capacity} sold "
                                                             "or being sold)")
            count, oldest = ops.recent_requests(db, address, settings.relay_rate_window_s)
            if count >= settings.relay_rate_limit:
                wait = settings.relay_rate_window_s - int((now - oldest).total_seconds()) if oldest else settings.relay_rate_window_s
                raise Refusal(429, "rate_limited", f"at most {settings.relay_rate_limit} requests per "
                                                       f"{settings.relay_rate_window_s} s; try again in {max(wait, 1)} s")
            _check_budgets(db, settings, address, centre, fee)
            op = ops.queue(db, kind=kind, signer_role="relayer", requested_by=f"resident {address}", subject=address,
                           centre_id=centre, to=chain.redemption.address, data=data, params=params,
                           amount=str(amount_out), offer_id=offer[0] if offer else None, signed_nonce=req.nonce,
                           nonce_slot=f"{address}:{req.nonce}", signature_hash=sig_hash, gas=reserve,
                           fee_wei=fee)
            if on_queued is not None:
                on_queued(db, op)
            return ops.op_view(op)
    except IntegrityError:
        raise Refusal(409, "replayed", "this signed request (or another with the same nonce) was already "
                                           "submitted") from None
