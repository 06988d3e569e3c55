# Sourced by tools/run and tools/test: puts the project's pinned toolchain first on PATH.
# shellcheck shell=bash
VB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VB_ROOT
export SOLCX_BINARY_PATH="$VB_ROOT/tools/solc"
export NODE_PATH="$VB_ROOT/node_modules"
export PATH="$VB_ROOT/.venv/bin:$VB_ROOT/node_modules/.bin:$PATH"
