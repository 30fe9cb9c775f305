#!/usr/bin/env bash
# The cross-built okta-cc and examples under qemu-user against the local Okta-compatible server
# (tools/dev/server), over HTTP and over HTTPS with a private CA (make test-cross):
# tokens, `get --all`, examples/list_users (libcurl) and examples/custom_transport (no libcurl,
# its own sockets), each listing compared with the native build's. Ends with "N passed, N failed".
#   BUILD=build CROSS=aarch64-linux-gnu QEMU=qemu-aarch64 tests/live/live_cross.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
cross=${CROSS:-aarch64-linux-gnu}
xbuild=$build/$cross
qemu=${QEMU:?QEMU not set (qemu-aarch64 or qemu-arm)}
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
setup_failed() { echo "FAIL setup: $1"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

for f in "$xbuild/okta-cc" "$xbuild/examples/list_users" "$xbuild/examples/custom_transport" \
         "$build/okta-cc" "$build/examples/list_users"; do
  [ -x "$f" ] || setup_failed "$f not built (make test-cross CROSS=$cross)"
done
command -v node >/dev/null 2>&1 && [ -d "$root/tools/dev/server/node_modules/oidc-provider" ] ||
  setup_failed "the local server needs node and its npm packages (tools/dev/deps.sh cross $cross)"

work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
unset OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_PRIVATEKEYID \
  OKTA_CLIENT_KID OKTA_CLIENT_SCOPES OKTA_CLIENT_AUTHSERVERID OKTA_CLIENT_CLIENTSECRET OKTA_CC_CA_FILE \
  OKTA_CLIENT_DPOPENABLED OKTA_CLIENT_DPOPKEY
export OKTA_CC_CACHE_DIR=off    # each run fetches its own token (one expects a TLS failure)

api_clients    # $work/ec256.pem, kid ec256; apps 0oa_api, 0oa_apps_only, 0oa_api_dpop
bash "$root/tools/dev/server/make-ca.sh" "$work/ca" >/dev/null 2>&1 || setup_failed "tools/dev/server/make-ca.sh"
start_server URL --clients "$work/clients.json" || setup_failed "server (HTTP)"
start_server TLS_URL --clients "$work/clients.json" --tls-cert "$work/ca/server.pem" \
  --tls-key "$work/ca/server.key" || setup_failed "server (HTTPS)"
ca=$work/ca/ca.pem

# app ORG CLIENT_ID PROGRAM ARGS...: a program with the app's settings in the environment.
app() {
  local org=$1 id=$2; shift 2
  OKTA_CLIENT_ORGURL=$org OKTA_CLIENT_CLIENTID=$id OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
    OKTA_CLIENT_KID=ec256 OKTA_CLIENT_SCOPES=okta.users.read "$@"
}
logins() { "${PYTHON:-/usr/bin/python3}" -c 'import json,sys; [print(json.loads(l)["profile"]["login"]) for l in sys.stdin]'; }

# ---- tokens ---------------------------------------------------------------------------------
for org in "$URL" "$TLS_URL"; do
  scheme=${org%%:*}
  app "$org" 0oa_api "$qemu" "$xbuild/okta-cc" token --ca-file "$ca" >"$work/token" 2>"$work/err"
  check "okta-cc token over ${scheme^^} under $qemu" test $? -eq 0 -a -s "$work/token" -a ! -s "$work/err"
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $(cat "$work/token")" \
    "$org/api/v1/users?limit=1")
  check "the target's token works at /api/v1/users over ${scheme^^} ($code)" test "$code" = 200
done
app "$TLS_URL" 0oa_api "$qemu" "$xbuild/okta-cc" token >/dev/null 2>"$work/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -qE 'SSL|TLS|certificate' "$work/err"
then ok "okta-cc token over HTTPS without the CA: exit 1, one TLS error line"
else bad "okta-cc token over HTTPS without the CA" "exit $rc: $(cat "$work/err")"; fi
app "$URL" 0oa_api_dpop "$qemu" "$xbuild/okta-cc" token --json >"$work/dpop.json" 2>"$work/err"
check "okta-cc token for an app that requires DPoP: a DPoP token" grep -q '"token_type":"DPoP"' "$work/dpop.json"

# ---- listings: the same users as the native build -------------------------------------------
app "$TLS_URL" 0oa_api "$build/okta-cc" get /api/v1/users --all --ndjson -q --ca-file "$ca" 2>"$work/err" | logins >"$work/native.txt"
check "native okta-cc get --all: 250 users (the reference)" test "$(wc -l <"$work/native.txt")" -eq 250
app "$TLS_URL" 0oa_api "$qemu" "$xbuild/okta-cc" get '/api/v1/users?limit=7' --all --ndjson -q --ca-file "$ca" \
  2>"$work/err" | logins >"$work/x.txt"
check "okta-cc get --all over HTTPS under $qemu (36 pages): the native build's 250 users" cmp -s "$work/x.txt" "$work/native.txt"
app "$URL" 0oa_api_dpop "$qemu" "$xbuild/okta-cc" get /api/v1/users --all --ndjson -q 2>"$work/err" | logins >"$work/x.txt"
check "okta-cc get --all with DPoP under $qemu: the same 250 users" cmp -s "$work/x.txt" "$work/native.txt"

app "$URL" 0oa_api "$build/examples/list_users" >"$work/native-list.txt" 2>/dev/null
app "$URL" 0oa_api "$qemu" "$xbuild/examples/list_users" >"$work/x-list.txt" 2>"$work/err"
check "examples/list_users under $qemu: 250 lines" test "$(wc -l <"$work/x-list.txt")" -eq 250
check "examples/list_users under $qemu: the native example's output" cmp -s "$work/x-list.txt" "$work/native-list.txt"
app "$URL" 0oa_api "$qemu" "$xbuild/examples/custom_transport" >"$work/x-ct.txt" 2>"$work/err"
check "examples/custom_transport (no libcurl) under $qemu: the same 250 lines" cmp -s "$work/x-ct.txt" "$work/native-list.txt"
if readelf -d "$xbuild/examples/custom_transport" | grep -q 'NEEDED.*libcurl'
then bad "examples/custom_transport for $cross does not need libcurl"; else ok "examples/custom_transport for $cross does not need libcurl"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
