#!/usr/bin/env bash
# Create .venv and install the bot with its dependencies (again only when
# pyproject.toml changed). Run by start.sh, test.sh and the Dockerfile (which sets
# QUIZBOT_EXTRAS= to leave out the test tools).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PYTHON=$(find_python) || {
    echo "Python 3.11 or newer is needed (found none). Install it, e.g. 'apt-get install python3.11 python3.11-venv'." >&2
    exit 1
  }
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

extras=${QUIZBOT_EXTRAS-dev}
stamp=.venv/.installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing the bot and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
