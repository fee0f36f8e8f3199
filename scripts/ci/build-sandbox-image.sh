#!/usr/bin/env bash
# Build the sandbox image for tests without a registry: a `debootstrap --variant=minbase`
# Debian root with python3, tarred once into /var/cache/troupe and `podman import`ed as
# troupe-sandbox:test. The runner is not baked in: the Docker executor passes it on the command line.
# Idempotent: reuses the image if present, else the cached rootfs tarball. Prints timings.
set -euo pipefail
IMAGE="${SANDBOX_TEST_IMAGE:-troupe-sandbox:test}"
CACHE_DIR="${TROUPE_CACHE_DIR:-/var/cache/troupe}"
SUITE="${DEBIAN_SUITE:-bookworm}"
# The Debian mirror this machine's apt already uses (first non-security URI), unless DEBIAN_MIRROR says.
apt_mirror() {
  { grep -hE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break }}'
  } | grep -v -- '-security' | head -n 1 || true
}
MIRROR="${DEBIAN_MIRROR:-$(apt_mirror)}"
[ -n "$MIRROR" ] || { echo "build-sandbox-image: no Debian mirror in apt sources; set DEBIAN_MIRROR" >&2; exit 1; }
TARBALL="$CACHE_DIR/sandbox-rootfs-$SUITE.tar"
start=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - start) / 1000000 )); }

if podman image exists "$IMAGE"; then
  echo "build-sandbox-image: $IMAGE already present ($(ms) ms)"
  exit 0
fi

if [ ! -s "$TARBALL" ]; then
  if ! command -v debootstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  fi
  mkdir -p "$CACHE_DIR"
  root=$(mktemp -d /tmp/troupe-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib "$SUITE" "$root" "$MIRROR" \
    >"$CACHE_DIR/debootstrap.log" 2>&1 || { tail -30 "$CACHE_DIR/debootstrap.log" >&2; exit 1; }
  echo "build-sandbox-image: debootstrap done ($(ms) ms)"
  # Slim the root: no package caches, docs or locales are needed to run python3.
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/locale/* "$root"/usr/share/info/*
  chroot "$root" python3 -c 'import json, ast, resource; print("python ok")' >/dev/null
  mkdir -p "$root/opt/troupe"
  tar -C "$root" -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
  echo "build-sandbox-image: rootfs cached at $TARBALL ($(du -h "$TARBALL" | cut -f1), $(ms) ms)"
fi

podman import --quiet \
  --change 'CMD ["python3"]' \
  --change 'USER 65534:65534' \
  --change 'WORKDIR /tmp' \
  --change 'ENV LANG=C.UTF-8' \
  "$TARBALL" "$IMAGE" >/dev/null
echo "build-sandbox-image: imported $IMAGE ($(ms) ms)"
