#!/usr/bin/env python3
"""Generate the loopback portal for bench/harvest.sh and bench/memory.sh.

gen-portal.py OUT_DIR BASE_PORT [N_SOURCES] [INTERVAL]

OUT_DIR/www/html/pNNN.html  half the sources: the seed pages (their real
                            structures) padded with article paragraphs to
                            50-150 KB, article ids made unique per page
OUT_DIR/www/rss/fNNN.xml    the other half: RSS 2.0 feeds of 20-100 items
OUT_DIR/feeds.toml          one [[source]] per file, spread over 8 ports of
                            127.0.0.1 (8 "hosts" x per_host 2 = the 16 polls
                            `tinkhac once` keeps in flight), plus the shipped
                            [[topic]] rules so classification runs too
Deterministic (seeded), so every run serves the same bytes.
"""
import os
import random
import json
import re
import sys
import tomllib
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

out, base_port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
interval = sys.argv[4] if len(sys.argv) > 4 else "15m"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
seeds = os.path.join(root, "seeds")
rnd = random.Random(5)
PORTS = 8

html_seeds = [
    open(os.path.join(seeds, f), encoding="utf-8").read()
    for f in ["hp-chinh-sach-khuyen-hoc.html", "hp-tin-tuc-cang-cat-bi.html",
              "hp-danh-muc-giao-duc.html", "thuynguyen-tin-tuc.html"]
]
paras = re.findall(r"<p>[^<]{80,}</p>", html_seeds[0] + html_seeds[1])
headlines = [l.split("\t", 1)[1] for l in
             open(os.path.join(root, "tests/data/headlines.tsv"), encoding="utf-8").read().splitlines()
             if "\t" in l]

os.makedirs(os.path.join(out, "www/html"), exist_ok=True)
os.makedirs(os.path.join(out, "www/rss"), exist_ok=True)

def html_page(i):
    page = html_seeds[i % len(html_seeds)]
    # Unique article ids per page, so each page brings its own items.
    page = re.sub(r'(-\d{4,6})((?:\.html)?")', lambda m: f"{m.group(1)}{i:04d}{m.group(2)}", page)
    target = rnd.randint(50_000, 150_000)
    pad = []
    size = len(page.encode())
    while size < target:
        p = rnd.choice(paras)
        pad.append(p)
        size += len(p.encode()) + 1
    # The padding goes where article text goes: just before </main> or the
    # first "Tin khác" / listing block's closing container, else before </body>.
    block = "\n".join(pad)
    for anchor in ['<div class="box-news-other">', "</main>", "</body>"]:
        if anchor in page:
            return page.replace(anchor, f'<div class="article-more">\n{block}\n</div>\n{anchor}', 1)
    return page + block

def rss_feed(i):
    k = rnd.randint(20, 100)
    now = datetime(2025, 12, 23, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    items = []
    for j in range(k):
        h = rnd.choice(headlines)
        d = now - timedelta(minutes=37 * j + i)
        desc = rnd.choice(paras)[3:-4]
        items.append(
            f"<item><title>{h}</title>"
            f"<link>http://bao.example.vn/tin/{i:04d}-{j:03d}.html</link>"
            f"<guid isPermaLink=\"false\">bao-{i}-{j}</guid>"
            f"<description><![CDATA[<p>{desc}</p>]]></description>"
            f"<pubDate>{format_datetime(d)}</pubDate></item>"
        )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Báo thử {i}</title><link>http://bao.example.vn/</link>"
            "<description>Tin thử</description>\n" + "\n".join(items) + "\n</channel></rss>\n")

sources = []
for i in range(n):
    port = base_port + i % PORTS
    if i % 2 == 0:
        rel = f"html/p{i:04d}.html"
        body = html_page(i)
    else:
        rel = f"rss/f{i:04d}.xml"
        body = rss_feed(i)
    with open(os.path.join(out, "www", rel), "w", encoding="utf-8") as f:
        f.write(body)
    sources.append(f'[[source]]\nid = "s{i:04d}"\nname = "Nguồn {i}"\n'
                   f'url = "http://127.0.0.1:{port}/{rel}"\n')

# The shipped [[topic]] rules, read as TOML (a text slice between headers
# would be fooled by a header named in a comment) and written back: strings
# and lists of strings as JSON strings, which TOML basic strings accept.
def toml_value(v):
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False)

with open(os.path.join(root, "feeds.toml"), "rb") as f:
    shipped_topics = tomllib.load(f).get("topic", [])
if not shipped_topics:
    sys.exit("the shipped feeds.toml has no [[topic]]: nothing to classify with")
topics = "\n".join(
    "[[topic]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in t.items())
    for t in shipped_topics
)
with open(os.path.join(out, "feeds.toml"), "w", encoding="utf-8") as f:
    f.write(f"""[server]
listen = "127.0.0.1:{base_port - 1}"
title = "bench"

[storage]
path = "store.sled"
cache_mib = 2

[fetch]
interval = "{interval}"
timeout = "30s"
per_host = 2

""")
    f.write("\n".join(sources))
    f.write("\n" + topics)
print(f"{n} sources and {len(shipped_topics)} topics in {out}")
