"""Password hashing tuned to this machine: how long one argon2id hash takes with the configured parameters, against
OWASP's minimum in the same run, and the parameters to set for a target time.

    python bench/passwords.py                  # readable
    python bench/passwords.py --json           # one JSON object
    python bench/passwords.py --target-ms 300  # the time one sign-in's hash should take here (default 250)

The recommendation raises the memory (the cost an attacker's hardware pays too) from OWASP's 19 MiB in doublings up
to `--max-memory-mib` (each concurrent sign-in holds that much), then the passes, until a hash takes the target;
set it as VB_ARGON2_MEMORY_KIB, VB_ARGON2_TIME_COST and VB_ARGON2_PARALLELISM. Existing hashes keep verifying and are
made again with the new parameters at their account's next sign-in (docs/backend.md, Security).

Keys: configured {memory_kib, time_cost, parallelism, hash_ms_p50}, owasp_minimum_ms_p50, ratio_to_owasp,
recommended {memory_kib, time_cost, parallelism, hash_ms_p50}, target_ms, cpus.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402

from backend.config import Settings  # noqa: E402

OWASP = (19 * 1024, 2, 1)  # m=19 MiB, t=2, p=1: OWASP's password storage cheat sheet minimum for argon2id


def hash_ms(memory_kib: int, time_cost: int, parallelism: int, rounds: int) -> float:
    hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
    hasher.hash("warm-up")
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        hasher.hash(f"correct horse battery staple {i}")
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def recommend(target_ms: float, max_memory_kib: int, parallelism: int, rounds: int) -> dict:
    memory, passes = OWASP[0], 2
    took = hash_ms(memory, passes, parallelism, rounds)
    while took < target_ms and memory * 2 <= max_memory_kib:
        memory *= 2
        took = hash_ms(memory, passes, parallelism, rounds)
    while took < target_ms and passes < 10:
        passes += 1
        took = hash_ms(memory, passes, parallelism, rounds)
    return {"memory_kib": memory, "time_cost": passes, "parallelism": parallelism, "hash_ms_p50": took}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object and nothing else on stdout")
    parser.add_argument("--target-ms", type=float, default=250.0)
    parser.add_argument("--max-memory-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    configured = (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
    configured_ms = hash_ms(*configured, args.rounds)
    owasp_ms = hash_ms(*OWASP, args.rounds)
    out = {
        "configured": {"memory_kib": configured[0], "time_cost": configured[1], "parallelism": configured[2],
                       "hash_ms_p50": configured_ms},
        "owasp_minimum_ms_p50": owasp_ms,
        "ratio_to_owasp": round(configured_ms / owasp_ms, 2) if owasp_ms else None,
        "recommended": recommend(args.target_ms, args.max_memory_mib * 1024, min(4, os.cpu_count() or 1), args.rounds),
        "target_ms": args.target_ms,
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    c, r = out["configured"], out["recommended"]
    print(f"configured  m={c['memory_kib'] // 1024} MiB t={c['time_cost']} p={c['parallelism']}: "
          f"{c['hash_ms_p50']} ms per hash ({out['ratio_to_owasp']}x OWASP's minimum, {owasp_ms} ms)")
    print(f"recommended for {args.target_ms:.0f} ms here: VB_ARGON2_MEMORY_KIB={r['memory_kib']} "
          f"VB_ARGON2_TIME_COST={r['time_cost']} VB_ARGON2_PARALLELISM={r['parallelism']} ({r['hash_ms_p50']} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
