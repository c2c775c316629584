#!/usr/bin/env bash
# Runs the tests that exercise the inference core, the readers and the command-line tools
# under AddressSanitizer (with UndefinedBehaviorSanitizer on the C kernels), then the
# concurrent-inference tests under ThreadSanitizer. Separate build folders (.build-asan,
# .build-tsan) leave the normal build alone. Exit status 1 on any finding or failure.
#
#   scripts/sanitizers.sh [asan|tsan ...]      (default: both)
set -uo pipefail
cd "$(dirname "$0")/.."
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(asan tsan)
status=0

# A sanitizer report fails the run even if the test framework did not notice it.
check_log() {
  local log=$1 label=$2
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|WARNING: ThreadSanitizer|ERROR: LeakSanitizer' "$log"; then
    echo "FAIL: $label: sanitizer report" >&2
    grep -E -A 12 'ERROR: AddressSanitizer|runtime error:|WARNING: ThreadSanitizer' "$log" | head -n 60 >&2
    status=1
  fi
  if ! grep -q '✔ Test run with' "$log"; then
    echo "FAIL: $label: tests failed" >&2
    grep -E '✘|error:' "$log" | head -n 30 >&2
    status=1
  else
    grep '✔ Test run with' "$log"
  fi
}

for mode in "${modes[@]}"; do
  start=$(date +%s)
  case "$mode" in
    asan)
      echo "== AddressSanitizer + UBSan (C): core, readers, command-line tools"
      mkdir -p .build-asan && log=.build-asan/sanitizers.log
      # Debug build: assertions on. The training suites are heavy; only their checkpoint
      # (reader) tests run here. UBSan stops at the first finding (halt_on_error).
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ASAN_OPTIONS=detect_leaks=0 \
        swift test --disable-xctest --scratch-path .build-asan --sanitize=address -Xcc -fsanitize=undefined \
        --filter 'CPopcountTests|BinaryNetTests|MNISTLoaderTests|CLITests|Checkpoint' >"$log" 2>&1
      check_log "$log" "asan"
      ;;
    tsan)
      echo "== ThreadSanitizer: concurrent inference, the inference pool and the parallel trainer"
      mkdir -p .build-tsan && log=.build-tsan/sanitizers.log
      # (No target_clones/ifunc anywhere: dispatch.c selects at run time. An ifunc resolver
      # runs before the TSan runtime is set up and crashed every instrumented binary.)
      swift test --disable-xctest --scratch-path .build-tsan --sanitize=thread \
        --filter 'ConcurrentInference|concurrentClassification|ParallelTests|ThreadedInference' >"$log" 2>&1
      check_log "$log" "tsan"
      ;;
    *)
      echo "unknown mode $mode (asan, tsan)" >&2
      exit 2
      ;;
  esac
  echo "   $mode: $(($(date +%s) - start)) s (log: $log)"
done
exit $status
