#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh Debian machine and skips what is
# already there: Debian's redis-server (integration tests start their own processes),
# dante-server (a real SOCKS5 proxy for the secure SOCKS proxy tests, started per test) and
# chromium (browser tests drive it with playwright-core; no browser downloads), npm packages
# and Go modules. Arguments pick parts (system, node, go); none means all.
set -euo pipefail
parts=" ${*:-system node go} "

need=()
if [[ $parts == *" system "* ]]; then
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v danted >/dev/null || [ -x /usr/sbin/danted ] || need+=(dante-server)
  command -v chromium >/dev/null || need+=(chromium)
  # Without a font package headless Chromium renders screenshots with unreadable text.
  [ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian starts a redis-server service on 6379 after install; tests never use it, and leave a
# pre-existing one alone. Likewise the danted service: tests start Dante with their own config.

stamp=node_modules/.installed-lock
if [[ $parts == *" node "* ]] && { [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; }; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

[[ $parts != *" go "* ]] || go mod download
