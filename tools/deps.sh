#!/usr/bin/env bash
# Installs what building and testing okta_cc.h needs on Debian, only when something is missing.
# Usage: tools/deps.sh [build|test|demo|footprint]   (default: test)
#        tools/deps.sh cross TRIPLET                  (aarch64-linux-gnu or arm-linux-gnueabihf)
# Fast when everything is present (a few dpkg queries); needs root (or sudo) to install.
set -eu
what=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

pkgs="libbearssl-dev libcurl4-openssl-dev pkg-config openssl curl ca-certificates"
case $what in
  test) pkgs="$pkgs clang libclang-rt-14-dev g++ valgrind python3 python3-cryptography python3-jwt" ;;
  demo) pkgs="$pkgs python3" ;;
  footprint) pkgs="$pkgs hyperfine" ;;
  cross)
    # A Debian cross compiler, the target's libraries as multiarch packages (they install beside
    # the amd64 ones: libc6, libbearssl0, libcurl4 and their -dev packages are Multi-Arch: same),
    # qemu-user to run the results, and python3-cryptography to check what they sign.
    triplet=${2:?usage: tools/deps.sh cross TRIPLET}
    case $triplet in
      aarch64-linux-gnu) arch=arm64 ;;
      arm-linux-gnueabihf) arch=armhf ;;
      *) echo "deps: unsupported cross triplet '$triplet' (aarch64-linux-gnu, arm-linux-gnueabihf)" >&2; exit 2 ;;
    esac
    pkgs="$pkgs gcc-$triplet libc6-dev:$arch libbearssl-dev:$arch libcurl4-openssl-dev:$arch qemu-user"
    pkgs="$pkgs python3 python3-cryptography"
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
      echo "deps: dpkg --add-architecture $arch" >&2
      $sudo dpkg --add-architecture "$arch"
    fi ;;
esac

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
# Node.js and npm come with the machine image; Debian's packages only when node is absent.
case $what in cross|footprint) ;; *) command -v node >/dev/null 2>&1 || missing="$missing nodejs npm" ;; esac

if [ -n "$missing" ]; then
  echo "deps: installing:$missing" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# The local Okta-compatible server's npm packages, pinned by tools/server/package-lock.json.
case $what in test|demo) ;; *) exit 0 ;; esac
if [ -f "$here/server/package-lock.json" ] && [ ! -d "$here/server/node_modules/oidc-provider" ]; then
  echo "deps: npm ci in tools/server" >&2
  (cd "$here/server" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exit 0
