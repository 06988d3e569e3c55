"""The custody master key's commands (docs/access.md#rotating-the-master-key):

    python -m backend.custody_keys new-key     a fresh master key to put in the secret store (printed once)
    python -m backend.custody_keys reseal      every account's data key sealed again with VB_CUSTODY_MASTER_KEY,
                                               opened with it or one of VB_CUSTODY_OLD_MASTER_KEYS

Resealing touches only the data keys: the private keys and card tokens, sealed with them, stay as they are, and no key
is ever printed or logged."""

from __future__ import annotations

import argparse
import sys

from backend.config import get_settings
from backend.services.custody import Keyring, reseal
from backend.store.db import make_engine, make_session_factory, migrate
from backend.store.sealing import SealingError, new_key_text, parse_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.custody_keys")
    parser.add_argument("command", choices=("new-key", "reseal"))
    args = parser.parse_args(argv)
    if args.command == "new-key":
        print(new_key_text())
        return 0
    settings = get_settings()
    if not settings.custody_master_key:
        print("set VB_CUSTODY_MASTER_KEY to the new master key and VB_CUSTODY_OLD_MASTER_KEYS to the old one(s)",
              file=sys.stderr)
        return 2
    try:
        keyring = Keyring(parse_key(settings.custody_master_key, "VB_CUSTODY_MASTER_KEY"),
                          [parse_key(k, "VB_CUSTODY_OLD_MASTER_KEYS")
                           for k in settings.custody_old_master_keys.split(",") if k.strip()])
        migrate(settings.database_url)
        with make_session_factory(make_engine(settings.database_url))() as db:
            count = reseal(db, keyring)
    except SealingError as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return 1
    print(f"{count} account(s) resealed with master key {keyring.key_id}; the old master key can be removed once "
          "every API process runs with the new one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
