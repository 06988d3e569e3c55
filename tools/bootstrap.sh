# Sourced by tools/run and tools/test: installs what is missing, then puts the toolchain on PATH.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is required (eth-brownie 1.22.2 supports it); install python3.11 and retry." >&2
  return 1
}

# Python: a venv pinned by requirements.lock; reinstalled only when the lock file changes.
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$(find_python)" -m venv .venv
fi
lock_hash="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [ "$(cat .venv/.lock-hash 2>/dev/null || true)" != "$lock_hash" ]; then
  echo "==> installing Python packages (requirements.lock)"
  # --no-deps: the lock lists every package with its exact version. eth-brownie pins python-dotenv 0.16.0, which
  # pydantic-settings declares too old although it works (we read no .env file); a resolver would refuse the pair.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
  echo "$lock_hash" > .venv/.lock-hash
fi

# Node: solc, OpenZeppelin, Anvil and Ganache pinned by package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm are required (solc-js, Anvil and Ganache come from npm)." >&2
  exit 1
fi
npm_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ "$(cat node_modules/.lock-hash 2>/dev/null || true)" != "$npm_hash" ]; then
  echo "==> installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > node_modules/.lock-hash
fi

# The web app: its own npm packages (web/package-lock.json: esbuild, the QR encoder and decoder, a keccak for
# address checksums, axe-core for the tests), then a build into web/dist, which the backend serves (about a second).
web_hash="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
if [ ! -d web/node_modules ] || [ "$(cat web/node_modules/.lock-hash 2>/dev/null || true)" != "$web_hash" ]; then
  echo "==> installing the web app's npm packages (web/package-lock.json)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$web_hash" > web/node_modules/.lock-hash
fi
echo "==> building the web app (web/dist)"
(cd web && node build.mjs)

# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"
