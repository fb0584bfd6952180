#!/usr/bin/env bash
# Set up and start the bot on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ ! -f .env ]; then
  # .env will hold the bot's token: readable and writable by this user only (0600).
  (umask 077 && cp .env.example .env)
  echo "==> created .env from .env.example: put your bot token in it (DISCORD_TOKEN=...)"
fi
# An .env made before (or by hand) may be readable by everyone on the machine.
chmod go-rwx .env || echo "==> warning: could not make .env private (chmod 600 .env)" >&2
exec .venv/bin/quizbot run
