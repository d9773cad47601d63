#!/usr/bin/env bash
# Issue #17: the daemon's memory under hostile input: a 10 MiB page of
# 165,000 headline links, a page just under the element limit (24,900
# links, 49,800 elements), and a feed whose one title is 10 MB. Each runs
# alone for SECONDS with a 3 s interval; prints the peak (VmHWM) and the
# resident set at the end (VmRSS), the items stored and the source's error.
#
# bench/hostile.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need curl python3
SECS=${1:-40}
PORT=18331
build
make_work hostile
cat >"$WORK/portal.py" <<'PY'
import http.server, sys
def links(n):
    return ('<html><head><meta charset="utf-8"></head><body><h2>Tin khác</h2><ul>'
            + ''.join(f'<li><a href="/t/{i}">Tin số {i} thành phố</a></li>' for i in range(n))
            + '</ul></body></html>').encode()
TITLE = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x.test/</link>'
         '<description>d</description><item><title>' + 'Tiêu đề dài ' * 600000
         + '</title><link>http://x.test/a</link></item></channel></rss>').encode()
BODIES = {'/links165k': (links(165000), 'text/html; charset=utf-8'),
          '/links24k': (links(24900), 'text/html; charset=utf-8'),
          '/title': (TITLE, 'application/rss+xml')}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body, ctype = BODIES[self.path]
        try:
            self.send_response(200); self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 "$WORK/portal.py" "$PORT" 2>/dev/null &
PORTAL=$!
trap 'kill $PORTAL 2>/dev/null; cleanup' EXIT
wait_http "http://127.0.0.1:$PORT/title"
echo "$(nproc) CPUs, $(date -u +%FT%TZ), ${SECS}s each"
for path in links165k links24k title; do
    cat >"$WORK/$path.toml" <<TOML
[server]
listen = "127.0.0.1:$((PORT + 1))"
[storage]
path = "store-$path"
[fetch]
interval = "3s"
[[source]]
id = "s"
url = "http://127.0.0.1:$PORT/$path"
TOML
    (cd "$WORK" && RUST_LOG=warn exec "$BIN" --config "$WORK/$path.toml" run 2>"$WORK/$path.log") &
    TPID=$!
    wait_http "http://127.0.0.1:$((PORT + 1))/healthz"
    sleep "$SECS"
    mem=$(awk '/VmHWM|VmRSS/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$TPID/status")
    st=$(curl -fsS "http://127.0.0.1:$((PORT + 1))/status.json" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["sources"][0]; print(d["items"], "items;", s["last_error"] or "ok")')
    kill "$TPID"; wait "$TPID" 2>/dev/null || true; TPID=
    echo "$path: $mem$st"
done
