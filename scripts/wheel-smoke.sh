#!/usr/bin/env bash
# Build the wheel, install it with its demo extra in a clean virtual environment outside
# the source tree, then run `roomwatch --version` and `roomwatch demo --check` there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "wheel-smoke: building the wheel…"
"$here/.venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" "$here" >/dev/null
wheel=$(ls "$work"/dist/roomwatch-*.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "${wheel}[demo]" 2>&1 | grep -v -i "warning" || true
cd "$work"  # outside the source tree: only the installed wheel is importable
"$work/venv/bin/roomwatch" --version
env -u ROOMWATCH_CONFIG -u ROOMWATCH_DATABASE_URL "$work/venv/bin/roomwatch" demo --check
echo "wheel-smoke: ok"
