"""Residents: wallet sign-in (EIP-4361), their account as the chain and the backend see it, and their registration
(the address only when they sign in; a coordinator registers their personal details: services.resident_records)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain import counterfactual, reads
from backend.chain.attestation_pages import centre_of
from backend.chain.client import ChainClient
from backend.config import Settings, loopback
from backend.domain import siwe
from backend.domain.errors import Refusal
from backend.services import directory, login_throttle
from backend.services.security import derived_key
from backend.store import guardians as guardian_store
from backend.store import ops
from backend.store import vouchers as voucher_store
from backend.store.activities import resident_for
from backend.store.db import write_transaction
from backend.store.directory import offer_titles
from backend.store.models import Balance, ChainEvent, ChainOp, Resident, SiweNonce

# ---------------------------------------------------------------------------------------------- sign in


def _nonce_key(settings: Settings) -> bytes:
    """The key SIWE nonces are signed with: VB_SIWE_NONCE_SECRET, else one derived from VB_JWT_SECRET (so every
    process with the same settings accepts the others' nonces)."""
    if settings.siwe_nonce_secret:
        return settings.siwe_nonce_secret.encode()
    return derived_key(settings.jwt_secret, b"vb:siwe-nonce-key")


def new_siwe_nonce(settings: Settings) -> tuple[str, datetime]:
    """A fresh single-use nonce, valid VB_SIWE_NONCE_TTL_S seconds. Signed, not stored: nothing is written."""
    now = int(time.time())
    nonce = siwe.issue_nonce(_nonce_key(settings), now, secrets.token_bytes(12))
    return nonce, datetime.fromtimestamp(now + settings.siwe_nonce_ttl_s, UTC)


def sign_in(db: Session, settings: Settings, chain: ChainClient, message_text: str, signature: str,
            client: str) -> tuple[str, int]:
    """Checks the signed message (its nonce ours and not expired first, then domain, URI, chain id, times, signature
    — a key's, or a smart-contract wallet's by EIP-1271, deployed or not yet by EIP-6492) and uses up its nonce:
    (the address, the session's lifetime in seconds). Only here is anything written: the used nonce, until it would have expired anyway."""
    key = _nonce_key(settings)
    issued = siwe.check_nonce(key, siwe.parse(message_text).nonce, int(time.time()), settings.siwe_nonce_ttl_s)
    now = datetime.now(UTC)
    # A signature the address's key did not make is asked of the node (is it a contract wallet that accepts it?):
    # those asks are counted per client address, and a client past the limit is held before the node is asked. A
    # key's own valid signature never reaches this, so one client cannot lock out the others at its address.
    throttle_key = f"siwe-client:{client}"
    asked = False

    def contract_accepts(who: str, digest: bytes, sig: bytes) -> bool:
        nonlocal asked
        login_throttle.check_client(db, throttle_key, settings.siwe_client_max_failures,
                                    settings.siwe_client_window_s, now)
        db.rollback()
        asked = True
        return counterfactual.accepts(chain, who, digest, sig)

    try:
        message = siwe.verify(message_text, signature, domain=settings.siwe_domain, uri=settings.siwe_uri,
                              chain_id=chain.chain_id, contract_accepts=contract_accepts)
    except Refusal as refused:
        if refused.code == "siwe_bad_signature" and asked:
            login_throttle.count_client_failure(db, throttle_key, settings.siwe_client_window_s, now)
        raise
    used = Refusal(401, "siwe_nonce_used", "the nonce was already used; get a new one from GET /siwe/nonce")
    try:
        with write_transaction(db):
            if db.get(SiweNonce, message.nonce) is not None:
                raise used
            # Used nonces are kept until they would have expired (a message with one is refused as expired after
            # that); those past it are deleted as sign-ins succeed.
            db.execute(delete(SiweNonce).where(SiweNonce.expires_at < now))
            db.add(SiweNonce(nonce=message.nonce, created_at=now, used_at=now, address=message.address,
                             expires_at=datetime.fromtimestamp(issued + settings.siwe_nonce_ttl_s, UTC)))
    except IntegrityError:  # the same nonce used by a concurrent sign-in that committed first
        raise used from None
    ttl = settings.resident_token_ttl_s
    if message.expiration_time is not None:  # the session ends no later than the message says
        ttl = max(1, min(ttl, int((message.expiration_time - now).total_seconds())))
    return message.address, ttl


# ---------------------------------------------------------------------------------------------- registration


def resident_id(db: Session, address: str) -> int:
    """The resident's row id; their first community request registers them (the address only)."""
    rid = db.scalar(select(Resident.id).where(Resident.address == address))
    db.rollback()
    if rid is None:
        with write_transaction(db):
            rid = resident_for(db, address).id
    return rid


# ---------------------------------------------------------------------------------------------- the coin


_TOKEN_META: dict[str, tuple[str, int]] = {}


def token_info(chain: ChainClient, settings: Settings) -> dict:
    """What a wallet needs to show the coin, including the parameters of EIP-747 `wallet_watchAsset`, and to add
    the network (EIP-3085 `wallet_addEthereumChain`); the won a provider is paid per coin now."""
    address = chain.coin.address
    if address not in _TOKEN_META:
        _TOKEN_META[address] = (chain.coin.functions.symbol().call(), chain.coin.functions.decimals().call())
    symbol, decimals = _TOKEN_META[address]
    return {"chain_id": chain.chain_id, "chain_id_hex": hex(chain.chain_id), "address": address, "symbol": symbol,
            "decimals": decimals, "name": chain.deployment.manifest.get("config", {}).get("coin", {}).get("name"),
            "redemption": chain.redemption.address, "registry": chain.registry.address,
            "won_per_coin": chain.redemption.functions.wonPerCoin().call(),
            "network": network_info(chain.chain_id, settings),
            "wallet_watchAsset": {"type": "ERC20", "options": {"address": address, "symbol": symbol, "decimals": decimals}}}


def network_info(chain_id: int, settings: Settings) -> dict:
    """The chain as a wallet adds it. The backend's own RPC URL is offered only when it is on this machine (a
    local development chain): a hosted one may hold an API key, so a real deployment names VB_PUBLIC_RPC_URL."""
    rpc = settings.public_rpc_url
    if rpc is None and loopback(settings.rpc_url):
        rpc = settings.rpc_url
    return {"name": settings.network_name or f"Volunteer Bank (chain {chain_id})",
            "native_currency": {"name": "Ether", "symbol": "ETH", "decimals": 18},
            "rpc_urls": [rpc] if rpc else [], "explorer_url": settings.explorer_url}


# ---------------------------------------------------------------------------------------------- my account


def account(db: Session, chain: ChainClient, address: str) -> dict:
    """Balance (on-chain now, and as indexed), coins held for requests in flight, the next EIP-712 nonce, the centre
    whose gas budget pays for the resident's requests."""
    on_chain, unlocked = reads.balance(chain, address), reads.available(chain, address)
    indexed = db.get(Balance, address)
    pending = ops.pending_out(db, address)
    debt = chain.registry.functions.volunteerTotals(address).call()[1]  # revoked after being spent: netted later
    return {"address": address, "balance": str(on_chain), "indexed_balance": indexed.amount if indexed else "0",
            "debt": str(debt),
            "locked": str(on_chain - unlocked), "pending_out": str(pending),
            "available": str(max(unlocked - pending, 0)),
            "next_nonce": reads.relay_nonce(chain, address) + ops.pending_relays(db, address),
            "centre_id": ops.resident_centre(db, address)}


@dataclass(frozen=True)
class HistoryNames:
    """What a history page names besides the events: categories (key, unit, Korean name), centres (name, Korean
    name), providers and charities (name, Korean name), offers (off-chain title), and the guardian who asked for
    an operation on a member's behalf (by its transaction)."""

    categories: dict[int, dict]
    centres: dict[int, dict]
    providers: dict[str, dict]
    charities: dict[str, dict]
    offer_titles: dict[int, str]
    guardians: dict[str, dict]


def guardian_named(g) -> dict:
    """How a history entry names the guardian who asked for it."""
    return {"id": g.id, "name": g.name, "address": g.address, "relation": g.relation}


def _history_names(db: Session, chain: ChainClient, events: list[ChainEvent]) -> HistoryNames:
    return HistoryNames(
        categories=directory.category_entries(chain),
        centres={c["id"]: c for c in directory.centres(db, chain)},
        providers=directory.member_entries(chain, "providers"), charities=directory.member_entries(chain, "charities"),
        offer_titles=offer_titles(db, (int(e.args["voucherId"]) >> 32 for e in events if e.event == "VoucherIssued")),
        guardians={tx: guardian_named(g) for tx, g in guardian_store.by_tx(
            db, (e.tx_hash for e in events if e.event in ("VoucherIssued", "Donated"))).items()})


def _history_entry(e: ChainEvent, address: str, names: HistoryNames) -> dict | None:
    a = e.args
    item = {"id": e.id, "event": e.event, "block_number": e.block_number, "tx_hash": e.tx_hash,
            "time": datetime.fromtimestamp(e.block_time, UTC).isoformat() if e.block_time is not None else None}
    if e.event == "ActivityAttested":
        category, centre_id = names.categories.get(int(a["category"]), {}), centre_of(a["id"])
        centre = names.centres.get(centre_id, {})
        item.update(kind="earned", amount=str(a["amount"]), category=a["category"],
                    category_name=category.get("key"), category_name_ko=category.get("name_ko"),
                    units=a["units"], unit=category.get("unit"), activity_id=a["id"], centre_id=centre_id,
                    centre_name=centre.get("name"), centre_name_ko=centre.get("name_ko"))
    elif e.event == "ActivityRevoked":
        item.update(kind="revoked", amount=str(a["amount"]), clawed_back=str(a["clawedBack"]),
                    debt_added=str(a["debtAdded"]), activity_id=a["id"])
    elif e.event == "DebtNetted":
        item.update(kind="debt_repaid", amount=str(a["repaid"]), remaining_debt=str(a["remainingDebt"]))
    elif e.event == "VoucherIssued":
        provider, offer_id = names.providers.get(a["provider"], {}), int(a["voucherId"]) >> 32
        item.update(kind="redeemed", amount=str(a["price"]), voucher_id=str(a["voucherId"]), offer_id=offer_id,
                    offer_title=names.offer_titles.get(offer_id), provider=a["provider"],
                    provider_name=provider.get("name") or provider.get("key"), provider_name_ko=provider.get("name_ko"))
    elif e.event == "Donated":
        charity = names.charities.get(a["charity"], {})
        item.update(kind="donated", amount=str(a["amount"]), charity=a["charity"],
                    charity_name=charity.get("name") or charity.get("key"), charity_name_ko=charity.get("name_ko"),
                    receipt_id=a["receiptId"])
    elif e.event == "ServicePaid":
        outgoing = a["payer"] == address
        item.update(kind="paid" if outgoing else "received_payment", amount=str(a["amount"]),
                    counterparty=a["payee"] if outgoing else a["payer"], request_ref=a["requestRef"])
    else:
        return None
    if e.tx_hash in names.guardians and e.address1 == address:  # the member's own entry, asked for by their guardian
        item["guardian"] = names.guardians[e.tx_hash]
    return item


def history(db: Session, chain: ChainClient, address: str, after_id: int, limit: int) -> dict:
    """What happened to the resident's coins, oldest first — activities attested (with their category and centre),
    revocations, vouchers redeemed (with the offer's title), donations, payments made and received — and their
    requests not yet on-chain. Names in English and Korean where the deployment's configuration gives them."""
    limit = max(1, min(limit, 500))
    q = (select(ChainEvent).where((ChainEvent.address1 == address) | (ChainEvent.address2 == address),
                                  ChainEvent.event != "Transfer", ChainEvent.id > after_id)
         .order_by(ChainEvent.id).limit(limit))
    events = list(db.scalars(q))
    names = _history_names(db, chain, events)
    entries = [item for e in events if (item := _history_entry(e, address, names)) is not None]
    live = list(db.scalars(select(ChainOp).where(
        ChainOp.subject == address, ChainOp.signer_role == "relayer", ChainOp.state.in_(ops.LIVE)).order_by(ChainOp.id)))
    by_guardian = guardian_store.by_op(db, (o.id for o in live))
    pending = [{**ops.op_view(o), **({"guardian": guardian_named(by_guardian[o.id])} if o.id in by_guardian else {})}
               for o in live]
    # Some events of the address are not history entries (a role granted to it, say): a page may hold fewer entries
    # than `limit` with more to come. `next_after_id` says where the next page starts, null at the end.
    next_after_id = events[-1].id if len(events) == limit else None
    return {"address": address, "entries": entries, "pending": pending, "next_after_id": next_after_id}


def history_between(db: Session, chain: ChainClient, address: str, since: int, until: int,
                    limit: int = 2000) -> list[dict]:
    """The address's history entries (as `history` makes them) of blocks timed in [since, until) (unix seconds),
    oldest first, at most `limit`."""
    events = list(db.scalars(select(ChainEvent).where(
        (ChainEvent.address1 == address) | (ChainEvent.address2 == address), ChainEvent.event != "Transfer",
        ChainEvent.block_time >= since, ChainEvent.block_time < until).order_by(ChainEvent.id).limit(limit)))
    names = _history_names(db, chain, events)
    return [item for e in events if (item := _history_entry(e, address, names)) is not None]


def vouchers(db: Session, chain: ChainClient, address: str) -> list[dict]:
    """The resident's vouchers, newest first (the latest 50): offer, provider, price, whether used, and the check code
    the provider's desk asks for (made now for a voucher that has none: one redeemed straight on-chain)."""
    providers = directory.member_entries(chain, "providers")
    events = voucher_store.issued_to(db, address, 50)
    titles = offer_titles(db, (int(e.args["voucherId"]) >> 32 for e in events))
    out = []
    with write_transaction(db):
        for e in events:
            voucher_id = int(e.args["voucherId"])
            _, _, fulfilled = chain.redemption.functions.voucherStatus(voucher_id).call()
            provider = providers.get(e.args["provider"], {})
            out.append({"voucher_id": str(voucher_id), "offer_id": voucher_id >> 32, "serial": voucher_id & 0xFFFFFFFF,
                        "offer_title": titles.get(voucher_id >> 32), "provider": e.args["provider"],
                        "provider_name": provider.get("name"), "provider_name_ko": provider.get("name_ko"),
                        "price": str(e.args["price"]), "tx_hash": e.tx_hash, "block_number": e.block_number,
                        "time": datetime.fromtimestamp(e.block_time, UTC).isoformat() if e.block_time is not None else None,
                        "fulfilled": bool(fulfilled), "code": voucher_store.make_code(db, voucher_id, address).code})
    return out


def operations(db: Session, address: str, limit: int) -> list[dict]:
    q = (select(ChainOp).where(ChainOp.subject == address, ChainOp.signer_role == "relayer")
         .order_by(ChainOp.id.desc()).limit(max(1, min(limit, 500))))
    return [ops.op_view(o) for o in db.scalars(q)]


def operation(db: Session, address: str, op_id: int) -> dict:
    op = db.get(ChainOp, op_id)
    if op is None or op.subject != address or op.signer_role != "relayer":
        raise Refusal(404, "not_found", f"operation {op_id} not found")
    return ops.op_view(op)
