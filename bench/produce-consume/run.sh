#!/bin/bash
# The issue's performance set, measured with `rmq bench` and the shared peer harness:
#   ASYNC_FLUSH: single sends (32 blocking senders; 1000 pipelined), batches of 32, consume drain
#   (push and pull), end-to-end latency at 10,000 msg/s; SYNC_FLUSH: single sends; then the peer
#   harness (bench.mjs) with our adapter. Each configuration runs REPEAT times (default 3); one JSON
#   line per run goes to stdout (prefixed with its label), then summarize.mjs prints best/median.
#
#   npm run build && bench/produce-consume/run.sh > results.txt && node bench/produce-consume/summarize.mjs results.txt
#
# Environment: RMQ_DIST (compiled tree, default dist/), RMQ_NODE_FLAGS (node flags of every process,
# default --single-threaded-gc; set it empty for none), REPEAT, SECONDS_PER_RUN (default 5),
# PEERS_BENCH (path of the peer harness's bench.mjs; skipped when absent), PEERS_HOME (where the peers'
# start.sh keeps its PID files, default /tmp/peers-home): NATS JetStream and RabbitMQ, when running,
# are measured by the same harness interleaved with our adapter, so each comparison is "same run".
# QUIET_WAIT / QUIET_PCT: before each run, wait up to QUIET_WAIT s (default 20) for the host to be
# under QUIET_PCT % busy (default 40, of one core). Each result line is preceded by the host's load
# average and its CPU use during the run ("hostcpu", percent of one core, all processes), from which
# summarize.mjs derives the `other` CPU (everything but our broker and bench client). DROP_CACHES=1:
# see drop_caches below.
set -u
cd "$(dirname "$0")/../.."
DIST=${RMQ_DIST:-dist}
REPEAT=${REPEAT:-3}
SECS=${SECONDS_PER_RUN:-5}
PEERS_BENCH=${PEERS_BENCH:-/work/shared/peers/bench.mjs}
# Node flags for every process of the set (our broker, `rmq bench`, the peer harness for all peers alike).
# --single-threaded-gc: on this shared 2-core host V8's parallel GC helpers wait for CPU while the main
# thread waits for them; single-threaded GC cut the e2e p99 at 10,000 msg/s in 5 of 5 paired runs.
NODE_FLAGS=${RMQ_NODE_FLAGS---single-threaded-gc}
R="node $NODE_FLAGS $DIST/src/cli/main.js"
DATA=$(mktemp -d "${TMPDIR:-/tmp}/rmq-bench-XXXXXX")
DEV_PID=""
trap 'stop_dev; rm -rf "$DATA"' EXIT

# DROP_CACHES=1 (root): empty the page cache before each flush mode's set (and each run, see settle). On this VM, once the page
# cache holds about 9 GiB, copying new pages into it gets about three times dearer (perf: the kernel's
# copy into the page cache, 36 % of the broker's samples), and single-send throughput falls from 200k
# to 125k msg/s; with the cache dropped first a set never gets there.
drop_caches() {
  [ "${DROP_CACHES:-0}" = 1 ] || return 0
  sync
  { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null || echo "DROP_CACHES: cannot write /proc/sys/vm/drop_caches" >&2
}
# Before every run the previous run's dirty pages are written out, and with DROP_CACHES=1 the page
# cache is emptied before every run but the consume runs (they read what the runs before them wrote).
# A run writes 1-2 GB. On this VM a page cache growing into memory the guest has not touched before
# costs the writer dearly (a host fault per new page, it seems): after 5 GB of writes, batches of 32
# fell from 374k to 231k msg/s (broker 2.4 -> 4.1 us per message), and came back to 374k in the same
# broker process once the cache was dropped. In a set they gave 194-205k against 365-376k alone.
settle() { # $1 = the run's label
  sync
  case "$1" in consume-*) ;; *) drop_caches ;; esac
}
start_dev() { # $1 = flushDiskType; sets NS
  drop_caches
  rm -rf "$DATA/dev"
  $R dev --json --no-proxy --data "$DATA/dev" --namesrv-port 0 --broker-port 0 "flushDiskType=$1" > "$DATA/dev.out" 2>/dev/null &
  DEV_PID=$!
  for _ in $(seq 100); do grep -q '"ready":true' "$DATA/dev.out" 2>/dev/null && break; sleep 0.1; done
  NS=$(grep -oE '"namesrvAddr":"[^"]+"' "$DATA/dev.out" | cut -d'"' -f4)
  [ -n "$NS" ] || { echo "rmq dev did not start" >&2; exit 1; }
  echo "dev-$1 $(grep -m1 '"ready":true' "$DATA/dev.out")"
}
stop_dev() {
  [ -n "$DEV_PID" ] || return 0
  kill -TERM "$DEV_PID" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$DEV_PID" 2>/dev/null
  DEV_PID=""
}
load() { echo "load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)"; }
NCPU=$(nproc 2>/dev/null || echo 1)
cpustat() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat 2>/dev/null || echo "0 1"; }
busy_pct() { # "busy0 total0" "busy1 total1" -> percent of one core
  awk -v a="$1" -v b="$2" -v n="$NCPU" 'BEGIN{split(a,x," ");split(b,y," ");d=y[2]-x[2];if(d<=0)d=1;printf "%.0f", (y[1]-x[1])*100*n/d}'
}
quiet() {
  local waited=0 s0 s1
  while [ "$waited" -lt "${QUIET_WAIT:-20}" ]; do
    s0=$(cpustat); sleep 1; s1=$(cpustat); waited=$((waited + 1))
    [ "$(busy_pct "$s0" "$s1")" -lt "${QUIET_PCT:-40}" ] && return 0
  done
}
rep() { # label, command...
  local label=$1; shift
  for _ in $(seq "$REPEAT"); do one "$label" "$@"; done
}
one() { # one run: label, command...
  local label=$1 s0 s1 out; shift
  settle "$label"; quiet; load; s0=$(cpustat)
  out=$("$@" | tail -1)
  s1=$(cpustat)
  echo "hostcpu $(busy_pct "$s0" "$s1")"
  echo "$label $out"
}

PH=${PEERS_HOME:-/tmp/peers-home}
running() { [ -f "$PEERS_BENCH" ] && [ -f "$PH/$1.pid" ] && kill -0 "$(head -1 "$PH/$1.pid" | cut -d' ' -f1)" 2>/dev/null; }
PB() { node $NODE_FLAGS "$PEERS_BENCH" "$@"; }

start_dev ASYNC_FLUSH
rep async-w32 $R bench produce -n "$NS" -t BenchW32 -w 32 --seconds "$SECS" --json
for _ in $(seq "$REPEAT"); do
  running nats && one nats-async PB --peer nats --size 1024 --count 200000 --seconds 30
  one async-window1000 $R bench produce -n "$NS" -t BenchWin --async --window 1000 --seconds "$SECS" --json
done
rep async-batch32 $R bench produce -n "$NS" -t BenchBatch --batch 32 --async --window 16 --seconds "$SECS" --json
rep consume-push $R bench consume -n "$NS" -t BenchWin --idle 2000 --json
rep consume-pull $R bench consume -n "$NS" -t BenchWin --mode pull --idle 2000 --json
rep latency-10k $R bench latency -n "$NS" --rate 10000 --seconds 10 --json
echo "dev-rss-after-load-kib $(ps -o rss= -p "$DEV_PID" | tr -d ' ')"
stop_dev

start_dev SYNC_FLUSH
rep sync-w32 $R bench produce -n "$NS" -t BenchW32 -w 32 --seconds "$SECS" --json
for _ in $(seq "$REPEAT"); do
  running rabbitmq && one rabbitmq-sync PB --peer rabbitmq --size 1024 --count 50000 --seconds 30
  one sync-window1000 $R bench produce -n "$NS" -t BenchWin --async --window 1000 --seconds "$SECS" --json
done
stop_dev

if [ -f "$PEERS_BENCH" ]; then
  for _ in $(seq "$REPEAT"); do
    # interleaved, so each pair of figures comes from the same minute of the shared machine
    running nats && one nats-async PB --peer nats --size 1024 --count 200000 --seconds 30
    one peer-async env RMQ_DIST="$DIST" RMQ_NODE_FLAGS="$NODE_FLAGS" node $NODE_FLAGS "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --size 1024 --count 200000 --seconds 30
    running rabbitmq && one rabbitmq-sync PB --peer rabbitmq --size 1024 --count 50000 --seconds 30
    one peer-sync env RMQ_DIST="$DIST" RMQ_NODE_FLAGS="$NODE_FLAGS" RMQ_FLUSH_DISK_TYPE=SYNC_FLUSH node $NODE_FLAGS "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --size 1024 --count 50000 --seconds 30
    # steady state: 1,000,000 messages (a 200,000-message run lasts under a second, JIT warm-up shows)
    running nats && one nats-async-1m PB --peer nats --size 1024 --count 1000000 --seconds 30
    one peer-async-1m env RMQ_DIST="$DIST" RMQ_NODE_FLAGS="$NODE_FLAGS" node $NODE_FLAGS "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --size 1024 --count 1000000 --seconds 30
    running nats && one nats-latency PB --peer nats --mode latency --rate 5000 --seconds 10
    one peer-latency env RMQ_DIST="$DIST" RMQ_NODE_FLAGS="$NODE_FLAGS" node $NODE_FLAGS "$PEERS_BENCH" --peer ./bench/peer-adapter.mjs --mode latency --rate 5000 --seconds 10
  done
fi
load
