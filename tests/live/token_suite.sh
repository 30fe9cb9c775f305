#!/usr/bin/env bash
# Token-client tests against the local Okta-compatible server (oidc-provider), over HTTP and
# HTTPS: keys made by OpenSSL, public JWKs by python3-cryptography, assertions checked by PyJWT.
set -u
TEST_WRAPPER=${TEST_WRAPPER:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
py=/usr/bin/python3

# Keys in every form the issue names, made by OpenSSL (not by us).
openssl genrsa -traditional -out "$work/rsa2048-pkcs1.pem" 2048 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$work/rsa4096-pkcs8.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa-jwk.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec256-sec1.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/unregistered.pem" 2>/dev/null
$py "$root/tests/keytool.py" jwk-private "$work/rsa-jwk.pem" rsa-jwk >"$work/rsa-jwk.json"

pub() { $py "$root/tests/keytool.py" jwk-public "$work/$1" "$2"; }
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_rsa2048", "jwks": {"keys": [$(pub rsa2048-pkcs1.pem rsa2048)]}, "scopes": ["okta.users.read", "okta.users.manage"]},
 {"client_id": "0oa_rsa4096", "jwks": {"keys": [$(pub rsa4096-pkcs8.pem rsa4096)]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_jwk", "jwks": {"keys": [$(pub rsa-jwk.pem rsa-jwk)]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_ec", "jwks": {"keys": [$(pub ec256-sec1.pem ec256)]}, "scopes": ["okta.users.read"], "auth_servers": ["org", "default"]},
 {"client_id": "0oa_dpop", "jwks": {"keys": [$(pub ec256-sec1.pem ec256)]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true},
 {"client_id": "0oa_two_keys", "jwks": {"keys": [$(pub rsa2048-pkcs1.pem k-a), $(pub ec256-sec1.pem k-b)]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_secret", "client_secret": "s3cret value+/=&", "token_endpoint_auth_method": "client_secret_basic", "auth_servers": ["default"], "scopes": ["custom.read"]},
 {"client_id": "0oa_secret_post", "client_secret": "an0ther s3cret", "token_endpoint_auth_method": "client_secret_post", "auth_servers": ["default"], "scopes": ["custom.read"]}
]}
JSON
vectors=$root/tests/vectors
{ echo '{"keys":['; pub rsa2048-pkcs1.pem rsa2048; echo ','; pub ec256-sec1.pem ec256; echo ',';
  pub rsa4096-pkcs8.pem rsa4096; echo ','; pub rsa-jwk.pem rsa-jwk; echo ','; pub rsa2048-pkcs1.pem k-a; echo ',';
  pub unregistered.pem unregistered; echo ',';
  $py "$root/tests/keytool.py" jwk-public "$vectors/jose/generated-ec-p256-pkcs8.pem" ec-vector; echo ',';
  $py "$root/tests/keytool.py" jwk-public "$vectors/jose/rfc7515-a2-rsa-pkcs8.pem" kid-unit; echo ']}'; } >"$work/verify-jwks.json"

bash "$root/tools/dev/server/make-ca.sh" "$work/ca" >/dev/null 2>&1
start_server HTTP_URL --clients "$work/clients.json" --token-ttl 15 || exit 1
start_server HTTPS_URL --clients "$work/clients.json" --token-ttl 15 --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key" || exit 1
start_server UNTRUSTED_URL --clients "$work/clients.json" --tls-cert "$work/ca/untrusted.pem" --tls-key "$work/ca/untrusted.key" || exit 1

export OKTA_CC_TEST_HTTP_URL=$HTTP_URL OKTA_CC_TEST_HTTPS_URL=$HTTPS_URL OKTA_CC_TEST_UNTRUSTED_URL=$UNTRUSTED_URL
export OKTA_CC_TEST_CA=$work/ca/ca.pem OKTA_CC_TEST_KEYS=$work OKTA_CC_TEST_ASSERTIONS=$work/assertions.txt
$TEST_WRAPPER "$build/tests/test_token_live${TEST_SUFFIX:-}" "$@"
rc=$?

# The example, as a user runs it: configuration from the environment only.
ex_pass=0 ex_fail=0
example_check() { if "$@"; then ex_pass=$((ex_pass+1)); echo "ok   $name"; else ex_fail=$((ex_fail+1)); echo "FAIL $name"; fi; }
for base in "$HTTP_URL" "$HTTPS_URL"; do
  tok=$(OKTA_CLIENT_ORGURL=$base OKTA_CLIENT_CLIENTID=0oa_ec OKTA_CLIENT_PRIVATEKEY=$work/ec256-sec1.pem \
        OKTA_CLIENT_KID=ec256 OKTA_CLIENT_SCOPES=okta.users.read OKTA_CC_CA_FILE=$work/ca/ca.pem \
        "$build/examples/get_token" 2>"$work/example.err")
  name="example/get_token ${base%%:*}: prints a token the server accepts"
  example_check test "$(curl -s --cacert "$work/ca/ca.pem" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$base/api/v1/users?limit=1")" = 200
  name="example/get_token ${base%%:*}: says type and lifetime on stderr"
  example_check grep -q "^Bearer token for okta.users.read, valid for 15 s" "$work/example.err"
done
OKTA_CLIENT_ORGURL=$HTTP_URL OKTA_CLIENT_CLIENTID=0oa_nobody OKTA_CLIENT_PRIVATEKEY=$work/ec256-sec1.pem \
  OKTA_CLIENT_SCOPES=okta.users.read "$build/examples/get_token" >"$work/example.out" 2>"$work/example.err"
ex_rc=$?
name="example/get_token: a refusal exits 1 with the server's error on one line"
example_check test $ex_rc -eq 1 -a ! -s "$work/example.out" -a "$(wc -l <"$work/example.err")" -eq 1
name="example/get_token: the refusal names invalid_client"
example_check grep -q "invalid_client" "$work/example.err"
echo "$ex_pass passed, $ex_fail failed"
[ "$ex_fail" -eq 0 ] || rc=1

# Every assertion the run produced, checked by PyJWT: signature, aud, iss, sub, exp - iat, jti.
if [ -z "${SKIP_VERIFY:-}" ]; then
  $py "$root/tests/keytool.py" verify-assertions "$work/assertions.txt" "$work/verify-jwks.json" || rc=1
fi
exit $rc
