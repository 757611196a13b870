#!/usr/bin/env bash
# Builds the images of the base-image tests (detection, refresh/update advice, compare) from Debian packages:
#
#   OUT/oci/debian-base-old    bookworm       the *old* base: exactly DERIVED/oci/bookworm-plain:1's layer
#                                             (plain bookworm, install-list.txt at its pinned vulnerable versions)
#   OUT/oci/debian-base-new    bookworm       the *new* base: exactly DERIVED/oci/bookworm-security:1's layer
#                                             (the same package names from bookworm + -updates + -security)
#   OUT/oci/debian-base-slim   bookworm-slim  mmdebstrap --variant=minbase from bookworm + -updates + -security,
#                                             without the install-list extras: same OS, fewer packages, smaller
#   OUT/oci/app-old            1.0            old base layer + one app layer (/app: run.sh, a Node app with
#                                             lodash 4.17.4 and minimist 1.2.0); no org.opencontainers.image.base.*
#                                             label or annotation anywhere: detection must go by the layer prefix
#   OUT/oci/app-new            1.0            new base layer + the byte-identical app layer (same digest, diff_id)
#   OUT/truth/NAME/            layers.tsv (index, digest, diff_id, size, media type, created_by), dpkg.tsv (as
#                              shared/images/build.sh), npm.tsv (app images), os-release, summary.json;
#                              debian-base-new/dpkg-changes-from-old.tsv: what the security updates changed
#
# The index entry of each image names its repository (io.containerd.image.name): the three bases are
# localhost/fixtures/debian-base:{bookworm,bookworm-slim}, the apps localhost/fixtures/app:1.0. Config `created`:
# old base SOURCE_DATE_EPOCH, new/slim bases 31 days later, apps one day after their base.
#
#   sudo test/fixtures-build/base-images.sh OUT DERIVED_DIR      (DERIVED_DIR: bookworm-derived-images.sh's OUT)
#
# Idempotent: OUT/.stamp/NAME holds a key (source layer digests + this script's hash); an image whose key is
# unchanged is skipped (FORCE=1 rebuilds all). Reproducible: fixed times from SOURCE_DATE_EPOCH, configs and
# manifests written with jq, the app layer tarred deterministically and gzipped with -n. Only the slim base
# needs the Debian mirror; it is reproducible for a given mirror state. Needs root, mmdebstrap, umoci, jq.
set -euo pipefail

OUT=${1:?usage: base-images.sh OUT DERIVED_DIR}
DERIVED=${2:?usage: base-images.sh OUT DERIVED_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF_HASH=$(sha256sum "$HERE/$(basename "${BASH_SOURCE[0]}")" | cut -c1-16)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SEC=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200} DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
DAY=86400
T_OLD=$(iso "$SOURCE_DATE_EPOCH")
T_OLD_APP=$(iso $((SOURCE_DATE_EPOCH + DAY)))
T_NEW=$(iso $((SOURCE_DATE_EPOCH + 31 * DAY)))
T_NEW_APP=$(iso $((SOURCE_DATE_EPOCH + 32 * DAY)))
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
BASE_REPO=localhost/fixtures/debian-base
APP_REPO=localhost/fixtures/app

[ "$(id -u)" = 0 ] || { echo "base-images.sh must run as root" >&2; exit 1; }
for c in mmdebstrap umoci jq gzip tar dpkg-query sha256sum; do
  command -v "$c" >/dev/null || { echo "base-images.sh needs $c (shared/images/build.sh installs it)" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DERIVED=$(cd "$DERIVED" && pwd)
WORK=$OUT/.work
mkdir -p "$WORK" "$OUT/oci" "$OUT/truth" "$OUT/.stamp"

log() { printf '[base-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- OCI layout writing (plain files + jq)
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
sha() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

new_layout() { # new_layout DIR : empty OCI layout
  rm -rf "$1"
  mkdir -p "$1/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
}

put_file() { # put_file LAYOUT FILE : store FILE as a blob (hard link when possible); prints its digest
  local d
  d=$(sha "$2")
  [ -e "$(blob "$1" "$d")" ] || ln "$2" "$(blob "$1" "$d")" 2>/dev/null || cp "$2" "$(blob "$1" "$d")"
  echo "$d"
}

put_json() { # put_json LAYOUT JSON : store compact JSON as a blob; prints {digest, size}
  local t d
  t=$(mktemp "$WORK/json.XXXX")
  jq -cj . <<<"$2" >"$t"
  d=$(sha "$t")
  mv "$t" "$(blob "$1" "$d")"
  jq -cn --arg d "$d" --argjson s "$(stat -c %s "$(blob "$1" "$d")")" '{digest: $d, size: $s}'
}

# write_image LAYOUT TAG REPO CONFIG_JSON LAYERS_JSON : config + manifest blobs and index.json with one entry
# (LAYERS_JSON: [{mediaType, digest, size}] in order)
write_image() {
  local lay=$1 tag=$2 repo=$3 cfg=$4 layers=$5 c m man
  c=$(put_json "$lay" "$cfg")
  man=$(jq -cn --argjson c "$c" --argjson l "$layers" '{schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: ({mediaType: "application/vnd.oci.image.config.v1+json"} + $c), layers: $l}')
  m=$(put_json "$lay" "$man")
  jq -cjn --argjson m "$m" --arg tag "$tag" --arg name "$repo:$tag" '{schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json"} + $m +
      {annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": $tag}}]}' >"$lay/index.json"
}

manifest_of() { blob "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")"; }
config_of() { blob "$1" "$(jq -r .config.digest "$(manifest_of "$1")")"; }

# base_config CREATED DIFF_ID CREATED_BY TITLE DESCRIPTION : config of a one-layer base image, CMD ["bash"]
base_config() {
  jq -cn --arg t "$1" --arg d "$2" --arg by "$3" --arg title "$4" --arg desc "$5" --arg env "$PATH_ENV" '{
    created: $t, architecture: "amd64", os: "linux",
    config: {Env: [$env], Cmd: ["bash"], Labels: {"org.opencontainers.image.title": $title,
      "org.opencontainers.image.description": $desc, "org.opencontainers.image.version": "12"}},
    rootfs: {type: "layers", diff_ids: [$d]},
    history: [{created: $t, created_by: $by}, {created: $t, created_by: "CMD [\"bash\"]", empty_layer: true}]}'
}

# ---------------------------------------------------------------- stamps
stamp_key() { echo "$SELF_HASH $*"; }
done_already() { # done_already NAME KEY
  [ -z "${FORCE:-}" ] && [ -f "$OUT/.stamp/$1" ] && [ "$(cat "$OUT/.stamp/$1")" = "$2" ] && [ -f "$OUT/oci/$1/index.json" ]
}
stamp() { printf '%s\n' "$2" >"$OUT/.stamp/$1"; }

# ---------------------------------------------------------------- ground truth
# truth NAME [NPM_LOCK] : layers.tsv, dpkg.tsv (dpkg-query on the image's /var/lib/dpkg), os-release,
# npm.tsv (from the lockfile in the app layer), summary.json
truth() {
  local name=$1 lay=$OUT/oci/$1 t=$OUT/truth/$1 u=$WORK/truth-$1 m c i dg mt
  rm -rf "$t" "$u"
  mkdir -p "$t" "$u"
  m=$(manifest_of "$lay")
  c=$(config_of "$lay")
  jq -r --slurpfile cfg "$c" '
    ($cfg[0].history // [] | map(select(.empty_layer != true))) as $h |
    .layers | to_entries[] |
    [.key, .value.digest, $cfg[0].rootfs.diff_ids[.key], .value.size, .value.mediaType, ($h[.key].created_by // "")] | @tsv' \
    "$m" >"$t/layers.tsv"
  # Extract only what the truth needs, layer by layer in order (no layer here deletes anything).
  local usize=0 lsize
  while IFS=$'\t' read -r i dg mt; do
    gzip -dc "$(blob "$lay" "$dg")" | tar -x -C "$u" --wildcards \
      './var/lib/dpkg/*' './usr/lib/os-release' 'app/package-lock.json' 2>/dev/null || true
    lsize=$(gzip -dc "$(blob "$lay" "$dg")" | wc -c)
    usize=$((usize + lsize))
  done < <(jq -r '.layers | to_entries[] | [.key, .value.digest, .value.mediaType] | @tsv' "$m")
  if [ -f "$u/var/lib/dpkg/status" ]; then
    dpkg-query --admindir="$u/var/lib/dpkg" -W \
      -f '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n' |
      LC_ALL=C sort >"$t/dpkg.tsv"
  fi
  if [ -e "$u/usr/lib/os-release" ]; then cp "$u/usr/lib/os-release" "$t/os-release"; fi
  if [ -f "$u/app/package-lock.json" ]; then
    jq -r '.packages | to_entries[] | select(.key != "") |
      [(.value.name // (.key | sub(".*node_modules/"; ""))), .value.version, "/app/" + .key, (if .value.dev then "dev" else "prod" end)] | @tsv' \
      "$u/app/package-lock.json" | LC_ALL=C sort >"$t/npm.tsv"
  fi
  rm -rf "$u"
  jq -n --arg name "$name" --arg tag "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$lay/index.json")" \
    --arg repo "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$lay/index.json")" \
    --arg digest "$(jq -r '.manifests[0].digest' "$lay/index.json")" --arg config "$(jq -r .config.digest "$m")" \
    --argjson layers "$(wc -l <"$t/layers.tsv")" --argjson size "$(jq '[.layers[].size] | add' "$m")" \
    --argjson usize "$usize" \
    --argjson dpkg "$([ -f "$t/dpkg.tsv" ] && wc -l <"$t/dpkg.tsv" || echo null)" \
    --argjson npm "$([ -f "$t/npm.tsv" ] && wc -l <"$t/npm.tsv" || echo null)" \
    --argjson diff_ids "$(jq -c '.rootfs.diff_ids' "$c")" --arg created "$(jq -r .created "$c")" \
    '{image: $name, reference: $repo, tag: $tag, manifest_digest: $digest, config_digest: $config, created: $created,
      layers: $layers, diff_ids: $diff_ids, size: $size, uncompressed_size: $usize,
      counts: {dpkg: $dpkg, npm: $npm}} | del(..|nulls)' >"$t/summary.json"
}

# ---------------------------------------------------------------- images
# from_derived NAME SRC CREATED CREATED_BY : a base image made of SRC's single layer blob, unchanged
from_derived() {
  local name=$1 src=$DERIVED/oci/$2 created=$3 by=$4 lay=$OUT/oci/$1.tmp m n layer diff got
  [ -f "$src/index.json" ] || { echo "missing $src (run bookworm-derived-images.sh first)" >&2; exit 1; }
  m=$(manifest_of "$src")
  n=$(jq '.layers | length' "$m")
  [ "$n" = 1 ] || { echo "$src has $n layers, expected 1" >&2; exit 1; }
  layer=$(jq -c '.layers[0] | {mediaType, digest, size}' "$m")
  diff=$(jq -r '.rootfs.diff_ids[0]' "$(config_of "$src")")
  got=$(gzip -dc "$(blob "$src" "$(jq -r .digest <<<"$layer")")" | sha256sum | cut -d' ' -f1)
  [ "sha256:$got" = "$diff" ] || { echo "$src: layer does not match its diff_id" >&2; exit 1; }
  new_layout "$lay"
  put_file "$lay" "$(blob "$src" "$(jq -r .digest <<<"$layer")")" >/dev/null
  write_image "$lay" bookworm "$BASE_REPO" \
    "$(base_config "$created" "$diff" "$by" debian-base 'Debian bookworm minbase (mmdebstrap) with the bookworm-derived install list')" \
    "[$layer]"
  chmod -R a+rX "$lay"
  rm -rf "$OUT/oci/$name" && mv "$lay" "$OUT/oci/$name"
}

build_debian_base_old() {
  from_derived debian-base-old bookworm-plain "$T_OLD" \
    'mmdebstrap --variant=minbase bookworm --include=<install-list.txt at pinned versions> (no -updates, no -security)'
}

build_debian_base_new() {
  from_derived debian-base-new bookworm-security "$T_NEW" \
    'mmdebstrap --variant=minbase bookworm bookworm-updates bookworm-security --include=<install-list.txt names>'
}

build_debian_base_slim() {
  local lay=$OUT/oci/debian-base-slim.tmp w=$WORK/slim d layer
  rm -rf "$w" && mkdir -p "$w"
  # Same options as bookworm-derived-images.sh (docs, man pages and locales left out), no extra packages.
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
    bookworm "$w/rootfs.tar" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
    "deb $SEC bookworm-security main" >"$w/log" 2>&1 || { tail -20 "$w/log" >&2; exit 1; }
  tar --delete --wildcards -f "$w/rootfs.tar" './dev/?*' 2>/dev/null || true
  d=$(sha "$w/rootfs.tar")
  gzip -n -c "$w/rootfs.tar" >"$w/rootfs.tar.gz"
  new_layout "$lay"
  layer=$(jq -cn --arg d "$(put_file "$lay" "$w/rootfs.tar.gz")" --argjson s "$(stat -c %s "$w/rootfs.tar.gz")" \
    '{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}')
  write_image "$lay" bookworm-slim "$BASE_REPO" \
    "$(base_config "$T_NEW" "$d" 'mmdebstrap --variant=minbase bookworm bookworm-updates bookworm-security (path-exclude docs/man/locale)' \
      debian-base 'Debian bookworm minbase (mmdebstrap), slim: no extra packages')" \
    "[$layer]"
  chmod -R a+rX "$lay"
  rm -rf "$OUT/oci/debian-base-slim" "$w" && mv "$lay" "$OUT/oci/debian-base-slim"
}

# The app layer: the same bytes for app-old and app-new (built once into WORK, kept between the two).
APP_TAR=$WORK/app-layer.tar
make_app_layer() {
  local r=$WORK/app-root
  rm -rf "$r" && mkdir -p "$r/app/node_modules/lodash" "$r/app/node_modules/minimist"
  cat >"$r/app/run.sh" <<'EOF'
#!/bin/sh
# fixture app: prints its arguments through minimist and lodash
exec node /app/index.js "$@"
EOF
  cat >"$r/app/index.js" <<'EOF'
const _ = require('lodash')
const argv = require('minimist')(process.argv.slice(2))
console.log(_.keys(argv).join(' '))
EOF
  cat >"$r/app/package.json" <<'EOF'
{
  "name": "fixture-app",
  "version": "1.0.0",
  "description": "Test fixture: a small Node app on the debian-base images",
  "license": "MIT",
  "main": "index.js",
  "dependencies": {
    "lodash": "4.17.4",
    "minimist": "1.2.0"
  }
}
EOF
  cat >"$r/app/package-lock.json" <<'EOF'
{
  "name": "fixture-app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "fixture-app",
      "version": "1.0.0",
      "license": "MIT",
      "dependencies": {
        "lodash": "4.17.4",
        "minimist": "1.2.0"
      }
    },
    "node_modules/lodash": {
      "version": "4.17.4",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.4.tgz",
      "integrity": "sha512-6X37Sq9KCpLSXEh8uM12AKYlviHPNNk4RxiGBn4cmKGJinbXBneWIV7iE/nXkM928O7ytHcHb6+X6Svl0f4hXg==",
      "license": "MIT"
    },
    "node_modules/minimist": {
      "version": "1.2.0",
      "resolved": "https://registry.npmjs.org/minimist/-/minimist-1.2.0.tgz",
      "integrity": "sha512-7Wl+Jz+IGWuSdgsQEJ4JunV0si/iMhg42MnQQG6h1R6TNeVenp4U9x5CC5v/gYqz/fENLQITAWXidNtVL0NNbw==",
      "license": "MIT"
    }
  }
}
EOF
  cat >"$r/app/node_modules/lodash/package.json" <<'EOF'
{
  "name": "lodash",
  "version": "4.17.4",
  "description": "Lodash modular utilities.",
  "license": "MIT",
  "homepage": "https://lodash.com/",
  "repository": "lodash/lodash",
  "main": "lodash.js",
  "author": "John-David Dalton <john.david.dalton@gmail.com> (http://allyoucanleet.com/)"
}
EOF
  cat >"$r/app/node_modules/minimist/package.json" <<'EOF'
{
  "name": "minimist",
  "version": "1.2.0",
  "description": "parse argument options",
  "license": "MIT",
  "homepage": "https://github.com/substack/minimist",
  "repository": {
    "type": "git",
    "url": "git://github.com/substack/minimist.git"
  },
  "main": "index.js",
  "author": {
    "name": "James Halliday",
    "email": "mail@substack.net",
    "url": "http://substack.net"
  }
}
EOF
  find "$r" -type d -exec chmod 0755 {} +
  find "$r" -type f -exec chmod 0644 {} +
  chmod 0755 "$r/app/run.sh"
  # deterministic: sorted names, every mtime = SOURCE_DATE_EPOCH, root-owned, no atime/ctime, no root entry
  (cd "$r" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$APP_TAR" app)
  gzip -n -9 -c "$APP_TAR" >"$APP_TAR.gz"
  rm -rf "$r"
}

# app_image NAME BASE CREATED : BASE's layers and history + the app layer; Cmd /app/run.sh; no base.* labels
app_image() {
  local name=$1 base=$OUT/oci/$2 created=$3 lay=$OUT/oci/$1.tmp bm bc layers cfg d
  [ -f "$APP_TAR.gz" ] || make_app_layer
  bm=$(manifest_of "$base")
  bc=$(config_of "$base")
  new_layout "$lay"
  for d in $(jq -r '.layers[].digest' "$bm"); do put_file "$lay" "$(blob "$base" "$d")" >/dev/null; done
  layers=$(jq -c --arg d "$(put_file "$lay" "$APP_TAR.gz")" --argjson s "$(stat -c %s "$APP_TAR.gz")" \
    '[.layers[] | {mediaType, digest, size}] + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' "$bm")
  cfg=$(jq -c --arg t "$created" --arg d "$(sha "$APP_TAR")" '{
    created: $t, architecture, os,
    config: {Env: .config.Env, Cmd: ["/app/run.sh"], WorkingDir: "/app",
      Labels: {"org.opencontainers.image.title": "fixture-app"}},
    rootfs: {type: "layers", diff_ids: (.rootfs.diff_ids + [$d])},
    history: (.history + [{created: $t, created_by: "COPY app/ /app/ # buildkit"},
      {created: $t, created_by: "WORKDIR /app", empty_layer: true},
      {created: $t, created_by: "CMD [\"/app/run.sh\"]", empty_layer: true}])}' "$bc")
  write_image "$lay" 1.0 "$APP_REPO" "$cfg" "$layers"
  chmod -R a+rX "$lay"
  rm -rf "$OUT/oci/$name" && mv "$lay" "$OUT/oci/$name"
}

build_app_old() { app_image app-old debian-base-old "$T_OLD_APP"; }
build_app_new() { app_image app-new debian-base-new "$T_NEW_APP"; }

dpkg_changes() { # package, version in old, version in new ("-" where absent), for the packages that differ
  local o=$OUT/truth/debian-base-old/dpkg.tsv n=$OUT/truth/debian-base-new/dpkg.tsv
  [ -f "$o" ] && [ -f "$n" ] || return 0
  LC_ALL=C join -t $'\t' -a1 -a2 -e - -o 0,1.2,2.2 <(cut -f1,2 "$o") <(cut -f1,2 "$n") |
    awk -F'\t' '$2 != $3' >"$OUT/truth/debian-base-new/dpkg-changes-from-old.tsv"
}

# ---------------------------------------------------------------- main
diff_of() { jq -r '.rootfs.diff_ids | join(",")' "$(config_of "$1")" 2>/dev/null || echo missing; }
digest_of() { jq -r '.manifests[0].digest' "$1/index.json" 2>/dev/null || echo missing; }
start=$(date +%s)
for name in debian-base-old debian-base-new debian-base-slim app-old app-new; do
  case $name in
    debian-base-old) key=$(stamp_key "$(digest_of "$DERIVED/oci/bookworm-plain")") ;;
    debian-base-new) key=$(stamp_key "$(digest_of "$DERIVED/oci/bookworm-security")") ;;
    debian-base-slim) key=$(stamp_key slim) ;;
    app-old) key=$(stamp_key "$(digest_of "$OUT/oci/debian-base-old")") ;;
    app-new) key=$(stamp_key "$(digest_of "$OUT/oci/debian-base-new")") ;;
  esac
  if done_already "$name" "$key"; then log "$name: up to date (FORCE=1 to rebuild)"; continue; fi
  log "$name: building"
  s=$(date +%s)
  "build_${name//-/_}"
  truth "$name"
  case $name in debian-base-old | debian-base-new) dpkg_changes ;; esac
  stamp "$name" "$key"
  log "$name: $(jq -c '{manifest_digest, layers, size, counts}' "$OUT/truth/$name/summary.json") in $(($(date +%s) - s))s"
done
rm -rf "$WORK"
log "done in $(($(date +%s) - start))s"
