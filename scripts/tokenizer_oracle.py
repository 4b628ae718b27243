#!/usr/bin/env python3
"""Test oracle for Owl's tokenizers (never on the product's path).

Usage: tokenizer_oracle.py wordpiece TOKENIZER_JSON MAX_LEN  < strings.json  > ids.json
Reads a JSON list of strings on stdin and prints a JSON list of id lists: the Hugging Face `tokenizers`
library with special tokens added, no padding, and truncation at MAX_LEN (as sentence-transformers does).
Exit status 3 when the `tokenizers` package is missing.
"""
import json
import sys


def main():
    try:
        from tokenizers import Tokenizer
    except ImportError as e:
        print(f"the tokenizers package is missing ({e}); pip install -r scripts/test-requirements.txt", file=sys.stderr)
        sys.exit(3)
    mode, path, max_len = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode != "wordpiece":
        print(f"unknown mode {mode}", file=sys.stderr)
        sys.exit(2)
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    texts = json.load(sys.stdin)
    out = [tok.encode(t, add_special_tokens=True).ids for t in texts]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
