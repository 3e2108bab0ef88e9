#!/usr/bin/env bash
# Bring up the shared deployment on one machine, for trying it out:
#   PostgreSQL databases -> MLflow tracking server with basic auth -> demo register with two
#   organisations (each registering with its own account) -> the portal with a read-only account.
# Secrets (admin and account passwords) are generated into $INSYN_SHARED_HOME (default
# ~/.insyn-shared, outside the repository, mode 0600); nothing secret is printed.
#
#   deploy/start-shared.sh                  # server on :5000, portal on :8501
#   PORT=5050 PORTAL_PORT=8502 deploy/start-shared.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
fi

exec .venv/bin/insyn admin serve-shared \
  --home "${INSYN_SHARED_HOME:-$HOME/.insyn-shared}" \
  --database "${INSYN_SHARED_DATABASE:-insyn_shared}" \
  --port "${PORT:-5000}" \
  --portal-port "${PORTAL_PORT:-8501}"
