#!/bin/sh
# Code size of okta_cc.h's own implementation at -Os, for the native compiler and every cross
# compiler given (e.g. aarch64-linux-gnu-gcc), in three configurations: the default (libcurl and
# threads), OKTA_CC_NO_CURL, and OKTA_CC_NO_CURL + OKTA_CC_NO_THREADS. Unwind tables are left out
# (-fno-asynchronous-unwind-tables -fno-unwind-tables, as embedded builds do: C has no
# exceptions); `size` would otherwise count them as text (about 10 KB on x86-64 and aarch64).
#   tools/dev/bench/code_size.sh [CC ...]          default: cc
# One line per compiler and configuration:
#   size: ARCH CONFIG text=N (code=N constants=N) data=N bss=N
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#define OKTA_CC_IMPLEMENTATION\n#include "okta_cc.h"\n' >"$tmp/impl.c"
for cc in "${@:-cc}"; do
    arch=$($cc -dumpmachine)
    sizecmd=size
    case $cc in *-gcc) command -v "${cc%gcc}size" >/dev/null 2>&1 && sizecmd=${cc%gcc}size ;; esac
    for cfg in default "-DOKTA_CC_NO_CURL" "-DOKTA_CC_NO_CURL -DOKTA_CC_NO_THREADS"; do
        flags=$([ "$cfg" = default ] && echo "" || echo "$cfg")
        # shellcheck disable=SC2086
        $cc -std=c99 -Os -fno-asynchronous-unwind-tables -fno-unwind-tables $flags -I"$root" -c "$tmp/impl.c" -o "$tmp/impl.o"
        code=$($sizecmd -A "$tmp/impl.o" | awk '$1 == ".text" {print $2}')
        consts=$($sizecmd -A "$tmp/impl.o" | awk '$1 ~ /^\.rodata/ {s += $2} END {print s + 0}')
        $sizecmd "$tmp/impl.o" | awk -v a="$arch" -v c="$cfg" -v code="$code" -v k="$consts" \
            'NR == 2 {printf "size: %s %s text=%d (code=%d constants=%d) data=%d bss=%d\n", a, c, $1, code, k, $2, $3}'
    done
done
