#!/usr/bin/env bash
# Runs every test suite of `make test` and prints the total as the last line:
# "N passed, N failed". Each suite prints its own "N passed, N failed" line; a suite that
# ends without one (a crash, a sanitizer abort) counts as one failure more.
#   tests/run.sh          every suite (make test)
#   tests/run.sh check    the fast tier only (make check): unit tests and CLI suites, plain build
# The suites are grouped by kind, as tests/README.md lists them.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
tier=${1:-all}
logs=$build/test-logs
mkdir -p "$logs"
. "$root/tests/suite_lib.sh"

cd "$root"
# ---- make check: tests/unit/ (plain build, no server) and tests/cli/ --------------------------
suite codec            "$build/tests/test_codec" -q
suite keys             "$build/tests/test_keys" -q
suite dpop             "$build/tests/test_dpop" -q
# ES256 proofs checked by python3-cryptography (header, claim order, fresh jti, signature).
suite dpop-python      bash -c 'set -o pipefail; "$1" --emit 200 | /usr/bin/python3 tests/unit/dpop_verify.py' _ "$build/tests/test_dpop"
suite conventions      "$build/tests/test_conventions" -q
# The token client on a scripted transport, then its 10 000 assertions checked by PyJWT.
suite token-unit       tests/unit/token_assertions.sh -q
suite api-unit         "$build/tests/test_api" -q
# The token store: state, file store refusals and lock, clients meeting through it (scripted).
suite store-unit       "$build/tests/test_store" -q
suite signer           "$build/tests/test_signer" -q
# PKCS#11: its definitions against p11-kit's pkcs11.h, RFC 7512 URIs, SoftHSM keys (a token of its own).
suite pkcs11           "$build/tests/test_pkcs11" -q
# The CLI suites start servers of their own on free ports and work in their own temporary
# directories: make check runs them two at a time (SUITE_JOBS), make test one after the other.
if [ "$tier" = check ]; then run=suite_bg; else run=suite; fi
$run cli-keys          tests/cli/cli_keys.sh
$run cli-token         tests/cli/cli_token.sh
$run cli-api           tests/cli/cli_api.sh
$run cli-io            tests/cli/cli_io.sh
$run cli-follow        tests/cli/cli_follow.sh
$run cli-stream        tests/cli/cli_stream.sh
$run cli-cache         tests/cli/cli_cache.sh
$run cli-pkcs11        tests/cli/cli_pkcs11.sh
if [ "$tier" = check ]; then suite_wait; suite_total; exit; fi

# ---- tests/lint/ and tests/check_api.py ---------------------------------------------------------
suite compile-matrix   tests/lint/compile_matrix.sh
suite static-analysis  tests/lint/static_analysis.sh
suite check-api        python3 tests/check_api.py okta_cc.h
# Every C block of the README compiles as a file (gcc, clang, C++); the whole program among them
# runs: nothing configured, the local server (valgrind), a page refused mid-listing, a bad kid.
suite readme           tests/lint/readme.sh

# ---- tests/unit/ under AddressSanitizer + UBSan, ThreadSanitizer and valgrind -------------------
suite codec-asan-ubsan "$build/tests/test_codec_asan" -q
suite codec-valgrind   valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_codec" -q
suite keys-asan-ubsan  "$build/tests/test_keys_asan" -q
suite keys-valgrind    valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_keys" -q
suite dpop-asan-ubsan  "$build/tests/test_dpop_asan" -q
suite dpop-valgrind    valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_dpop" -q
suite conventions-asan   "$build/tests/test_conventions_asan" -q
suite conventions-vgrind valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_conventions" -q
suite token-unit-asan  "$build/tests/test_token_asan" -q
suite api-unit-asan    "$build/tests/test_api_asan" -q
suite store-unit-asan  "$build/tests/test_store_asan" -q
# Every threaded test under ThreadSanitizer: token single flight (16 threads across expiries),
# refresh ahead, the handle pool (16 threads on one client), DPoP nonces shared by 8 threads.
# A race report fails the suite (exit code 66) even when every check passed.
suite token-unit-tsan  env TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" "$build/tests/test_token_tsan" -q
suite api-unit-tsan    env TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" "$build/tests/test_api_tsan" -q
suite store-unit-tsan  env TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" "$build/tests/test_store_tsan" -q
suite signer-asan-ubsan "$build/tests/test_signer_asan" -q
suite signer-tsan      env TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" "$build/tests/test_signer_tsan" -q
suite pkcs11-asan-ubsan "$build/tests/test_pkcs11_asan" -q
suite pkcs11-tsan      env TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" "$build/tests/test_pkcs11_tsan" -q
# (still-reachable blocks the dynamic loader keeps for SoftHSM's own libraries are not ours)
suite pkcs11-valgrind  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$build/tests/test_pkcs11" -q
suite signer-valgrind  valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_signer" -q
# The token and API unit tests under valgrind (the big loops scaled down).
suite token-valgrind   env OKTA_CC_TEST_LIGHT=1 valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_token" -q
suite api-valgrind     valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_api" -q
suite store-valgrind   valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$build/tests/test_store" -q

# ---- tests/live/: against the local Okta-compatible server (tools/dev/server) -----------------------
suite server-selftest  bash tools/dev/server/selftest.sh
suite token            tests/live/token_suite.sh -q
suite token-asan-ubsan env TEST_SUFFIX=_asan SKIP_VERIFY=1 tests/live/token_suite.sh -q
suite api              tests/live/api_suite.sh -q
suite api-asan-ubsan   env TEST_SUFFIX=_asan tests/live/api_suite.sh -q
# The token store across processes: a second process's stored token (Bearer, DPoP), a revoked
# one, 16 processes at once (one grant), a SIGKILLed lock holder.
suite store            tests/live/store_suite.sh -q
suite store-asan-ubsan env TEST_SUFFIX=_asan tests/live/store_suite.sh -q
# The examples as users run them: under valgrind with a listing failing on page 2 (a 500, a
# 302), and examples/custom_transport's deadline, IPv6 literal and unsendable request line.
suite examples         tests/live/examples_suite.sh
# TLS refusals with certificates made by openssl for the run (the asan run skips the CLI part).
suite tls              tests/live/tls_suite.sh -q
suite tls-asan-ubsan   env TEST_SUFFIX=_asan tests/live/tls_suite.sh -q
# Every allocation failing once (ours, then libcurl's), and freed blocks, logs and messages
# scanned for tokens, assertions, proofs and key bytes.
suite alloc            tests/live/alloc_suite.sh -q
suite alloc-asan-ubsan env TEST_SUFFIX=_asan tests/live/alloc_suite.sh -q
# One minute of the soak (make soak runs ten): faults, short tokens, rotating nonces, 8 threads.
suite soak             env SOAK_SECONDS=60 tests/live/soak.sh
# The live tests with threads under ThreadSanitizer (as above).
suite token-tsan       env TEST_SUFFIX=_tsan SKIP_VERIFY=1 TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" tests/live/token_suite.sh -q
suite api-tsan         env TEST_SUFFIX=_tsan TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" tests/live/api_suite.sh -q

# ---- tests/fuzz/ and cross builds ----------------------------------------------------------------
suite fuzz-smoke       env FUZZ_SECONDS=${FUZZ_SECONDS:-4} BUILD="$build" sh tests/fuzz/run.sh
# make test-cross for aarch64 (installs gcc-aarch64-linux-gnu, qemu-user and the arm64 libraries
# when missing): the CLI, examples and server-free unit tests built warning-free for the target,
# run under qemu-aarch64 (the big loops scaled down), the CLI and the examples checked against
# the native ones, on the key vectors and against the local server.
suite cross-aarch64    env OKTA_CC_TEST_LIGHT=1 make --no-print-directory -C "$root" test-cross CROSS=aarch64-linux-gnu BUILD="$build"

suite_total
