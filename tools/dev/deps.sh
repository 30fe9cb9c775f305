#!/usr/bin/env bash
# Installs what building and testing okta_cc.h needs on Debian, only when something is missing.
# Usage: tools/dev/deps.sh [build|test|demo|static-curl|footprint]   (default: test)
#        tools/dev/deps.sh cross TRIPLET                  (aarch64-linux-gnu or arm-linux-gnueabihf)
# Fast when everything is present (a few dpkg queries); needs root (or sudo) to install.
set -eu
what=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
aptget() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
# apt-get update fails when any one index fails (a mirror caught mid-sync, a foreign
# architecture's index missing); what it did fetch is still used.
apt_update() { aptget update -qq >&2 || echo "deps: apt-get update reported errors (above); going on with the lists it has" >&2; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

pkgs="libbearssl-dev libcurl4-openssl-dev pkg-config openssl curl ca-certificates"
case $what in
  test) pkgs="$pkgs clang libclang-rt-14-dev clang-tidy cppcheck g++ valgrind cmake python3 python3-cryptography python3-jwt softhsm2 libp11-kit-dev" ;;
  demo) pkgs="$pkgs python3" ;;
  # make STATIC=curl: the static libraries of libcurl's dependencies (see the Makefile).
  static-curl|footprint)
    pkgs="$pkgs libnghttp2-dev librtmp-dev libssh2-1-dev libpsl-dev libldap-dev libsasl2-dev libssl-dev"
    pkgs="$pkgs libzstd-dev libbrotli-dev zlib1g-dev libgnutls28-dev nettle-dev libgmp-dev libtasn1-6-dev"
    pkgs="$pkgs libidn2-dev libunistring-dev libkrb5-dev libp11-kit-dev"
    [ "$what" = footprint ] && pkgs="$pkgs hyperfine" ;;
  cross)
    # On the build machine: a Debian cross compiler, qemu-user to run what it builds,
    # python3-cryptography to check what that signs, and (below) the local server's packages.
    # The target's libraries: further below.
    triplet=${2:?usage: tools/dev/deps.sh cross TRIPLET}
    case $triplet in
      aarch64-linux-gnu) arch=arm64 ;;
      arm-linux-gnueabihf) arch=armhf ;;
      *) echo "deps: unsupported cross triplet '$triplet' (aarch64-linux-gnu, arm-linux-gnueabihf)" >&2; exit 2 ;;
    esac
    pkgs="$pkgs gcc-$triplet qemu-user python3 python3-cryptography python3-jwt" ;;
esac

missing=""
for p in $pkgs; do installed "$p" || missing="$missing $p"; done
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
# Node.js and npm come with the machine image; Debian's packages only when node is absent.
case $what in footprint|static-curl) ;; *) command -v node >/dev/null 2>&1 || missing="$missing nodejs npm" ;; esac

if [ -n "$missing" ]; then
  echo "deps: installing:$missing" >&2
  apt_update
  # shellcheck disable=SC2086
  aptget install -y -qq --no-install-recommends $missing >&2
fi

# The local Okta-compatible server's npm packages, pinned by tools/dev/server/package-lock.json.
case $what in test|demo|cross)
  if [ -f "$here/server/package-lock.json" ] && [ ! -d "$here/server/node_modules/oidc-provider" ]; then
    echo "deps: npm ci in tools/dev/server" >&2
    (cd "$here/server" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi ;;
esac

# The target's libraries for make cross: Debian's multiarch packages, installed beside the amd64
# ones (libc6, libbearssl0, libcurl4, their -dev packages and libcurl's dependencies are
# Multi-Arch: same; apt brings amd64 packages of those up to the same version when they are
# older). When that cannot be done (a Multi-Arch: same package whose two architectures cannot
# have the same version, e.g. a mirror that lacks the security index of the target
# architecture), the same packages from the lists that can be fetched are unpacked into a sysroot
# instead (the Makefile then passes --sysroot, tests/cross.sh QEMU_LD_PREFIX); dpkg's
# architectures are left as they were.
if [ "$what" = cross ]; then
  target="libc6-dev libbearssl-dev libcurl4-openssl-dev"
  sysroot=/opt/okta-cc-sysroot/$triplet
  all=1
  for p in $target; do installed "$p:$arch" || all=""; done
  [ -n "$all" ] && exit 0
  [ -f "$sysroot/.complete" ] && exit 0
  added=""
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    echo "deps: dpkg --add-architecture $arch" >&2
    $sudo dpkg --add-architecture "$arch"; added=1
  fi
  echo "deps: installing: ${target// /:$arch }:$arch" >&2
  why="the $arch package lists could not all be fetched"
  if aptget update -qq >&2 || [ -z "$added" ]; then
    why="apt cannot install them beside the amd64 packages"
    # shellcheck disable=SC2086
    aptget install -y -qq --no-install-recommends ${target// /:$arch }:$arch >&2 && exit 0
  fi
  echo "deps: no multiarch $arch packages: $why (above); unpacking them into $sysroot instead" >&2
  if [ -n "$added" ]; then
    $sudo dpkg --remove-architecture "$arch"
    apt_update
  fi
  # A private apt state (lists and cache beside the sysroot, nothing installed) whose only
  # architecture is the target's; every package the three need, recursively, is unpacked.
  state=$sysroot.apt
  o="-o APT::Architecture=$arch -o APT::Architectures::=$arch -o Dir::State::Lists=$state/lists"
  o="$o -o Dir::Cache=$state/cache -o Dir::State::status=/dev/null -o APT::Sandbox::User=root"
  $sudo rm -rf "$sysroot" "$state"
  $sudo mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs" "$sysroot"
  # shellcheck disable=SC2086
  aptget $o update -qq >&2 || echo "deps: ($arch lists that failed are left out; the others are used)" >&2
  # shellcheck disable=SC2086
  closure=$(apt-cache $o depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances $target | grep -v '^[ <]' | sort -u)
  # shellcheck disable=SC2086
  (cd "$state/debs" && aptget $o download -qq $closure >&2)
  for deb in "$state/debs"/*.deb; do $sudo dpkg-deb -x "$deb" "$sysroot"; done
  echo "deps: $sysroot: $(echo "$closure" | wc -l) packages of $arch:" $closure >&2
  $sudo touch "$sysroot/.complete"
  $sudo rm -rf "$state"
  exit 0
fi

exit 0
