#!/usr/bin/env python3
"""Test oracle: token ids of the perplexity text for SmolLM2, without Owl's own tokenizer.

Builds a byte-level BPE from the vocabulary and merges stored in the GGUF file (the `smollm`
pre-tokenizer: every digit on its own, then GPT-2's split regex), checks it against the tokenizer
goldens (ids with special-token parsing off) and the token count the perplexity golden states,
then writes the first N ids (llama-perplexity tokenizes the whole file without BOS).

  python3 scripts/smollm2_ppl_tokens.py MODEL.gguf GOLDENS_DIR OUT.txt [N]

Needs `pip install gguf tokenizers` (run once to make the fixture; the tests only read the fixture).
"""
import json
import sys

from gguf import GGUFReader
from tokenizers import Tokenizer, models, pre_tokenizers


def field(reader, key):
    return reader.fields[key].contents()


def main():
    model, goldens, out = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2048
    r = GGUFReader(model)
    tokens, merges = field(r, "tokenizer.ggml.tokens"), field(r, "tokenizer.ggml.merges")
    assert field(r, "tokenizer.ggml.pre") == "smollm"
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ", 1)) for m in merges])
    tk = Tokenizer(bpe)
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    cases = json.load(open(f"{goldens}/smollm2-135m/tokenizer_smollm2_135m.json"))
    cases = cases["cases"] if isinstance(cases, dict) and "cases" in cases else cases
    bad = [c["input"] for c in cases if tk.encode(c["input"], add_special_tokens=False).ids != c["ids_parse_special_false"]]
    if bad:
        sys.exit(f"tokenizer disagrees with the goldens on {len(bad)} of {len(cases)} cases: {bad[:3]}")
    ppl = json.load(open(f"{goldens}/smollm2-135m/perplexity_smollm2_135m.json"))
    text = open(f"{goldens}/smollm2-135m/ppl_text_common_licenses.txt", encoding="utf-8").read()
    ids = tk.encode(text, add_special_tokens=False).ids
    if len(ids) != ppl["n_tokens_total"]:
        sys.exit(f"{len(ids)} tokens, the golden says {ppl['n_tokens_total']}")
    with open(out, "w") as f:
        f.write(f"# first {n} of {len(ids)} SmolLM2 token ids of ppl_text_common_licenses.txt (scripts/smollm2_ppl_tokens.py)\n")
        f.write(" ".join(map(str, ids[:n])) + "\n")
    print(f"ok: {len(cases)} tokenizer cases agree; {len(ids)} tokens; wrote {n} to {out}")


if __name__ == "__main__":
    main()
