#!/usr/bin/env bash
# Settings side by side: a release seatd (fsync always, a fresh data directory each) started with each YAML
# variant given, driven by the reference client (../shared/bench/loadgen.c, or $SHARED_BENCH/loadgen.c: 50
# connections, HOLD 2 random seats + RELEASE, 100 sessions x 500 seats) at depth 1 and 16 for SECONDS_EACH
# seconds (default 6). Prints per variant and depth: requests/s, server CPU per request (utime+stime from
# /proc/PID/stat over the window), p50 and p99. Run it more than once: the machine's speed drifts.
# Example (BENCHMARKS.md, "Speed, round two"):
#   LoadTests/bench-settings.sh 'threads: 1' 'threads: 2'
#   LoadTests/bench-settings.sh $'log:\n  commit_delay_us: 0' $'log:\n  commit_delay_us: 200'
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
seconds=${SECONDS_EACH:-6}
[ $# -gt 0 ] || { echo "usage: $0 '<yaml>' ['<yaml>' ...]" >&2; exit 2; }
[ -f "$shared/loadgen.c" ] || { echo "bench-settings: no $shared/loadgen.c (set SHARED_BENCH)" >&2; exit 2; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
gcc -O2 -o "$work/loadgen" "$shared/loadgen.c" -lm
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for variant in "$@"; do
    for depth in 1 16; do
        port=$(free_port)
        rm -rf "$work/data"
        printf '%s\n' "$variant" > "$work/seatd.yaml"
        .build/release/seatd --host 127.0.0.1 --port "$port" --data "$work/data" --config "$work/seatd.yaml" \
            > "$work/seatd.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do "$work/loadgen" --host 127.0.0.1 --port "$port" --mode line --sessions 100 \
            --seats 500 --setup-only --prefix p > /dev/null 2>&1 && break; sleep 0.1; done
        "$work/loadgen" --host 127.0.0.1 --port "$port" --mode line --workload hold-release --conns 50 \
            --depth "$depth" --duration $((seconds + 2)) --warmup 1 --sessions 100 --seats 500 -k 2 --prefix p \
            > "$work/lg.txt" 2>&1 &
        loadgen=$!
        sleep 1.5
        t0=$(ticks "$pid")
        sleep "$seconds"
        t1=$(ticks "$pid")
        wait "$loadgen"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
        python3 - "$work/lg.txt" "$variant" "$depth" "$t0" "$t1" "$hz" "$seconds" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
field = lambda name: float(re.search(r"\b%s=([0-9.]+)" % name, text).group(1))
variant, depth, t0, t1, hz, seconds = sys.argv[2].replace("\n", " "), sys.argv[3], *map(float, sys.argv[4:])
rate = field("req_s")
print(f"[{variant}] D={depth}: {rate:.0f} req/s, {(t1 - t0) / hz * 1e6 / (rate * seconds):.2f} us CPU per request, "
      f"p50 {field('p50_us') / 1000:.2f} ms, p99 {field('p99_us') / 1000:.2f} ms")
PY
    done
done
