#!/usr/bin/env bash
# Installs the system packages the build needs, when they are missing (Debian/Ubuntu,
# apt-get; as root, or through sudo when there is one). Idempotent and quiet when all
# is there. Called by scripts/train-mnist.sh and .ci/run.
#
#   zlib1g-dev    gzip'd IDX data sets (MNISTLoader)
set -euo pipefail

missing=()
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]}; install them with your package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: run as root to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
