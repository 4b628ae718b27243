#!/usr/bin/env bash
# Installs the Debian packages Owl builds against, only those that are missing.
set -euo pipefail
PKGS=(pkg-config libssl-dev zlib1g-dev libsqlite3-dev libmicrohttpd-dev libopenblas-dev libcurl4-openssl-dev unzip cmake qemu-user)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is not on PATH; install the Swift toolchain first (swift.org)" >&2; exit 1; }
