#!/usr/bin/env bash
# Installs what the tests and `npm start` need, idempotently, outside the repository.
#   - Debian packages (as root): chromium, python3-fastapi/uvicorn/pytest, build deps for code-server
#   - Node 24 (npm package `node`) and code-server, into $ODOOBO_CACHE (default ~/.cache/odoobo-skills)
# Prints `key=value` lines (NODE24=…, CODE_SERVER=…, CHROMIUM=…, PYTHON=…) on success; fails loudly otherwise.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
CACHE="${ODOOBO_CACHE:-$HOME/.cache/odoobo-skills}"
mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
flock 9

log() { echo "[ensure-env] $*" >&2; }

# npm for the installs below, isolated from an outer npm: under `npm test` / `npm start` the parent exports
# npm_config_* (code-server's postinstall reads the Node major from npm_config_user_agent and would see the outer
# npm's Node 20), npm_package_* and npm_lifecycle_*; none of them may leak into these installs.
clean_npm() {
  local unset_args=()
  local v
  while IFS= read -r v; do unset_args+=(-u "$v"); done < <(compgen -e | grep -E '^(npm_config_|npm_package_|npm_lifecycle_|npm_execpath$|npm_node_execpath$|npm_command$|INIT_CWD$)' || true)
  env "${unset_args[@]}" "$@"
}

apt_pkgs=(chromium python3-fastapi python3-uvicorn python3-pytest python3-httpx python3-skimage python3-debugpy libkrb5-dev pkg-config git)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt_log="$CACHE/apt-get.log"
    log "apt-get install ${missing[*]} (output in $apt_log)"
    export DEBIAN_FRONTEND=noninteractive
    apt_fail() { log "$1 failed; last lines of $apt_log:"; tail -n 40 "$apt_log" >&2; exit 1; }
    apt-get update -qq >>"$apt_log" 2>&1 || apt_fail "apt-get update"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 || apt_fail "apt-get install"
  else
    log "missing Debian packages (need root to install): ${missing[*]}"
    exit 1
  fi
fi

node24_dir="$CACHE/node$NODE_MAJOR"
node24_bin=""
if [ -f "$node24_dir/.ok" ]; then node24_bin=$(cat "$node24_dir/.ok"); fi
if [ -z "$node24_bin" ] || [ ! -x "$node24_bin" ]; then
  log "installing Node $NODE_MAJOR into $node24_dir"
  rm -rf "$node24_dir"; mkdir -p "$node24_dir"
  (cd "$node24_dir" && clean_npm npm install --no-save --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >&2)
  node24_bin=$(find "$node24_dir/node_modules" -path '*/bin/node' -type f | head -n1)
  [ -x "$node24_bin" ] || { log "Node $NODE_MAJOR binary not found after install"; exit 1; }
  "$node24_bin" --version | grep -q "^v$NODE_MAJOR\." || { log "unexpected Node version"; exit 1; }
  echo "$node24_bin" > "$node24_dir/.ok"
fi
node24_root=$(dirname "$(dirname "$node24_bin")")

cs_dir="$CACHE/code-server-$CODE_SERVER_VERSION"
cs_bin="$cs_dir/bin/code-server"
if [ ! -f "$cs_dir/.ok" ] || [ ! -x "$cs_bin" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $cs_dir (takes a few minutes the first time)"
  rm -rf "$cs_dir"
  clean_npm PATH="$node24_root/bin:$PATH" npm_config_nodedir="$node24_root" \
    npm install -g --prefix "$cs_dir" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
  [ -x "$cs_bin" ] || { log "code-server binary missing after install"; exit 1; }
  PATH="$node24_root/bin:$PATH" "$cs_bin" --version >/dev/null || { log "code-server does not start"; exit 1; }
  touch "$cs_dir/.ok"
fi

chromium_bin=$(command -v chromium || true)
[ -n "$chromium_bin" ] || { log "chromium not found"; exit 1; }
/usr/bin/python3 -c 'import fastapi, uvicorn' || { log "/usr/bin/python3 lacks fastapi/uvicorn"; exit 1; }

echo "NODE24=$node24_bin"
echo "CODE_SERVER=$cs_bin"
echo "CHROMIUM=$chromium_bin"
echo "PYTHON=/usr/bin/python3"
