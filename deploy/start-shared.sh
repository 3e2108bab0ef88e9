#!/usr/bin/env bash
# Bring up the shared deployment on one machine, for trying it out:
#   PostgreSQL databases -> MLflow tracking server with basic auth -> the writer service (the
#   audit log's one writer, key in $INSYN_SHARED_HOME/writer-key.pem) -> demo register with two
#   organisations (each registering with its own account) -> the portal with a read-only account.
# Everything listens on 127.0.0.1 unless HOST says otherwise.
# Secrets (admin and account passwords) are generated into $INSYN_SHARED_HOME (default
# ~/.insyn-shared, outside the repository, mode 0600); nothing secret is printed.
#
#   deploy/start-shared.sh                  # server on :5000, writer on :5080, portal on :8501
#   PORT=5050 PORTAL_PORT=8502 WRITER_PORT=5081 AUTH_CACHE_SECONDS=5 deploy/start-shared.sh
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
  --portal-port "${PORTAL_PORT:-8501}" \
  --writer-port "${WRITER_PORT:-5080}" \
  --host "${HOST:-127.0.0.1}" \
  --auth-cache-seconds "${AUTH_CACHE_SECONDS:-10}"
