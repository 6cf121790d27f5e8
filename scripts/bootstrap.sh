#!/usr/bin/env bash
# One command from a fresh clone: installs what is missing (Node >= 22, redis-server, Chromium
# for the e2e tests, npm packages), then runs `npm run dev` or `npm test`.
#   bash scripts/bootstrap.sh dev     the app on http://localhost:3000 (local Redis, demo provider)
#   bash scripts/bootstrap.sh test    every check and test, ending with "N passed, N failed"
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-dev}
shift || true

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (( $(node_major) < 22 )); then
  node24="$HOME/.node24/node_modules/node/bin"
  if [[ ! -x $node24/node ]]; then
    echo "bootstrap: Node $(node_major) is too old; installing Node 24 from the npm registry into ~/.node24"
    npm install --prefix "$HOME/.node24" --no-audit --no-fund --loglevel=error node@24
  fi
  export PATH="$node24:$PATH"
fi

packages=()
command -v redis-server >/dev/null || packages+=(redis-server)
[[ $mode == test && ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]] && packages+=(chromium)
if (( ${#packages[@]} )); then
  if command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${packages[*]} with apt-get"
    sudo_cmd=(); (( EUID == 0 )) || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "bootstrap: please install ${packages[*]} (e.g. brew install redis chromium)" >&2
    exit 1
  fi
fi

# Install only when the installed tree is older than the lockfile. `npm ci` refuses a lockfile
# without the other platforms' optional binaries (Biome's, Next's SWC), which a registry mirror
# serving one platform produces; `npm install` honours the same lockfile and skips them.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi

case $mode in
  dev) exec npm run dev -- "$@" ;;
  test) exec npm test ;;
  *) echo "usage: bash scripts/bootstrap.sh dev|test" >&2; exit 2 ;;
esac
