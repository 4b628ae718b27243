#!/usr/bin/env python3
"""Concurrent streaming load on an OpenAI-compatible server (Owl or a peer) on loopback.

For each concurrency C, C client threads each send R streaming chat requests (greedy, max_tokens N) and
measure time to first token; prints requests/s, generated tokens/s and mean/p95 TTFT as JSON lines.
Bounded: R requests per thread, a timeout per request. A benchmark harness, not product code.
"""
import argparse, json, statistics, threading, time, urllib.request


def one(url, key, model, prompt, n):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                       "max_tokens": n, "stream": True, "stream_options": {"include_usage": True}}).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json",
                                 "Authorization": "Bearer " + key})
    t0 = time.perf_counter(); ttft = None; pieces = 0; usage = None
    with urllib.request.urlopen(req, timeout=120) as r:
        for line in r:
            line = line.strip()
            if not line.startswith(b"data: ") or line == b"data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"].get("completion_tokens")
            for c in chunk.get("choices", []):
                if c.get("delta", {}).get("content"):
                    pieces += 1
                    if ttft is None:
                        ttft = time.perf_counter() - t0
    return ttft or (time.perf_counter() - t0), usage if usage is not None else pieces


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", default="none")
    ap.add_argument("--model", required=True)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=2, help="requests per client thread")
    ap.add_argument("--max-tokens", type=int, default=32)
    a = ap.parse_args()
    for c in [int(x) for x in a.concurrency.split(",")]:
        ttfts, tokens, lock = [], [0], threading.Lock()
        def client(i):
            for r in range(a.requests):
                t, n = one(a.url, a.key, a.model, f"Write one sentence about the number {i * 100 + r}.", a.max_tokens)
                with lock:
                    ttfts.append(t); tokens[0] += n
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(c)]
        [t.start() for t in threads]; [t.join() for t in threads]
        wall = time.perf_counter() - t0
        ttfts.sort()
        print(json.dumps({"concurrency": c, "requests": len(ttfts), "requests_per_s": len(ttfts) / wall,
                          "tokens_per_s": tokens[0] / wall, "ttft_mean_ms": 1000 * statistics.mean(ttfts),
                          "ttft_p95_ms": 1000 * ttfts[int(0.95 * (len(ttfts) - 1))]}), flush=True)


if __name__ == "__main__":
    main()
