#!/usr/bin/env bash
# Make a PostgreSQL test database usable, best effort, and print its URL.
# Starts the local cluster if it is down, creates role 'quizbot' and database
# 'quizbot_test' if missing. Prints nothing (exit 1) when no PostgreSQL can be had.
set -uo pipefail
ROLE=quizbot PASSWORD=quizbot DB=quizbot_test HOST=127.0.0.1 PORT=5432
URL="postgresql://$ROLE:$PASSWORD@$HOST:$PORT/$DB"

command -v psql >/dev/null 2>&1 || { echo "no psql on this machine" >&2; exit 1; }

as_admin() {  # run psql as a superuser: the postgres OS user if we are root, else over TCP
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -X -q -v ON_ERROR_STOP=1 $*"
  else
    psql -X -q -h "$HOST" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 "$@"
  fi
}

if ! pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "PostgreSQL is down: starting cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
  fi
fi
pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null || { echo "PostgreSQL is not running and could not be started" >&2; exit 1; }

as_admin -d postgres -c "\"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'; ELSE ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'; END IF; END \\\$\\\$;\"" >&2 \
  || { echo "could not create the role '$ROLE' (no superuser access)" >&2; }
if ! as_admin -d postgres -tAc "\"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" 2>/dev/null | grep -q 1; then
  as_admin -d postgres -c "\"CREATE DATABASE $DB OWNER $ROLE\"" >&2 || echo "could not create database '$DB'" >&2
fi
if PGPASSWORD=$PASSWORD psql -X -q -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DB" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "postgresql+asyncpg://$ROLE:$PASSWORD@$HOST:$PORT/$DB"
else
  echo "cannot log in to $URL" >&2
  exit 1
fi
