# Shared by bench/*.sh (sourced). Paths, the binaries, and process CPU time.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
# TINKHAC_BIN: measure that binary instead of building this checkout's.
BIN=${TINKHAC_BIN:-$TARGET/release/tinkhac}
HZ=$(getconf CLK_TCK)

need() {
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "missing: $c (apt-get install $c)" >&2; exit 2; }
    done
}

build() {
    [ -n "${TINKHAC_BIN:-}" ] && [ $# -eq 0 ] && return
    (cd "$ROOT" && cargo build --release --quiet "$@")
}

# CPU seconds (user+system) used so far by the given pids (and their threads).
cpu_of() {
    local t=0 p
    for p in "$@"; do
        # fields 14 and 15 of /proc/PID/stat, after the "(comm)" field
        t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo "$t"
}

ticks_to_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }'; }

wait_http() {
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
}

# A temporary WORK directory for one script (NAME), removed on exit unless
# KEEP=1; on exit the tinkhac process TPID (when set) and nginx stop first.
make_work() {
    WORK=$(mktemp -d "/tmp/tinkhac-$1.XXXXXX")
    chmod 755 "$WORK" # nginx workers run as nobody
    TPID=
    trap cleanup EXIT
}
cleanup() {
    [ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
    sleep 0.3
    [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}

# $WORK/nginx.conf: one worker, no access log, long keep-alive, RSS typed;
# HTTP: the rest of the http block (directives and server blocks).
nginx_conf() {
    cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    types { application/rss+xml xml; }
$1
}
NGINX
}

# $WORK/nginx.conf serving $WORK/www (bench/gen-portal.py's portal) on the
# 8 loopback ports from PORT; EXTRA: more http directives.
portal_nginx_conf() {
    local port=$1 extra=${2:-} listen="" i
    for i in $(seq 0 7); do listen="$listen listen 127.0.0.1:$((port + i));"; done
    nginx_conf "    default_type text/html;
    $extra
    server { $listen root $WORK/www; }"
}
