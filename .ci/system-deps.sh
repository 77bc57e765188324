#!/usr/bin/env bash
# Installs the Debian packages the project needs when their command is missing: `system-deps.sh CMD=PACKAGE ...`.
# As root it runs apt-get; otherwise sudo when it can ask no password; otherwise it names what to install and fails.
set -euo pipefail

missing=()
for pair in "$@"; do
  cmd=${pair%%=*} pkg=${pair#*=}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "error: missing Debian package(s): ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian package(s): ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"; } \
  >"$log" 2>&1; then
  tail -n 5 "$log" >&2
  echo "error: could not install ${missing[*]}; install them with: apt-get install -y ${missing[*]}" >&2
  rm -f "$log"; exit 1
fi
rm -f "$log"
