#!/usr/bin/env python3
"""llama.cpp's own llama-bench as the peer for bench/compare.sh (a benchmark peer, not product code).

Runs `llama-bench -m MODEL -p P -n N -t T -r R -o json` and prints one JSON object in owl bench's shape:
pp_tokens_per_s, tg_tokens_per_s (llama-bench's mean over its repetitions), their sd, and the peak resident
memory of the llama-bench process (ru_maxrss of the child).
"""
import argparse, json, resource, subprocess, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=5)
    a = ap.parse_args()
    cmd = [a.binary, "-m", a.model, "-p", str(a.p), "-n", str(a.n), "-t", str(a.t), "-r", str(a.r), "-o", "json"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("llama-bench failed: " + run.stderr[-2000:])
    rows = json.loads(run.stdout)
    out = {"peer": "llama-bench (%s)" % rows[0].get("build_commit", "?"), "threads": a.t,
           "peak_rss_bytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}
    for r in rows:
        key = "pp" if r.get("n_prompt", 0) > 0 else "tg"
        out[key + "_tokens_per_s"] = r["avg_ts"]
        out[key + "_sd"] = r["stddev_ts"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
