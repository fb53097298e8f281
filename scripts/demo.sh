#!/usr/bin/env bash
# `make demo`: three local redis-server nodes in the states the card shows (healthy with AOF on,
# a rewrite that failed for real, AOF off after an earlier failure), the plugin built and started
# as Grafana starts it, and the card printed with the dashboard's own mappings until Ctrl-C.
# Addresses default to the provisioning's demo ports and can be overridden by the same variables.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh system go
echo "demo: building the plugin backend"
go build -o dist/gpx_redis_persistence_linux_amd64 ./pkg

export REDIS_HEALTHY_ADDR=${REDIS_HEALTHY_ADDR:-127.0.0.1:6391}
export REDIS_FAILING_REWRITES_ADDR=${REDIS_FAILING_REWRITES_ADDR:-127.0.0.1:6392}
export REDIS_AOF_OFF_ADDR=${REDIS_AOF_OFF_ADDR:-127.0.0.1:6393}

work=$(mktemp -d)
pids=()
cleanup() {
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
echo "demo: Ctrl-C stops everything"
go run ./pkg/demo -plugin dist/gpx_redis_persistence_linux_amd64 "$@"
