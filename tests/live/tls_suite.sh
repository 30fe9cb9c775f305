#!/usr/bin/env bash
# TLS refusals against the local Okta-compatible server, with certificates made here by the
# openssl CLI (nothing committed): one trusted test CA, and one server per certificate:
#   valid         signed by the CA, SAN localhost/127.0.0.1/::1, valid now   (must be accepted)
#   other-ca      the same, but signed by a second CA the client does not trust
#   wrong-name    signed by the CA, valid now, SAN DNS:wrong.example only
#   expired       signed by the CA, 2020-01-01 .. 2021-01-01
#   not-yet-valid signed by the CA, 2090-01-01 .. 2091-01-01
#   self-signed   a self-signed leaf with the right SAN
# (and one more with the valid certificate and no rate limit, for the fork() test).
# Then tests/live/test_tls.c (C API: token fetch and API request refused with OKTA_CC_ERR_TLS and
# the reason, nothing reaching the server; insecure_skip_tls_verify), and the okta-cc CLI.
# Environment: BUILD, TEST_SUFFIX (_asan: the C tests only), KEEP_WORK=1 (keep the temporary
# directory: certificates, server logs). Ends with "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; [ -n "${KEEP_WORK:-}" ] && echo "work kept: $work" || rm -rf "$work"' EXIT
py=/usr/bin/python3
pki=$work/pki
mkdir -p "$pki"

# ---- certificates ------------------------------------------------------------------------------
setup_fail() { echo "FAIL setup: $*"; echo "0 passed, 1 failed"; exit 1; }
eckey() { openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$1"; }
# mkca NAME CN: a self-signed CA and a minimal `openssl ca` setup for it (openssl ca, unlike
# openssl x509 in OpenSSL 3.0, takes any start and end date).
mkca() {
  local d=$pki/$1
  mkdir -p "$d.db" && eckey "$d.key" &&
  openssl req -x509 -new -key "$d.key" -sha256 -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d.pem" 2>/dev/null || return 1
  : >"$d.db/index.txt"; echo 'unique_subject = no' >"$d.db/index.txt.attr"; echo 01 >"$d.db/serial"
  printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = $d.db/index.txt" "new_certs_dir = $d.db" \
    "serial = $d.db/serial" 'default_md = sha256' 'policy = p' '[p]' 'commonName = supplied' >"$d.cnf"
}
# leaf NAME CA SAN START END: a server certificate (START/END as YYYYMMDDHHMMSSZ, or "now" and
# a number of days).
leaf() {
  local f=$pki/$1 dates
  eckey "$f.key" && openssl req -new -key "$f.key" -subj "/CN=$1" -out "$f.csr" 2>/dev/null || return 1
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=$3" >"$f.ext"
  if [ "$4" = now ]; then dates=(-days "$5"); else dates=(-startdate "$4" -enddate "$5"); fi
  openssl ca -batch -notext -config "$pki/$2.cnf" -cert "$pki/$2.pem" -keyfile "$pki/$2.key" \
    -in "$f.csr" -out "$f.pem" "${dates[@]}" -extfile "$f.ext" >"$f.log" 2>&1 || { cat "$f.log" >&2; return 1; }
}
san="DNS:localhost,IP:127.0.0.1,IP:::1"
mkca ca "okta-cc TLS test CA" || setup_fail "test CA"
mkca other "another CA, not trusted" || setup_fail "second CA"
leaf valid ca "$san" now 30 || setup_fail "valid leaf"
leaf other-ca other "$san" now 30 || setup_fail "other CA's leaf"
leaf wrong-name ca "DNS:wrong.example" now 30 || setup_fail "wrong-name leaf"
leaf expired ca "$san" 20200101000000Z 20210101000000Z || setup_fail "expired leaf"
leaf not-yet-valid ca "$san" 20900101000000Z 20910101000000Z || setup_fail "not-yet-valid leaf"
eckey "$pki/self-signed.key" && openssl req -x509 -new -key "$pki/self-signed.key" -sha256 -days 30 \
  -subj "/CN=localhost" -addext "subjectAltName=$san" -addext "extendedKeyUsage=serverAuth" \
  -out "$pki/self-signed.pem" 2>/dev/null || setup_fail "self-signed leaf"
# What openssl itself says of each against the trusted CA: the same reasons the client must give.
openssl verify -CAfile "$pki/ca.pem" "$pki/valid.pem" "$pki/wrong-name.pem" >/dev/null 2>&1 ||
  setup_fail "openssl verify: valid and wrong-name leaves should chain to the CA"
for c in other-ca:"unable to get local issuer certificate" expired:"certificate has expired" \
         not-yet-valid:"certificate is not yet valid" self-signed:"self[- ]signed certificate"; do
  openssl verify -CAfile "$pki/ca.pem" "$pki/${c%%:*}.pem" 2>&1 | grep -Eq "${c#*:}" ||
    setup_fail "openssl verify ${c%%:*}: expected '${c#*:}'"
done

# ---- servers -----------------------------------------------------------------------------------
eckey "$work/ec.pem" || setup_fail "client key"
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_tls", "jwks": {"keys": [$($py "$root/tests/keytool.py" jwk-public "$work/ec.pem" tls-ec)]}, "scopes": ["okta.users.read"]}
]}
JSON
# --verbose: the server logs every request it handles (method, path, status) and every failed
# handshake, which is checked at the end.
for c in valid other-ca wrong-name expired not-yet-valid self-signed; do
  var=URL_${c//-/_}
  start_server "$var" --verbose --clients "$work/clients.json" --tls-cert "$pki/$c.pem" --tls-key "$pki/$c.key" ||
    setup_fail "server with the $c certificate"
done
# fork(): a trusted server of its own, without the rate limit (50 rounds of 17 requests).
start_server URL_fork --clients "$work/clients.json" --rate-limit 1000000 --tls-cert "$pki/valid.pem" \
  --tls-key "$pki/valid.key" || setup_fail "server for the fork test"
export OKTA_CC_TEST_TLS_FORK_URL=$URL_fork
export OKTA_CC_TEST_CA=$pki/ca.pem OKTA_CC_TEST_TLS_KEY=$work/ec.pem
export OKTA_CC_TEST_TLS_VALID_URL=$URL_valid OKTA_CC_TEST_TLS_OTHER_CA_URL=$URL_other_ca \
  OKTA_CC_TEST_TLS_WRONG_NAME_URL=$URL_wrong_name OKTA_CC_TEST_TLS_EXPIRED_URL=$URL_expired \
  OKTA_CC_TEST_TLS_NOT_YET_VALID_URL=$URL_not_yet_valid OKTA_CC_TEST_TLS_SELF_SIGNED_URL=$URL_self_signed

# ---- the C API ---------------------------------------------------------------------------------
# The refusals first; the insecure part (which does reach the refused servers) comes last,
# after their logs have been checked.
"$build/tests/test_tls${TEST_SUFFIX:-}" "$@" refusals
rc=$?
if [ -n "${TEST_SUFFIX:-}" ]; then "$build/tests/test_tls${TEST_SUFFIX:-}" "$@" insecure || rc=1; exit $rc; fi

# ---- the CLI -----------------------------------------------------------------------------------
cli=$build/okta-cc
export OKTA_CC_CACHE_DIR=off    # every run must make its own TLS connection to the token endpoint
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
out=$work/cli.out err=$work/cli.err
unset OKTA_CLIENT_ORGURL OKTA_CLIENT_PRIVATEKEYID OKTA_CLIENT_AUTHSERVERID OKTA_CLIENT_CLIENTSECRET \
  OKTA_CLIENT_DPOPENABLED OKTA_CLIENT_DPOPKEY
export OKTA_CLIENT_CLIENTID=0oa_tls OKTA_CLIENT_PRIVATEKEY=$work/ec.pem OKTA_CLIENT_KID=tls-ec \
  OKTA_CLIENT_SCOPES=okta.users.read OKTA_CC_CA_FILE=$pki/ca.pem
run() { "$cli" "$@" >"$out" 2>"$err"; rc_cli=$?; }
# expect_refusal NAME REGEX: exit 1, nothing on stdout, one line "okta-cc: ..." matching REGEX.
expect_refusal() {
  if [ "$rc_cli" -eq 1 ] && [ ! -s "$out" ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: ' "$err" &&
     grep -Eq -- "$2" "$err"; then ok "$1"; echo "     $(cat "$err")"
  else bad "$1" "exit $rc_cli, stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}
# stat URL NAME: a counter of the server's /__test/stats (read without verification: test only).
stat() { curl -sk "$1/__test/stats" | $py -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

OKTA_CLIENT_ORGURL=$URL_valid run token
if [ "$rc_cli" -eq 0 ] && [ ! -s "$err" ] && [ "$(wc -l <"$out")" -eq 1 ]; then ok "cli/valid: okta-cc token succeeds with the same settings"
else bad "cli/valid: okta-cc token succeeds with the same settings" "exit $rc_cli, stderr: $(head -3 "$err" | tr '\n' '|')"; fi
OKTA_CLIENT_ORGURL=$URL_valid run get "/api/v1/users?limit=1"
if [ "$rc_cli" -eq 0 ] && grep -q '"id"' "$out"; then ok "cli/valid: okta-cc get succeeds with the same settings"
else bad "cli/valid: okta-cc get succeeds with the same settings" "exit $rc_cli, stderr: $(head -3 "$err" | tr '\n' '|')"; fi

for c in other-ca:"unable to get local issuer certificate" wrong-name:"no alternative certificate subject name matches" \
         expired:"certificate has expired" not-yet-valid:"certificate is not yet valid" \
         self-signed:"self[- ]signed certificate"; do
  name=${c%%:*} reason=${c#*:} var=URL_${name//-/_}
  url=${!var}
  OKTA_CLIENT_ORGURL=$url run token
  expect_refusal "cli/$name: okta-cc token exits 1 with one line naming the reason" "^okta-cc: .*$reason"
  # The API request alone: the token comes from the trusted server (--token-url).
  OKTA_CLIENT_ORGURL=$url run get "/api/v1/users?limit=1" --token-url "$URL_valid/oauth2/v1/token"
  expect_refusal "cli/$name: okta-cc get (token from the trusted server) exits 1 naming the reason" "^okta-cc: .*$reason"
  t=$(stat "$url" token_requests) a=$(stat "$url" api_requests) n=$(stat "$url" connections_opened)
  if [ "$t" = 0 ] && [ "$a" = 0 ] && [ "$n" -ge 2 ]; then ok "cli/$name: the server handled no token or API request"
  else bad "cli/$name: the server handled no token or API request" "token_requests $t, api_requests $a, connections_opened $n"; fi
done

# Every refused server, after everything above but the insecure part: no token or API request
# in its log, and the TLS alert the client sent when it gave up each handshake (4 refused
# connections: C token, C API, CLI token, CLI get). libcurl checks the host name only once the
# handshake is done, so the wrong-name server sees no alert: the client just closes (the
# request counters above show that nothing was sent).
for c in other-ca:"unknown ca" expired:"certificate expired" not-yet-valid:"bad certificate" \
         self-signed:"unknown ca" wrong-name:; do
  name=${c%%:*} alert=${c#*:}
  log=$work/server-URL_${name//-/_}.err
  want=4; [ -z "$alert" ] && want=0
  got=$(grep -c "TLS client error: .*alert $alert" "$log")
  if ! grep -Eq '(POST|GET) /(oauth2|api)/' "$log" && [ "$got" -eq "$want" ] &&
     [ "$(grep -c 'TLS client error' "$log")" -eq "$want" ]; then
    ok "server log/$name: no /oauth2 or /api request; $want handshakes ended by the client${alert:+ with alert \"$alert\"}"
  else bad "server log/$name: no /oauth2 or /api request; $want handshakes ended by the client${alert:+ with alert \"$alert\"}" \
    "$got; $(grep -E '/(oauth2|api)/|TLS' "$log" | head -3 | tr '\n' '|')"; fi
done
log=$work/server-URL_valid.err
if grep -q 'POST /oauth2/v1/token' "$log"; then ok "server log/valid: the log does record token requests (the check above can fail)"
else bad "server log/valid: the log does record token requests (the check above can fail)" "$(head -3 "$log" | tr '\n' '|')"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || rc=1

# ---- insecure_skip_tls_verify (C API; the CLI has no way to turn verification off) ----------
"$build/tests/test_tls${TEST_SUFFIX:-}" "$@" insecure || rc=1
exit $rc
