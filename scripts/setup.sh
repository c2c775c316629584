#!/usr/bin/env bash
# Installs the system packages the build needs, when they are missing (Debian/Ubuntu,
# apt-get; as root, or through sudo when there is one). Idempotent and quiet when all
# is there. Called by scripts/train-mnist.sh and .ci/run.
#
#   zlib1g-dev               gzip'd IDX data sets (MNISTLoader), .npz files (BinaryNetData)
#   libpng-dev               PNG images (CImageCodecs, BinaryNetImages)
#   libjpeg62-turbo-dev      JPEG images (CImageCodecs, BinaryNetImages); on Ubuntu the
#                            package is libjpeg-turbo8-dev (installed instead when the
#                            Debian name is unknown)
set -euo pipefail

missing=()
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ -f /usr/include/png.h ] || missing+=(libpng-dev)
if [ ! -f /usr/include/jpeglib.h ]; then
  if command -v apt-cache >/dev/null 2>&1 && ! apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1 \
    && apt-cache show libjpeg-turbo8-dev >/dev/null 2>&1; then
    missing+=(libjpeg-turbo8-dev)
  else
    missing+=(libjpeg62-turbo-dev)
  fi
fi
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
