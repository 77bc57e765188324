#!/usr/bin/env bash
# Creates .venv (Python 3.13, as Lambda runs) with the locked dependencies, installing uv first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

works() { "$@" --version >/dev/null 2>&1; }
find_uv() {
  if [ -n "${UV:-}" ] && works "$UV"; then echo "$UV"; return; fi
  if command -v uv >/dev/null 2>&1 && works uv; then command -v uv; return; fi
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import uv' 2>/dev/null; then
      "$py" -c 'import uv; print(uv.find_uv_bin())'; return
    fi
  done
  for c in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv"; do works "$c" && { echo "$c"; return; }; done
  return 1
}

if ! UV_BIN=$(find_uv); then
  echo "uv not found: installing it from PyPI (pip install --user uv)" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages uv \
    || python3 -m pip install --quiet uv
  UV_BIN=$(find_uv) || { echo "error: could not install uv; see https://docs.astral.sh/uv/" >&2; exit 1; }
fi

PY=$(bash .ci/find-python.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)'; then
  rm -rf .venv
  "$UV_BIN" venv --quiet --python "$PY" .venv
fi
"$UV_BIN" sync --frozen --quiet --python .venv/bin/python
echo "environment ready: .venv ($(.venv/bin/python --version), uv $("$UV_BIN" --version | cut -d' ' -f2))"
