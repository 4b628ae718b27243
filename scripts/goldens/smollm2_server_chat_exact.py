#!/usr/bin/env python3
"""Exact-math greedy continuation of the server chat golden's prompt (../shared/goldens/smollm2-135m/
server_chat_example.json), with the top1-top2 margin of every step, for the serving tests' margin rule:
Owl's fast path must follow exact math up to the first step whose margin is below 0.5 (as the engine's
greedy tests do), instead of matching llama-server's 32 tokens exactly through low-margin steps. On this
prompt the first step's margin is 0.08 (llama.cpp's first token differs from exact math), so the answer
must begin with one of the two (`first_token_candidates`: exact math's, llama-server's).

Usage: python3 scripts/goldens/smollm2_server_chat_exact.py MODEL.gguf GOLDENS_DIR REFERENCE_DIR OUT.json
Prompt ids come from llama.cpp's tokenizer (llama-cpp-python 0.3.36, special tokens parsed), which Owl's
tokenizer matches exactly on this model (TokenizerTests).
"""
import json, subprocess, sys
from llama_cpp import Llama

model, goldens, refdir, out = sys.argv[1:5]
g = json.load(open(f"{goldens}/smollm2-135m/server_chat_example.json"))
prompt = g["rendered_prompt_via_apply_template"]
llm = Llama(model, vocab_only=True, verbose=False)
ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
ref = subprocess.run([sys.executable, f"{refdir}/owl_reference.py", model, "--ids", ",".join(map(str, ids)),
                      "--steps", "32"], capture_output=True, text=True, check=True)
r = json.loads(ref.stdout)
greedy, margins = r["greedy_ids"], r["greedy_top1_top2_margin"]
k = next((i for i, m in enumerate(margins) if m < 0.5), len(margins))
text = llm.detokenize(greedy[:k]).decode("utf-8", errors="replace")
answer = g["response"]["choices"][0]["message"]["content"]
first = [llm.detokenize(greedy[:1]).decode(), llm.detokenize(llm.tokenize(answer.encode(), add_bos=False)[:1]).decode()]
json.dump({"first_token_candidates": first, "prompt_ids": ids, "greedy_ids": greedy, "margins": margins, "comparable_steps": k,
           "comparable_text": text, "how": "owl_reference.py float64 on the Q4_1 file; margin rule 0.5"},
          open(out, "w"), indent=1)
print(f"{len(ids)} prompt ids, {k} comparable steps: {text!r}", file=sys.stderr)
