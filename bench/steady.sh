#!/usr/bin/env bash
# Issue #18: what the daemon costs at rest, against what `tinkhac once` from
# cron costs for the same work, in the same run.
#
# N sources (default 200) of bench/gen-portal.py's portal (half HTML pages,
# half RSS feeds, the shipped topics) polled every INTERVAL (default 1m):
# 200 at 1 minute is 3.3 polls/s, the rate of 2,000 sources at 10 minutes.
# nginx (one worker, CPU 0) serves the files with ETag and Last-Modified, so
# once the store is primed every poll is answered 304: a quiet poll.
#
# 1. `tinkhac once` twice on a new store: the first cycle fetches everything
#    (the backlog), the second is the quiet cycle measured (CPU 1).
# 2. `tinkhac run` on that store (CPU 1): after WARM seconds, CPU time from
#    /proc/PID/stat and polls from /metrics over WINDOW seconds. CPU per
#    poll over the window includes everything the daemon did meanwhile
#    (timers, the HTTP server idle, sled's flusher, the state batches).
# 3. The same store with every source at 1 hour: all sources sleep (their
#    last poll is recent); CPU over IDLE seconds after IDLE_WARM, in ms/s.
#
# bench/steady.sh [N] [INTERVAL] [WINDOW_S] [IDLE_S]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need nginx taskset curl python3 /usr/bin/time
N=${1:-200}
INTERVAL=${2:-1m}
WINDOW=${3:-120}
IDLE=${4:-120}
WARM=${WARM:-75}
IDLE_WARM=${IDLE_WARM:-5}
PORT=18401
build
make_work steady
python3 "$ROOT/bench/gen-portal.py" "$WORK" "$PORT" "$N" "$INTERVAL" >/dev/null
portal_nginx_conf "$PORT" "sendfile on; open_file_cache max=10000; charset utf-8; charset_types application/rss+xml;"
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_http "http://127.0.0.1:$PORT/html/p0000.html"
echo "$N sources every $INTERVAL; $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(date -u +%FT%TZ)"
echo "nginx: 1 worker on CPU 0, sendfile, open_file_cache; tinkhac on CPU 1"
LISTEN=$(sed -n 's/^listen = "\(.*\)"/\1/p' "$WORK/feeds.toml" | head -1)

# once LABEL -> "cpu_s" of one `tinkhac once` cycle
once() {
    (cd "$WORK" && /usr/bin/time -f "%U %S" -o "$WORK/time.$1" taskset -c 1 "$BIN" --config "$WORK/feeds.toml" once >"$WORK/out.$1" 2>"$WORK/err.$1") || true
    awk '{ printf "%.3f", $1 + $2 }' "$WORK/time.$1"
}
polls() {
    curl -fsS "http://$LISTEN/metrics" | awk '/^tinkhac_polls_total/ { s += $NF } END { print s + 0 }'
}

once first >/dev/null
ONCE=$(once quiet)
QUIET=$(grep -c 'not modified' "$WORK/out.quiet" || true)
echo "once, quiet cycle: $ONCE CPU-s for $N sources ($QUIET answered 304)"

(cd "$WORK" && exec taskset -c 1 "$BIN" --config "$WORK/feeds.toml" run 2>"$WORK/err.run") &
TPID=$!
wait_http "http://$LISTEN/metrics"
sleep "$WARM"
p0=$(polls)
c0=$(cpu_of "$TPID")
sleep "$WINDOW"
c1=$(cpu_of "$TPID")
p1=$(polls)
kill "$TPID"
wait "$TPID" 2>/dev/null || true
TPID=
dp=$((p1 - p0))
dc=$((c1 - c0))
echo "daemon, ${WINDOW} s window: $(ticks_to_s "$dc") CPU-s for $dp polls"

# Idle: the same store, every source at 1 hour.
sed -i "s/^interval = \".*\"/interval = \"1h\"/" "$WORK/feeds.toml"
(cd "$WORK" && exec taskset -c 1 "$BIN" --config "$WORK/feeds.toml" run 2>"$WORK/err.idle") &
TPID=$!
wait_http "http://$LISTEN/metrics"
sleep "$IDLE_WARM"
i0=$(cpu_of "$TPID")
sleep "$IDLE"
i1=$(cpu_of "$TPID")
kill "$TPID"
wait "$TPID" 2>/dev/null || true
TPID=
di=$((i1 - i0))

awk -v once="$ONCE" -v n="$N" -v dc="$dc" -v dp="$dp" -v hz="$HZ" -v di="$di" -v idle="$IDLE" -v w="$WINDOW" 'BEGIN {
    o = once / n * 1000
    d = dp > 0 ? dc / hz / dp * 1000 : 0
    i = di / hz / idle * 1000
    printf "\nonce:   %.3f ms CPU per quiet poll (one cycle, process start included)\n", o
    printf "daemon: %.3f ms CPU per quiet poll over the window (%.2f polls/s)\n", d, dp / w
    printf "daemon / once = %.2f× (goal ≤ 1.5×)\n", (o > 0 ? d / o : 0)
    printf "idle:   %.3f ms CPU per second, all sources sleeping (goal ≤ 0.1; /proc ticks are %d ms, so ±%.3f)\n", i, 1000 / hz, 1000 / hz / idle
    polls_day = 2000 * 144
    printf "2,000 sources at 10 minutes (%d polls/day): daemon %.0f CPU-s/day, once from cron %.0f CPU-s/day\n", polls_day, d * polls_day / 1000, o * polls_day / 1000
}'
