#!/usr/bin/env bash
# Prints one plain closing line from an XCTest log: "tests: N passed, M failed, K skipped".
set -euo pipefail
line=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$1" | tail -n 1)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$line")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$line")
skipped=0
if grep -q "tests skipped" <<<"$line"; then skipped=$(sed -E 's/.*with ([0-9]+) tests? skipped.*/\1/' <<<"$line"); fi
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
