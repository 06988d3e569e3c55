"""Imports a region's 1365 programmes from the public data portal (the command behind the city's admin page; see
docs/portal.md). A dry run unless --apply:

    python -m backend.portal_import --from 2026-12-01 --to 2026-12-31 --sido 6260000 --gugun 3360000 --area <area>
    python -m backend.portal_import ... --apply

Prints one JSON object: what is (or would be) added and changed, how many are unchanged, each item refused and why.
Exit code 0, or 2 when the portal refuses or cannot be reached (the reason on stderr, in English and Korean).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date

from backend.config import get_settings
from backend.domain.errors import Refusal
from backend.domain.messages import localized
from backend.services import portal
from backend.store.db import make_engine, make_session_factory, migrate


@dataclass(frozen=True)
class CommandLine:
    """Who the audit log names for a run of this command."""

    name: str = "command: backend.portal_import"
    user_id: None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.portal_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--sido", help="1365's province code (sidoCd)")
    parser.add_argument("--gugun", help="1365's district code (gugunCd)")
    parser.add_argument("--keyword")
    parser.add_argument("--area", help="the area of this bank the programmes are placed in")
    parser.add_argument("--apply", action="store_true", help="import (without it: a dry run)")
    args = parser.parse_args(argv)
    settings = get_settings()
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    with sessions() as db:
        try:
            found = portal.import_programmes(db, settings, CommandLine(), keyword=args.keyword, sido=args.sido,
                                             gugun=args.gugun, start=args.start, end=args.end, area=args.area,
                                             dry_run=not args.apply)
        except Refusal as why:
            print(f"{why.code}: {localized(why, 'en')} / {localized(why, 'ko')}", file=sys.stderr)
            return 2
    found["refused"] = [{"item": r["item"], "code": r["refusal"].code, "message": localized(r["refusal"], "en")}
                        for r in found["refused"]]
    print(json.dumps(found, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
