#!/usr/bin/env bash
# Debian packages the tests use: chromium (browser tests through Playwright),
# espeak-ng and sox (voice clips), DejaVu fonts (tickets and the display board).
# Installs only what is missing; needs root or sudo when something is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need+=(sox)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# nginx: the multi-process test runs deploy/nginx-motcua.conf in front of the servers.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# libzbar0 lets the tests decode the QR code printed on tickets.
ldconfig -p 2>/dev/null | grep -q "libzbar.so.0" || need+=(libzbar0)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages for the tests: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Not root and no sudo: install these by hand: apt-get install ${need[*]}" >&2
    echo "(tests that need them will be skipped)" >&2
    exit 0
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
