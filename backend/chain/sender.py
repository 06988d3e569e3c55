"""The generic durable sender: every transaction the backend sends for someone else — a resident's signed request
it relays (paying the gas), a provider's offer or fulfilment, a change the city asks for — goes through here.

Its source of work is the `chain_ops` table; the life of each transaction is the lifecycle the attestation writer
is built on too (backend/chain/lifecycle.py): nonces from its own records and the chain, the signed transaction
committed to the database before it is broadcast, fees bumped when stuck, lost transactions rebroadcast, a nonce
used by a foreign transaction resolved from the contract's state, N confirmations, and on restart simply the same
steps again. One sender runs per worker, so each sending key has one nonce manager.

Before signing, each operation is estimated (eth_estimateGas) from its sending key: what the contract would refuse
is marked failed with the contract's reason, and nothing is sent. Operations of one subject (a resident, a
provider, the admin) go one at a time, in the order accepted, because a resident's EIP-712 nonces are sequential
and a later request is only valid after the earlier one is mined.
"""

from __future__ import annotations

import logging
import math
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.chain.events import decode_event, event_abis
from backend.chain.lifecycle import TxLifecycle, _hex
from backend.config import Settings
from backend.store.db import transaction
from backend.store import vouchers
from backend.store.models import Centre, ChainOp, ChainTx, OfferDetails

log = logging.getLogger("backend.sender")
ROUND = 50  # operations signed per round at most


class OpSender(TxLifecycle):
    TRACKED_KINDS = ("op",)
    NAME = "operation sender"

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], client: ChainClient,
                 keys: dict[str, dict[str, LocalAccount]]):
        super().__init__(settings, sessions, client)
        self.keys = keys
        self.by_address = {address: account for role in keys.values() for address, account in role.items()}
        self.events = event_abis((c.address, c.abi) for c in (client.redemption, client.registry, client.coin))

    def _signer_of(self, centre_id: int, sender: str) -> LocalAccount:
        return self.by_address[sender]

    def key_for(self, op: ChainOp) -> LocalAccount | None:
        pool = self.keys.get(op.signer_role, {})
        if op.signer_role == "provider":
            return pool.get(op.subject)
        return pool[sorted(pool)[0]] if pool else None

    # ------------------------------------------------------------------ sending

    def dispatch_work(self) -> bool:
        with self.sessions() as s:
            in_flight = {_lane(subject, role) for subject, role in
                         s.execute(select(ChainOp.subject, ChainOp.signer_role).where(ChainOp.state == "in_tx"))}
            queued = list(s.scalars(select(ChainOp).where(ChainOp.state == "queued").order_by(ChainOp.id).limit(ROUND * 4)))
            s.expunge_all()
        picked, seen = [], set(in_flight)
        for op in queued:
            lane = _lane(op.subject, op.signer_role)
            if lane in seen:
                continue  # an earlier operation of the same subject is not mined yet
            seen.add(lane)
            picked.append(op)
            if len(picked) >= ROUND:
                break
        if not picked:
            return False
        fees = self._fees()
        signed = [p for p in (self._sign_op(op, fees) for op in picked) if p is not None]
        if signed:
            self._record_and_broadcast(signed)
        return True

    def _estimate(self, sender: str, to: str, data: str) -> tuple[int | None, str | None]:
        """(gas, None), or (None, the contract's reason) when it would revert (raw JSON-RPC: web3.py's formatting
        and exception handling cost more than the node's work)."""
        answer = self.web3.provider.make_request("eth_estimateGas", [{"from": sender, "to": to, "data": data}])
        if "error" not in answer:
            return int(answer["result"], 16), None
        error = answer["error"]
        data_ = error.get("data") if isinstance(error, dict) else None
        if isinstance(data_, dict):
            data_ = data_.get("data")
        decoded = self.client.decode_error(data_) if isinstance(data_, str) else None
        return None, str(decoded) if decoded else (error.get("message") if isinstance(error, dict) else str(error))

    def _sign_op(self, op: ChainOp, fees: tuple[int, int]) -> dict | None:
        """Estimates (refusals are marked failed, nothing sent) and signs; the nonce is assigned at recording."""
        key = self.key_for(op)
        if key is None:
            self._fail(op.id, f"the backend holds no {op.signer_role} key to send this with")
            return None
        estimate, reason = self._estimate(key.address, op.to, op.data)
        if estimate is None:
            self._fail(op.id, f"refused by the contract: {reason}")
            return None
        gas = math.ceil(estimate * 1.2)
        if op.signer_role == "relayer" and op.gas:
            # A relayed request pays at most the gas reserved against the budgets when it was accepted: a wallet
            # whose signature check burns gas (EIP-1271) cannot make the relayer spend more.
            if estimate > op.gas:
                self._fail(op.id, f"needs {estimate} gas, more than the {op.gas} reserved for it")
                return None
            gas = min(gas, op.gas)
        return {"op": op, "key": key, "gas": gas, "fees": fees}

    def _record_and_broadcast(self, prepared: list[dict]) -> None:
        """Nonces in order per key, the signed transactions of the whole round committed in one database transaction,
        then broadcast. All or nothing: a nonce is never recorded for a transaction that is not."""
        nonces: dict[str, int] = {}
        for p in prepared:
            address = p["key"].address
            if address not in nonces:
                nonces[address] = self._next_nonce(address)
            p["signed"] = self._sign(p["key"], nonces[address], p["op"].to, p["op"].data, p["gas"], p["fees"])
            nonces[address] += 1
        with transaction(self.sessions) as s:
            rows = {r.id: r for r in s.scalars(select(ChainOp).where(ChainOp.id.in_([p["op"].id for p in prepared])))}
            if any(rows.get(p["op"].id) is None or rows[p["op"].id].state != "queued" for p in prepared):
                return  # changed under us: record nothing, plan again next round
            for p in prepared:
                row, signed = rows[p["op"].id], p["signed"]
                tx = self._record(s, signed, "op", row.centre_id or 0)
                row.state, row.chain_tx_id, row.sender, row.tx_hash = "in_tx", tx.id, signed["sender"], signed["hash"]
                p["chain_tx_id"] = tx.id
        # Recorded first: if we die now, track() finds them "signed" and broadcasts them (or finds them mined).
        for p in prepared:
            signed = p["signed"]
            self._broadcast(p["chain_tx_id"], signed["raw"])
            log.info("sent %s (op %d) from %s: nonce %d, %s", p["op"].kind, p["op"].id, signed["sender"],
                     signed["nonce"], signed["hash"])

    def _fail(self, op_id: int, error: str) -> None:
        with transaction(self.sessions) as s:
            row = s.get(ChainOp, op_id)
            if row is not None and row.state == "queued":
                row.state, row.error, row.nonce_slot = "failed", error, None
                row.gas, row.fee_wei = 0, (0 if row.fee_wei is not None else None)  # nothing was spent
                _fail_followers(s, row)
        log.warning("op %d failed before sending: %s", op_id, error)

    # ------------------------------------------------------------------ outcomes

    def _finalise(self, chain_tx_id: int, receipt) -> None:
        ok = receipt["status"] == 1
        result = self._result(receipt["logs"]) if ok else None
        with transaction(self.sessions) as s:
            tx = s.get(ChainTx, chain_tx_id)
            tx.status = "confirmed" if ok else "failed"
            tx.tx_hash, tx.block_number = _hex(receipt["transactionHash"]), receipt["blockNumber"]
            tx.block_hash, tx.gas_used = _hex(receipt["blockHash"]), receipt["gasUsed"]
            paid = receipt["gasUsed"] * _price_paid(tx, receipt)
            for op in s.scalars(select(ChainOp).where(ChainOp.chain_tx_id == chain_tx_id)):
                op.tx_hash, op.block_number, op.gas = tx.tx_hash, tx.block_number, receipt["gasUsed"]
                op.fee_wei = paid  # the budgets are charged what the transaction really cost, reverted or not
                if ok:
                    op.state, op.result = "confirmed", result
                    self._after_confirmed(s, op, result or {})
                else:
                    op.state, op.nonce_slot = "failed", None
                    note = self._nonce_note(op)
                    op.error = f"the transaction reverted in block {receipt['blockNumber']}" + note
                    if not note:  # the nonce is still unused: what was signed after it cannot be valid
                        _fail_followers(s, op)
        if not ok:
            log.warning("op tx %d reverted in block %d", chain_tx_id, receipt["blockNumber"])

    def _reopened(self, s: Session, chain_tx_id: int, was: str) -> None:
        """A confirmed operation reorganised out is in flight again; what its confirmation made (an offer's details,
        a voucher's code, a centre) is made idempotently when it is confirmed again."""
        for op in s.scalars(select(ChainOp).where(ChainOp.chain_tx_id == chain_tx_id, ChainOp.state == "confirmed")):
            op.state, op.block_number = "in_tx", None

    def _nonce_note(self, op: ChainOp) -> str:
        """For a resident's request: if their EIP-712 nonce was used by a transaction other than ours, say so — someone
        else relayed the same signature (then it took effect: see the resident's history) or the resident cancelled
        it with useNonce()."""
        if op.signed_nonce is None or reads.relay_nonce(self.client, op.subject) <= op.signed_nonce:
            return ""
        return (f"; the resident's nonce {op.signed_nonce} was used by another transaction (the same signed request "
                "relayed by someone else, which took effect, or cancelled with useNonce)")

    def _result(self, logs: list[dict]) -> dict:
        """The events of the mined transaction (its receipt's raw logs), decoded: {"VoucherIssued": {...}, ...}."""
        out: dict = {}
        for log_ in logs:
            topics = [bytes.fromhex(t[2:]) for t in log_["topics"]]
            abi = self.events.get((to_checksum_address(log_["address"]), topics[0])) if topics else None
            if abi is not None and abi["name"] not in out:
                out[abi["name"]] = decode_event(abi, {"topics": topics, "data": bytes.fromhex(log_["data"][2:])})
        return out

    @staticmethod
    def _after_confirmed(s: Session, op: ChainOp, result: dict) -> None:
        if op.kind == "create_offer" and "OfferCreated" in result:
            offer_id = int(result["OfferCreated"]["offerId"])
            s.merge(OfferDetails(offer_id=offer_id, provider=op.subject, title=op.params.get("title") or f"Offer {offer_id}",
                                 description=op.params.get("description")))
        elif op.kind == "redeem" and "VoucherIssued" in result:
            # Its check code exists from the start: the resident's app shows it, the provider's desk asks for it.
            vouchers.make_code(s, int(result["VoucherIssued"]["voucherId"]), op.subject)
        elif op.kind == "admin_add_centre" and "CentreAdded" in result:
            centre_id = int(result["CentreAdded"]["centreId"])
            if s.get(Centre, centre_id) is None:
                s.add(Centre(id=centre_id, key=op.params["key"], name=op.params["name"], next_serial=0))
        elif op.kind == "update_offer" and (op.params.get("title") is not None or op.params.get("description") is not None):
            details = s.get(OfferDetails, op.offer_id) or OfferDetails(offer_id=op.offer_id, provider=op.subject,
                                                                       title=f"Offer {op.offer_id}")
            if op.params.get("title") is not None:
                details.title = op.params["title"]
            if op.params.get("description") is not None:
                details.description = op.params["description"]
            s.merge(details)

    def _resolve_by_state(self, chain_tx_id: int) -> None:
        """Our nonce went to a transaction we never signed. A resident's request may have been relayed by someone
        else (anyone may relay a signature): then the resident's EIP-712 nonce is used and the request is done.
        Anything else is queued again; the estimate then says whether the contract still accepts it."""
        with transaction(self.sessions) as s:
            tx = s.get(ChainTx, chain_tx_id)
            tx.status = "dropped"
            for op in s.scalars(select(ChainOp).where(ChainOp.chain_tx_id == chain_tx_id)):
                note = self._nonce_note(op)
                if note:
                    op.state, op.nonce_slot, op.gas, op.error = "failed", None, 0, "not sent by the backend" + note
                    op.fee_wei = 0 if op.fee_wei is not None else None
                else:
                    op.state, op.chain_tx_id, op.tx_hash = "queued", None, None
        log.warning("op tx %d: nonce used elsewhere; its operation was checked against the contract", chain_tx_id)


def _fail_followers(s: Session, failed: ChainOp) -> None:
    """A resident's request that failed left its EIP-712 nonce unused, so the requests they signed after it, with the
    following nonces, can never be valid: they fail now, saying which nonce to sign again with."""
    if failed.signed_nonce is None:
        return
    for op in s.scalars(select(ChainOp).where(ChainOp.subject == failed.subject, ChainOp.state == "queued",
                                              ChainOp.signed_nonce > failed.signed_nonce)):
        op.state, op.nonce_slot, op.gas = "failed", None, 0
        op.fee_wei = 0 if op.fee_wei is not None else None
        op.error = (f"not sent: the earlier request {failed.id} (nonce {failed.signed_nonce}) failed, so nonce "
                    f"{op.signed_nonce} cannot be used yet; sign this request again with nonce {failed.signed_nonce}")


def _price_paid(tx: ChainTx, receipt: dict) -> int:
    """Wei per gas the mined transaction paid: the receipt's effectiveGasPrice, else (a node that does not give it)
    the max fee its attempt was signed with, an upper bound."""
    if receipt.get("effectiveGasPrice") is not None:
        return receipt["effectiveGasPrice"]
    mined = [a for a in tx.attempts if a.tx_hash == tx.tx_hash] or tx.attempts[-1:]
    return int(mined[0].max_fee)


def _lane(subject: str | None, signer_role: str) -> str:
    """Operations of one lane go one at a time: a resident's or a provider's (its subject), or the admin's."""
    return subject or f"role:{signer_role}"

