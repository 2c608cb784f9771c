#!/usr/bin/env bash
# The PostgreSQL server binaries for the PostgreSQL-backend tests, from Debian's packages. Safe to run twice;
# it starts no service: the tests start a throwaway cluster of their own (tests/pg_server.py).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
echo "Installing PostgreSQL from the operating system's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q postgresql
# Debian's package starts a system cluster; the tests do not use it.
service postgresql stop >/dev/null 2>&1 || true
