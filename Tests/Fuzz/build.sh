#!/usr/bin/env bash
# Builds the libFuzzer targets into .build/fuzz: request-fuzz (the request parser), log-fuzz (the log decoder)
# and snapshot-fuzz (the snapshot decoder).
# They link the debug build's objects (built with testing enabled, so @testable import works); run `swift build`
# first (make fuzz does).
set -euo pipefail
cd "$(dirname "$0")/../.."
debug=.build/debug
out=.build/fuzz
mkdir -p "$out"
flags=(-sanitize=fuzzer,address -parse-as-library -g -Onone -I "$debug/Modules" -module-cache-path "$out/module-cache")
# Object files of modules (some file names have spaces): into the array `objects`. A Swift module's objects are
# those its output-file-map.json names (a file renamed since an earlier build leaves a stale object behind); a C
# module's are every object in its folder.
objects_of() {
    local map="$debug/$1.build/output-file-map.json"
    if [ -f "$map" ]; then
        python3 -c 'import json, sys
for entry in json.load(open(sys.argv[1])).values():
    if "object" in entry: sys.stdout.write(entry["object"] + "\0")' "$map"
    else
        find "$debug/$1.build" -name '*.o' -print0
    fi
}
collect() {
    objects=()
    for module in "$@"; do
        while IFS= read -r -d '' file; do objects+=("$file"); done < <(objects_of "$module")
    done
}

# The domain (SeatActors) needs only swift-collections; the decoders live in Store, over WAL, and Store's
# maintenance service brings swift-service-lifecycle and swift-log. No NIO.
collections=(HeapModule DequeModule OrderedCollections InternalCollectionsUtilities ContainersPreview)
lifecycle=(ServiceLifecycle UnixSignals ConcurrencyHelpers AsyncAlgorithms Logging Metrics CoreMetrics)
# The replication frames prove the cluster's secret with swift-crypto (BoringSSL underneath).
crypto=(Crypto CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims)
collect SeatActors "${collections[@]}"
# A binary left by an earlier build must not pass for this one: each is removed before it is built.
rm -f "$out/request-fuzz" "$out/log-fuzz" "$out/snapshot-fuzz"
swiftc "${flags[@]}" -module-name RequestFuzz -o "$out/request-fuzz" \
    Tests/Fuzz/RequestFuzz.swift Sources/Server/Request.swift Sources/Server/Request+Parse.swift \
    Sources/Server/Request+Fast.swift \
    Sources/Server/RequestOptions.swift Sources/Server/SessionRequest.swift Sources/Server/HistoryTarget.swift \
    Sources/Server/HoldRef.swift Sources/Server/ProtocolError.swift \
    Sources/Server/ErrorCode.swift Sources/Server/Reply.swift \
    "${objects[@]}" 2>&1 | grep -v "ld.gold: warning" || true
test -x "$out/request-fuzz"

collect Store WAL SeatActors "${collections[@]}" "${lifecycle[@]}" "${crypto[@]}"
swiftc "${flags[@]}" -module-name LogFuzz -o "$out/log-fuzz" -Xcc -fmodule-map-file=Sources/CLZ4/module.modulemap \
    Tests/Fuzz/LogFuzz.swift Tests/Fuzz/Bytes.swift \
    "${objects[@]}" -llz4 2>&1 | grep -v "ld.gold: warning" || true
test -x "$out/log-fuzz"

swiftc "${flags[@]}" -module-name SnapshotFuzz -o "$out/snapshot-fuzz" -Xcc -fmodule-map-file=Sources/CLZ4/module.modulemap \
    Tests/Fuzz/SnapshotFuzz.swift Tests/Fuzz/Bytes.swift "${objects[@]}" -llz4 2>&1 | grep -v "ld.gold: warning" || true
test -x "$out/snapshot-fuzz"
echo "built $out/request-fuzz, $out/log-fuzz and $out/snapshot-fuzz"
