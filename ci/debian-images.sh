#!/usr/bin/env bash
# Builds the two local base images the Docker tests need, because no image registry is
# reachable here: Debian 12 made with debootstrap and imported with `docker import`.
#   ckb-pool-ci/node:bookworm   Debian + tini + the host's Node.js (for the pool image)
#   ckb-pool-ci/host:bookworm   Debian + systemd + sshd + python3 (a disposable "server")
# Idempotent: an image that exists is kept. Usage: ci/debian-images.sh [node|host|all]
set -euo pipefail
what=${1:-all}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${CKB_POOL_CI_CACHE:-/var/cache/ckb-pool-ci}
mkdir -p "$cache"

have() { docker image inspect "$1" >/dev/null 2>&1; }

rootfs() { # name, extra packages
  local dir="$cache/rootfs-$1"
  if [ ! -f "$dir.tar" ]; then
    rm -rf "$dir"
    debootstrap --variant=minbase --include="$2" bookworm "$dir" "$mirror" >"$cache/debootstrap-$1.log" 2>&1 ||
      { tail -20 "$cache/debootstrap-$1.log"; exit 1; }
    chroot "$dir" apt-get clean
    rm -rf "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$dir.tar" .
    rm -rf "$dir"
  fi
  echo "$dir.tar"
}

if [ "$what" = node ] || [ "$what" = all ]; then
  if ! have ckb-pool-ci/node:bookworm; then
    tar=$(rootfs node ca-certificates,tini,libstdc++6)
    # Node from the host (Debian's own nodejs is 18, below our floor of 20.19).
    node_bin=$(command -v node)
    tmp=$(mktemp -d)
    mkdir -p "$tmp/usr/local/bin" && cp "$node_bin" "$tmp/usr/local/bin/node"
    { cat "$tar"; } | docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - ckb-pool-ci/node-base:bookworm >/dev/null
    printf 'FROM ckb-pool-ci/node-base:bookworm\nCOPY usr/local/bin/node /usr/local/bin/node\n' >"$tmp/Dockerfile"
    docker build -q -t ckb-pool-ci/node:bookworm "$tmp" >/dev/null
    rm -rf "$tmp"
  fi
  echo "ckb-pool-ci/node:bookworm ($(docker run --rm ckb-pool-ci/node:bookworm node --version))"
fi

if [ "$what" = host ] || [ "$what" = all ]; then
  if ! have ckb-pool-ci/host:bookworm; then
    tar=$(rootfs host systemd,systemd-sysv,dbus,openssh-server,python3,sudo,ca-certificates,iproute2,procps,kmod,iptables,nftables)
    docker import \
      --change 'ENV container=docker' \
      --change 'STOPSIGNAL SIGRTMIN+3' \
      --change 'CMD ["/sbin/init"]' \
      "$tar" ckb-pool-ci/host:bookworm >/dev/null
  fi
  echo "ckb-pool-ci/host:bookworm"
fi
