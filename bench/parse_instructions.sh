#!/usr/bin/env bash
# Issue #5, item 3, counted: instructions of auto-detection (and of the
# admin's selectors) against the html5ever parse alone, on the seed article
# and listing of benches/parse.rs, under valgrind's callgrind. Instruction
# counts do not move with the load of a shared machine, as wall-clock
# ratios do (±0.2 from run to run).
#
# bench/parse_instructions.sh [FEW] [MANY]
#
# Each function runs FEW (default 10) and MANY (default 30) times in the
# bench binary (TINKHAC_PARSE_ONLY=what:page:count); (I_MANY − I_FEW) /
# (MANY − FEW) is the cost of one call without the start-up and the regexes
# compiled once. PARSE_BENCH=path: count that bench binary instead of
# building this checkout's. PROFILE=dir: also keep a callgrind profile of
# MANY auto-detections of each page there, for
# `callgrind_annotate --inclusive=yes dir/auto-listing.out`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need valgrind awk
FEW=${1:-10}
MANY=${2:-30}
[ "$MANY" -gt "$FEW" ] || { echo "MANY ($MANY) must exceed FEW ($FEW)" >&2; exit 2; }

if [ -n "${PARSE_BENCH:-}" ]; then
    B=$PARSE_BENCH
else
    # cargo names the bench binary on stderr: "Executable benches/parse.rs (PATH)".
    B=$(cd "$ROOT" && cargo bench --bench parse --no-run 2>&1 |
        sed -n 's/.*Executable benches\/parse\.rs (\(.*\))$/\1/p' | tail -n1)
    [ -x "$B" ] || { echo "could not build the parse bench" >&2; exit 1; }
fi

# count WHAT PAGE N [OUT] -> the instructions callgrind collected
count() {
    local out=${4:-/dev/null}
    TINKHAC_PARSE_ONLY="$1:$2:$3" valgrind --tool=callgrind --callgrind-out-file="$out" "$B" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}

# per_call WHAT PAGE -> instructions of one call
per_call() {
    local few many out=/dev/null
    [ -n "${PROFILE:-}" ] && [ "$1" = auto ] && mkdir -p "$PROFILE" && out="$PROFILE/$1-$2.out"
    few=$(count "$1" "$2" "$FEW")
    many=$(count "$1" "$2" "$MANY" "$out")
    echo $(((many - few) / (MANY - FEW)))
}

echo "bench binary: $B"
echo "instructions per call ((I[$MANY] − I[$FEW]) / $((MANY - FEW)), callgrind); goal: auto ≤ 1.5× parse"
printf '%-8s %12s %12s %8s %12s %8s\n' page parse auto ratio selectors ratio
for page in article listing; do
    p=$(per_call parse "$page")
    a=$(per_call auto "$page")
    s=$(per_call selectors "$page")
    awk -v page="$page" -v p="$p" -v a="$a" -v s="$s" 'BEGIN {
        printf "%-8s %11.3fM %11.3fM %7.3f× %11.3fM %7.3f×\n", page, p / 1e6, a / 1e6, a / p, s / 1e6, s / p
    }'
done
