"""Retrains the matcher from the database, stores the model and prints what it learned (one JSON object):

    python -m backend.matching_train [--database-url URL] [--model-dir DIR]

Reads the active offers (words ↔ tags) and the decided matches (completed / scheduled good, declined / no-show not),
learns the meaning space and the weights as an API process does at start-up when the data changed, and writes the
model to the database's file in VB_MATCHING_MODEL_DIR (backend/store/matching_model.py). An API process that starts
on the same offers and outcomes loads that file instead of training again; one that finds them changed retrains.
The data stays the only source: deleting the file costs one training.
"""

from __future__ import annotations

import argparse
import json
import os

from pathlib import Path

from backend.api.community import OfferMatcher
from backend.config import Settings
from backend.store import matching_model
from backend.store.db import make_engine, make_session_factory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--model-dir", type=Path, default=None, help="default: VB_MATCHING_MODEL_DIR")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    model_dir = args.model_dir or Settings(database_url=args.database_url).matching_model_dir
    path = matching_model.model_file(model_dir, args.database_url)
    sessions = make_session_factory(make_engine(args.database_url))
    m = OfferMatcher(path)
    with sessions() as s:
        m.train(s, force=True)
    print(json.dumps({**m.report.__dict__, "model_file": str(path)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
