#!/usr/bin/env bash
# Lays out the project's C++ and CUDA files by .clang-format.
#   tools/format.sh          rewrite the files in place
#   tools/format.sh --check  change nothing; list the files that differ and fail if any does
# The files are those git knows (tracked, or new and not ignored) under the project's source
# folders. exercises/ is left out: tools/make_exercises.py writes it from the laid-out
# solutions/, and the stub lines it puts in the task regions are its own (one line per stub,
# which `make_exercises.py --check` and the student's progress count compare as written).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  'bench/*' 'chapters/*' 'cli/*' 'lib/*' 'solutions/*' 'tests/*' 'tools/*' |
  grep -E '\.(cpp|hpp|h|cu|cuh)$' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "${1:-}" = "--check" ]; then
  differing=()
  for f in "${files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || differing+=("$f")
  done
  if [ "${#differing[@]}" -gt 0 ]; then
    printf 'not laid out by .clang-format: %s\n' "${differing[@]}" >&2
    echo "run tools/format.sh, then python3 tools/make_exercises.py, and commit the result" >&2
    exit 1
  fi
  echo "format: all ${#files[@]} C++/CUDA files follow .clang-format"
else
  clang-format --style=file -i "${files[@]}"
  echo "format: laid out ${#files[@]} files"
fi
