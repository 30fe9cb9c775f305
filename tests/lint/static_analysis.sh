#!/usr/bin/env bash
# Static analysis of okta_cc.h's implementation, tools/okta-cc.c and examples/, and the
# hardening of the built CLI. One ok/FAIL line per check, then "N passed, N failed".
#
# A check passes only with no finding at all. A false positive is silenced where it is, with
# its reason beside it (cppcheck-suppress, NOLINT(check), #pragma GCC diagnostic); which
# clang-tidy checks run, and why some are left out, is in tests/lint/clang-tidy.yaml.
#
# The tools run two at a time (STATIC_JOBS): about 90 s of CPU in all, most of it gcc -fanalyzer
# (about 40 s) and clang-tidy on the header (about 27 s), so about 50 s on two idle cores.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
out=$build/static-analysis
jobs_max=${STATIC_JOBS:-2}
mkdir -p "$out"
cd "$root"
names=()

start() {   # start NAME COMMAND...: runs in the background (at most jobs_max at once)
  local name=$1; shift
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  names+=("$name")
  rm -f "$out/$name.rc"
  ( t0=$(date +%s); "$@" >"$out/$name.log" 2>&1; rc=$?
    echo "$rc $(( $(date +%s) - t0 ))" >"$out/$name.rc" ) &
}

# A tool's own exit status is not enough: clang-tidy and gcc report some findings as warnings
# whatever the options, so any "warning:" line fails the check too.
no_warnings() {   # no_warnings COMMAND...
  local log rc
  log=$(mktemp)
  "$@" >"$log" 2>&1; rc=$?
  cat "$log"
  if grep -q 'warning:' "$log"; then rc=1; fi
  rm -f "$log"
  return "$rc"
}

# PIE (ELF type DYN with the PIE flag), stack protector, and fortified libc calls.
hardened() {   # hardened BINARY
  local bin=$1 syms chk
  [ -x "$bin" ] || { echo "$bin: not built"; return 1; }
  readelf -h "$bin" | grep -Eq 'Type: +DYN' || { echo "$bin: ELF type is not DYN: not position-independent"; return 1; }
  readelf -d "$bin" | grep -Eq 'FLAGS_1.*PIE' || { echo "$bin: no PIE flag: linked without -pie"; return 1; }
  syms=$(readelf --dyn-syms -W "$bin")
  echo "$syms" | grep -q ' __stack_chk_fail' || { echo "$bin: no __stack_chk_fail: no stack protector"; return 1; }
  chk=$(echo "$syms" | grep -Eo '__[a-z0-9_]+_chk\b' | grep -v '^__stack_chk' | sort -u | tr '\n' ' ')
  [ -n "$chk" ] || { echo "$bin: no __*_chk call: not fortified"; return 1; }
  echo "$bin: PIE, stack protector, fortified: $chk"
}

# The CLI as the Makefile builds it (make test has built it; standalone, make does it now).
hardened_build() {   # hardened_build BUILD_DIR [MAKE ARGS...]
  local dir=$1; shift
  make --no-print-directory BUILD="$dir" "$@" "$dir/okta-cc" && hardened "$dir/okta-cc"
}

tidy=(clang-tidy --quiet --config-file=tests/lint/clang-tidy.yaml)
# The longest first, so that the two lanes end together.
# gcc's analyzer on the CLI's unit: the whole implementation (every public function is an
# entry point) and the CLI.
start gcc-fanalyzer no_warnings gcc -std=c99 -fanalyzer -Werror -I. -c tools/okta-cc.c -o /dev/null
# The header as the main file, so that clang's analyzer follows every function in it (it
# skips the bodies of functions that only come from an included header).
start clang-tidy-header no_warnings "${tidy[@]}" okta_cc.h -- -x c -std=c99 -DOKTA_CC_IMPLEMENTATION -DOKTA_CC_PKCS11 -I.
# Every #ifdef configuration of the header (OKTA_CC_NO_CURL, _NO_THREADS, ...) through the CLI;
# the examples only as written, since the header in them is the same.
start cppcheck sh -c 'cppcheck --enable=warning,portability,performance --std=c99 --library=posix \
    --inline-suppr --suppress=missingIncludeSystem --error-exitcode=1 -q -I. tools/okta-cc.c &&
  cppcheck --enable=warning,portability,performance --std=c99 --library=posix --max-configs=1 \
    --inline-suppr --suppress=missingIncludeSystem --suppress=toomanyconfigs --error-exitcode=1 -q -I. \
    examples/get_token.c examples/list_users.c examples/hardware_key.c'
start hardened-cli-clang hardened_build "$out/clang" CC=clang
# The CLI and the examples: their own code, with clang's analyzer in shallow mode (calls into
# the header are not followed: it has its own run above, and gcc -fanalyzer follows them);
# 2 s instead of 17.
shallow=(-Xclang -analyzer-config -Xclang mode=shallow)
start clang-tidy-cli no_warnings "${tidy[@]}" tools/okta-cc.c -- -std=c99 -I. "${shallow[@]}"
start clang-tidy-examples no_warnings "${tidy[@]}" examples/get_token.c examples/list_users.c examples/hardware_key.c -- -std=c99 -I. \
  "${shallow[@]}"
start hardened-cli hardened_build "$build"
wait

pass=0 fail=0
for name in "${names[@]}"; do
  read -r rc secs <"$out/$name.rc" 2>/dev/null || { rc=1; secs=?; }
  if [ "$rc" -eq 0 ]; then pass=$((pass+1)); echo "ok   static/$name (${secs}s)"
  else fail=$((fail+1)); echo "FAIL static/$name (${secs}s)"; sed 's/^/  /' "$out/$name.log" | head -40; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
