#!/usr/bin/env bash
# Run pytest (usually tests/e2e) from a private copy of the working tree, so that several
# developers on one machine never share Reflex's build folder (.web). Usage:
#   scripts/e2e_private.sh NAME [pytest args...]     e.g. scripts/e2e_private.sh anna tests/e2e -k fmb
set -euo pipefail
name="${1:?give a name for your private copy}"; shift
src="$(cd "$(dirname "$0")/.." && pwd)"
dst="/tmp/webcert-e2e-$name"
mkdir -p "$dst"
rsync -a --delete --exclude .venv --exclude .web --exclude .tools --exclude .git \
  --exclude var --exclude artifacts --exclude __pycache__ "$src/" "$dst/"
ln -sfn "$src/.venv" "$dst/.venv"
ln -sfn "$src/.tools" "$dst/.tools"
cd "$dst"
export REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false REFLEX_USE_SYSTEM_BUN=1
export REFLEX_DIR="$src/.tools/reflex" PATH="$src/.tools/bun/node_modules/.bin:$PATH"
NPM_CONFIG_REGISTRY="$(npm config get registry)"
export NPM_CONFIG_REGISTRY
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
