#!/usr/bin/env bash
# Prints the Debian archive mirror URL this machine's apt already uses (no host name is
# hard-coded in the project): TOKN_DEBIAN_MIRROR when set, else the first "URIs:" entry of
# /etc/apt/sources.list.d/*.sources, else the first "deb" line of sources.list(.d/*.list),
# skipping security archives.  Exits 1 when no Debian source is configured.
set -euo pipefail
if [ -n "${TOKN_DEBIAN_MIRROR:-}" ]; then
  echo "${TOKN_DEBIAN_MIRROR%/}"
  exit 0
fi
uris=()
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  while read -r key rest; do
    [ "$key" = "URIs:" ] && for u in $rest; do uris+=("$u"); done
  done < "$f"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  while read -r kind rest; do
    [ "$kind" = "deb" ] || continue
    set -- $rest
    [ "${1:0:1}" = "[" ] && while [ $# -gt 0 ] && [[ "$1" != *"]" ]]; do shift; done && shift
    [ $# -gt 0 ] && uris+=("$1")
  done < "$f"
done
for u in "${uris[@]}"; do
  u="${u%/}"
  case "$u" in
    *security*|*-ports*) continue ;;
    */debian) echo "$u"; exit 0 ;;
  esac
done
echo "no Debian mirror found in /etc/apt sources (set TOKN_DEBIAN_MIRROR)" >&2
exit 1
