#!/usr/bin/env bash
# Build the >= 1 GB benchmark image once (Debian mirror only), the way /work/shared/images/build.sh
# builds its fixtures: mmdebstrap -> tar -> umoci raw add-layer, then chroot `apt-get install` in an
# unpacked bundle + `umoci repack` per added layer, SOURCE_DATE_EPOCH for fixed dates.
#
#   sudo bench/big-image.sh OUT_DIR        (idempotent: skipped when OUT_DIR/meta.json exists; FORCE=1 rebuilds)
#
# Output:
#   OUT_DIR/oci/          OCI layout, tag `big` (gzip layers)
#   OUT_DIR/big.oci.tar   oci-archive (skopeo copy oci:... oci-archive:...)
#   OUT_DIR/meta.json     layers (digest, compressed + uncompressed size, packages added), dpkg count, sizes
set -euo pipefail

OUT=${1:?usage: big-image.sh OUT_DIR}
[ "$(id -u)" = 0 ] || { echo "big-image.sh must run as root (mmdebstrap/chroot/umoci)" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ -z "${FORCE:-}" ] && [ -f "$OUT/meta.json" ] && [ -f "$OUT/big.oci.tar" ]; then
  echo "big image: up to date in $OUT (FORCE=1 to rebuild)" >&2
  exit 0
fi

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SEC_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
APT_LINES=("deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SEC_MIRROR $SUITE-security main")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01T00:00:00Z
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
day() { date -u -d "@$((SOURCE_DATE_EPOCH + 86400 * $1))" +%Y-%m-%dT%H:%M:%SZ; }
log() { printf '[big-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Added layers: NAME|packages (one `apt-get install` each, one day apart, so packages are dated to layers)
LAYERS=(
  "toolchain|build-essential gdb perl python3 python3-dev python3-pip python3-venv git curl ca-certificates"
  "jvm|default-jdk-headless maven"
  "go|golang-go"
  "llvm|clang llvm-dev lld"
)

ensure_deps() {
  local missing=() c
  declare -A cmd2pkg=([mmdebstrap]=mmdebstrap [umoci]=umoci [skopeo]=skopeo [jq]=jq [unshare]=util-linux)
  for c in "${!cmd2pkg[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("${cmd2pkg[$c]}"); done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

WORK=$OUT/.build
# chroot_run ROOTFS 'snippet' (as in build.sh): /dev,/proc,/sys + resolv.conf inside, then drop
# time-stamped logs/caches and clamp the mtimes of what the snippet touched to DATE.
chroot_run() {
  local r=$1 date=$3 mark
  mark=$(mktemp "$WORK/mark.XXXX")
  touch -d '-2 seconds' "$mark"
  unshare --mount --propagation private -- bash -euo pipefail -c '
    r=$1; shift
    mount --rbind /dev "$r/dev"; mount -t proc proc "$r/proc"; mount --rbind /sys "$r/sys"
    rm -f "$r/etc/resolv.conf"; cp /etc/resolv.conf "$r/etc/resolv.conf"
    chroot "$r" /bin/sh -euc "$1"' _ "$r" "$2"
  rm -f "$r/etc/resolv.conf" "$r/var/log/dpkg.log" "$r/var/log/alternatives.log" "$r/var/log/apt/history.log" \
    "$r/var/log/apt/term.log" "$r/var/log/apt/eipp.log.xz" "$r/var/cache/ldconfig/aux-cache"
  find "$r" -xdev -newer "$mark" -exec touch -h -d "$date" {} +
  rm -f "$mark"
}

dpkg_list() { dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${Package}\t${Version}\n' | LC_ALL=C sort; }

ensure_deps
s0=$(date +%s)
rm -rf "$WORK" "$OUT/oci" "$OUT/oci.tmp" "$OUT/big.oci.tar" "$OUT/meta.json"
mkdir -p "$WORK"
LAY=$OUT/oci.tmp
B=$WORK/bundle

log "layer 1/$((${#LAYERS[@]} + 1)): mmdebstrap --variant=minbase $SUITE"
mmdebstrap --variant=minbase --mode=root --format=tar -q \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
  "$SUITE" "$WORK/base.tar" "${APT_LINES[@]}"
tar --delete --wildcards -f "$WORK/base.tar" './dev/?*'
umoci init --layout "$LAY"
umoci new --image "$LAY:big"
umoci raw add-layer --image "$LAY:big" --history.created "$(day 0)" \
  --history.created_by "mmdebstrap --variant=minbase $SUITE (merged-usr, path-exclude docs/man/locale)" "$WORK/base.tar"
rm -f "$WORK/base.tar"
umoci config --image "$LAY:big" --created "$(day 0)" --no-history --os linux --architecture amd64 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.cmd bash \
  --config.label org.opencontainers.image.title=shipshape-bench-big \
  --config.label org.opencontainers.image.description='Debian bookworm + toolchain/JDK/Go/LLVM (benchmark image)'

umoci unpack --image "$LAY:big" "$B" >/dev/null
dpkg_list "$B/rootfs" >"$WORK/pk.0"
added_json='[]'
added_json=$(jq -c --argjson n "$(wc -l <"$WORK/pk.0")" '. + [$n]' <<<"$added_json")
i=1
for e in "${LAYERS[@]}"; do
  name=${e%%|*} pkgs=${e#*|}
  i=$((i + 1))
  log "layer $i/$((${#LAYERS[@]} + 1)) ($name): apt-get install $pkgs"
  chroot_run "$B/rootfs" "
    mkdir -p /usr/share/man/man1 # openjdk postinst: update-alternatives needs it (man pages are path-excluded)
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $pkgs >/tmp/apt.log 2>&1 || { tail -40 /tmp/apt.log; exit 1; }
    rm -f /tmp/apt.log; apt-get clean; rm -rf /var/lib/apt/lists/*" "$(day $((i - 1)))"
  dpkg_list "$B/rootfs" >"$WORK/pk.$((i - 1))"
  added_json=$(jq -c --argjson n "$(LC_ALL=C comm -13 "$WORK/pk.$((i - 2))" "$WORK/pk.$((i - 1))" | wc -l)" '. + [$n]' <<<"$added_json")
  log "layer $i: umoci repack"
  umoci repack --refresh-bundle --image "$LAY:big" --history.created "$(day $((i - 1)))" \
    --history.created_by "/bin/sh -c apt-get install -y --no-install-recommends $pkgs" "$B"
done
umoci config --image "$LAY:big" --created "$(day $((i - 1)))" --no-history \
  --config.label org.opencontainers.image.version=1.0
DPKG_TOTAL=$(wc -l <"$WORK/pk.$((i - 1))")
cp "$WORK/pk.$((i - 1))" "$OUT/dpkg.tsv"
rm -rf "$B"
umoci gc --layout "$LAY"
chmod -R a+rX "$LAY"
mv "$LAY" "$OUT/oci"
LAY=$OUT/oci

log "oci-archive"
skopeo copy -q "oci:$LAY:big" "oci-archive:$OUT/big.oci.tar:big"

log "measuring layers"
mdg=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="big") | .digest' "$LAY/index.json")
mf=$LAY/blobs/sha256/${mdg#sha256:}
layers='[]'
n=0
while IFS=$'\t' read -r dg size; do
  u=$(gzip -dc "$LAY/blobs/sha256/${dg#sha256:}" | wc -c)
  layers=$(jq -c --arg d "$dg" --argjson s "$size" --argjson u "$u" --argjson a "$(jq ".[$n]" <<<"$added_json")" \
    '. + [{digest: $d, compressed: $s, uncompressed: $u, dpkg_added: $a}]' <<<"$layers")
  n=$((n + 1))
done < <(jq -r '.layers[] | [.digest, .size] | @tsv' "$mf")
jq -n --arg digest "$mdg" --argjson layers "$layers" --argjson dpkg "$DPKG_TOTAL" \
  --argjson archive "$(stat -c %s "$OUT/big.oci.tar")" --argjson secs "$(($(date +%s) - s0))" \
  --arg built "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --argjson spec "$(printf '%s\n' "${LAYERS[@]}" | jq -R 'split("|") | {name: .[0], packages: .[1]}' | jq -s .)" \
  '{manifest_digest: $digest, tag: "big", built: $built, build_seconds: $secs, dpkg: $dpkg,
    compressed: ($layers | map(.compressed) | add), uncompressed: ($layers | map(.uncompressed) | add),
    archive_bytes: $archive, added_layers: $spec, layers: $layers}' >"$OUT/meta.json.tmp"
mv "$OUT/meta.json.tmp" "$OUT/meta.json"
rm -rf "$WORK"
log "done in $(($(date +%s) - s0))s: $(jq -r '"\(.layers | length) layers, \(.dpkg) dpkg packages, \(.uncompressed / 1e6 | floor) MB uncompressed, \(.compressed / 1e6 | floor) MB gzip"' "$OUT/meta.json")"
