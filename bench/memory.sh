#!/usr/bin/env bash
# Issue #5, item 5: peak and steady RSS of `tinkhac run` with 1,000 loopback
# sources (bench/gen-portal.py) over 10 poll cycles. Each interval a tenth of
# the files is touched, so they answer 200 again and are parsed again (same
# items, all known); the rest answer 304. sled's cache is the configured
# 2 MiB (`cache_mib`, the default).
#
# bench/memory.sh [INTERVAL_SECONDS] [CYCLES] [N_SOURCES]
# TOPICS=0 bench/memory.sh: the same without the [[topic]] rules.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need nginx curl python3
IV=${1:-15}
CYCLES=${2:-10}
N=${3:-1000}
PORT=18301
build
make_work memory
CACHE_MIB=${CACHE_MIB:-2}
python3 "$ROOT/bench/gen-portal.py" "$WORK" "$PORT" "$N" "${IV}s" >/dev/null
sed -i "s/^cache_mib = 2/cache_mib = $CACHE_MIB/" "$WORK/feeds.toml"
# TOPICS=0: without the shipped [[topic]] rules (gen-portal.py appends them
# last), for an A/B of what classification holds.
[ "${TOPICS:-1}" = 0 ] && sed -i '/^\[\[topic\]\]/,$d' "$WORK/feeds.toml"
portal_nginx_conf "$PORT"
nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_http "http://127.0.0.1:$PORT/html/p0000.html"
echo "$N sources every ${IV}s, $CYCLES cycles, $(grep -c '^\[\[topic\]\]' "$WORK/feeds.toml" || true) topic(s); $(nproc) CPUs, $(date -u +%FT%TZ)"
(cd "$WORK" && RUST_LOG=warn exec "$BIN" --config "$WORK/feeds.toml" run 2>"$WORK/tinkhac.log") &
TPID=$!
wait_http "http://127.0.0.1:$((PORT - 1))/healthz"
polls() {
    curl -fsS "http://127.0.0.1:$((PORT - 1))/metrics" |
        awk '/^tinkhac_polls_total/ { s += $NF } END { print s + 0 }'
}
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$TPID/status"; }
printf '%6s %8s %9s %9s\n' t_s polls rss_MiB hwm_MiB
start=$(date +%s)
samples=()
files=("$WORK"/www/*/*)
while :; do
    sleep "$IV"
    # A tenth of the sources change their validators (mtime), not their items.
    for _ in $(seq 1 $((N / 10))); do touch "${files[RANDOM % ${#files[@]}]}"; done
    p=$(polls)
    rss=$(kib VmRSS)
    hwm=$(kib VmHWM)
    t=$(($(date +%s) - start))
    samples+=("$rss")
    awk -v t="$t" -v p="$p" -v r="$rss" -v h="$hwm" 'BEGIN { printf "%6d %8d %9.1f %9.1f\n", t, p, r / 1024, h / 1024 }'
    [ "$p" -ge $((N * CYCLES)) ] && break
    [ "$t" -gt $((IV * CYCLES * 3)) ] && { echo "stopped after ${t}s: fewer polls than expected" >&2; break; }
done
n=${#samples[@]}
last=("${samples[@]:$((n > 3 ? n - 3 : 0))}")
steady=$(printf '%s\n' "${last[@]}" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1024 }')
awk -v h="$(kib VmHWM)" -v s="$steady" 'BEGIN {
    printf "peak (VmHWM) %.1f MiB = %.2f of the 40 MiB goal; steady (mean VmRSS of the last 3 samples) %.1f MiB = %.2f of it\n", h / 1024, h / 1024 / 40, s, s / 40
}'
echo "store: $(du -sb "$WORK/store.sled" | cut -f1) B on disk; warnings in log besides the short-interval one per source: $(grep WARN "$WORK/tinkhac.log" | grep -vc "has interval" || true)"
