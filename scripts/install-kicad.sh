#!/usr/bin/env bash
# Installs KiCad 9 (kicad-cli, eeschema, symbol libraries) from Debian bookworm-backports,
# plus Xvfb/xdotool for headless GUI tests. Idempotent: does nothing when kicad-cli 9 is present.
set -euo pipefail
if command -v kicad-cli >/dev/null 2>&1 && kicad-cli version 2>/dev/null | grep -q '^9\.'; then
  if [ -d /usr/share/kicad/symbols ] && command -v rsvg-convert >/dev/null && { [ "${TOKN_NEED_GUI:-0}" != 1 ] || { command -v Xvfb && command -v xdotool && command -v xclip; } >/dev/null; }; then
    exit 0
  fi
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$SUDO apt-get update -qq
pkgs=(kicad kicad-symbols librsvg2-bin)
[ "${TOKN_NEED_GUI:-0}" = 1 ] && pkgs+=(xvfb xauth xdotool x11-utils imagemagick xclip python3-wxgtk4.0 python3-venv)
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${pkgs[@]}" >/dev/null
kicad-cli version
