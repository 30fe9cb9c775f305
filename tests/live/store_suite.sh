#!/usr/bin/env bash
# The token store across processes (tests/live/test_store_live.c) against the local
# Okta-compatible server: the second process's stored token (Bearer, DPoP), a revoked stored
# token, 16 processes at once with an empty store, a SIGKILLed lock holder.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT

api_clients
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" --rate-limit 1000000 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_KEYS=$work TMPDIR=$work
"$build/tests/test_store_live${TEST_SUFFIX:-}" "$@"
