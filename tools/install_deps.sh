#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the project needs, skipping those already installed.
#
#   tools/install_deps.sh            what building, testing and the docs need
#   tools/install_deps.sh --golden   also PyTorch, to regenerate tests/golden (maintainers)
#   tools/install_deps.sh --site-check  also Chromium and cmark-gfm, for docs/check_site.py and
#                                       docs/check_forge.py (maintainers, CI)
#   tools/install_deps.sh --ccache   also ccache, which CI uses to share objects between builds
#   tools/install_deps.sh --format   also clang-format, for tools/format.sh (maintainers, CI)
#
# Uses sudo when not run as root. Safe to run again: with nothing missing it does nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mapfile -t packages < <(grep -v '^\s*#' "$here/debian-packages.txt" | grep -v '^\s*$')
for option in "$@"; do
  case "$option" in
    --golden) packages+=(python3-torch python3-torchvision python3-numpy) ;;
    --site-check) packages+=(chromium cmark-gfm) ;;
    --ccache) packages+=(ccache) ;;
    --format) packages+=(clang-format) ;;
    *) echo "install_deps: unknown option $option (expected --golden, --site-check, --ccache, --format)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages are installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "install_deps: apt-get not found; please install these packages yourself: ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
