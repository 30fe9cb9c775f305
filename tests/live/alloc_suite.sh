#!/usr/bin/env bash
# Allocation failures and secret scanning (tests/live/test_alloc.c) against the local server: one
# plain Bearer server, one that asks DPoP clients for nonces at the token endpoint and the API.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT

api_clients
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/dpop.pem" 2>/dev/null
# A rate limit no sweep reaches: thousands of flows run here.
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" --rate-limit 10000000 || exit 1
start_server OKTA_CC_TEST_DPOP_URL --clients "$work/clients.json" --api-dpop-nonce --rate-limit 10000000 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_DPOP_URL OKTA_CC_TEST_KEYS=$work
"$build/tests/test_alloc${TEST_SUFFIX:-}" "$@"
