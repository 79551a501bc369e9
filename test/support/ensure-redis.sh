#!/usr/bin/env bash
# The rate-limit and shared-breaker tests run a real redis-server (Debian's package) on a loopback port.
# Installs it when missing: as root directly, else through sudo; otherwise says what to install.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "make test needs redis-server: install Debian's redis-server package (apt-get install redis-server)" >&2
  exit 1
fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends redis-server
