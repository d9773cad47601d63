#!/bin/sh
# Soak: 200 loopback sources (150 healthy, 20 slow, 15 failing, 15 changing
# layout), every source polled every 5 s (120x the usual 10 min), RSS,
# threads and fds sampled every 30 s. Default duration: 2 hours.
#   bench/soak.sh [SECONDS] [OUT_DIR]
set -eu
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=target}"
cargo build --release --quiet
exec python3 bench/soak.py "$CARGO_TARGET_DIR/release/tinkhac" "${1:-7200}" "${2:-/tmp/tinkhac-soak}"
