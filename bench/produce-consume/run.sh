#!/bin/bash
# The issue's performance set, measured with `rmq bench` and the shared peer harness:
#   ASYNC_FLUSH: single sends (32 blocking senders; 1000 pipelined), batches of 32, consume drain
#   (push and pull), end-to-end latency at 10,000 msg/s; SYNC_FLUSH: single sends; then the peer
#   harness (bench.mjs) with our adapter. Each configuration runs REPEAT times (default 3); one JSON
#   line per run goes to stdout (prefixed with its label), then summarize.mjs prints best/median.
#
#   npm run build && bench/produce-consume/run.sh > results.txt && node bench/produce-consume/summarize.mjs results.txt
#
# Environment: RMQ_DIST (compiled tree, default dist/), REPEAT, SECONDS_PER_RUN (default 5),
# PEERS_BENCH (path of the peer harness's bench.mjs; skipped when absent).
set -u
cd "$(dirname "$0")/../.."
DIST=${RMQ_DIST:-dist}
REPEAT=${REPEAT:-3}
SECS=${SECONDS_PER_RUN:-5}
PEERS_BENCH=${PEERS_BENCH:-/work/shared/peers/bench.mjs}
R="node $DIST/src/cli/main.js"
DATA=$(mktemp -d "${TMPDIR:-/tmp}/rmq-bench-XXXXXX")
DEV_PID=""
trap 'stop_dev; rm -rf "$DATA"' EXIT

start_dev() { # $1 = flushDiskType; sets NS
  rm -rf "$DATA/dev"
  $R dev --json --no-proxy --data "$DATA/dev" --namesrv-port 0 --broker-port 0 "flushDiskType=$1" > "$DATA/dev.out" 2>/dev/null &
  DEV_PID=$!
  for _ in $(seq 100); do grep -q '"ready":true' "$DATA/dev.out" 2>/dev/null && break; sleep 0.1; done
  NS=$(grep -oE '"namesrvAddr":"[^"]+"' "$DATA/dev.out" | cut -d'"' -f4)
  [ -n "$NS" ] || { echo "rmq dev did not start" >&2; exit 1; }
  echo "dev-$1 $(head -1 "$DATA/dev.out")"
}
stop_dev() {
  [ -n "$DEV_PID" ] || return 0
  kill -TERM "$DEV_PID" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$DEV_PID" 2>/dev/null
  DEV_PID=""
}
load() { echo "load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)"; }
rep() { # label, command...
  local label=$1; shift
  for _ in $(seq "$REPEAT"); do load; echo "$label $("$@" | tail -1)"; done
}

start_dev ASYNC_FLUSH
rep async-w32 $R bench produce -n "$NS" -t BenchW32 -w 32 --seconds "$SECS" --json
rep async-window1000 $R bench produce -n "$NS" -t BenchWin --async --window 1000 --seconds "$SECS" --json
rep async-batch32 $R bench produce -n "$NS" -t BenchBatch --batch 32 --async --window 16 --seconds "$SECS" --json
rep consume-push $R bench consume -n "$NS" -t BenchWin --idle 2000 --json
rep consume-pull $R bench consume -n "$NS" -t BenchWin --mode pull --idle 2000 --json
rep latency-10k $R bench latency -n "$NS" --rate 10000 --seconds 10 --json
echo "dev-rss-after-load-kib $(ps -o rss= -p "$DEV_PID" | tr -d ' ')"
stop_dev

start_dev SYNC_FLUSH
rep sync-w32 $R bench produce -n "$NS" -t BenchW32 -w 32 --seconds "$SECS" --json
rep sync-window1000 $R bench produce -n "$NS" -t BenchWin --async --window 1000 --seconds "$SECS" --json
stop_dev

if [ -f "$PEERS_BENCH" ]; then
  rep peer-async env RMQ_DIST="$DIST" node "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --size 1024 --count 200000 --seconds 30
  rep peer-sync env RMQ_DIST="$DIST" RMQ_FLUSH_DISK_TYPE=SYNC_FLUSH node "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --size 1024 --count 50000 --seconds 30
  rep peer-latency env RMQ_DIST="$DIST" node "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --mode latency --rate 5000 --seconds 10
fi
load
