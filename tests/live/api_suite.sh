#!/usr/bin/env bash
# Okta API tests (okta_cc_request, pagination, rate limits, retries, faults) against the local
# Okta-compatible server: 250 seeded users, rate-limit headers, fault injection.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT

api_clients
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" || exit 1
start_server OKTA_CC_TEST_DPOP_URL --clients "$work/clients.json" --api-dpop-nonce || exit 1
start_server OKTA_CC_TEST_PARALLEL_URL --clients "$work/clients.json" --api-delay-ms 50 --token-ttl 4 --rate-limit 1000000 || exit 1
start_server OKTA_CC_TEST_FORK_URL --clients "$work/clients.json" --rate-limit 1000000 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_DPOP_URL OKTA_CC_TEST_PARALLEL_URL OKTA_CC_TEST_FORK_URL OKTA_CC_TEST_KEYS=$work
"$build/tests/test_api_live${TEST_SUFFIX:-}" "$@"
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
# Without libcurl: built exactly as its comment says, it lists every user over its own sockets.
( cd "$root" && cc -I. -DOKTA_CC_NO_CURL examples/custom_transport.c -o "$work/custom_transport" -lbearssl ) 2>"$work/ct.build"
check "example/custom_transport builds with cc -I. -DOKTA_CC_NO_CURL ... -lbearssl" test -x "$work/custom_transport"
check "example/custom_transport does not link libcurl" sh -c "! ldd '$work/custom_transport' | grep -q libcurl"
OKTA_CLIENT_ORGURL=$OKTA_CC_TEST_URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_KID=ec256 OKTA_CLIENT_SCOPES=okta.users.read valgrind -q --leak-check=full --errors-for-leak-kinds=all \
  --error-exitcode=99 "$work/custom_transport" >"$work/ct.txt" 2>"$work/ct.err"
check "example/custom_transport lists all 250 users (valgrind clean)" test $? -eq 0 -a "$(wc -l <"$work/ct.txt")" -eq 250
check "example/custom_transport output equals list_users'" sh -c "OKTA_CLIENT_ORGURL=$OKTA_CC_TEST_URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem OKTA_CLIENT_KID=ec256 OKTA_CLIENT_SCOPES=okta.users.read '$build/examples/list_users' 2>/dev/null | cmp -s - '$work/ct.txt'"
OKTA_CLIENT_ORGURL=http://127.0.0.1:1 OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_SCOPES=okta.users.read "$work/custom_transport" >/dev/null 2>"$work/ct.err"
check "example/custom_transport: nothing listening is exit 1 and one line naming the host" \
  sh -c "test \$(wc -l <'$work/ct.err') -eq 1 && grep -q 'cannot connect to 127.0.0.1:1' '$work/ct.err'"
OKTA_CLIENT_ORGURL=$OKTA_CC_TEST_URL OKTA_CLIENT_CLIENTID=0oa_apps_only OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_SCOPES=okta.apps.read "$build/examples/list_users" >"$work/users.txt" 2>"$work/users.err"
check "example/list_users without okta.users.read exits 1" test $? -eq 1 -a ! -s "$work/users.txt"
check "example/list_users surfaces E0000006" grep -q "E0000006" "$work/users.err"
(env -u OKTA_CLIENT_ORGURL -u OKTA_CLIENT_CLIENTID -u OKTA_CLIENT_PRIVATEKEY BUILD="$build" "$root/tools/dev/demo.sh") >"$work/demo.out" 2>&1
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
