# Pass/fail bookkeeping for the check scripts (test-embedded.sh, test-wasm.sh), sourced
# after `set -uo pipefail`: `pass TEXT`, `fail TEXT`, and `finish NAME`, which prints
# "== NAME: N passed, N failed (S s)" with the failures and exits 0 only if none failed.
start_seconds=$SECONDS
passed=0
failed=0
failures=()

pass() {
  passed=$((passed + 1))
  echo "PASS: $1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  echo "FAIL: $1"
}
finish() {
  echo
  echo "== $1: $passed passed, $failed failed ($((SECONDS - start_seconds)) s)"
  for f in ${failures[@]+"${failures[@]}"}; do echo "   failed: $f"; done
  [ "$failed" -eq 0 ]
  exit $?
}
