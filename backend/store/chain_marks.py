"""What the backend remembers of the chain to read less of it: the serial-recovery checkpoint, and where an
attestation page starts (the first block the page's known activities were attested in); and whether the chain state
of a restored database is being rebuilt (approvals wait meanwhile)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.store.models import Activity, KeyValue

SERIALS_CHECKPOINT = "serials.checkpoint"
RESTORING = "chain.restoring"  # present while a restored database's chain state is rebuilt (backend/store/restore.py)


@dataclass(frozen=True)
class SerialCheckpoint:
    """The registry's logs were read up to `block` (whose hash was `block_hash`): the highest serial per centre."""

    block: int
    block_hash: str
    highest: dict[int, int]


def serial_checkpoint(s: Session) -> SerialCheckpoint | None:
    row = s.get(KeyValue, SERIALS_CHECKPOINT)
    if row is None:
        return None
    value = json.loads(row.value)
    return SerialCheckpoint(int(value["block"]), value["hash"], {int(k): int(v) for k, v in value["highest"].items()})


def save_serial_checkpoint(s: Session, checkpoint: SerialCheckpoint) -> None:
    s.merge(KeyValue(key=SERIALS_CHECKPOINT, value=json.dumps(
        {"block": checkpoint.block, "hash": checkpoint.block_hash,
         "highest": {str(k): v for k, v in sorted(checkpoint.highest.items())}})))


def page_first_block(s: Session, centre_id: int, page_index: int, slots: int) -> int | None:
    """The earliest block any activity of this page known here was attested in (None: none known)."""
    return s.scalar(select(func.min(Activity.block_number)).where(
        Activity.centre_id == centre_id, Activity.serial >= page_index * slots,
        Activity.serial < (page_index + 1) * slots, Activity.block_number.is_not(None)))


def check_not_restoring(s: Session) -> None:
    """Refuses an approval while the chain state of a restored database is rebuilt from the registry's events: the
    activity approved could be one the chain holds already, not known here yet."""
    if s.get(KeyValue, RESTORING) is not None:
        raise Refusal(503, "restoring")
