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
 {"client_id": "0oa_apps_only", "jwks": {"keys": [$pub]}, "scopes": ["okta.apps.read"]},
 {"client_id": "0oa_api_dpop", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true}
]}
JSON
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" || exit 1
start_server OKTA_CC_TEST_DPOP_URL --clients "$work/clients.json" --api-dpop-nonce || exit 1
start_server OKTA_CC_TEST_PARALLEL_URL --clients "$work/clients.json" --api-delay-ms 50 --token-ttl 4 --rate-limit 1000000 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_DPOP_URL OKTA_CC_TEST_PARALLEL_URL OKTA_CC_TEST_KEYS=$work
"$build/tests/test_api${TEST_SUFFIX:-}" "$@"
rc=$?
[ -n "${TEST_SUFFIX:-}" ] && exit $rc

# The example and the demo, as a user runs them.
pass=0 fail=0
check() { local name=$1; shift; if "$@"; then pass=$((pass+1)); echo "ok   $name"; else fail=$((fail+1)); echo "FAIL $name"; fi; }
OKTA_CLIENT_ORGURL=$OKTA_CC_TEST_URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_KID=ec256 OKTA_CLIENT_SCOPES=okta.users.read "$build/examples/list_users" >"$work/users.txt" 2>"$work/users.err"
check "example/list_users exits 0" test $? -eq 0
check "example/list_users prints 250 users, one line each" test "$(wc -l <"$work/users.txt")" -eq 250
check "example/list_users lines are 'login status'" test "$(grep -cE '^user[0-9]{3}@example\.com (ACTIVE|PROVISIONED|STAGED|SUSPENDED|RECOVERY|LOCKED_OUT|PASSWORD_EXPIRED|DEPROVISIONED)$' "$work/users.txt")" -eq 250
check "example/list_users reports the pages" grep -qx "250 users in 2 pages" "$work/users.err"
OKTA_CLIENT_ORGURL=$OKTA_CC_TEST_URL OKTA_CLIENT_CLIENTID=0oa_apps_only OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_SCOPES=okta.apps.read "$build/examples/list_users" >"$work/users.txt" 2>"$work/users.err"
check "example/list_users without okta.users.read exits 1" test $? -eq 1 -a ! -s "$work/users.txt"
check "example/list_users surfaces E0000006" grep -q "E0000006" "$work/users.err"
(env -u OKTA_CLIENT_ORGURL -u OKTA_CLIENT_CLIENTID -u OKTA_CLIENT_PRIVATEKEY BUILD="$build" "$root/tools/demo.sh") >"$work/demo.out" 2>&1
check "make demo (local server) runs the whole flow" test $? -eq 0
check "make demo lists 250 users" grep -q "250 users listed" "$work/demo.out"
check "make demo's app requires DPoP and gets a DPoP token" grep -q "token_type: DPoP" "$work/demo.out"
check "make demo shows the DPoP proof's header and claims" \
  sh -c "grep -q '\"typ\":\"dpop+jwt\"' '$work/demo.out' && grep -q '\"htm\":\"POST\"' '$work/demo.out'"
check "make demo shows the assertion claims" grep -q '"aud": "http://127.0.0.1:' "$work/demo.out"
check "make demo never prints the token" sh -c "! grep -qE 'access_token\": \"|Bearer [A-Za-z0-9]' '$work/demo.out'"
check "make demo never prints a private key" sh -c "! grep -q 'PRIVATE KEY' '$work/demo.out'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && exit $rc
exit 1
