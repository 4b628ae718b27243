#!/usr/bin/env python3
"""Golden for the fast-path accuracy test at every prompt position (not only the last).

The shared goldens compare last-position logits of six prompts: six correlated draws, so the mean error
moves by ±15% with any last-bit change of rounding. This script widens the sample to all 178 positions of
the same six prompts:
  exact   — the float64 numpy forward pass (../shared/tools/reference/owl_reference.py), result_norm of
            every position times the dequantized output matrix;
  llama   — llama.cpp 0c1e570 (llama-cpp-python 0.3.36, logits_all) on the same Q4_1 file.
Both are kept for a fixed, seeded subset of 1024 vocabulary ids (an unbiased sample of the vocabulary).
Output: little-endian file with a JSON header line, then float32 [positions, 1024] exact, then llama.

Usage: python3 scripts/goldens/smollm2_all_positions.py MODEL.gguf GOLDENS_DIR REFERENCE_DIR OUT
"""
import json, sys
import numpy as np

model_path, goldens, refdir, out = sys.argv[1:5]
sys.path.insert(0, refdir)
import owl_reference as ref  # noqa: E402
from llama_cpp import Llama  # noqa: E402

items = json.load(open(f"{goldens}/smollm2-135m/logits_numpy_ref_smollm2_135m.json"))["items"]
ids_all = json.load(open(f"{goldens}/smollm2-135m/logits_smollm2_135m.json"))
prompts = {p["name"]: p["prompt_ids"] for p in ids_all["items"]} if isinstance(ids_all, dict) and "items" in ids_all else {}
vocab = np.random.default_rng(20261128).choice(49152, size=1024, replace=False)
vocab.sort()

m = ref.Model(model_path)
llm = Llama(model_path, logits_all=True, n_ctx=256, n_batch=256, n_threads=2, verbose=False)
exact_rows, llama_rows, names = [], [], []
for it in items:
    name = it["name"]
    ids = prompts[name]
    m.reset()
    cap = {}
    def dump(n, x, layer=None):
        if n == "result_norm":
            cap["h"] = x
        return x
    dump.layer = lambda l: (lambda n, x: x)
    last = m.forward(ids, dump)
    exact = cap["h"] @ m.w[m.out_name].T
    assert np.max(np.abs(exact[-1] - last)) < 1e-9
    golden_last = np.fromfile(f"{goldens}/smollm2-135m/logits_ref_last_{name}.f32", dtype="<f4")
    assert np.max(np.abs(exact[-1] - golden_last)) < 1e-4, name
    llm.reset()
    llm.eval(ids)
    lg = np.array(llm.scores[: len(ids)], dtype=np.float64)
    peer_last = np.fromfile(f"{goldens}/smollm2-135m/logits_last_{name}.f32", dtype="<f4")
    print(f"{name}: {len(ids)} positions, llama.cpp here vs golden llama.cpp (last position) max |diff| "
          f"{np.max(np.abs(lg[-1] - peer_last)):.4f}, mean |diff| vs exact: golden {np.mean(np.abs(peer_last - golden_last)):.4f}, "
          f"here {np.mean(np.abs(lg[-1] - exact[-1])):.4f}", file=sys.stderr)
    exact_rows.append(exact[:, vocab]); llama_rows.append(lg[:, vocab]); names += [(name, len(ids))]
E = np.concatenate(exact_rows).astype("<f4"); L = np.concatenate(llama_rows).astype("<f4")
print(f"all positions: {E.shape[0]}, llama.cpp mean |diff| vs exact {np.mean(np.abs(E - L)):.5f}", file=sys.stderr)
header = {"prompts": [[n, c] for n, c in names], "vocab_ids": vocab.tolist(), "positions": int(E.shape[0]),
          "llama_cpp": "0c1e570 via llama-cpp-python 0.3.36 (logits_all), this machine",
          "exact": "../shared/tools/reference/owl_reference.py float64, result_norm x dequantized output matrix"}
with open(out, "wb") as f:
    f.write((json.dumps(header) + "\n").encode())
    f.write(E.tobytes()); f.write(L.tobytes())
