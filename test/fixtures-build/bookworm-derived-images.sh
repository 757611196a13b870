#!/usr/bin/env bash
# Builds two real images from Debian packages for the matching test of shared/vulndata's bookworm-derived set:
#   OUT/oci/bookworm-plain:1     plain bookworm (no -updates, no -security) + install-list.txt at its pinned versions
#   OUT/oci/bookworm-security:1  the same package names from bookworm + bookworm-updates + bookworm-security
# Idempotent (a stamp per image). Needs root, mmdebstrap and umoci (shared/images/build.sh installs them), the mirror.
set -euo pipefail
OUT=${1:?usage: bookworm-derived-images.sh OUT_DIR INSTALL_LIST}
LIST=${2:?usage: bookworm-derived-images.sh OUT_DIR INSTALL_LIST}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SEC=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export SOURCE_DATE_EPOCH=1704067200 DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
mkdir -p "$OUT/oci" "$OUT/.stamp"
pinned=$(grep -v '^#' "$LIST" | tr '\n' ',' | sed 's/,$//')
names=$(grep -v '^#' "$LIST" | cut -d= -f1 | tr '\n' ',' | sed 's/,$//')
build() { # NAME INCLUDE SOURCES...
  local name=$1 include=$2
  shift 2
  [ -e "$OUT/.stamp/$name" ] && return 0
  local w
  w=$(mktemp -d)
  # Documentation and man pages are left out to keep the image small; dpkg's database stays complete.
  mmdebstrap --variant=minbase --mode=root --format=tar --include="$include" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
    bookworm "$w/rootfs.tar" "$@" >"$w/log" 2>&1 || { tail -20 "$w/log" >&2; rm -rf "$w"; exit 1; }
  tar --delete --wildcards -f "$w/rootfs.tar" './dev/?*' 2>/dev/null || true
  rm -rf "$OUT/oci/$name"
  umoci init --layout "$OUT/oci/$name"
  umoci new --image "$OUT/oci/$name:1"
  umoci raw add-layer --image "$OUT/oci/$name:1" "$w/rootfs.tar"
  umoci gc --layout "$OUT/oci/$name"
  rm -rf "$w"
  touch "$OUT/.stamp/$name"
}
build bookworm-plain "$pinned" "deb $MIRROR bookworm main"
build bookworm-security "$names" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SEC bookworm-security main"
