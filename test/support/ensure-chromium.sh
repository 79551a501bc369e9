#!/usr/bin/env bash
# The dashboard test drives a real headless Chromium (Debian's package) through playwright-core; playwright's
# own browser download cannot work here, so the test points it at /usr/bin/chromium.
# Installs it when missing: as root directly, else through sudo; otherwise says what to install.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "make test needs chromium: install Debian's chromium package (apt-get install chromium)" >&2
  exit 1
fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
