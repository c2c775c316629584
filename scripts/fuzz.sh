#!/usr/bin/env bash
# Runs each libFuzzer harness of Fuzz/ (model reader + inference, IDX, image files, checkpoint,
# architecture spec) for SECONDS seconds (default 60), starting from the committed seed
# corpora in Fuzz/corpus/<name>. New inputs go to Fuzz/.build/corpus/<name> (not committed);
# crashes to Fuzz/.build/artifacts/. Exit status 1 if any harness found a crash.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS ...]     e.g. scripts/fuzz.sh 20 model idx
#
# FUZZ_FLAGS adds libFuzzer flags, e.g. FUZZ_FLAGS=-runs=1000000 (stop at a million);
# FUZZ_NO_BUILD=1 uses the harnesses already built.
# Reproduce a crash: Fuzz/.build/release/fuzz-<name> Fuzz/.build/artifacts/<file>
set -uo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(model idx image npz checkpoint arch)

# SwiftPM passes `-sanitize=fuzzer -sanitize=address` to swiftc as two flags and the last
# one wins: Swift code gets ASan but no coverage instrumentation (only the C targets would
# guide the fuzzer). The explicit -sanitize-coverage restores it for every Swift target.
build=(swift build -c release --sanitize=fuzzer --sanitize=address
  -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table)
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  echo "== building the fuzz harnesses (release, -sanitize=fuzzer,address, coverage)"
  if ! "${build[@]}" 2>&1 | grep -vE 'Cannot export local symbol|^\[' | tail -n 5; then
    echo "fuzz: build failed" >&2
    exit 1
  fi
fi
bin=$("${build[@]}" --show-bin-path)
mkdir -p .build/artifacts
status=0
for name in "${harnesses[@]}"; do
  work=.build/corpus/$name
  mkdir -p "$work"
  log=.build/fuzz-$name.log
  # Inputs that once crashed a harness (reproducers/<name>-*) run first, once each; the
  # image harness also replays those of the PGM reader it replaced (reproducers/pgm-*).
  shopt -s nullglob
  found=(reproducers/"$name"-*)
  [ "$name" = image ] && found+=(reproducers/pgm-*)
  shopt -u nullglob
  if [ ${#found[@]} -gt 0 ] && ! "$bin/fuzz-$name" "${found[@]}" >"$log" 2>&1; then
    status=1
    echo "fuzz-$name: a committed reproducer crashes again; log: Fuzz/$log" >&2
    grep -E 'ERROR|SUMMARY|Fatal error' "$log" | head -n 12 >&2
    continue
  fi
  "$bin/fuzz-$name" "$work" "corpus/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix=".build/artifacts/$name-" ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "fuzz-$name: ${runs:-?} executions in $(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o '[0-9]* second' || echo "$seconds s"), ${cov:-cov: ?}, no crash"
  else
    status=1
    echo "fuzz-$name: FAILED (exit $rc) after ${runs:-?} executions; log: Fuzz/$log" >&2
    grep -E 'ERROR|SUMMARY|Fatal error|Test unit written|artifact' "$log" | head -n 12 >&2
  fi
done
exit $status
