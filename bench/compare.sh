#!/usr/bin/env bash
# Owl vs llama.cpp on the same model file, same threads, alternating runs; prints the ratios Owl/llama.cpp.
# Usage: bench/compare.sh [MODEL...]   (default: smollm2-135m-instruct gemma3-270m), THREADS="1 2", REPS=5
# The peer is llama.cpp's own llama-bench when bench/build-llama-server.sh has built it (or LLAMA_BENCH names
# one); otherwise llama-cpp-python, timed like owl bench (its tg then includes Python's per-token overhead).
set -euo pipefail
cd "$(dirname "$0")/.."
OWL_HOME="${OWL_HOME:-$HOME/.owl}"
MODELS=("${@:-smollm2-135m-instruct gemma3-270m}")
read -r -a MODELS <<<"${MODELS[*]}"
THREADS="${THREADS:-1 2}"
REPS="${REPS:-5}"
LLAMA_BENCH="${LLAMA_BENCH:-$OWL_HOME/cache/llama-server-0.3.36/bin/llama-bench}"
[ -x "$LLAMA_BENCH" ] || LLAMA_BENCH=""
[ -n "$LLAMA_BENCH" ] && echo "compare: peer is $LLAMA_BENCH" >&2
[ -n "$LLAMA_BENCH" ] || python3 -c "import llama_cpp" 2>/dev/null || {
  echo "compare: installing llama-cpp-python==0.3.36 (compiles llama.cpp once)..." >&2
  python3 -m pip install --quiet --no-build-isolation scikit-build-core llama-cpp-python==0.3.36 >&2
}
[ -x .build/release/owl ] || make build >&2
printf "%-24s %2s | %10s %10s %6s | %10s %10s %6s | %9s %9s\n" model t "owl pp512" "llama pp" ratio "owl tg128" "llama tg" ratio "owl MiB" "llama MiB"
for m in "${MODELS[@]}"; do
  file=$(.build/release/owl inspect "$m" --json | python3 -c "import sys,json; print(json.load(sys.stdin)['path'])")
  for t in $THREADS; do
    o=$(.build/release/owl bench "$m" -p 512 -n 128 -t "$t" -r "$REPS" --json)
    if [ -n "$LLAMA_BENCH" ]; then
      l=$(python3 bench/llama_bench_peer.py "$LLAMA_BENCH" "$file" -p 512 -n 128 -t "$t" -r "$REPS")
    else
      l=$(python3 bench/llama_cpp_bench.py "$file" -p 512 -n 128 -t "$t" -r "$REPS")
    fi
    python3 - "$m" "$t" "$o" "$l" <<'PY'
import json, sys
m, t, o, l = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print("%-24s %2s | %10.1f %10.1f %6.2f | %10.1f %10.1f %6.2f | %9.0f %9.0f" % (
    m, t, o["pp_tokens_per_s"], l["pp_tokens_per_s"], o["pp_tokens_per_s"] / l["pp_tokens_per_s"],
    o["tg_tokens_per_s"], l["tg_tokens_per_s"], o["tg_tokens_per_s"] / l["tg_tokens_per_s"],
    o["peak_rss_bytes"] / 2**20, l["peak_rss_bytes"] / 2**20))
PY
  done
done
