#!/usr/bin/env bash
# Creates .venv (Python 3.13, as Lambda runs) with the locked dependencies. uv is itself pinned in the lock and lives
# in the venv (.venv/bin/uv): nothing is installed outside the checkout, and nothing depends on PATH holding uv.
set -euo pipefail
cd "$(dirname "$0")/.."

is_313() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' 2>/dev/null; }
uv_version() { awk '/^name = "uv"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' uv.lock; }

if ! is_313 .venv/bin/python; then
  PY=$(bash .ci/find-python.sh)
  rm -rf .venv
  "$PY" -m venv .venv
fi
want=$(uv_version)
if [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
  echo "installing uv $want into .venv (pip)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$want"
fi
# Bytecode compiled at install, as pip does (uv does not by default; the Makefile sets PYTHONDONTWRITEBYTECODE, so
# nothing would ever cache it): every `sellersync` command would otherwise compile typer, rich, boto3 and pydantic
# from source at each start (README: Admin CLI, "Start-up").
.venv/bin/uv sync --frozen --quiet --compile-bytecode --python .venv/bin/python
echo "environment ready: .venv ($(.venv/bin/python --version), uv $(.venv/bin/uv --version | cut -d' ' -f2))"
