#!/usr/bin/env bash
# Prints plain closing lines from XCTest logs: "tests: N passed, M failed, K skipped" for the first log (the
# main suite); each further log (a rerun under a forced kernel path, named test-PATH.log) gets its own line
# "tests (OWL_KERNELS=PATH): ...", and a last "tests (all runs): ..." line sums them. Fails if any failed.
set -euo pipefail
status=0; all_total=0; all_failed=0; all_skipped=0
for log in "$@"; do
  line=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$log" | tail -n 1 || true)
  total=$(sed -nE 's/.*Executed ([0-9]+) tests?,.*/\1/p' <<<"$line")
  failed=$(sed -nE 's/.* ([0-9]+) failures? .*/\1/p' <<<"$line")
  skipped=$(sed -nE 's/.* ([0-9]+) tests? skipped.*/\1/p' <<<"$line")
  total=${total:-0}; failed=${failed:-0}; skipped=${skipped:-0}
  [ -n "$line" ] || failed=$((failed + 1))   # no summary line: the run crashed
  label="tests"
  if [ "$log" != "$1" ]; then
    path=$(basename "$log" .log); label="tests (OWL_KERNELS=${path#test-})"
  fi
  echo "$label: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
  all_total=$((all_total + total)); all_failed=$((all_failed + failed)); all_skipped=$((all_skipped + skipped))
  [ "$failed" -eq 0 ] || status=1
done
if [ "$#" -gt 1 ]; then
  echo "tests (all runs): $((all_total - all_failed - all_skipped)) passed, $all_failed failed, $all_skipped skipped"
fi
exit $status
