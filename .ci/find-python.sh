#!/usr/bin/env bash
# Prints the path of a CPython 3.13 interpreter, or explains what to install and fails.
# Order: $PYTHON, python3.13 on PATH, pyenv's 3.13.x, uv-managed 3.13, common install prefixes.
set -u
ok() { [ -n "$1" ] && [ -x "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' 2>/dev/null; }
cands=()
[ -n "${PYTHON:-}" ] && cands+=("$PYTHON")
cands+=("$(command -v python3.13 2>/dev/null || true)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for d in $(ls -d "$root"/versions/3.13* 2>/dev/null | sort -Vr); do cands+=("$d/bin/python3.13"); done
fi
for d in $(ls -d "$HOME"/.pyenv/versions/3.13* 2>/dev/null | sort -Vr); do cands+=("$d/bin/python3.13"); done
if command -v uv >/dev/null 2>&1; then cands+=("$(uv python find 3.13 --no-python-downloads 2>/dev/null || true)"); fi
cands+=(/usr/local/bin/python3.13 /usr/bin/python3.13 /opt/homebrew/bin/python3.13)
for c in "${cands[@]}"; do
  # pyenv shims answer only when the version is selected: resolve through the real binary.
  if ok "$c"; then "$c" -c 'import sys; print(sys.executable)'; exit 0; fi
done
cat >&2 <<'MSG'
error: Python 3.13 not found (Lambda runs python3.13, and so do the tests).
Install one of:
  - pyenv:   pyenv install 3.13      (then re-run make)
  - uv:      uv python install 3.13
  - Debian/Ubuntu: apt-get install python3.13 python3.13-venv (where your release ships it)
  - macOS:   brew install python@3.13
or point PYTHON at an interpreter: make PYTHON=/path/to/python3.13 test
MSG
exit 1
