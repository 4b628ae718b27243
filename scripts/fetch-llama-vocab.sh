#!/usr/bin/env bash
# Test fixtures: llama.cpp's vocab-only GGUF files and their case files (ggml-vocab-*.gguf{,.inp,.out}) from
# the PyPI source package llama-cpp-python==0.3.36, cached under $OWL_HOME/cache/llama-vocab. Test-only.
set -euo pipefail
OWL_HOME="${OWL_HOME:-$HOME/.owl}"
dest="$OWL_HOME/cache/llama-vocab"
version=0.3.36
if [ -f "$dest/.complete-$version" ]; then exit 0; fi
mkdir -p "$OWL_HOME/cache"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sdist="$OWL_HOME/cache/llama_cpp_python-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: --no-build-isolation \
    "llama-cpp-python==$version" -d "$tmp"
  mv "$tmp"/llama_cpp_python-$version.tar.gz "$sdist"
fi
tar -xzf "$sdist" -C "$tmp" --wildcards "llama_cpp_python-$version/vendor/llama.cpp/models/ggml-vocab-*"
mkdir -p "$dest"
cp "$tmp"/llama_cpp_python-$version/vendor/llama.cpp/models/ggml-vocab-* "$dest"/
touch "$dest/.complete-$version"
echo "llama.cpp vocab fixtures in $dest"
