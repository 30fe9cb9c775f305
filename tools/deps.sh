#!/usr/bin/env bash
# Installs what building and testing okta_cc.h needs on Debian, only when something is missing.
# Usage: tools/deps.sh [build|test|demo]   (default: test)
# Fast when everything is present (a few dpkg queries); needs root (or sudo) to install.
set -eu
what=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)

pkgs="libbearssl-dev libcurl4-openssl-dev pkg-config openssl curl ca-certificates"
case $what in
  test) pkgs="$pkgs clang libclang-rt-14-dev clang-tidy cppcheck g++ valgrind python3 python3-cryptography python3-jwt" ;;
  demo) pkgs="$pkgs python3" ;;
esac

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
# Node.js and npm come with the machine image; Debian's packages only when node is absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"

if [ -n "$missing" ]; then
  echo "deps: installing:$missing" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# The local Okta-compatible server's npm packages, pinned by tools/server/package-lock.json.
if [ "$what" != build ] && [ -f "$here/server/package-lock.json" ] && [ ! -d "$here/server/node_modules/oidc-provider" ]; then
  echo "deps: npm ci in tools/server" >&2
  (cd "$here/server" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exit 0
