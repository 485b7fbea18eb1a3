#!/usr/bin/env bash
# What the HTTP port costs the line protocol (issue 29's speed goal: at most 10% of its throughput), one run on this
# machine: seat-load steady (50 connections, unpipelined, confirm 0.5, 100 sessions) against a release seatd
#   A: with the HTTP port off;
#   B: with the HTTP port on, headless Chromium showing one session's live seat map, and 100 event streams open
#      (one per session: every change of the run goes to a stream, and one session's also to the browser);
# PAIRS=2 times alternating, a fresh data directory each, fsync always. Prints each run's rate and B/A.
# Needs chromium (apt-get install chromium) for the browser; without it, or with BROWSER=0, B has the streams only
# (its line then lacks "chromium on the page").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-10}
pairs=${PAIRS:-2}
bin=.build/release
work=$(mktemp -d)
port=$((44000 + RANDOM % 1000))
http=$((port + 1))
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_seatd() {
    local data=$1; shift
    "$bin/seatd" --data "$data" --port "$port" --log-level warning "$@" >"$data.log" 2>&1 &
    seatd_pid=$!
    pids+=($seatd_pid)
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "seatd did not start"; cat "$data.log"; exit 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
steady() { "$bin/seat-load" steady --target "seatd://127.0.0.1:$port" --connections 50 --depth 1 \
    --seconds "$seconds" --warmup 3 --confirm 0.5 --sessions 100; }
rate() { awk '/^requests\/s/ {print $2}'; }
# CPU a process has used, in clock ticks (user + system); Chromium's: all its processes'.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
chrome_cpu() {
    local total=0
    for pid in $(pgrep -f "user-data-dir=$work/chrome$1" || true); do total=$((total + $(cpu "$pid"))); done
    echo "$total"
}

ratios=()
sums_a=()
sums_b=()
for pair in $(seq "$pairs"); do
    start_seatd "$work/a$pair"
    a=$(steady | rate)
    stop "$seatd_pid"

    start_seatd "$work/b$pair" --http-port "$http"
    streams_out="$work/streams$pair.txt"
    python3 LoadTests/sse_streams.py --port "$http" --streams 100 --sessions 100 >"$streams_out" &
    streams_pid=$!; pids+=($streams_pid)
    browser=""
    if [ "${BROWSER:-1}" = 1 ] && command -v chromium >/dev/null; then
        # The page of the first session steady creates, once it exists (steady's warm-up is 3 s).
        ( for _ in $(seq 100); do
              id=$(python3 -c "import json,urllib.request; s=json.load(urllib.request.urlopen('http://127.0.0.1:$http/api/sessions'))['sessions']; print(s[0]['session'] if s else '')" 2>/dev/null || true)
              [ -n "$id" ] && exec chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chrome$pair" \
                  --remote-debugging-port=0 "http://127.0.0.1:$http/sessions/$id" >"$work/chrome$pair.log" 2>&1
              sleep 0.1
          done ) &
        browser=$!; pids+=($browser)
    fi
    steady >"$work/b$pair.txt" &
    load=$!
    sleep 5
    # CPU over the 6 s in the middle of the measured run (clock ticks): seatd, the stream reader, Chromium.
    before=$(cpu "$seatd_pid") reader0=$(cpu "$streams_pid") chrome0=$(chrome_cpu "$pair")
    sleep 6
    seatd_ticks=$(( $(cpu "$seatd_pid") - before )) reader_ticks=$(( $(cpu "$streams_pid") - reader0 ))
    chrome_ticks=$(( $(chrome_cpu "$pair") - chrome0 ))
    wait "$load"
    b=$(rate <"$work/b$pair.txt")
    kill "$streams_pid"; wait "$streams_pid" 2>/dev/null || true
    [ -n "$browser" ] && { pkill -P "$browser" 2>/dev/null || true; stop "$browser"; }
    stop "$seatd_pid"
    ratio=$(python3 -c "print(f'{$b / $a:.3f}')")
    ratios+=("$ratio")
    sums_a+=("$a")
    sums_b+=("$b")
    echo "pair $pair: A (HTTP off) $a req/s; B (HTTP on, 100 streams) $b req/s; B/A $ratio; $(cat "$streams_out")${browser:+; chromium on the page}"
    echo "  B's CPU over 6 s (1/$(getconf CLK_TCK) s): seatd $seatd_ticks, stream reader $reader_ticks, chromium $chrome_ticks"
done
echo "B/A: ${ratios[*]}"
# The figures BENCHMARKS.md quotes: the median of the pairs' ratios and the ratio of the summed rates.
python3 - "${ratios[*]}" "${sums_a[*]}" "${sums_b[*]}" <<'PY'
import statistics, sys
ratios, a, b = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
print(f"median B/A {statistics.median(ratios):.3f}; sums B/A {sum(b) / sum(a):.3f}")
PY
