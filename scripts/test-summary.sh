#!/usr/bin/env bash
# Prints one plain closing line from an XCTest log: "tests: N passed, M failed, K skipped".
set -euo pipefail
line=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$1" | tail -n 1)
total=$(sed -nE 's/.*Executed ([0-9]+) tests?,.*/\1/p' <<<"$line")
failed=$(sed -nE 's/.* ([0-9]+) failures? .*/\1/p' <<<"$line")
skipped=$(sed -nE 's/.* ([0-9]+) tests? skipped.*/\1/p' <<<"$line")
total=${total:-0}; failed=${failed:-0}; skipped=${skipped:-0}
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
