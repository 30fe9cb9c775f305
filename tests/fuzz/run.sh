#!/bin/sh
# Coverage-guided fuzzing of okta_cc.h's input parsers, and of whole client flows on a scripted
# transport (dpop_challenge, flow: see tests/fuzz/fuzz_scripted.h), with libFuzzer (clang).
#   tests/fuzz/run.sh [target ...]      from the repository root; default: every target
# Environment: CC (default clang), BUILD (default build), FUZZ_SECONDS (default 10 per target),
#   FUZZ_JOBS (default 1: targets run one after another).
# Builds tests/fuzz/fuzz_<target>.c into $BUILD/fuzz/ and runs each for FUZZ_SECONDS on a
# temporary copy of tests/fuzz/corpus/<target>/ (the repository stays clean). A crash, leak,
# sanitizer report or timeout fails the target; its artifact is kept and its path printed.
set -u

CC=${CC:-clang}
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
LIBS="-lbearssl -lcurl -lpthread"
ALL="json b64url key http token_response dpop_challenge flow pkcs11_uri"

if [ ! -f okta_cc.h ] || [ ! -d tests/fuzz ]; then
    echo "run tests/fuzz/run.sh from the repository root" >&2
    exit 2
fi
targets=${*:-$ALL}
out="$BUILD/fuzz"
mkdir -p "$out" || exit 2

# FUZZ_JOBS > 1: the targets dealt out to that many runs of this script at once (one core each),
# their ok/FAIL lines printed as they finish and their summaries added up.
jobs=${FUZZ_JOBS:-1}
if [ "$jobs" -gt 1 ] 2>/dev/null && [ "$(echo $targets | wc -w)" -gt 1 ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/okta-cc-fuzz-jobs.XXXXXX") || exit 2
    i=0
    for t in $targets; do
        echo "$t" >> "$dir/group-$((i % jobs))"
        i=$((i + 1))
    done
    for g in "$dir"/group-*; do
        FUZZ_JOBS=1 sh "$0" $(cat "$g") > "$g.out" 2>&1 &
    done
    wait
    cat "$dir"/group-*.out | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
    passed=$(cat "$dir"/group-*.out | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | awk '{s += $1} END {print s + 0}')
    failed=$(cat "$dir"/group-*.out | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | awk '{s += $1} END {print s + 0}')
    [ "$(cat "$dir"/group-*.out | grep -cE '^[0-9]+ passed, [0-9]+ failed$')" -eq "$(ls "$dir"/group-*.out | wc -l)" ] || failed=$((failed + 1))
    rm -rf "$dir"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

# libFuzzer present? (clang without libclang-rt / the fuzzer runtime fails here, loudly.)
probe="$out/.probe"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe.c"
if ! command -v "$CC" >/dev/null 2>&1 || ! "$CC" $FLAGS "$probe.c" -o "$probe" >"$probe.log" 2>&1; then
    echo "FAIL fuzz: '$CC -fsanitize=fuzzer,address,undefined' does not work (need clang with libFuzzer:" >&2
    echo "     Debian: apt-get install clang libclang-rt-dev, or libclang-rt-14-dev / libclang-common-14-dev)" >&2
    sed 's/^/     /' "$probe.log" >&2 2>/dev/null
    rm -f "$probe" "$probe.c" "$probe.log"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -f "$probe" "$probe.c" "$probe.log"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okta-cc-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

for t in $targets; do
    src="tests/fuzz/fuzz_$t.c"
    bin="$out/fuzz_$t"
    if [ ! -f "$src" ]; then
        echo "FAIL fuzz/$t (no $src)"
        failed=$((failed + 1))
        continue
    fi
    if ! $CC $FLAGS -I. "$src" -o "$bin" $LIBS > "$tmp/$t.build.log" 2>&1; then
        echo "FAIL fuzz/$t (build)"
        sed 's/^/     /' "$tmp/$t.build.log"
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$tmp/corpus-$t" "$out/artifacts-$t"
    [ -d "tests/fuzz/corpus/$t" ] && cp tests/fuzz/corpus/"$t"/* "$tmp/corpus-$t/" 2>/dev/null
    # flow: a whole sequence of responses (token, request, up to 5 pages) in one input
    case $t in json|key) maxlen=65536 ;; flow) maxlen=16384 ;; *) maxlen=8192 ;; esac
    log="$out/fuzz_$t.log"
    "$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$maxlen" -timeout=5 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts-$t/" "$tmp/corpus-$t" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1)   # -a: a log may hold an input's bytes
    if [ $rc -eq 0 ] && [ -n "$execs" ]; then
        echo "ok   fuzz/$t ($execs execs, $cov)"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz/$t (exit $rc; log $log)"
        grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/     /'
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
