#!/usr/bin/env bash
# `make demo`: three local redis-server nodes in the states the card shows (healthy with AOF on,
# a rewrite that failed for real, AOF off after an earlier failure), the plugin built, the REAL
# Grafana (scripts/grafana-server.sh, 10.0.0-preview, HTTP API only) started on
# 127.0.0.1:${GRAFANA_PORT:-3000} with this repo's provisioning/, and the viewer (pkg/demo)
# printing what Grafana returns: the card per node and every alert rule's state, until Ctrl-C.
# Node addresses default to the provisioning's demo ports and can be overridden by the same
# variables. For the full UI use `docker compose up` (Grafana 12.4 image) instead.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
grafana_port=${GRAFANA_PORT:-3000}
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$grafana_port/" || ss -ltn "sport = :$grafana_port" 2>/dev/null | grep -q LISTEN; then
  echo "demo: 127.0.0.1:$grafana_port is already in use; stop what listens there or run GRAFANA_PORT=<free port> make demo" >&2
  exit 1
fi
echo "demo: building the plugin backend"
GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -o dist/gpx_redis_persistence_linux_amd64 ./pkg
if [ ! -f dist/module.js ] || [ -n "$(find src package.json -newer dist/module.js -print -quit)" ]; then
  echo "demo: building the frontend"
  npm run build --silent >/dev/null
fi

export REDIS_HEALTHY_ADDR=${REDIS_HEALTHY_ADDR:-127.0.0.1:6391}
export REDIS_FAILING_REWRITES_ADDR=${REDIS_FAILING_REWRITES_ADDR:-127.0.0.1:6392}
export REDIS_AOF_OFF_ADDR=${REDIS_AOF_OFF_ADDR:-127.0.0.1:6393}

work=$(mktemp -d)
pids=()
cleanup() {
  scripts/grafana-server.sh stop "$work/grafana" >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true # a rewrite child, if one is running
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_node() { # name address appendonly
  local name=$1 port=${2##*:}
  mkdir -p "$work/$name"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$work/$name" --appendonly "$3" --save "" \
    --logfile "$work/$name/redis.log" &
  pids+=($!)
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: redis-server for $name did not start on port $port (is the port taken?); see $work/$name/redis.log" >&2
  exit 1
}

field() { redis-cli -p "$1" info persistence | tr -d '\r' | sed -n "s/^$2://p"; }

# A rewrite that fails for real: the child is held by rdb-key-save-delay, then SIGKILLed, the way
# Redis's own test suite does it. Redis records aof_last_bgrewrite_status:err.
fail_a_rewrite() {
  local port=$1 pid=$2 child=""
  redis-cli -p "$port" set demo:key value >/dev/null
  redis-cli -p "$port" config set rdb-key-save-delay 100000000 >/dev/null
  redis-cli -p "$port" bgrewriteaof >/dev/null
  for _ in $(seq 100); do child=$(pgrep -P "$pid" || true); [ -n "$child" ] && break; sleep 0.1; done
  redis-cli -p "$port" config set rdb-key-save-delay 0 >/dev/null
  kill -KILL "$child"
  for _ in $(seq 100); do [ "$(field "$port" aof_last_bgrewrite_status)" = err ] && return 0; sleep 0.1; done
  echo "demo: could not make a rewrite fail on port $port" >&2
  exit 1
}

start_node healthy "$REDIS_HEALTHY_ADDR" yes
start_node failing-rewrites "$REDIS_FAILING_REWRITES_ADDR" yes
fail_a_rewrite "${REDIS_FAILING_REWRITES_ADDR##*:}" "${pids[1]}"
start_node aof-off "$REDIS_AOF_OFF_ADDR" yes
fail_a_rewrite "${REDIS_AOF_OFF_ADDR##*:}" "${pids[2]}"
redis-cli -p "${REDIS_AOF_OFF_ADDR##*:}" config set appendonly no >/dev/null # the stale err stays in INFO

echo "demo: nodes healthy=$REDIS_HEALTHY_ADDR failing-rewrites=$REDIS_FAILING_REWRITES_ADDR aof-off=$REDIS_AOF_OFF_ADDR"
export REDIS_PASSWORD=""
mkdir -p "$work/plugins"
cp -r dist "$work/plugins/persistwatch-redis-datasource"
echo "demo: starting Grafana on http://127.0.0.1:$grafana_port (admin/admin; HTTP API only, no UI in this build)"
scripts/grafana-server.sh start "$work/plugins" provisioning "$grafana_port" "$work/grafana"
echo "demo: Grafana log: $work/grafana/grafana.log; Ctrl-C stops everything"
go run ./pkg/demo -grafana "http://127.0.0.1:$grafana_port" "$@"
