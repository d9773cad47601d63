# Shared by bench/*.sh (sourced). Paths, the binaries, and process CPU time.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/tinkhac
HZ=$(getconf CLK_TCK)

need() {
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "missing: $c (apt-get install $c)" >&2; exit 2; }
    done
}

build() {
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
