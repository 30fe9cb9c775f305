#!/usr/bin/env bash
# make test-cross CROSS=aarch64-linux-gnu (or arm-linux-gnueabihf): the cross-built unit tests
# (those that need no server; test_token and test_api with --unit), the CLI smoke test
# (tests/cli/cli_cross.sh) and the CLI and examples against the local server (tests/live/live_cross.sh),
# under qemu-user. Counted like tests/run.sh: one line per suite, the total
# "N passed, N failed" last.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
cross=${CROSS:-aarch64-linux-gnu}
xbuild=$build/$cross
logs=$build/test-logs/$cross
mkdir -p "$logs"
case $cross in
  aarch64-linux-gnu) qemu=qemu-aarch64 arch=arm64 ;;
  arm-linux-gnueabihf) qemu=qemu-arm arch=armhf ;;
  *) echo "cross.sh: no qemu-user for '$cross'"; echo "0 passed, 1 failed"; exit 1 ;;
esac
# The target's loader and libraries: the multiarch packages tools/dev/deps.sh installed
# (/lib/ld-linux-aarch64.so.1, /usr/lib/aarch64-linux-gnu/...), where qemu finds them as they
# are, or the sysroot it unpacked them into (XSYSROOT, from the Makefile).
if [ -n "${XSYSROOT:-}" ]; then export QEMU_LD_PREFIX=$XSYSROOT; fi
. "$root/tests/suite_lib.sh"

cd "$root"
echo "$cross ($arch): $("$qemu" --version | head -1)${XSYSROOT:+, sysroot $XSYSROOT}"
suite "$arch-codec"       "$qemu" "$xbuild/tests/test_codec" -q
suite "$arch-keys"        "$qemu" "$xbuild/tests/test_keys" -q
suite "$arch-dpop"        "$qemu" "$xbuild/tests/test_dpop" -q
suite "$arch-conventions" "$qemu" "$xbuild/tests/test_conventions" -q
suite "$arch-token-unit"  "$qemu" "$xbuild/tests/test_token" -q
suite "$arch-api-unit"    "$qemu" "$xbuild/tests/test_api" -q
suite "$arch-cli"         env BUILD="$build" CROSS="$cross" QEMU="$qemu" tests/cli/cli_cross.sh
suite "$arch-live"        env BUILD="$build" CROSS="$cross" QEMU="$qemu" tests/live/live_cross.sh

suite_total
