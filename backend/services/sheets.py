"""Attendance sheets: a coordinator uploads one event's participants (CSV or Excel), sees each line checked before
anything is saved as activity, fixes or drops lines, then approves the sheet in one step — every kept line recorded
and approved as an activity in one transaction, through services.activities.record_sheet (so the chain writer puts
them on-chain like any other), and the sheet shows each line's chain status.

A line names its resident by member number, wallet address or phone, looked up among the caller's centre's
residents only (services.resident_records' scope), so a sheet cannot probe another centre's residents."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain.access import check_centre
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.residents import member_number_of, phone_digits
from backend.domain.sheets import LineFacts, SheetRow, check_lines, parse_units, read_file
from backend.services import activities, signed_sheets
from backend.services.resident_records import scope
from backend.store import activities as activity_store
from backend.store import sheets as store
from backend.store.db import unit_of_work, write_transaction
from backend.store.models import AttendanceLine, AttendanceSheet, Centre
from backend.store.residents import in_scope

PAGE_MAX = 100


@dataclass(frozen=True)
class SheetLineItem:
    """A kept line as services.activities.record_sheet takes it."""

    centre_id: int
    volunteer: str
    category: int
    units: int
    occurred_at: datetime
    place: str | None
    description: str | None


def occurred_at(day: date) -> datetime:
    """A sheet's activities happened on its day; they are recorded at 00:00 UTC of it (09:00 in Korea), which is the
    day the chain records anyway."""
    return datetime.combine(day, time(0), UTC)


def category_of(chain: ChainClient, category: str) -> int:
    """A category by its id ("1") or its key in the deployment's configuration ("volunteering")."""
    text = category.strip()
    if text.isdigit():
        return int(text)
    for c in chain.deployment.manifest.get("config", {}).get("categories", []):
        if c.get("key") == text:
            return int(c["id"])
    raise Refusal(422, "unknown_category", f"category {text} does not exist; the categories are "
                  f"{', '.join(c['key'] for c in chain.deployment.manifest.get('config', {}).get('categories', []))}")


def _identifier(member_number: str | None, address: str | None, phone: str | None) -> tuple[str, str] | None:
    """(kind, value) of what names the line's resident: the member number, else the address, else the phone."""
    if member_number:
        return "member_number", member_number
    if address:
        return "address", address
    if phone:
        return "phone", phone
    return None


def _lookup_keys(member_number: str | None, address: str | None, phone: str | None) -> tuple[str, str] | None:
    found = _identifier(member_number, address, phone)
    if found is None:
        return None
    kind, value = found
    if kind == "member_number":
        return kind, member_number_of(value) or value.strip().upper()
    if kind == "address":
        try:
            return kind, parse_address(value, "address")
        except Refusal:
            return kind, value
    return kind, phone_digits(value) or value


def _resolve(db: Session, centre_scope: int | None, lines: list) -> None:
    """Sets each line's resident_id, or lookup_problem when no resident (or several) of the centre has what it
    names."""
    keys = [_lookup_keys(line.member_number, line.address, line.phone) for line in lines]
    wanted = {kind: {k[1] for k in keys if k and k[0] == kind} for kind in ("member_number", "address", "phone")}
    by_member, by_address, by_phone = store.residents_named(db, centre_scope, wanted["member_number"],
                                                            wanted["address"], wanted["phone"])
    maps = {"member_number": by_member, "address": by_address, "phone": by_phone}
    for line, key in zip(lines, keys, strict=True):
        matches = maps[key[0]].get(key[1], []) if key else []
        line.resident_id = matches[0].id if len(matches) == 1 else None
        line.lookup_problem = None if len(matches) == 1 else ("ambiguous_resident" if matches else "unknown_resident")


# ---------------------------------------------------------------------------------------------- the checks


def _check(db: Session, chain: ChainClient, sheet: AttendanceSheet) -> tuple[list[Refusal], list[list[Refusal]], list[int]]:
    """(the sheet's own problems, each line's problems, each line's reward), as they stand now."""
    rule = chain.rule(sheet.category)
    sheet_problems = []
    if rule is None or rule.version == 0:
        sheet_problems.append(Refusal(422, "unknown_category", category=sheet.category))
        rule = None
    elif not rule.active:
        sheet_problems.append(Refusal(422, "category_inactive", category=sheet.category))
        rule = None
    residents = store.residents_by_id(db, {line.resident_id for line in sheet.lines if line.resident_id})
    remaining, block = chain.remaining_cap_at(sheet.centre_id)
    pending = activity_store.pending_rewards(db, sheet.centre_id, block)
    day = occurred_at(sheet.occurred_on)
    recorded = activity_store.recorded_on_day(db, sheet.centre_id, sheet.category, day, list(residents))
    facts = []
    for line in sheet.lines:
        r = residents.get(line.resident_id) if line.resident_id else None
        named = _identifier(line.member_number, line.address, line.phone)
        facts.append(LineFacts(line.n, line.dropped, line.lookup_problem, r.id if r else None, r.name if r else None,
                               r.address if r else None, line.name, line.units_text, line.units,
                               named[1] if named else None))
    problems, rewards = check_lines(facts, rule, sheet.centre_id, remaining, pending, recorded,
                                    sheet.occurred_on.isoformat())
    return sheet_problems, problems, rewards


def _view(db: Session, chain: ChainClient, sheet: AttendanceSheet) -> dict:
    """The sheet with its lines: each line's resident, units, problems (a draft's, checked now) and reward, and the
    activity it became with its chain status."""
    if sheet.status == "draft":
        sheet_problems, problems, rewards = _check(db, chain, sheet)
    else:
        sheet_problems, problems, rewards = [], [[] for _ in sheet.lines], [0] * len(sheet.lines)
    residents = store.residents_by_id(db, {line.resident_id for line in sheet.lines if line.resident_id})
    done = store.activities_of(db, [line.activity_id for line in sheet.lines if line.activity_id])
    lines = []
    for line, found, reward in zip(sheet.lines, problems, rewards, strict=True):
        r = residents.get(line.resident_id) if line.resident_id else None
        a = done.get(line.activity_id) if line.activity_id else None
        lines.append({
            "n": line.n, "row": line.row, "member_number": line.member_number, "address": line.address,
            "phone": line.phone, "name": line.name, "units_text": line.units_text, "units": line.units,
            "dropped": line.dropped,
            "resident": {"id": r.id, "member_number": r.member_number, "name": r.name, "address": r.address}
            if r else None,
            "problems": found, "reward": str(a["reward"] if a and a["reward"] else reward),
            "activity": {"id": a["id"], "status": a["status"], "tx_hash": a["tx_hash"],
                         "block_number": a["block_number"], "chain_id": a["chain_id"]} if a else None})
    kept = [line for line in lines if not line["dropped"]]
    return {"id": sheet.id, "centre_id": sheet.centre_id, "category": sheet.category,
            "occurred_on": sheet.occurred_on.isoformat(), "place": sheet.place, "description": sheet.description,
            "filename": sheet.filename, "status": sheet.status, "created_by": sheet.created_by,
            "created_at": sheet.created_at, "approved_by": sheet.approved_by, "approved_at": sheet.approved_at,
            "problems": sheet_problems, "lines": lines,
            "signing": signed_sheets.view(db, store.signed_batch_of(db, sheet.id)),
            "totals": {"lines": len(lines), "kept": len(kept),
                       "with_problems": sum(1 for line in kept if line["problems"]),
                       "reward": str(sum(int(line["reward"]) for line in kept)),
                       "confirmed": sum(1 for line in kept if line["activity"] and
                                        line["activity"]["status"] == "confirmed")}}


# ---------------------------------------------------------------------------------------------- the steps


def upload(db: Session, chain: ChainClient, actor, *, data: bytes, filename: str | None, category: str,
           occurred_on: date, place: str | None, description: str | None, centre_id: int | None) -> dict:
    """Reads the file (CSV or .xlsx), keeps it as a draft sheet of the caller's centre with one row per line, and
    answers it checked."""
    centre_id = centre_id if centre_id is not None else actor.centre_id
    if centre_id is None:
        raise Refusal(422, "centre_required", "a sheet belongs to a centre: give centre_id")
    check_centre(actor, centre_id)
    rows: list[SheetRow] = read_file(data)
    category_id = category_of(chain, category)
    _check_category(chain, category_id)
    if occurred_at(occurred_on) > datetime.now(UTC):
        raise Refusal(422, "in_future", "occurred_at is in the future")
    with write_transaction(db):
        if db.get(Centre, centre_id) is None:
            raise Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend")
        sheet = AttendanceSheet(centre_id=centre_id, category=category_id, occurred_on=occurred_on, place=place,
                                description=description, filename=(filename or "")[:200] or None, status="draft",
                                created_by=actor.name)
        db.add(sheet)
        db.flush()
        lines = [AttendanceLine(sheet_id=sheet.id, n=n, row=r.row, member_number=_clip(r.member_number, 40),
                                address=_clip(r.address, 60), phone=_clip(r.phone, 40), name=_clip(r.name, 200),
                                units_text=_clip(r.units, 40), units=parse_units(r.units), dropped=False)
                 for n, r in enumerate(rows, 1)]
        _resolve(db, None if actor.role == "admin" else centre_id, lines)
        db.add_all(lines)
        db.flush()
        sheet_id = sheet.id
    return view(db, chain, actor, sheet_id)


def _check_category(chain: ChainClient, category: int) -> None:
    """Refuses a category with no rule on-chain (one switched off is shown as the sheet's problem)."""
    rule = chain.rule(category)
    if rule is None or rule.version == 0:
        raise Refusal(422, "unknown_category", category=category)


def _clip(text: str | None, n: int) -> str | None:
    return text[:n] if text is not None else None


def _sheet(db: Session, actor, sheet_id: int, *, for_update: bool = False) -> AttendanceSheet:
    sheet = store.sheet_of(db, sheet_id, scope(actor), for_update=for_update)
    if sheet is None:
        raise Refusal(404, "not_found", what=f"sheet {sheet_id}")
    return sheet


def _draft(db: Session, actor, sheet_id: int) -> AttendanceSheet:
    sheet = _sheet(db, actor, sheet_id, for_update=True)
    if sheet.status != "draft":
        raise Refusal(409, "sheet_not_draft", sheet_id=sheet_id, status=sheet.status)
    return sheet


def _line(sheet: AttendanceSheet, n: int) -> AttendanceLine:
    line = next((line for line in sheet.lines if line.n == n), None)
    if line is None:
        raise Refusal(404, "not_found", what=f"sheet line {n}")
    return line


def view(db: Session, chain: ChainClient, actor, sheet_id: int) -> dict:
    return _view(db, chain, _sheet(db, actor, sheet_id))


def listing(db: Session, actor, status: str | None, after_id: int, limit: int) -> list[dict]:
    return [{"id": s.id, "centre_id": s.centre_id, "category": s.category, "occurred_on": s.occurred_on.isoformat(),
             "place": s.place, "filename": s.filename, "status": s.status, "created_by": s.created_by,
             "created_at": s.created_at, "approved_at": s.approved_at}
            for s in store.sheets_of(db, scope(actor), status, after_id, max(1, min(limit, PAGE_MAX)))]


def fix_line(db: Session, chain: ChainClient, actor, sheet_id: int, n: int, changes: dict) -> dict:
    """Names the line's resident again (by `resident_id`, or a member number, wallet address or phone in
    `identifier`) or corrects its units; the sheet is checked again."""
    if not changes:
        raise Refusal(422, "nothing_to_change", "give at least one field to change")
    with write_transaction(db):
        sheet = _draft(db, actor, sheet_id)
        line = _line(sheet, n)
        if "resident_id" in changes:
            found = store.residents_by_id(db, {changes["resident_id"]})
            if not found or not _in_scope(db, actor, changes["resident_id"]):
                raise Refusal(404, "not_found", what=f"resident {changes['resident_id']}")
            r = found[changes["resident_id"]]
            line.member_number, line.address, line.phone = r.member_number, r.address, None
            line.resident_id, line.lookup_problem = r.id, None
        elif "identifier" in changes:
            kind = _kind_of(changes["identifier"])
            line.member_number = line.address = line.phone = None
            setattr(line, kind, changes["identifier"].strip())
            _resolve(db, None if actor.role == "admin" else sheet.centre_id, [line])
        if "units" in changes:
            line.units, line.units_text = changes["units"], str(changes["units"])
        line.dropped = False
    return view(db, chain, actor, sheet_id)


def _in_scope(db: Session, actor, resident_id: int) -> bool:
    return in_scope(db, resident_id, scope(actor)) is not None


def _kind_of(identifier: str) -> str:
    text = identifier.strip()
    if member_number_of(text):
        return "member_number"
    if text.lower().startswith("0x"):
        return "address"
    return "phone"


def drop_line(db: Session, chain: ChainClient, actor, sheet_id: int, n: int) -> dict:
    """Leaves the line out of the sheet (it stays, marked dropped); the sheet is checked again."""
    with write_transaction(db):
        _line(_draft(db, actor, sheet_id), n).dropped = True
    return view(db, chain, actor, sheet_id)


def approve(db: Session, chain: ChainClient, actor, sheet_id: int, sign_with: str | None = None) -> dict:
    """Records and approves every kept line as an activity, in one transaction with the sheet's new status; refused
    while a kept line has a problem. With `sign_with` (a wallet holding the centre's coordinator role on-chain) the
    activities wait for that wallet's signature (services.signed_sheets) instead of going out under the centre's
    key. Runs in the caller's unit of work (the Idempotency-Key's), or its own."""
    with nullcontext() if "unit" in db.info else unit_of_work(db):
        signer = None
        if sign_with is not None:
            found = _sheet(db, actor, sheet_id)
            signer = signed_sheets.check_signer(chain, found.centre_id, sign_with)
        with write_transaction(db):
            sheet = _draft(db, actor, sheet_id)  # locked: a second approval waits here, then finds it approved
            sheet_problems, problems, _ = _check(db, chain, sheet)
            if sheet_problems:
                raise sheet_problems[0]
            kept = [(line, found) for line, found in zip(sheet.lines, problems, strict=True) if not line.dropped]
            bad = sum(1 for _, found in kept if found)
            if bad:
                raise Refusal(409, "sheet_has_problems", count=bad)
            if not kept:
                raise Refusal(409, "sheet_nothing_to_approve")
            residents = store.residents_by_id(db, {line.resident_id for line, _ in kept})
            items = [SheetLineItem(sheet.centre_id, residents[line.resident_id].address, sheet.category, line.units,
                                   occurred_at(sheet.occurred_on), sheet.place, sheet.description) for line, _ in kept]
            recorded = activities.record_sheet(db, chain, actor, items, approve=True)
            for (line, _), activity in zip(kept, recorded, strict=True):
                line.activity_id = activity.id
            if signer is not None:
                signed_sheets.start(db, sheet.id, sheet.centre_id, signer, [a.id for a in recorded])
            sheet.status, sheet.approved_by, sheet.approved_at = "approved", actor.name, datetime.now(UTC)
    return view(db, chain, actor, sheet_id)


def _signed_batch(db: Session, actor, sheet_id: int):
    batch = store.signed_batch_of(db, _sheet(db, actor, sheet_id).id)
    if batch is None:
        raise Refusal(409, "sheet_not_for_signing", sheet_id=sheet_id)
    return batch


def signing_request(db: Session, chain: ChainClient, actor, sheet_id: int) -> dict:
    """The typed data the sheet's coordinator wallet is to sign now."""
    return signed_sheets.request(db, chain, _signed_batch(db, actor, sheet_id))


def sign(db: Session, chain: ChainClient, actor, sheet_id: int, nonce: int, deadline: int, signature: str) -> dict:
    signed_sheets.accept(db, chain, _signed_batch(db, actor, sheet_id).id, nonce, deadline, signature)
    return view(db, chain, actor, sheet_id)


def release_signing(db: Session, chain: ChainClient, actor, sheet_id: int) -> dict:
    signed_sheets.release(db, _signed_batch(db, actor, sheet_id).id)
    return view(db, chain, actor, sheet_id)
