#!/usr/bin/env bash
# Soak (tests/live/soak.c): SOAK_MINUTES (default 10; make test runs SOAK_SECONDS=60) of 8 threads on
# two shared clients, Bearer and DPoP, against two local servers with 6 s tokens, DPoP nonces
# that rotate every 10 s, and a steady stream of injected faults.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
seconds=${SOAK_SECONDS:-$(( ${SOAK_MINUTES:-10} * 60 ))}

api_clients
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" --token-ttl 6 --rate-limit 10000000 || exit 1
start_server OKTA_CC_TEST_DPOP_URL --clients "$work/clients.json" --token-ttl 6 --rate-limit 10000000 \
  --api-dpop-nonce --api-dpop-nonce-seconds 10 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_DPOP_URL OKTA_CC_TEST_KEYS=$work
"$build/tests/soak" "$seconds" "${SOAK_THREADS:-8}"
