#!/usr/bin/env python3
"""llama.cpp's pp/tg speed through llama-cpp-python, measured the way `owl bench` measures Owl.

pp: one batch of P random tokens from an empty KV cache; tg: N tokens decoded one at a time from an
empty cache. One warm-up, then R repetitions; prints one JSON object. A benchmark peer, not product code.
"""
import argparse, json, random, resource, statistics, time

import llama_cpp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=5)
    a = ap.parse_args()
    llm = llama_cpp.Llama(model_path=a.model, n_ctx=max(a.p, a.n) + 8, n_batch=max(a.p, 1), n_ubatch=max(a.p, 1),
                          n_threads=a.t, n_threads_batch=a.t, verbose=False, logits_all=False)
    vocab = llm.n_vocab()
    rnd = random.Random(0)
    out = {"peer": "llama.cpp (llama-cpp-python %s)" % llama_cpp.__version__, "threads": a.t}

    def measure(body):
        body()
        times = []
        for _ in range(a.r):
            t0 = time.perf_counter(); body(); times.append(time.perf_counter() - t0)
        return times

    if a.p:
        toks = [rnd.randrange(vocab) for _ in range(a.p)]
        def pp():
            llm.reset(); llm._ctx.kv_cache_clear(); llm.eval(toks)
        rates = [a.p / s for s in measure(pp)]
        out.update(pp_tokens=a.p, pp_tokens_per_s=statistics.mean(rates), pp_sd=statistics.stdev(rates) if len(rates) > 1 else 0)
    if a.n:
        toks = [rnd.randrange(vocab) for _ in range(a.n)]
        def tg():
            llm.reset(); llm._ctx.kv_cache_clear()
            for t in toks: llm.eval([t])
        rates = [a.n / s for s in measure(tg)]
        out.update(tg_tokens=a.n, tg_tokens_per_s=statistics.mean(rates), tg_sd=statistics.stdev(rates) if len(rates) > 1 else 0)
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
