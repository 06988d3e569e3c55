"""Retrains the matcher from the database and prints what it learned (one JSON object):

    python -m backend.matching_train [--database-url URL]

Reads the active offers (words ↔ tags) and the decided matches (completed / scheduled good, declined / no-show not),
learns the meaning space and the weights as an API process does at start-up and when the data changed, and prints
the training report. The API processes retrain themselves at start-up; this command shows the result on demand
(nothing is stored: the model is rebuilt from the data, which stays the only source).
"""

from __future__ import annotations

import argparse
import json
import os

from backend.api.community import OfferMatcher
from backend.store.db import make_engine, make_session_factory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    sessions = make_session_factory(make_engine(args.database_url))
    m = OfferMatcher()
    with sessions() as s:
        m.train(s)
    print(json.dumps(m.report.__dict__, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
