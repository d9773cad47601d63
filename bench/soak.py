#!/usr/bin/env python3
"""Soak: tinkhac run against 200 loopback sources, intervals sped up.

Sources (all on one loopback server, standard library only):
  ok-rss-N    RSS feeds that gain an item every ~40 s and list the newest 20
  ok-html-N   "Tin khác" pages that gain an item every ~40 s and list the
              newest 10
  slow-N      answer after 0.5-4 s (the fetch timeout is 2 s: some time out)
  fail-N      500, 429, garbage bytes, or a connection cut, in turn
  layout-N    a page that loses its news list for one minute in three

Every SAMPLE seconds it records the daemon's RSS, threads, open file
descriptors and, from /metrics, the worst "seconds since last success" of
the healthy sources and their poll counts. Tokio's task count is not
exposed by the binary; threads and fds stand in for leaks of tasks that
hold sockets or blocking threads. Writes a CSV and prints a summary.

  bench/soak.py BINARY DURATION_SECONDS [OUT_DIR]
"""
import http.server
import json
import os
import random
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request

INTERVAL = 5.0  # per source: "10m" in production, 120x faster
TIMEOUT = 2.0
SAMPLE = 30.0
# SOAK_CACHE_MIB sets [storage] cache_mib (unset: the default, 2 MiB).
CACHE = f"cache_mib = {int(os.environ['SOAK_CACHE_MIB'])}\n" if os.environ.get("SOAK_CACHE_MIB") else ""
COUNTS = {"ok-rss": 100, "ok-html": 50, "slow": 20, "fail": 15, "layout": 15}
START = time.time()


# SOAK_ITEM_EVERY_S: how often each source gains an item (default 40 s);
# 0: never, so the store stops growing after the first polls.
ITEM_EVERY = float(os.environ.get("SOAK_ITEM_EVERY_S", "40"))


# A feed lists its newest 20 items and a page its newest 10 ("Tin khác"
# lists on the portal hold about that many). SOAK_LIST_ALL=1 lists every
# item ever added instead: the listings then grow all run long, and with
# them each poll's work and the store's pages it reads.
LIST_ALL = os.environ.get("SOAK_LIST_ALL") == "1"
FEED_LISTS, PAGE_LISTS = 20, 10


def listed(key, newest):
    """The item numbers a source lists now, newest first."""
    n = n_items(key)
    return range(n - 1, -1 if LIST_ALL else max(-1, n - 1 - newest), -1)


def n_items(key):
    # Every source gains an item every ITEM_EVERY s, at its own phase.
    if ITEM_EVERY <= 0:
        return 3
    return 3 + int((time.time() - START + (hash(key) % ITEM_EVERY)) // ITEM_EVERY)


def rss(kind, n):
    items = []
    for k in listed(f"{kind}{n}", FEED_LISTS):
        items.append(
            f"<item><title>Tin {kind} {n} số {k}: học sinh thành phố dự thi</title>"
            f"<link>https://soak.test/{kind}/{n}/{k}</link>"
            f"<description>Nội dung &amp; tóm tắt {k}</description>"
            f"<pubDate>Tue, 23 Dec 2025 08:{k % 60:02d}:00 +0700</pubDate></item>"
        )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{kind} {n}</title><link>https://soak.test/</link><description>d</description>"
            + "".join(items) + "</channel></rss>").encode()


def page(kind, n, lost=False):
    lis = "".join(
        f'<li><a href="/tin/{kind}-{n}-{k}.html">Tin khác số {k} của nguồn {n} hôm nay</a>'
        f" <span>({(k % 28) + 1:02d}/12/2025)</span></li>"
        for k in listed(f"{kind}{n}", PAGE_LISTS)
    )
    body = "<p>Trang đang bảo trì</p>" if lost else f"<h3>Tin khác</h3><ul>{lis}</ul>"
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{kind} {n}</title></head>'
            f"<body><article><h1>Bài {n}</h1><p>Nội dung.</p></article>{body}</body></html>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits = {}

    def log_message(self, *a):
        pass

    def send(self, code, ctype, body, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        m = re.match(r"^/([a-z-]+)/(\d+)$", self.path)
        if not m:
            return self.send(404, "text/plain", b"no")
        kind, n = m.group(1), int(m.group(2))
        hit = Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if kind == "ok-rss":
            return self.send(200, "application/rss+xml", rss(kind, n))
        if kind == "ok-html":
            return self.send(200, "text/html; charset=utf-8", page(kind, n))
        if kind == "slow":
            time.sleep(random.uniform(0.5, 4.0))
            try:
                return self.send(200, "application/rss+xml", rss(kind, n))
            except (BrokenPipeError, ConnectionResetError):
                return
        if kind == "fail":
            what = hit % 4
            if what == 0:
                return self.send(500, "text/plain", b"boom")
            if what == 1:
                return self.send(429, "text/plain", b"slow down", [("Retry-After", "3")])
            if what == 2:
                return self.send(200, "application/rss+xml", os.urandom(2048))
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "layout":
            lost = int((time.time() - START) // 60) % 3 == 2
            return self.send(200, "text/html; charset=utf-8", page(kind, n, lost))
        self.send(404, "text/plain", b"no")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def proc_stats(pid):
    st = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.strip()
    return (int(st["VmRSS"].split()[0]) // 1024, int(st["Threads"]),
            len(os.listdir(f"/proc/{pid}/fd")))


def metrics(base):
    text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    since, polls = {}, {}
    for line in text.splitlines():
        m = re.match(r'^\w*seconds_since_last_success\{source="([^"]+)"\} (\S+)', line)
        if m:
            since[m.group(1)] = float(m.group(2))
        m = re.match(r'^\w*polls_total\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            key = (labels.get("source"), labels.get("outcome"))
            polls[key] = float(m.group(2))
    return since, polls


def main():
    binary, duration = sys.argv[1], float(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) > 3 else "soak-out"
    os.makedirs(out, exist_ok=True)
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    listen = sock.getsockname()[1]
    sock.close()
    cfg = [f'[server]\nlisten = "127.0.0.1:{listen}"\ntitle = "soak"\n',
           '[storage]\npath = "store"\n' + CACHE,
           f'[fetch]\ninterval = "{INTERVAL}s"\ntimeout = "{TIMEOUT}s"\nper_host = 8\n']
    healthy = []
    for kind, count in COUNTS.items():
        for n in range(count):
            sid = f"{kind}-{n}"
            cfg.append(f'[[source]]\nid = "{sid}"\nurl = "http://127.0.0.1:{port}/{kind}/{n}"\n')
            if kind.startswith("ok"):
                healthy.append(sid)
    with open(os.path.join(out, "feeds.toml"), "w") as f:
        f.write("\n".join(cfg))
    log = open(os.path.join(out, "daemon.log"), "w")
    env = dict(os.environ, RUST_LOG="warn,tinkhac=warn")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    d = subprocess.Popen([binary, "--config", os.path.join(out, "feeds.toml"), "run"],
                         stderr=log, env=env, cwd=out)
    base = f"http://127.0.0.1:{listen}"
    csv = open(os.path.join(out, "samples.csv"), "w")
    csv.write("t_s,rss_mib,threads,fds,worst_healthy_since_s,late_healthy,healthy_polls_ok\n")
    rows = []
    t0 = time.time()
    try:
        while time.time() - t0 < duration:
            time.sleep(SAMPLE)
            if d.poll() is not None:
                sys.exit(f"the daemon exited: {d.returncode}")
            rss_mib, threads, fds = proc_stats(d.pid)
            since, polls = metrics(base)
            hs = [since.get(s, float("inf")) for s in healthy]
            worst = max(hs)
            late = sum(1 for v in hs if v > 2 * INTERVAL + TIMEOUT)
            ok = sum(polls.get((s, "ok"), 0) for s in healthy)
            row = (round(time.time() - t0), rss_mib, threads, fds, round(worst, 1), late, int(ok))
            rows.append(row)
            csv.write(",".join(map(str, row)) + "\n")
            csv.flush()
            print(*row, flush=True)
    finally:
        d.terminate()
        d.wait(timeout=30)
    elapsed = time.time() - t0
    print(json.dumps({
        "duration_s": round(elapsed),
        "sources": sum(COUNTS.values()),
        "interval_s": INTERVAL,
        "rss_mib_first_last_max": [rows[0][1], rows[-1][1], max(r[1] for r in rows)] if rows else None,
        "threads_first_last_max": [rows[0][2], rows[-1][2], max(r[2] for r in rows)] if rows else None,
        "fds_first_last_max": [rows[0][3], rows[-1][3], max(r[3] for r in rows)] if rows else None,
        "worst_healthy_since_s_max": max(r[4] for r in rows) if rows else None,
        "samples_with_late_healthy": sum(1 for r in rows if r[5]),
        "healthy_ok_polls": rows[-1][6] if rows else None,
        "expected_healthy_polls_approx": int(len(healthy) * elapsed / INTERVAL),
        "exit_code_after_sigterm": d.returncode,
    }, indent=1))


if __name__ == "__main__":
    main()
