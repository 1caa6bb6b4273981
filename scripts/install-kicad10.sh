#!/usr/bin/env bash
# Installs KiCad 10 (kicad-cli, eeschema, symbols, demos) from Debian unstable into a minimal
# chroot, next to the system's KiCad 9, so the tests can check the codec and the plugin against
# both.  Root: TOKN_KICAD10_ROOT (default /opt/tokn-kicad10).  The Debian mirror is the one this
# machine's apt already uses (scripts/debian-mirror.sh).  Run KiCad 10 through
# scripts/kicad10-run (any program) or scripts/kicad10-cli (kicad-cli).  With TOKN_NEED_GUI=1 it
# also installs, inside the chroot, what the plugin's end-to-end test needs there: venv and
# wxPython for KiCad's plugin runner, xclip and xdotool for the plugin's paste.
# Idempotent: does nothing when KiCad 10 is already there.  Needs root (debootstrap, chroot);
# about 3 minutes and 2 GB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ROOT="${TOKN_KICAD10_ROOT:-/opt/tokn-kicad10}"
pkgs=(kicad kicad-symbols kicad-demos)
[ "${TOKN_NEED_GUI:-0}" = 1 ] && pkgs+=(python3-venv python3-wxgtk4.0 xclip xdotool)

if [ "$(id -u)" != 0 ]; then
  echo "install-kicad10.sh needs root (debootstrap and chroot)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
in_root() { "$here/kicad10-run" "$@"; }
have_pkgs() {
  for p in "${pkgs[@]}"; do
    chroot "$ROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}
if [ -x "$ROOT/usr/bin/kicad-cli" ] && have_pkgs && in_root kicad-cli version | grep -q '^10\.'; then
  exit 0
fi

mirror="$(bash "$here/debian-mirror.sh")"
if ! command -v debootstrap >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >/dev/null
fi
# A debootstrap that did not finish leaves ROOT/debootstrap behind: start again.
if [ -d "$ROOT/debootstrap" ] || { [ -e "$ROOT" ] && [ ! -x "$ROOT/usr/bin/apt-get" ]; }; then
  # debootstrap mounts proc/sys inside ROOT while it works: unmount what a failed run left
  awk -v r="$ROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$ROOT"
fi
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  echo "debootstrap sid into $ROOT from $mirror" >&2
  debootstrap --variant=minbase sid "$ROOT" "$mirror" >/dev/null
fi
mkdir -p "$ROOT/host"
apt_opts=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -y -qq)
in_root apt-get "${apt_opts[@]}" update >/dev/null
in_root apt-get "${apt_opts[@]}" install "${pkgs[@]}" >/dev/null
in_root apt-get clean
in_root kicad-cli version
