#!/usr/bin/env bash
# Okta API tests (okta_cc_request, pagination, rate limits, retries, faults) against the local
# Okta-compatible server: 250 seeded users, rate-limit headers, fault injection.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
py=/usr/bin/python3

openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec256.pem"
pub=$($py "$root/tests/keytool.py" jwk-public "$work/ec256.pem" ec256)
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_api", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_apps_only", "jwks": {"keys": [$pub]}, "scopes": ["okta.apps.read"]}
]}
JSON
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_KEYS=$work
"$build/tests/test_api${TEST_SUFFIX:-}" "$@"
