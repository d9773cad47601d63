#!/usr/bin/env bash
# Issue #5, item 2: one `tinkhac once` cycle over 1,000 loopback sources
# (500 HTML pages of 50-150 KB from the seed structures, 500 RSS feeds of
# 20-100 items) versus a bare download of the same bytes with the same
# concurrency (examples/bare_fetch: tinkhac's own fetcher, 16 in flight,
# per_host 2 over 8 loopback ports), then a second cycle where everything
# answers 304. A second reference, the parse floor (examples/parse_floor),
# parses the same pages and feeds from disk and does nothing else. nginx
# (one worker, CPU 0) serves the files; the measured
# process runs on CPU 1 under /usr/bin/time.
#
# bench/harvest.sh [ROUNDS] [N_SOURCES]
# TOPICS=0 bench/harvest.sh: the same without the [[topic]] rules.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need nginx taskset curl python3 /usr/bin/time
ROUNDS=${1:-2}
N=${2:-1000}
PORT=18101
build
build --example bare_fetch --example parse_floor
BARE=$TARGET/release/examples/bare_fetch
FLOOR=$TARGET/release/examples/parse_floor
make_work harvest
CACHE_MIB=${CACHE_MIB:-2}
python3 "$ROOT/bench/gen-portal.py" "$WORK" "$PORT" "$N" >/dev/null
sed -i "s/^cache_mib = 2/cache_mib = $CACHE_MIB/" "$WORK/feeds.toml"
# TOPICS=0: without the shipped [[topic]] rules (gen-portal.py appends them
# last), to measure what classification costs.
[ "${TOPICS:-1}" = 0 ] && sed -i '/^\[\[topic\]\]/,$d' "$WORK/feeds.toml"
echo "topics: $(grep -c '^\[\[topic\]\]' "$WORK/feeds.toml" || true)"
portal_nginx_conf "$PORT" "sendfile on; charset utf-8; charset_types text/html application/rss+xml;"
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_http "http://127.0.0.1:$PORT/html/p0000.html"
echo "$N sources: $(du -sb "$WORK/www/html" | cut -f1) B of HTML, $(du -sb "$WORK/www/rss" | cut -f1) B of RSS"
echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(date -u +%FT%TZ)"

# measure LABEL CMD... -> prints "wall user sys maxrss_kib"
measure() {
    local label=$1
    shift
    timeout "${RUN_TIMEOUT:-120}" /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" taskset -c 1 "$@" >"$WORK/out.$label" 2>"$WORK/err.$label" || true
    [ -s "$WORK/time" ] && tail -n 1 "$WORK/time" || echo "timeout - - -"
}
once() {
    (cd "$WORK" && measure "$1" "$BIN" --config "$WORK/feeds.toml" once)
}

measure warmup "$BARE" "$WORK/feeds.toml" >/dev/null
printf '\n%-5s %-22s %7s %7s %7s %7s %9s %9s\n' round run wall_s user_s sys_s cpu_s cpu_ms/src rss_MiB
declare -A CPU WALL
for r in $(seq 1 "$ROUNDS"); do
    rm -rf "$WORK/store.sled"
    for run in bare parse-floor tinkhac-once tinkhac-once-304; do
        case $run in
            bare) read -r w u s m < <(measure bare "$BARE" "$WORK/feeds.toml") ;;
            parse-floor) read -r w u s m < <(measure floor "$FLOOR" "$WORK/www") ;;
            tinkhac-once) read -r w u s m < <(once first) ;;
            tinkhac-once-304) read -r w u s m < <(once second) ;;
        esac
        c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        CPU[$run]="${CPU[$run]:-} $c"
        WALL[$run]="${WALL[$run]:-} $w"
        awk -v r="$r" -v n="$run" -v w="$w" -v u="$u" -v s="$s" -v c="$c" -v m="$m" -v N="$N" \
            'BEGIN { printf "%-5s %-22s %7.2f %7.2f %7.2f %7.2f %9.2f %9.1f\n", r, n, w, u, s, c, c * 1000 / N, m / 1024 }'
    done
    echo "      bare: $(tail -1 "$WORK/out.bare"); floor: $(tail -1 "$WORK/out.floor")"
    echo "      first cycle: $(grep -c ' FAIL ' "$WORK/out.first" || true) FAIL of $(wc -l <"$WORK/out.first"), $(awk '$2 == "ok" && $3 != "not" { s += $5 } END { print s + 0 }' "$WORK/out.first") new items; second: $(grep -c 'not modified' "$WORK/out.second" || true) not modified"
done
mean() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.3f", s / NF }' <<<"$1"; }
echo
awk -v b="$(mean "${CPU[bare]}")" -v f="$(mean "${CPU[parse-floor]}")" -v t="$(mean "${CPU[tinkhac-once]}")" -v s="$(mean "${CPU[tinkhac-once-304]}")" \
    -v bw="$(mean "${WALL[bare]}")" -v tw="$(mean "${WALL[tinkhac-once]}")" -v sw="$(mean "${WALL[tinkhac-once-304]}")" 'BEGIN {
    printf "CPU: pipeline / bare download = %.2f× (goal ≤ 2×); wall %.2f×\n", t / b, tw / bw
    printf "CPU: pipeline / parse floor (html5ever + feed-rs alone, one thread) = %.2f×\n", t / f
    printf "CPU: 304 cycle / first cycle = %.1f%% (goal < 5%%); wall %.1f%%\n", 100 * s / t, 100 * sw / tw
}'
echo "sample of once output:"; head -3 "$WORK/out.first"; head -3 "$WORK/out.second"
