#!/usr/bin/env bash
# Issue #5, item 1: tinkhac serving /feed.xml (200 items) versus nginx (one
# worker) serving the very same bytes as a static file. Each server is pinned
# to CPU 0, wrk to CPU 1. Cases: plain, gzip (both send precompressed bytes:
# tinkhac its cached gzip twin, nginx gzip_static), If-None-Match (304), and
# "copy": tinkhac plain versus nginx plain with sendfile off. nginx's plain
# case hands page-cache pages to the socket (sendfile); a server that renders
# in memory must copy the body into the kernel, and "copy" measures that.
# nginx caches the file's descriptor (open_file_cache) in every case.
#
# bench/serve.sh [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS]
# Prints requests/s, p99, server CPU seconds, and the ratios tinkhac/nginx.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
need nginx wrk taskset curl python3
DUR=${1:-8}
CONNS=${2:-32}
ROUNDS=${3:-2}
PT=18201 # tinkhac
PN=18202 # nginx
PN2=18203 # nginx, sendfile off (the bytes copied through user space, as any
          # server that renders in memory must)
build
make_work serve

# 200 items in export format, imported into a fresh store.
python3 - "$WORK/items.jsonl" <<'PY'
import json, sys
from datetime import datetime, timedelta, timezone
hl = [l.split("\t", 1)[1] for l in open("tests/data/headlines.tsv", encoding="utf-8").read().splitlines() if "\t" in l]
vn = timezone(timedelta(hours=7))
t0 = datetime(2025, 12, 23, 8, 0, tzinfo=vn)
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(200):
        pub = t0 - timedelta(minutes=47 * i)
        link = f"https://haiphong.gov.vn/tin-tuc-su-kien/bai-{680000 + i}"
        f.write(json.dumps({
            "id": link, "title": hl[i % len(hl)], "link": link, "guid": None,
            "summary": "Sở Giáo dục và Đào tạo Hải Phòng vừa thông báo về đối tượng, tiêu chí, hồ sơ và thời gian xét chọn, biểu dương học sinh, sinh viên xuất sắc tiêu biểu năm 2025…",
            "published": pub.isoformat(), "date_estimated": False,
            "first_seen": pub.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            "sources": ["hp-tin-tuc"], "topics": ["giao-duc"] if i % 3 == 0 else [],
        }, ensure_ascii=False) + "\n")
PY
cat >"$WORK/feeds.toml" <<TOML
[server]
listen = "127.0.0.1:$PT"
title = "Tin tổng hợp Hải Phòng"
max_items = 200

[storage]
path = "store.sled"
cache_mib = 2

[fetch]
interval = "24h"

[[source]]
id = "hp-tin-tuc"
name = "Cổng TTĐT Hải Phòng – Tin tức sự kiện"
url = "http://127.0.0.1:9/khong-co"

[[topic]]
id = "giao-duc"
name = "Giáo dục"
keywords = ["giáo dục", "học sinh"]
TOML
(cd "$ROOT" && "$BIN" --config "$WORK/feeds.toml" import "$WORK/items.jsonl")

RUST_LOG=error taskset -c 0 "$BIN" --config "$WORK/feeds.toml" run 2>"$WORK/tinkhac.log" &
TPID=$!
wait_http "http://127.0.0.1:$PT/healthz"
mkdir -p "$WORK/www"
curl -fsS -o "$WORK/www/feed.xml" "http://127.0.0.1:$PT/feed.xml"
curl -fsS -H 'Accept-Encoding: gzip' -o "$WORK/www/feed.xml.gz" "http://127.0.0.1:$PT/feed.xml"
gzip -t "$WORK/www/feed.xml.gz"
ITEMS=$(grep -c '<item>' "$WORK/www/feed.xml")
echo "feed.xml: $ITEMS items, $(stat -c %s "$WORK/www/feed.xml") B, gzip $(stat -c %s "$WORK/www/feed.xml.gz") B"

# The reference is nginx at its best for one static file: sendfile, the
# file's descriptor and metadata cached (open_file_cache: no open/fstat/close
# per request), gzip_static for the precompressed twin. The configuration is
# printed with the results.
# OPEN_FILE_CACHE=0 leaves the cache out (the reference before 2026-12-02),
# to measure what it is worth.
OFC="open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;"
[ "${OPEN_FILE_CACHE:-1}" = 0 ] && OFC="open_file_cache off;"
nginx_conf "    sendfile on;
    tcp_nopush on;
    $OFC
    server {
        listen 127.0.0.1:$PN;
        root $WORK/www;
        location = /feed.xml {
            gzip_static on;
            gzip_vary on;
            add_header Cache-Control \"public, max-age=60\";
        }
    }
    server {
        listen 127.0.0.1:$PN2;
        root $WORK/www;
        sendfile off;
        location = /feed.xml {
            add_header Cache-Control \"public, max-age=60\";
        }
    }"
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_http "http://127.0.0.1:$PN/feed.xml"
NPIDS="$(cat "$WORK/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx.pid")")"
cmp <(curl -fsS "http://127.0.0.1:$PN/feed.xml") "$WORK/www/feed.xml"
cmp <(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PN/feed.xml") "$WORK/www/feed.xml.gz"
etag() { curl -fsSI "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
ET=$(etag "http://127.0.0.1:$PT/feed.xml")
EN=$(etag "http://127.0.0.1:$PN/feed.xml")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ET" "http://127.0.0.1:$PT/feed.xml")" = 304 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $EN" "http://127.0.0.1:$PN/feed.xml")" = 304 ]
echo "same bytes from both servers; both answer 304 to their own ETag"
echo "nginx reference configuration:"; sed -n '/^http {/,/^}/p' "$WORK/nginx.conf" | sed 's/^/    /'
echo "wrk: $CONNS connections, ${DUR}s per run, $ROUNDS rounds; servers on CPU 0, wrk on CPU 1"
echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(date -u +%FT%TZ)"

# run NAME URL PIDS [HEADER] -> "rps p99_ms cpu_s"
run() {
    local url=$1 pids=$2 hdr=${3:-} out c0 c1
    c0=$(cpu_of $pids)
    if [ -n "$hdr" ]; then
        out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -H "$hdr" "$url")
    else
        out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "$url")
    fi
    c1=$(cpu_of $pids)
    local rps p99 non2
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' <<<"$out")
    non2=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    echo "$rps $p99 $(ticks_to_s $((c1 - c0))) ${non2:-0}"
}

printf '\n%-6s %-5s %-8s %10s %8s %7s %12s %10s\n' case round server req/s p99_ms cpu_s req/cpu_s non-2xx
declare -A SUM
for mode in plain copy gzip inm; do
    for r in $(seq 1 "$ROUNDS"); do
        for srv in tinkhac nginx; do
            if [ $srv = tinkhac ]; then url="http://127.0.0.1:$PT/feed.xml"; pids=$TPID; et=$ET
            elif [ $mode = copy ]; then url="http://127.0.0.1:$PN2/feed.xml"; pids=$NPIDS; et=$EN
            else url="http://127.0.0.1:$PN/feed.xml"; pids=$NPIDS; et=$EN; fi
            case $mode in
                plain | copy) hdr= ;;
                gzip) hdr='Accept-Encoding: gzip' ;;
                inm) hdr="If-None-Match: $et" ;;
            esac
            read -r rps p99 cpu non2 < <(run "$url" "$pids" "$hdr")
            per=$(awk -v a="$rps" -v d="$DUR" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? a * d / c : 0) }')
            printf '%-6s %-5s %-8s %10s %8s %7s %12s %10s\n' $mode "$r" $srv "$rps" "$p99" "$cpu" "$per" "$non2"
            SUM[$mode,$srv,rps]="${SUM[$mode,$srv,rps]:-} $rps"
            SUM[$mode,$srv,per]="${SUM[$mode,$srv,per]:-} $per"
            SUM[$mode,$srv,p99]="${SUM[$mode,$srv,p99]:-} $p99"
        done
    done
done
mean() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }' <<<"$1"; }
maxof() { awk '{ m = 0; for (i = 1; i <= NF; i++) if ($i > m) m = $i; print m }' <<<"$1"; }
echo
echo "Ratios tinkhac/nginx (mean over rounds); goal req/s ≥ 0.9, p99 < 5 ms"
for mode in plain copy gzip inm; do
    t=$(mean "${SUM[$mode,tinkhac,rps]}"); n=$(mean "${SUM[$mode,nginx,rps]}")
    tp=$(mean "${SUM[$mode,tinkhac,per]}"); np=$(mean "${SUM[$mode,nginx,per]}")
    awk -v m=$mode -v t="$t" -v n="$n" -v tp="$tp" -v np="$np" -v p="$(maxof "${SUM[$mode,tinkhac,p99]}")" -v pn="$(maxof "${SUM[$mode,nginx,p99]}")" \
        'BEGIN { printf "%-6s req/s %.2f  req per CPU-second %.2f  p99 tinkhac %s ms (nginx %s ms)\n", m, t / n, tp / np, p, pn }'
done
