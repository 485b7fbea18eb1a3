#!/usr/bin/env bash
# Runs each libFuzzer target built by build.sh for $1 seconds (default 300) on a working corpus in .build/fuzz,
# seeded from Tests/Fuzz/corpus/<target>. A crash leaves its input in .build/fuzz/ (replay: .build/fuzz/<target>
# <file>) and fails the run. Swift's own backtracer is off so that libFuzzer reports the trap.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
status=0
for target in request log snapshot; do
    work=.build/fuzz/corpus-$target
    mkdir -p "$work"
    echo "fuzzing $target for $seconds s"
    SWIFT_BACKTRACE=enable=no ".build/fuzz/$target-fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix=".build/fuzz/$target-" -print_final_stats=1 "$work" "Tests/Fuzz/corpus/$target" \
        > ".build/fuzz/$target.log" 2>&1
    code=$?
    grep -E "^stat::number_of_executed_units|^stat::new_units_added|^Done" ".build/fuzz/$target.log" | sed "s/^/  $target: /"
    if [ $code -ne 0 ]; then
        echo "$target-fuzz FAILED (exit $code); see .build/fuzz/$target.log:"
        grep -E "ERROR|Fatal error|Test unit written" ".build/fuzz/$target.log" | head -5
        status=1
    fi
done
exit $status
