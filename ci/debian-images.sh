#!/usr/bin/env bash
# Builds the local base images the Docker tests need, because no image registry is reachable
# here: Debian 12 made with debootstrap and imported with `docker import`.
#   ckb-pool-ci/debian:bookworm  Debian minbase + ca-certificates + tini (base for Prometheus
#                                and Alertmanager built from Debian's packages)
#   ckb-pool-ci/node:bookworm    the above + the host's Node.js, npm and Node headers in
#                                /usr/local (NODE_IMAGE for pool/Dockerfile: its `npm ci` and
#                                node-gyp need npm and the headers, as in the official image)
#   ckb-pool-ci/host:bookworm    Debian + systemd + sshd + python3: a disposable "server". Run
#                                it as ci/ansible-e2e.mjs does (--privileged is not available
#                                everywhere: --cap-add ALL --cap-drop SYS_RESOURCE, seccomp and
#                                apparmor unconfined, --stop-signal SIGRTMIN+3, cgroup mount).
# Idempotent: an image that exists with the current recipe label is kept; the debootstrap
# root filesystems are cached in $CKB_POOL_CI_CACHE (this machine only).
# Usage: ci/debian-images.sh [debian|node|host|all]
set -euo pipefail
what=${1:-all}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${CKB_POOL_CI_CACHE:-/var/cache/ckb-pool-ci}
# Bump when a recipe below changes, so machines with an older image rebuild it.
recipe=2
mkdir -p "$cache"

current() { # image: exists and was built by this recipe
  [ "$(docker image inspect --format '{{ index .Config.Labels "ckb-pool-ci.recipe" }}' "$1" 2>/dev/null)" = "$recipe" ]
}

rootfs() { # name, extra packages → path of a tarball of the root filesystem
  local dir="$cache/rootfs-$1"
  if [ ! -f "$dir.tar" ]; then
    rm -rf "$dir"
    debootstrap --variant=minbase --include="$2" bookworm "$dir" "$mirror" >"$cache/debootstrap-$1.log" 2>&1 ||
      { tail -20 "$cache/debootstrap-$1.log" >&2; exit 1; }
    chroot "$dir" apt-get clean
    rm -rf "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$dir.tar.part" . && mv "$dir.tar.part" "$dir.tar"
    rm -rf "$dir"
  fi
  echo "$dir.tar"
}

build_debian() {
  if ! current ckb-pool-ci/debian:bookworm; then
    tar=$(rootfs node ca-certificates,tini,libstdc++6)
    docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL ckb-pool-ci.recipe=$recipe" \
      --change 'CMD ["/bin/bash"]' \
      "$tar" ckb-pool-ci/debian:bookworm >/dev/null
  fi
  echo "ckb-pool-ci/debian:bookworm"
}

build_node() {
  build_debian >/dev/null
  if ! current ckb-pool-ci/node:bookworm; then
    # Node from the host (Debian's own nodejs is 18, below our floor of 20.19), laid out as
    # the official node images do: /usr/local/{bin,lib/node_modules/npm,include/node}.
    local node_bin prefix tmp
    node_bin=$(readlink -f "$(command -v node)")
    prefix=$(dirname "$(dirname "$node_bin")")
    [ -d "$prefix/lib/node_modules/npm" ] || { echo "npm not found under $prefix/lib/node_modules" >&2; exit 1; }
    tmp=$(mktemp -d)
    mkdir -p "$tmp/local/bin" "$tmp/local/lib/node_modules" "$tmp/local/include"
    cp "$node_bin" "$tmp/local/bin/node"
    cp -a "$prefix/lib/node_modules/npm" "$tmp/local/lib/node_modules/npm"
    if [ -d "$prefix/include/node" ]; then cp -a "$prefix/include/node" "$tmp/local/include/node"; fi
    cat >"$tmp/Dockerfile" <<'EOF'
FROM ckb-pool-ci/debian:bookworm
COPY local/ /usr/local/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
EOF
    docker build -q --label "ckb-pool-ci.recipe=$recipe" -t ckb-pool-ci/node:bookworm "$tmp" >/dev/null
    rm -rf "$tmp"
  fi
  echo "ckb-pool-ci/node:bookworm (node $(docker run --rm ckb-pool-ci/node:bookworm node --version))"
}

build_host() {
  if ! current ckb-pool-ci/host:bookworm; then
    tar=$(rootfs host systemd,systemd-sysv,dbus,openssh-server,python3,sudo,ca-certificates,iproute2,procps,kmod,iptables,nftables)
    docker import \
      --change 'ENV container=docker' \
      --change "LABEL ckb-pool-ci.recipe=$recipe" \
      --change 'CMD ["/sbin/init"]' \
      "$tar" ckb-pool-ci/host:bookworm >/dev/null
  fi
  echo "ckb-pool-ci/host:bookworm"
}

case "$what" in
  debian) build_debian ;;
  node) build_node ;;
  host) build_host ;;
  all) build_node && build_host ;;
  *) echo "usage: $0 [debian|node|host|all]" >&2; exit 2 ;;
esac
