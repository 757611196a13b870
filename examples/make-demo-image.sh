#!/usr/bin/env bash
# Rebuilds examples/demo-image: a small, real OCI image for the README's offline demo.
# Its files are real: dpkg paragraphs of Debian 12 packages as `apt-cache show` prints them for the plain bookworm
# versions (before bookworm-security fixes), Debian's own os-release, and package.json files from the npm registry
# (`npm pack`). Needs apt lists for bookworm + bookworm-security, npm, umoci; runs offline after that.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
R=$W/rootfs
mkdir -p "$R/etc" "$R/usr/lib" "$R/var/lib/dpkg" "$R/app/node_modules"
cp /usr/lib/os-release "$R/usr/lib/os-release"
ln -s ../usr/lib/os-release "$R/etc/os-release"
for p in zip=3.0-13 libexpat1=2.5.0-1+deb12u2 memcached=1.6.18-1 libssl3=3.0.20-1~deb12u2 openssl=3.0.20-1~deb12u2 base-files; do
  apt-cache show "$p" | awk 'BEGIN{p=1} /^$/{exit} {print}' | sed '1a Status: install ok installed'
  echo
done > "$R/var/lib/dpkg/status"
for p in lodash@4.17.4 minimist@1.2.0; do
  (cd "$W" && npm pack --silent "$p" >/dev/null)
  name=${p%@*}
  mkdir -p "$R/app/node_modules/$name"
  tar -xzf "$W/$name-${p#*@}.tgz" -C "$W" package/package.json
  mv "$W/package/package.json" "$R/app/node_modules/$name/package.json"
done
printf '{\n  "name": "demo-app",\n  "version": "1.0.0",\n  "dependencies": { "lodash": "4.17.4", "minimist": "1.2.0" }\n}\n' > "$R/app/package.json"
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@1704067200 -C "$R" -cf "$W/layer.tar" .
rm -rf "$HERE/demo-image"
umoci init --layout "$HERE/demo-image"
umoci new --image "$HERE/demo-image:1.0"
umoci raw add-layer --image "$HERE/demo-image:1.0" "$W/layer.tar"
umoci config --image "$HERE/demo-image:1.0" --config.label org.opencontainers.image.title=shipshape-demo \
  --created 2024-01-01T00:00:00Z --author shipshape
umoci gc --layout "$HERE/demo-image"
