#!/usr/bin/env bash
# Installs KiCad 9 (kicad-cli, eeschema, symbol libraries) and KiCad's demo projects
# (kicad-demos: designs the tests check encode against) from Debian bookworm-backports,
# librsvg2-bin for PNG previews, and with TOKN_NEED_GUI=1 what the headless plugin test
# needs (Xvfb, xdotool, xclip, ImageMagick, Debian's wxPython and venv for KiCad's plugin
# runner).  Idempotent: does nothing when everything is already installed.
set -euo pipefail
pkgs=(kicad kicad-symbols kicad-demos librsvg2-bin)
[ "${TOKN_NEED_GUI:-0}" = 1 ] && pkgs+=(xvfb xauth xdotool x11-utils imagemagick xclip python3-wxgtk4.0 python3-venv)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && kicad-cli version 2>/dev/null | grep -q '^9\.'; then
  exit 0
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The same mirror this machine's apt already uses (no host name is written in the project).
  mirror="$(bash "$(dirname "$0")/debian-mirror.sh")"
  echo "deb $mirror bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends -t bookworm-backports "${pkgs[@]}" >/dev/null
kicad-cli version
