#!/usr/bin/env bash
# `make demo`: local redis-server nodes in the states the card shows, the plugin run under the
# plugin host the way Grafana runs it (cmd/demo: go-plugin handshake and gRPC, the provisioned
# data source with its environment expanded, the provisioned dashboard's panel targets), and the
# dashboard's stat panels drawn with Grafana's own display code on http://127.0.0.1:${DEMO_PORT:-3001}/.
# The terminal prints each node's card on every refresh, until Ctrl-C stops everything.
#
# Provisioned nodes (addresses overridable by the same variables as provisioning/):
#   healthy            AOF on, rewrites ok                           REDIS_HEALTHY_ADDR (127.0.0.1:6391)
#   failing-rewrites   a rewrite that failed for real                REDIS_FAILING_REWRITES_ADDR (:6392)
#   aof-off            AOF off after a failed rewrite (stale err)    REDIS_AOF_OFF_ADDR (:6393)
# Extra nodes, given to the data source after those:
#   rewriting          a rewrite held in progress (about 35 minutes)             127.0.0.1:6394
#   aof-write-failing  AOF appends fail (file-size limit), rewrites ok           127.0.0.1:6395
#   restricted         INFO renamed away, as managed services refuse it          127.0.0.1:6396
#   unreachable        nothing listens there                                     127.0.0.1:6397
# Needs no Grafana server; for the whole dashboard and the alert rules in a real Grafana, use
# `docker compose up` (README).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export REDIS_HEALTHY_ADDR=${REDIS_HEALTHY_ADDR:-127.0.0.1:6391}
export REDIS_FAILING_REWRITES_ADDR=${REDIS_FAILING_REWRITES_ADDR:-127.0.0.1:6392}
export REDIS_AOF_OFF_ADDR=${REDIS_AOF_OFF_ADDR:-127.0.0.1:6393}
export REDIS_PASSWORD="" # the demo nodes have no password
rewriting=127.0.0.1:6394 write_failing=127.0.0.1:6395 restricted=127.0.0.1:6396 unreachable=127.0.0.1:6397
listen=127.0.0.1:${DEMO_PORT:-3001}

in_use() { ss -ltnH "sport = :${1##*:}" 2>/dev/null | grep -q .; }
for addr in "$REDIS_HEALTHY_ADDR" "$REDIS_FAILING_REWRITES_ADDR" "$REDIS_AOF_OFF_ADDR" $rewriting $write_failing \
  $restricted $unreachable $listen; do
  if in_use "$addr"; then
    echo "demo: $addr is already in use; stop what listens there (DEMO_PORT=<port> moves the page)" >&2
    exit 1
  fi
done

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

echo "demo: building the plugin, the viewer and the page"
go build -o "$work/gpx_redis_persistence" ./pkg
go build -o "$work/demo" ./cmd/demo
node tests/render/build-page.mjs "$work/page" >/dev/null

start_node() { # name address [prefix run before exec] [redis-server arguments...]
  local name=$1 port=${2##*:} prefix=${3:-}
  shift 3 || shift $#
  mkdir -p "$work/$name"
  bash -c "$prefix exec redis-server \"\$@\"" redis-server --bind 127.0.0.1 --port "$port" --dir "$work/$name" \
    --appendonly yes --save "" --logfile "$work/$name/redis.log" "$@" &
  pids+=($!)
  for _ in $(seq 100); do
    redis-cli -p "$port" config get dir 2>/dev/null | grep -qx "$work/$name" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: redis-server for $name did not start on port $port; see $work/$name/redis.log" >&2
  exit 1
}

field() { redis-cli -p "$1" info persistence | tr -d '\r' | sed -n "s/^$2://p"; }

wait_field() { # port field value
  for _ in $(seq 150); do [ "$(field "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
  echo "demo: $2 on port $1 did not become $3" >&2
  exit 1
}

# A rewrite child held by rdb-key-save-delay (microseconds per key; the largest value holds one
# key for about 35 minutes). Prints the child's pid.
hold_rewrite() { # port server-pid
  local child=""
  redis-cli -p "$1" set demo:key value >/dev/null
  redis-cli -p "$1" config set rdb-key-save-delay 2147483647 >/dev/null
  redis-cli -p "$1" bgrewriteaof >/dev/null
  for _ in $(seq 100); do child=$(pgrep -P "$2" || true); [ -n "$child" ] && break; sleep 0.1; done
  [ -n "$child" ] || { echo "demo: no rewrite child on port $1" >&2; exit 1; }
  echo "$child"
}

# A rewrite that fails for real: the held child is SIGKILLed, the way Redis's own test suite does
# it. Redis records aof_last_bgrewrite_status:err.
fail_a_rewrite() { # port server-pid
  local child
  child=$(hold_rewrite "$1" "$2")
  redis-cli -p "$1" config set rdb-key-save-delay 0 >/dev/null
  kill -KILL "$child"
  wait_field "$1" aof_last_bgrewrite_status err
}

start_node healthy "$REDIS_HEALTHY_ADDR"
start_node failing-rewrites "$REDIS_FAILING_REWRITES_ADDR"
fail_a_rewrite "${REDIS_FAILING_REWRITES_ADDR##*:}" "${pids[-1]}"
start_node aof-off "$REDIS_AOF_OFF_ADDR"
fail_a_rewrite "${REDIS_AOF_OFF_ADDR##*:}" "${pids[-1]}"
redis-cli -p "${REDIS_AOF_OFF_ADDR##*:}" config set appendonly no >/dev/null # the stale err stays in INFO
start_node restricted $restricted "" --rename-command INFO ""

# AOF appends that fail the way a full disk fails them: a 1 MiB soft file-size limit with SIGXFSZ
# ignored, then values until the AOF reaches it (Redis then refuses writes with MISCONF).
start_node aof-write-failing $write_failing "trap '' XFSZ; ulimit -S -f 1024;"
head -c 65536 /dev/zero | tr '\0' x >"$work/chunk"
for i in $(seq 64); do
  [ "$(field "${write_failing##*:}" aof_last_write_status)" = err ] && break
  redis-cli -p "${write_failing##*:}" -x set "demo:fill:$i" <"$work/chunk" >/dev/null
done
wait_field "${write_failing##*:}" aof_last_write_status err

start_node rewriting $rewriting
hold_rewrite "${rewriting##*:}" "${pids[-1]}" >/dev/null

echo "demo: nodes healthy=$REDIS_HEALTHY_ADDR failing-rewrites=$REDIS_FAILING_REWRITES_ADDR aof-off=$REDIS_AOF_OFF_ADDR"
echo "      rewriting=$rewriting aof-write-failing=$write_failing restricted=$restricted unreachable=$unreachable"
"$work/demo" -plugin "$work/gpx_redis_persistence" -page "$work/page" -listen "$listen" \
  -plugin-log "$work/plugin.log" \
  -node "rewriting=$rewriting" -node "aof-write-failing=$write_failing" \
  -node "restricted=$restricted" -node "unreachable=$unreachable" "$@"
