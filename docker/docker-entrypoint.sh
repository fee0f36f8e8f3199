#!/bin/sh
# Start the Troupe web process. Production mode needs AUTH_SECRET (the app also fails fast without it);
# migrations are applied by the app itself at start-up, under an advisory lock.
set -eu

if [ -n "${DATABASE_URL:-}" ] && [ -z "${AUTH_SECRET:-}" ]; then
  echo "docker-entrypoint: AUTH_SECRET must be set when DATABASE_URL is set (openssl rand -base64 32)" >&2
  exit 1
fi

if [ ! -w "${TROUPE_DATA_DIR:-/data}" ]; then
  echo "docker-entrypoint: ${TROUPE_DATA_DIR:-/data} is not writable by $(id -u)" >&2
  exit 1
fi

exec "$@"
