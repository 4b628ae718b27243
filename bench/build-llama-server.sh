#!/usr/bin/env bash
# Benchmark peer only (never on the product's path, never in `make test`): compiles llama.cpp's `llama-server`
# from the llama.cpp copy vendored in the PyPI source package llama-cpp-python==0.3.36, so that
# bench/serve_load.py can compare Owl's server with llama.cpp's own server on the same model and threads.
#
# The binary is cached at $OWL_HOME/cache/llama-server-<version>/bin/llama-server (OWL_HOME defaults to ~/.owl);
# a second run finds it and does nothing. Prints the binary's path as its last line.
# Needs cmake and a C++ compiler (scripts/setup.sh installs them). CPU only, no web UI, no network at run time.
#
# Environment: OWL_HOME, LLAMA_SERVER_JOBS (parallel compile jobs; default: number of CPUs).
set -euo pipefail
version=0.3.36
OWL_HOME="${OWL_HOME:-$HOME/.owl}"
cache="$OWL_HOME/cache"
dest="$cache/llama-server-$version"
binary="$dest/bin/llama-server"
if [ -x "$binary" ] && [ -x "$dest/bin/llama-bench" ] && [ -f "$dest/.complete" ]; then
  echo "$binary"
  exit 0
fi
command -v cmake >/dev/null || { echo "cmake is missing: run scripts/setup.sh (or apt-get install cmake)" >&2; exit 1; }
command -v c++ >/dev/null || { echo "a C++ compiler is missing: apt-get install g++" >&2; exit 1; }

mkdir -p "$cache"
sdist="$cache/llama_cpp_python-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  tmp_dl="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: --no-build-isolation \
    "llama-cpp-python==$version" -d "$tmp_dl"
  mv "$tmp_dl/llama_cpp_python-$version.tar.gz" "$sdist"
  rm -rf "$tmp_dl"
fi

# Work under the cache (not /tmp) so an interrupted compile resumes where it stopped.
work="$cache/llama-server-$version.build"
src="$work/llama_cpp_python-$version/vendor/llama.cpp"
if [ ! -f "$src/tools/server/CMakeLists.txt" ]; then
  rm -rf "$work"
  mkdir -p "$work"
  tar -xzf "$sdist" -C "$work" "llama_cpp_python-$version/vendor/llama.cpp"
fi
[ -f "$src/tools/server/server.cpp" ] || { echo "$sdist has no vendor/llama.cpp/tools/server" >&2; exit 1; }

jobs="${LLAMA_SERVER_JOBS:-$(nproc)}"
cmake -S "$src" -B "$work/build" -G "$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=ON -DGGML_OPENMP=ON \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >"$work/cmake.log"
cmake --build "$work/build" --target llama-server llama-bench -j "$jobs"

mkdir -p "$dest/bin"
cp "$work/build/bin/llama-server" "$binary.partial"
mv "$binary.partial" "$binary"
# llama-bench too: the peer of bench/compare.sh (prompt processing and generation speed).
cp "$work/build/bin/llama-bench" "$dest/bin/llama-bench.partial"
mv "$dest/bin/llama-bench.partial" "$dest/bin/llama-bench"
"$binary" --version >"$dest/version.txt" 2>&1 || true
touch "$dest/.complete"
rm -rf "$work"
echo "$binary"
