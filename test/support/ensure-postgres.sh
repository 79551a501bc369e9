#!/usr/bin/env bash
# The store tests run a real PostgreSQL (Debian's package: initdb and pg_ctl, started on a loopback port).
# Installs it when missing: as root directly, else through sudo; otherwise says what to install.
# Debian puts initdb only in /usr/lib/postgresql/N/bin, not on PATH.
set -euo pipefail
command -v initdb >/dev/null 2>&1 && exit 0
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "make test needs PostgreSQL's server binaries: install Debian's postgresql package (apt-get install postgresql)" >&2
  exit 1
fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends postgresql
