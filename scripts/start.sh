#!/usr/bin/env bash
# Set up and start the bot on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ ! -f .env ]; then
  cp .env.example .env
  echo "==> created .env from .env.example: put your bot token in it (DISCORD_TOKEN=...)"
fi
exec .venv/bin/quizbot run
