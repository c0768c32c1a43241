#!/usr/bin/env bash
# Downloads the official CIFAR-10 binary archive, checks its MD5 and unpacks it into
# data/cifar-10-batches-bin, where every program of the course finds it.
#
#   tools/download_cifar10.sh [DATA_DIR]     (default: data/ of this repository)
#
# Safe to run again: a complete, verified copy is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir="${1:-$here/../data}"
url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
expected_md5="c32a1d4ab5d03f1284b67883e8d87530"
archive="$data_dir/cifar-10-binary.tar.gz"
dest="$data_dir/cifar-10-batches-bin"

if [ -f "$dest/test_batch.bin" ] && [ -f "$dest/data_batch_5.bin" ] && \
   [ "$(stat -c %s "$dest/test_batch.bin")" = 30730000 ]; then
  echo "cifar10: already in $dest"
  exit 0
fi
mkdir -p "$data_dir"
if [ ! -f "$archive" ] || [ "$(md5sum "$archive" | cut -d' ' -f1)" != "$expected_md5" ]; then
  echo "cifar10: downloading $url (162 MB)"
  if command -v curl >/dev/null; then
    curl -fL --retry 3 -o "$archive.part" "$url"
  elif command -v wget >/dev/null; then
    wget -O "$archive.part" "$url"
  else
    echo "cifar10: need curl or wget (sudo apt-get install curl)" >&2
    exit 1
  fi
  mv "$archive.part" "$archive"
fi
actual_md5="$(md5sum "$archive" | cut -d' ' -f1)"
if [ "$actual_md5" != "$expected_md5" ]; then
  echo "cifar10: $archive has MD5 $actual_md5, expected $expected_md5: the download is" \
       "corrupt or incomplete; delete it and run this script again" >&2
  exit 1
fi
tar -xzf "$archive" -C "$data_dir"
rm "$archive"
echo "cifar10: unpacked 50000 training and 10000 test images into $dest"
