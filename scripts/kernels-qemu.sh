#!/usr/bin/env bash
# Proves the kernel dispatch is portable: runs `owl-kernel-bench --check` under qemu-user on CPUs without
# AVX-512 (Haswell: AVX2 path) and without AVX at all (qemu64: scalar path), and checks that forcing a path
# the CPU lacks is refused. First it makes sure qemu really traps AVX-512 (else the check proves nothing).
# Usage: scripts/kernels-qemu.sh [path/to/owl-kernel-bench]   (default: builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v qemu-x86_64 >/dev/null || { echo "kernels-qemu: qemu-x86_64 not found (apt-get install qemu-user)" >&2; exit 77; }
BIN=${1:-}
if [ -z "$BIN" ]; then
  swift build -c release --product owl-kernel-bench >&2
  BIN=.build/release/owl-kernel-bench
fi
QEMU="qemu-x86_64"
fail() { echo "kernels-qemu: FAIL: $*" >&2; exit 1; }
run() { local cpu=$1; shift; $QEMU -cpu "$cpu" "$@" 2>&1 | grep -v "TCG doesn't support"; return "${PIPESTATUS[0]}"; }

# 1. qemu must fault on AVX-512 code (a probe built with AVX-512 enabled; skipped without swiftc).
if command -v swiftc >/dev/null; then
  probe=$(mktemp -d)
  cat > "$probe/probe.swift" <<'SWIFT'
import _Builtin_intrinsics.intel
@inline(never) func f(_ p: UnsafePointer<Int32>) -> Int32 {
    let a = _mm512_loadu_si512(p)
    return _mm512_reduce_add_epi32(_mm512_dpbusd_epi32(a, a, a))
}
print(f([Int32](repeating: Int32(CommandLine.arguments.count), count: 16)))
SWIFT
  if swiftc -O -Xcc -mavx512f -Xcc -mavx512vnni "$probe/probe.swift" -o "$probe/probe" 2>/dev/null; then
    set +e; (run Haswell "$probe/probe") >/dev/null 2>&1; rc=$?; set -e
    [ "$rc" -ne 0 ] || fail "qemu -cpu Haswell ran AVX-512 code; this check cannot prove anything"
    echo "qemu traps AVX-512 on Haswell (probe exit $rc)"
  fi
  rm -rf "$probe"
fi

# 2. The best path on each emulated CPU, every kernel against the scalar reference.
out=$(run Haswell "$BIN" --check) || fail "Haswell check failed: $out"
grep -q "checking: avx2" <<<"$out" || fail "Haswell did not pick avx2: $out"
echo "Haswell: avx2 path, $(tail -1 <<<"$out")"
out=$(run qemu64 "$BIN" --check) || fail "qemu64 check failed: $out"
grep -q "checking: scalar" <<<"$out" || fail "qemu64 did not pick scalar: $out"
echo "qemu64: scalar path, $(tail -1 <<<"$out")"
out=$(OWL_KERNELS=scalar run Haswell "$BIN" --check) || fail "forced scalar on Haswell failed: $out"

# 3. A forced path the CPU lacks is refused with the user-facing error, not run.
set +e; out=$(OWL_KERNELS=avx512 run Haswell "$BIN" --check); rc=$?; set -e
[ "$rc" -eq 2 ] || fail "OWL_KERNELS=avx512 on Haswell exited $rc: $out"
grep -q "needs CPU features this machine lacks (its best path is avx2)" <<<"$out" || fail "unexpected refusal text: $out"
set +e; out=$(OWL_KERNELS=avx2 run qemu64 "$BIN" --check); rc=$?; set -e
[ "$rc" -eq 2 ] || fail "OWL_KERNELS=avx2 on qemu64 exited $rc: $out"
echo "forced paths the CPU lacks are refused"
echo "kernels-qemu: OK"
