"""A centre's data exported for the city's own archive: a ZIP of CSV files (activities, residents, reports'
metadata, settlements) and a README, built in a spooled temporary file; each export is written to the audit log
(who, which centre, when, which files and how many rows) before it is handed out."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain import centre_export as fmt
from backend.domain.errors import Refusal
from backend.domain.units import coins_text
from backend.store import exports
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, Centre

EXPORT_MAX_ROWS = 200_000  # activities, residents and reports together: beyond it, the export is refused (413)
SETTLEMENTS_MAX_ROWS = 200_000
SPOOL_BYTES = 8 * 2**20    # kept in memory up to this size, then in a temporary file


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _day_start(day: date) -> int:
    return int(datetime.combine(day, time(0), UTC).timestamp())


def centre_export(db: Session, chain: ChainClient, actor: str, user_id: int, centre_id: int, start: date | None,
                  end: date | None) -> tuple[str, tempfile.SpooledTemporaryFile]:
    """The ZIP's file name and its bytes (rewound), after the export's audit row is committed. `start`..`end`
    (days, both included, UTC) bound the settlements; without them, all."""
    centre = db.get(Centre, centre_id)
    if centre is None:
        raise Refusal(404, "unknown_centre", centre_id=centre_id)
    if start is not None and end is not None and start > end:
        raise Refusal(422, "invalid_period", f"from {start} is after to {end}")
    if exports.counts(db, centre_id) > EXPORT_MAX_ROWS:
        raise Refusal(413, "export_too_large", f"centre {centre_id}'s data is more than {EXPORT_MAX_ROWS} rows: "
                                               f"export it with scripts or a database copy")
    categories = {int(c["id"]): c for c in chain.deployment.manifest.get("config", {}).get("categories", [])}
    providers = {str(p.get("address", "")).lower(): p for p in chain.deployment.manifest.get("config", {})
                 .get("providers", [])}

    activities = []
    for a, member_number in exports.activities(db, centre_id):
        c = categories.get(a.category, {})
        activities.append((a.id, a.occurred_at.astimezone(UTC).date().isoformat(), a.category, c.get("key"),
                           c.get("name_ko"), a.units, c.get("unit"),
                           coins_text(int(a.reward)) if a.reward is not None else None, a.status, a.source,
                           a.chain_id_hex, a.tx_hash, member_number))
    residents = [(r.member_number, r.name, r.phone, r.email, r.address, r.consent_terms_version, _iso(r.consent_at),
                  r.registered_by) for r in exports.residents(db, centre_id)]
    reports = [(rid, area, status, _iso(created), _iso(updated) if status in ("confirmed", "dismissed") else None,
                triaged_by) for rid, area, status, created, updated, triaged_by in exports.reports(db, centre_id)]
    settled = exports.settlements(db, _day_start(start) if start else None,
                                  _day_start(end + timedelta(days=1)) if end else None)
    if len(settled) > SETTLEMENTS_MAX_ROWS:
        raise Refusal(413, "export_too_large", f"the settlements are more than {SETTLEMENTS_MAX_ROWS} rows: give a "
                                               f"shorter period (from, to)")
    settlements = [(e.args["settlementId"], e.args["provider"],
                    providers.get(str(e.args["provider"]).lower(), {}).get("name"),
                    coins_text(int(e.args["amount"])), e.args["amount"], e.args["wonAmount"], e.args["wonPerCoin"],
                    e.block_number, _iso(datetime.fromtimestamp(e.block_time, UTC)) if e.block_time else None,
                    e.tx_hash) for e in settled]

    files = {"activities.csv": fmt.csv_bytes(fmt.ACTIVITIES, activities),
             "residents.csv": fmt.csv_bytes(fmt.RESIDENTS, residents),
             "reports.csv": fmt.csv_bytes(fmt.REPORTS, reports),
             "settlements.csv": fmt.csv_bytes(fmt.SETTLEMENTS, settlements)}
    rows = {"activities.csv": len(activities), "residents.csv": len(residents), "reports.csv": len(reports),
            "settlements.csv": len(settlements)}
    now = datetime.now(UTC)
    period = "" if start is None and end is None else f" from {start or 'the start'} to {end or 'now'}"
    readme = fmt.README.format(centre_id=centre_id, centre_name=centre.name, exported_at=now.isoformat(), actor=actor,
                               activities=len(activities), residents=len(residents), reports=len(reports),
                               settlements=len(settlements), period=period)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    fmt.write_zip(out, files, readme)
    out.seek(0)
    with write_transaction(db):
        db.add(AdminAudit(actor=actor, actor_user_id=user_id, action="export_centre", centre_id=centre_id,
                          params={"centre_id": centre_id, "from": start.isoformat() if start else None,
                                  "to": end.isoformat() if end else None, "files": rows}, at=now))
    return f"centre-{centre_id}-{now:%Y%m%d-%H%M%S}.zip", out
