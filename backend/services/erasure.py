"""Erasure when the chain cannot forget: an activity's link to the chain cut (erase-link), and a resident's request
to be forgotten.

The chain keeps the wallet's attestations for ever; what can be removed is everything off-chain that ties a person,
or a record of what they did, to them. Forgetting a resident deletes their row (name, phone, e-mail, member number,
wallet address, consent, the history of changes to it), cuts every activity's link to the chain (salt, on-chain id,
evidence hash, serial, transaction, block, the outbox rows naming the transaction, the audit snapshots), wipes their
talents', needs' and sheet lines' words, and strips stored idempotent answers that named them. What the city's
accounts need stays, aggregated: each activity's centre, category, units, reward, status and month, under one pool
row shared by everyone forgotten, so no record says which activities were one person's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.services.resident_records import scope
from backend.services.activities import owned
from backend.store import erasure as store
from backend.store.db import write_transaction
from backend.store.models import Activity, AdminAudit
from backend.store.residents import in_scope

SETTLED = ("confirmed", "revoked", "rejected", "failed")


def erase_link(db: Session, actor, activity_id: int, reason: str) -> Activity:
    """The city cuts a settled activity's link to the chain: the record stays for the accounts, but nothing here
    can find its attestation any more (nor recompute its id or evidence hash)."""
    with write_transaction(db):
        a = owned(db, actor, activity_id, for_update=True)
        if a.status not in SETTLED:
            raise Refusal(409, "in_flight", f"activity {a.id} is {a.status}; erase its link once the chain has settled it")
        if a.salt is None and a.chain_id_hex is None:
            raise Refusal(409, "already_erased", f"the link of activity {a.id} is already erased")
        gone = store.unlink_activities(db, [a.id], actor.name, reason)
        store.scrub_answers(db, gone, None)
        db.flush()
        db.refresh(a)
        return a


def forget(db: Session, actor, resident_id: int, reason: str) -> dict:
    """A resident's request to be forgotten, by the admin or a coordinator of their centre (in person, or on the
    resident's written request). Refused while the chain has not settled one of their activities or requests."""
    with write_transaction(db):
        resident = in_scope(db, resident_id, scope(actor), for_update=True)
        if resident is None:
            raise Refusal(404, "not_found", what=f"resident {resident_id}")
        pending = store.in_flight(db, resident)
        if pending:
            raise Refusal(409, "resident_in_flight", resident_id=resident_id, count=pending)
        centre_id = resident.centre_id
        done = store.forget(db, resident, store.pool(db), actor.name, reason)
        db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id, action="forget_resident", centre_id=centre_id,
                          params={"resident_id": resident_id, **done, "reason": reason}))
        return {"resident_id": resident_id, "forgotten": True, **done}
