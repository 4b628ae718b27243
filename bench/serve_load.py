#!/usr/bin/env python3
"""Concurrent streaming load on OpenAI-compatible servers on loopback: Owl and llama.cpp's llama-server.

For each concurrency C, C client threads each send R streaming chat requests (greedy, max_tokens N, prompt k
for request k, the same prompts for every server) and measure time to first token. Reports requests/s,
generated tokens/s and TTFT mean/p50/p95.

Two ways to run it:
  --url URL --model NAME            load one running server (JSON lines, as before).
  --compare --model NAME            start `owl serve` and `llama-server` on the same GGUF file with the same
                                    threads and parallel slots, load each in turn (alternating for --rounds),
                                    print a table with the ratio Owl / llama-server, then measure the audit
                                    log's cost per request (durable commits vs --audit-async).
Owl runs from a scratch OWL_HOME whose model folders link to the installed blobs (the real home is only read).
llama-server comes from bench/build-llama-server.sh (compiled once from the llama-cpp-python sdist, cached).
A benchmark harness, never on the product's path, not part of `make test`.
"""
import argparse, http.client, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def one(url, key, model, prompt, n):
    """One streaming chat request: (ttft seconds, completion tokens, total seconds, text)."""
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                       "max_tokens": n, "stream": True, "stream_options": {"include_usage": True}}).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json",
                                 "Authorization": "Bearer " + key})
    t0 = time.perf_counter(); ttft = None; pieces = 0; usage = None; text = []
    with urllib.request.urlopen(req, timeout=300) as r:
        for line in r:
            line = line.strip()
            if not line.startswith(b"data: ") or line == b"data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"].get("completion_tokens")
            for c in chunk.get("choices", []):
                piece = (c.get("delta") or {}).get("content")
                if piece:
                    pieces += 1
                    text.append(piece)
                    if ttft is None:
                        ttft = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return ttft or total, usage if usage is not None else pieces, total, "".join(text)


def prompt_for(k):
    return f"Tell a long story about the number {k}."


def load(url, key, model, concurrency, requests, max_tokens):
    """Runs one load level; returns its measurements."""
    ttfts, tokens, texts, errors, lock = [], [0], {}, [], threading.Lock()

    def client(i):
        for r in range(requests):
            k = i * requests + r
            try:
                t, n, _, text = one(url, key, model, prompt_for(k), max_tokens)
            except Exception as e:  # a failed request is reported, not retried
                with lock:
                    errors.append(str(e))
                continue
            with lock:
                ttfts.append(t); tokens[0] += n; texts[k] = text

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    [t.start() for t in threads]; [t.join() for t in threads]
    wall = time.perf_counter() - t0
    ttfts.sort()
    q = lambda p: 1000 * ttfts[min(len(ttfts) - 1, int(p * (len(ttfts) - 1) + 0.5))] if ttfts else float("nan")
    return {"concurrency": concurrency, "requests": len(ttfts), "errors": len(errors), "wall_s": wall,
            "requests_per_s": len(ttfts) / wall, "tokens_per_s": tokens[0] / wall,
            "tokens_per_request": tokens[0] / max(1, len(ttfts)),
            "ttft_mean_ms": 1000 * statistics.mean(ttfts) if ttfts else float("nan"), "ttft_p50_ms": q(0.5),
            "ttft_p95_ms": q(0.95), "texts": texts, "first_error": errors[0] if errors else None}


# ---- starting the servers -------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, proc, timeout=180):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before it was ready ({url})")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} not ready after {timeout} s")


def scratch_home(real_home, model):
    """An OWL_HOME holding only `model`: its manifest copied, its files linked to the real blobs."""
    home = tempfile.mkdtemp(prefix="owl-bench-")
    src = os.path.join(real_home, "models", model)
    dst = os.path.join(home, "models", model)
    os.makedirs(dst)
    os.makedirs(os.path.join(home, "blobs"))
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if name == "manifest.json":
            shutil.copy(path, dst)
        elif os.path.islink(path):
            target = os.path.realpath(path)
            blob = os.path.join(home, "blobs", os.path.basename(target))
            if not os.path.exists(blob):
                os.symlink(target, blob)
            os.symlink(os.path.relpath(blob, dst), os.path.join(dst, name))
    return home


def gguf_path(real_home, model):
    folder = os.path.join(real_home, "models", model)
    files = [f for f in os.listdir(folder) if f.endswith(".gguf")]
    if not files:
        raise SystemExit(f"{model} has no .gguf file in {folder}")
    return os.path.realpath(os.path.join(folder, files[0]))


class Server:
    def __init__(self, name, argv, env=None):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_healthy(self.url, self.proc)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_owl(a, home, audit_async):
    env = dict(os.environ, OWL_HOME=home)
    argv = [a.owl, "serve", "--no-auth", "--port", "{port}", "--compute-threads", str(a.threads),
            "--parallel", str(a.parallel), "--ctx", str(a.ctx // a.parallel), "--keep-alive", "forever"]
    if audit_async:
        argv.append("--audit-async")
    return Server("owl" + ("-async" if audit_async else ""), argv, env)


def start_llama(a, gguf):
    # -c is the total KV size shared by the -np slots, as llama-server counts it.
    argv = [a.llama_server, "-m", gguf, "--host", "127.0.0.1", "--port", "{port}", "-t", str(a.threads), "-tb", str(a.threads),
            "-np", str(a.parallel), "-c", str(a.ctx), "-a", a.model, "--no-webui"]
    return Server("llama-server", argv)


def warm(url, model):
    one(url, "none", model, "Hello", 4)


# ---- audit cost ------------------------------------------------------------------------------------------

def sequential_latency(url, path, n):
    """Mean ms of n sequential GET requests on one kept-alive connection (every request is audited)."""
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse(); r.read()
        times.append(time.perf_counter() - t0)
    conn.close()
    return 1000 * statistics.mean(times)


def audit_cost(a, home):
    """Per-request cost of the audit record: durable (committed before the thread serves more) vs --audit-async,
    on a cheap audited route and on a short generation, each mode started fresh; alternated for --rounds."""
    out = {"models_ms": {"durable": [], "async": []}, "generate_ms": {"durable": [], "async": []}}
    for _ in range(a.rounds):
        for mode in ("durable", "async"):
            s = start_owl(a, home, audit_async=(mode == "async"))
            try:
                warm(s.url, a.model)
                sequential_latency(s.url, "/v1/models", 20)
                out["models_ms"][mode].append(sequential_latency(s.url, "/v1/models", a.audit_requests))
                gens = [one(s.url, "none", a.model, prompt_for(k), 8)[2] for k in range(a.audit_generations)]
                out["generate_ms"][mode].append(1000 * statistics.mean(gens))
            finally:
                s.stop()
    return {k: {m: statistics.median(v) for m, v in d.items()} for k, d in out.items()}


# ---- the comparison --------------------------------------------------------------------------------------

def compare(a):
    real_home = os.environ.get("OWL_HOME", os.path.expanduser("~/.owl"))
    gguf = gguf_path(real_home, a.model)
    home = scratch_home(real_home, a.model)
    levels = [int(x) for x in a.concurrency.split(",")]
    results = {"owl": {c: [] for c in levels}, "llama-server": {c: [] for c in levels}}
    texts = {}
    try:
        for rnd in range(a.rounds):
            order = ["owl", "llama-server"] if rnd % 2 == 0 else ["llama-server", "owl"]
            for name in order:
                s = start_owl(a, home, audit_async=a.owl_audit_async) if name == "owl" else start_llama(a, gguf)
                try:
                    warm(s.url, a.model)
                    for c in levels:
                        r = load(s.url, "none", a.model, c, a.requests, a.max_tokens)
                        texts.setdefault(name, r["texts"])
                        results[name][c].append(r)
                        print(f"# round {rnd + 1} {name} C={c}: {r['tokens_per_s']:.1f} tok/s, {r['requests_per_s']:.2f} req/s, "
                              f"TTFT mean {r['ttft_mean_ms']:.0f} ms, {r['errors']} errors", file=sys.stderr, flush=True)
                finally:
                    s.stop()
        audit = audit_cost(a, home) if a.audit_requests > 0 else None
    finally:
        shutil.rmtree(home, ignore_errors=True)

    def med(name, c, key):
        return statistics.median(r[key] for r in results[name][c])

    print(f"\nmodel {a.model} ({os.path.basename(gguf)}), greedy, max_tokens {a.max_tokens}, {a.requests} requests per stream, "
          f"{a.threads} threads, {a.parallel} parallel slots, total context {a.ctx}; median of {a.rounds} rounds (alternating order)")
    head = f"{'server':<13}{'streams':>8}{'req/s':>8}{'tok/s':>8}{'tok/req':>8}{'TTFT mean':>11}{'p50':>8}{'p95':>8}{'errors':>7}"
    print(head); print("-" * len(head))
    for c in levels:
        for name in ("owl", "llama-server"):
            print(f"{name:<13}{c:>8}{med(name, c, 'requests_per_s'):>8.2f}{med(name, c, 'tokens_per_s'):>8.1f}"
                  f"{med(name, c, 'tokens_per_request'):>8.1f}{med(name, c, 'ttft_mean_ms'):>9.0f}ms{med(name, c, 'ttft_p50_ms'):>6.0f}ms"
                  f"{med(name, c, 'ttft_p95_ms'):>6.0f}ms{sum(r['errors'] for r in results[name][c]):>7}")
        ratio = lambda k: med("owl", c, k) / med("llama-server", c, k) if med("llama-server", c, k) else float("nan")
        print(f"{'owl/llama':<13}{c:>8}{ratio('requests_per_s'):>7.2f}x{ratio('tokens_per_s'):>7.2f}x{'':>8}"
              f"{ratio('ttft_mean_ms'):>10.2f}x{ratio('ttft_p50_ms'):>7.2f}x{ratio('ttft_p95_ms'):>7.2f}x")
    same = sum(1 for k, t in texts.get("owl", {}).items() if texts.get("llama-server", {}).get(k) == t)
    print(f"greedy texts identical between the servers: {same} of {len(texts.get('owl', {}))} requests")
    if audit:
        m, g = audit["models_ms"], audit["generate_ms"]
        print(f"\naudit log cost per request (median of {a.rounds} rounds, fresh server each):")
        print(f"  GET /v1/models x{a.audit_requests}, one connection: durable {m['durable']:.2f} ms, async {m['async']:.2f} ms "
              f"-> {m['durable'] - m['async']:.2f} ms per durable record")
        print(f"  chat, 8 tokens x{a.audit_generations}: durable {g['durable']:.1f} ms, async {g['async']:.1f} ms "
              f"-> {g['durable'] - g['async']:.1f} ms")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"settings": {k: v for k, v in vars(a).items()},
                       "results": {n: {str(c): [{k: v for k, v in r.items() if k != "texts"} for r in rs] for c, rs in d.items()}
                                   for n, d in results.items()}, "audit": audit}, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="load this running server (no --compare)")
    ap.add_argument("--key", default="none")
    ap.add_argument("--model", required=True)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=2, help="requests per client thread")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--compare", action="store_true", help="start owl serve and llama-server and compare them")
    ap.add_argument("--owl", default=os.environ.get("OWL_BINARY", os.path.join(HERE, "..", ".build", "release", "owl")))
    ap.add_argument("--llama-server", default=None, help="llama-server binary (default: bench/build-llama-server.sh)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=16, help="slots decoded together on each server")
    ap.add_argument("--ctx", type=int, default=4096, help="total KV positions (llama-server -c; Owl --ctx is this / --parallel)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--owl-audit-async", action="store_true", help="run Owl with --audit-async in the load comparison")
    ap.add_argument("--audit-requests", type=int, default=200, help="requests per audit-cost measurement (0: skip)")
    ap.add_argument("--audit-generations", type=int, default=5)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    if a.compare:
        if a.llama_server is None:
            out = subprocess.run(["bash", os.path.join(HERE, "build-llama-server.sh")], check=True, stdout=subprocess.PIPE, text=True).stdout
            a.llama_server = out.strip().splitlines()[-1]
        compare(a)
        return
    if not a.url:
        ap.error("give --url (one running server) or --compare")
    for c in [int(x) for x in a.concurrency.split(",")]:
        r = load(a.url, a.key, a.model, c, a.requests, a.max_tokens)
        r.pop("texts")
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
