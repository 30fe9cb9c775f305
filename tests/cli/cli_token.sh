#!/usr/bin/env bash
# Tests of the okta-cc network commands (assertion, token) against the local Okta-compatible
# server (tools/dev/server), over HTTP and HTTPS. Keys are made by OpenSSL, public JWKs by
# python3-cryptography (tests/keytool.py), assertions are checked by PyJWT.
# Run from the repository root after building build/okta-cc:  tests/cli/cli_token.sh
# Environment: BUILD (default build). Needs node (and npm ci --prefix tools/dev/server), openssl,
# curl and /usr/bin/python3 with PyJWT.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl and $py with PyJWT" sh -c "{ command -v node && command -v openssl && command -v curl && '$py' -c 'import jwt, cryptography'; } >/dev/null 2>&1"

use_local_server
secret='s3cret-Value+/=&'


# run ARGS...: runs the CLI, leaving $out, $err and $rc. Every output is also collected, to
# check at the end that no secret ever got out.
run() {
  "$cli" "$@" >"$out" 2>"$err"; rc=$?
  cat "$out" >>"$work/all-stdout"; cat "$err" >>"$work/all-stderr"
  [ "$rc" -ne 0 ] && cat "$err" >>"$work/failed-stderr"
  return 0
}

# expect_error NAME STATUS [PATTERN]: the last run failed with STATUS, printed exactly one line
# "okta-cc: ..." on stderr (matching the extended regex PATTERN) and nothing on stdout.
expect_error() {
  if [ "$rc" -eq "$2" ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: ' "$err" && [ ! -s "$out" ] &&
     { [ -z "${3:-}" ] || grep -Eq -- "$3" "$err"; }; then ok "$1"
  else bad "$1" "exit $rc (want $2), stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}

# expect_token NAME: the last run succeeded with one line on stdout, nothing on stderr.
expect_token() {
  if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && [ "$(wc -l <"$out")" -eq 1 ] && grep -Eqx '[A-Za-z0-9._~+/=-]+' "$out"
  then ok "$1"; else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}

# api_status URL TOKEN: the HTTP status the management API gives for the token.
api_status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1/api/v1/users?limit=1"; }

# ---- keys, clients, servers ---------------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.pem"
pub() { "$py" "$root/tests/keytool.py" jwk-public "$work/$1" "$2"; }
"$py" "$root/tests/keytool.py" jwk-private "$work/ec.pem" ec-1 >"$work/ec.jwk.json"
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_cli", "jwks": {"keys": [$(pub rsa.pem rsa-1)]}, "scopes": ["okta.users.read"], "auth_servers": ["org", "default"]},
 {"client_id": "0oa_cli_ec", "jwks": {"keys": [$(pub ec.pem ec-1)]}, "scopes": ["okta.users.read"], "require_kid": true},
 {"client_id": "0oa_cli_secret", "client_secret": "$secret", "token_endpoint_auth_method": "client_secret_basic", "auth_servers": ["default"], "scopes": ["custom.read"]}
]}
JSON
bash "$root/tools/dev/server/make-ca.sh" "$work/ca" >/dev/null 2>&1 || { bad "setup: make-ca.sh"; }
start_server URL --clients "$work/clients.json" || { echo "0 passed, 1 failed"; exit 1; }
start_server TLS_URL --clients "$work/clients.json" --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key" ||
  { echo "0 passed, 1 failed"; exit 1; }
# A port nobody listens on: bound by the kernel's choice, then closed again.
closed_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

flags=(--org "$URL" --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1 --scopes okta.users.read)

# ---- token over HTTP ----------------------------------------------------------------------------
run token "${flags[@]}"
expect_token "token with flags prints a token"
check "the token works at /api/v1/users (200)" test "$(api_status "$URL" "$(cat "$out")")" = 200

OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_cli OKTA_CLIENT_PRIVATEKEY=$work/rsa.pem \
  OKTA_CLIENT_PRIVATEKEYID=rsa-1 OKTA_CLIENT_SCOPES=okta.users.read run token
expect_token "token from the environment only (key file path)"
check "the environment's token works (200)" test "$(api_status "$URL" "$(cat "$out")")" = 200

OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_cli_ec OKTA_CLIENT_PRIVATEKEY=$(cat "$work/ec.pem") \
  OKTA_CLIENT_KID=ec-1 OKTA_CLIENT_SCOPES=okta.users.read run token
expect_token "token from the environment (inline PEM, OKTA_CLIENT_KID)"

OKTA_CLIENT_ORGURL=http://127.0.0.1:$closed_port OKTA_CLIENT_CLIENTID=0oa_wrong \
  OKTA_CLIENT_PRIVATEKEY=$work/ec.pem OKTA_CLIENT_PRIVATEKEYID=wrong-kid OKTA_CLIENT_SCOPES=okta.users.manage \
  run token "${flags[@]}"
expect_token "flags beat the environment (wrong org, client id, key, kid and scopes in env)"

OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_wrong OKTA_CLIENT_PRIVATEKEY=$work/rsa.pem \
  OKTA_CLIENT_PRIVATEKEYID=rsa-1 OKTA_CLIENT_SCOPES=okta.users.read run token --client-id 0oa_cli
expect_token "--client-id beats a wrong OKTA_CLIENT_CLIENTID"

run token --org "$URL" --client-id 0oa_cli_ec --key - --kid ec-1 --scopes okta.users.read <"$work/ec.jwk.json"
expect_token "token with --key - (a private JWK on stdin)"

run token --json "${flags[@]}"
cp "$out" "$work/token.json"
if msg=$("$py" - "$work/token.json" <<'EOF' 2>&1
import json, sys
text = open(sys.argv[1]).read()
assert text.endswith("}\n") and text.count("\n") == 1, "not one line"
j = json.loads(text)
assert list(j) == ["token_type", "expires_in", "access_token", "scope"], "members %s" % list(j)
assert j["token_type"] == "Bearer", j["token_type"]
assert isinstance(j["expires_in"], int) and 0 < j["expires_in"] <= 3600, j["expires_in"]
assert j["scope"] == "okta.users.read", j["scope"]
assert isinstance(j["access_token"], str) and j["access_token"], "no access_token"
EOF
); then ok "token --json: one JSON object with token_type Bearer, expires_in, access_token, scope"
else bad "token --json" "exit $rc: $msg $(cat "$err")"; fi
json_token=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/token.json" 2>/dev/null)
check "token --json: its access_token works (200)" test "$(api_status "$URL" "$json_token")" = 200
check "an unknown token is refused by the API (401)" test "$(api_status "$URL" not-a-token)" = 401

run token --scopes=okta.users.read --org="$URL" --client-id=0oa_cli --key="$work/rsa.pem" --kid=rsa-1 --ttl=60 --timeout=5
expect_token "token with --name=VALUE flags, --ttl and --timeout"

# ---- token over HTTPS ---------------------------------------------------------------------------
tls_flags=(--org "$TLS_URL" --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1 --scopes okta.users.read)
run token "${tls_flags[@]}" --ca-file "$work/ca/ca.pem"
expect_token "token over HTTPS with --ca-file"
check "the HTTPS token works (200)" test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca/ca.pem" \
  -H "Authorization: Bearer $(cat "$out")" "$TLS_URL/api/v1/users?limit=1")" = 200
OKTA_CC_CA_FILE=$work/ca/ca.pem run token "${tls_flags[@]}"
expect_token "token over HTTPS with OKTA_CC_CA_FILE"
OKTA_CC_CA_FILE=$work/ca/untrusted.pem run token "${tls_flags[@]}" --ca-file "$work/ca/ca.pem"
expect_token "--ca-file beats OKTA_CC_CA_FILE"
run token "${tls_flags[@]}"
expect_error "token over HTTPS without the CA fails (exit 1, one line)" 1 '^okta-cc: token: .*(SSL|TLS|certificate)'
run token "${tls_flags[@]}" --ca-file "$work/ca/untrusted.pem"
expect_error "token over HTTPS trusting the wrong CA fails (exit 1, one line)" 1 '(SSL|TLS|certificate)'

# ---- assertion ----------------------------------------------------------------------------------
cat >"$work/check_assertion.py" <<'EOF'
import json, sys
import jwt
from cryptography.hazmat.primitives import serialization
path, pem, alg, kid, client_id, aud, ttl = sys.argv[1:8]
text = open(path).read()
assert text.endswith("\n") and text.count("\n") == 1, "not one line"
token = text.strip()
header = jwt.get_unverified_header(token)
assert header == {"alg": alg, "kid": kid, "typ": "JWT"}, "header %s" % header
key = serialization.load_pem_private_key(open(pem, "rb").read(), None).public_key()
claims = jwt.decode(token, key=key, algorithms=[alg], audience=aud, issuer=client_id,
                    options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
assert claims["sub"] == client_id, "sub %s" % claims["sub"]
assert claims["aud"] == aud, "aud %r" % claims["aud"]
assert claims["exp"] - claims["iat"] == int(ttl), "exp - iat = %d" % (claims["exp"] - claims["iat"])
assert len(claims["jti"]) >= 16, "short jti"
print(claims["jti"])
EOF
# assertion_case NAME PEM ALG KID CLIENT AUD TTL ARGS...: runs assertion ARGS and checks it.
assertion_case() {
  local name=$1 pem=$2 alg=$3 kid=$4 client=$5 aud=$6 ttl=$7 msg; shift 7
  run assertion "$@"
  if [ "$rc" -eq 0 ] && [ ! -s "$err" ] &&
     msg=$("$py" "$work/check_assertion.py" "$out" "$pem" "$alg" "$kid" "$client" "$aud" "$ttl" 2>&1); then
    ok "$name"; jti=$msg
  else bad "$name" "exit $rc, $(cat "$err") ${msg:-}"; jti=; fi
}
a_flags=(--org "$URL" --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1)
assertion_case "assertion: RS256 header, iss = sub, aud = org token URL, exp - iat = 300, signature (PyJWT)" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/v1/token" 300 "${a_flags[@]}"
jti1=$jti
assertion_case "assertion again: still valid" "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/v1/token" 300 "${a_flags[@]}"
check "two assertions have different jti" test -n "$jti1" -a -n "$jti" -a "$jti1" != "$jti"
assertion_case "assertion --ttl 120: exp - iat = 120" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/v1/token" 120 "${a_flags[@]}" --ttl 120
assertion_case "assertion --ttl 3600 (Okta's maximum)" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/v1/token" 3600 "${a_flags[@]}" --ttl 3600
assertion_case "assertion --auth-server default: aud = /oauth2/default/v1/token" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/default/v1/token" 300 "${a_flags[@]}" --auth-server default
assertion_case "assertion with an org URL ending in /: no double slash in aud" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "$URL/oauth2/v1/token" 300 --org "$URL/" --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1
assertion_case "assertion --token-url: aud = that URL" \
  "$work/rsa.pem" RS256 rsa-1 0oa_cli "https://example.okta.com/oauth2/aus1/v1/token" 300 \
  --token-url https://example.okta.com/oauth2/aus1/v1/token --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1
OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_cli_ec OKTA_CLIENT_PRIVATEKEY=$work/ec.pem OKTA_CLIENT_KID=ec-1 \
  assertion_case "assertion from the environment: ES256 with an EC key" \
  "$work/ec.pem" ES256 ec-1 0oa_cli_ec "$URL/oauth2/v1/token" 300
assertion_case "assertion --alg RS512" "$work/rsa.pem" RS512 rsa-1 0oa_cli "$URL/oauth2/v1/token" 300 "${a_flags[@]}" --alg RS512
# The printed assertion is accepted once by the token endpoint, like Okta's.
run assertion "${a_flags[@]}"
form_status=$(curl -s -o "$work/form.json" -w '%{http_code}' "$URL/oauth2/v1/token" \
  --data-urlencode grant_type=client_credentials --data-urlencode scope=okta.users.read \
  --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
  --data-urlencode "client_assertion=$(cat "$out")")
check "the token endpoint accepts a printed assertion (curl, 200)" test "$form_status" = 200

# ---- usage errors (exit 2) ----------------------------------------------------------------------
run token "${flags[@]}" --ttl 3601
expect_error "token --ttl 3601 is a usage error (exit 2)" 2 '--ttl'
run assertion "${a_flags[@]}" --ttl 0
expect_error "assertion --ttl 0 is a usage error (exit 2)" 2
run assertion "${a_flags[@]}" --ttl 5m
expect_error "assertion --ttl 5m is a usage error (exit 2)" 2
run token --client-id 0oa_cli --key "$work/rsa.pem" --scopes okta.users.read
expect_error "token without --org or OKTA_CLIENT_ORGURL (exit 2)" 2 'OKTA_CLIENT_ORGURL'
check "... and names --org" grep -q -- '--org' "$err"
run assertion --client-id 0oa_cli --key "$work/rsa.pem"
expect_error "assertion without --org or OKTA_CLIENT_ORGURL (exit 2)" 2 'OKTA_CLIENT_ORGURL'
run token --org "$URL" --key "$work/rsa.pem" --scopes okta.users.read
expect_error "token without a client id names OKTA_CLIENT_CLIENTID (exit 2)" 2 '--client-id.*OKTA_CLIENT_CLIENTID'
run token --org "$URL" --client-id 0oa_cli --scopes okta.users.read
expect_error "token without a key names OKTA_CLIENT_PRIVATEKEY (exit 2)" 2 '--key.*OKTA_CLIENT_PRIVATEKEY'
run token --org "$URL" --client-id 0oa_cli --key "$work/rsa.pem"
expect_error "token without scopes names OKTA_CLIENT_SCOPES (exit 2)" 2 '--scopes.*OKTA_CLIENT_SCOPES'
run token "${flags[@]}" --auth-method client_secret_jwt
expect_error "token --auth-method client_secret_jwt (exit 2)" 2
run token --org "$URL" --client-id 0oa_cli_secret --auth-method client_secret_post --scopes custom.read --auth-server default
expect_error "client_secret_post without a secret names OKTA_CLIENT_CLIENTSECRET (exit 2)" 2 'OKTA_CLIENT_CLIENTSECRET'
run token "${flags[@]}" --frob
expect_error "token --frob (exit 2)" 2
run assertion "${a_flags[@]}" --client-secret "$secret"
expect_error "assertion --client-secret (exit 2)" 2
run token "${flags[@]}" --alg HS256
expect_error "token --alg HS256 (exit 2)" 2

# ---- exit status: 2 for every missing or invalid setting, 1 for a failed operation ------------
# One rule (okta-cc --help): 2 when the command line or a setting (flag or environment) is
# missing or invalid - whether okta-cc or the library (OKTA_CC_ERR_CONFIG) finds it - and
# nothing was sent; 1 when the operation itself fails.
run token --org ftp://example.com --client-id 0oa_cli --key "$work/rsa.pem" --scopes okta.users.read
expect_error "--org ftp://...: an invalid setting is a usage error (exit 2), like a missing one" 2 'org URL must be https'
OKTA_CLIENT_ORGURL=ftp://example.com run token --client-id 0oa_cli --key "$work/rsa.pem" --scopes okta.users.read
expect_error "OKTA_CLIENT_ORGURL=ftp://...: exit 2 too" 2 'org URL must be https'
run token "${flags[@]}" --scopes ,
expect_error "--scopes ',' (no scope at all): exit 2" 2 'scope'
run token "${flags[@]}" --kid "$(head -c 300 /dev/zero | tr '\0' k)"
expect_error "a --kid over the limit: exit 2" 2 'kid'
OKTA_CLIENT_PRIVATEKEYID=$(head -c 300 /dev/zero | tr '\0' k) run token --org "$URL" --client-id 0oa_cli \
  --key "$work/rsa.pem" --scopes okta.users.read
expect_error "an OKTA_CLIENT_PRIVATEKEYID over the limit: exit 2 as for --kid" 2 'key id'
run token --org "$URL" --client-id 0oa_cli --key "$work/missing.pem" --scopes okta.users.read
expect_error "a key file that is not there: the operation fails (exit 1)" 1 'missing\.pem'
run --help
check "okta-cc --help states the exit status rule (2: missing or invalid setting)" \
  sh -c "grep -q 'missing or invalid' '$out'"

# ---- client ids: only what Okta issues -----------------------------------------------------------
# Okta client ids are letters, digits and \$-_.+!*'(), (ApplicationCredentialsOAuthClient): a
# space, a quote or a non-ASCII byte is a typo or a pasted fragment. Refused before anything is
# sent, naming the setting, exit 2.
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
for bad_id in '0oa cli' '0oa_cli"' '0oa/cli' "0oa_cli$(printf '\xc3\xa9')" '0oa<cli>' '0oa_cli;'; do
  run token --org "$URL" --client-id "$bad_id" --key "$work/rsa.pem" --kid rsa-1 --scopes okta.users.read
  expect_error "--client-id '$bad_id': refused locally (exit 2), naming the setting" 2 'client id.*OKTA_CLIENT_CLIENTID'
done
OKTA_CLIENT_CLIENTID='0oa cli' run assertion --org "$URL" --key "$work/rsa.pem" --kid rsa-1
expect_error "OKTA_CLIENT_CLIENTID='0oa cli' for assertion: exit 2, names the variable" 2 'OKTA_CLIENT_CLIENTID'
check "... the server saw no token request for any of them" \
  test "$(curl -s "$URL/__test/stats" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["token_requests"])')" = 0
run assertion --org "$URL" --client-id "0oa-A.b_c9\$+!*'(),Z" --key "$work/rsa.pem" --kid rsa-1
check "a client id with every character Okta allows: the assertion is made" test "$rc" -eq 0 -a -s "$out"

# ---- failures keep Okta's words (exit 1, one line, empty stdout) --------------------------------
run token --org "$URL" --client-id 0oa_nobody --key "$work/rsa.pem" --kid rsa-1 --scopes okta.users.read
expect_error "wrong client id: exit 1, one line with invalid_client" 1 '^okta-cc: token: .*invalid_client'
run token "${flags[@]/okta.users.read/okta.users.manage}"
expect_error "unknown scope: exit 1, one line with invalid_scope" 1 '^okta-cc: token: .*invalid_scope'
run token --org "$URL" --client-id 0oa_cli_ec --key "$work/ec.pem" --scopes okta.users.read
expect_error "no kid for a client that requires one: invalid_client, kid" 1 'invalid_client.*kid'
run token --org "$URL" --client-id 0oa_cli --key "$work/ec.pem" --kid rsa-1 --scopes okta.users.read
expect_error "a key Okta does not know: invalid_client" 1 'invalid_client'
run token --org "http://127.0.0.1:$closed_port" --client-id 0oa_cli --key "$work/rsa.pem" --kid rsa-1 --scopes okta.users.read
expect_error "connection refused: exit 1, one line" 1 '^okta-cc: token: .*127\.0\.0\.1'
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"status","status":500}]}'
run token "${flags[@]}"
expect_error "HTTP 500 from the token endpoint: exit 1, one line" 1 '500'
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"status","status":429,"reset_in":3600}]}'
run token "${flags[@]}"
expect_error "a token endpoint rate limit past the retry deadline: exit 1, one line saying when it resets" 1 \
  '^okta-cc: token: POST http://[^ ]*/oauth2/v1/token: HTTP 429 E0000047: .*rate limited.*the limit resets in 360[01] s'
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"status","status":429,"reset_in":0},{"kind":"status","status":503}]}'
start=$(date +%s%N)
run token "${flags[@]}"
ms=$((($(date +%s%N) - start) / 1000000))
expect_token "a token endpoint 429 and 503 are waited out: a token (${ms} ms)"
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"garbage","status":200,"body":"{\"token_type\":\"Bearer\"}"}]}'
run token "${flags[@]}"
expect_error "a 200 without access_token is an error, never an empty token" 1 'access_token'
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"hang"}]}'
start=$(date +%s%N)
run token "${flags[@]}" --timeout 1
ms=$((($(date +%s%N) - start) / 1000000))
expect_error "a hanging token endpoint with --timeout 1: exit 1, one line (${ms} ms)" 1 '(timed out|Timeout)'
check "--timeout 1 gives up within 3 s" test "$ms" -lt 3000
run token "${flags[@]/rsa.pem/missing.pem}"
expect_error "a missing key file: exit 1, one line naming it" 1 'missing\.pem'
run token --org https://example.com --token-url http://example.com/oauth2/v1/token --client-id 0oa_cli \
  --key "$work/rsa.pem" --scopes okta.users.read
expect_error "plain http to a non-loopback host is refused by the library: an invalid setting (exit 2)" 2 'https://'
run token --org http://example.com --client-id 0oa_cli --key "$work/rsa.pem" --scopes okta.users.read
expect_error "an http:// org URL off loopback is refused by the library: an invalid setting (exit 2)" 2 'https://'

# ---- client secrets -----------------------------------------------------------------------------
run token --org "$URL" --auth-server default --client-id 0oa_cli_secret --client-secret "$secret" --scopes custom.read
expect_token "client secret at the custom server 'default' (client_secret_basic)"
run token --org "$URL" --auth-server default --client-id 0oa_cli_secret --client-secret "$secret" --scopes custom.read \
  --auth-method client_secret_basic --json
check "client secret --json: token_type Bearer" grep -q '"token_type":"Bearer"' "$out"
OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_AUTHSERVERID=default OKTA_CLIENT_CLIENTID=0oa_cli_secret \
  OKTA_CLIENT_CLIENTSECRET=$secret OKTA_CLIENT_SCOPES=custom.read run token
expect_token "client secret from the environment (no key configured)"
run token --org "$URL" --client-id 0oa_cli_secret --client-secret "$secret" --scopes custom.read
expect_error "client secret at the org server: an invalid setting (exit 2), mentions private_key_jwt" 2 'private_key_jwt'
run token --org "$URL" --auth-server default --client-id 0oa_cli_secret --client-secret wrong-secret --scopes custom.read
expect_error "a wrong client secret: invalid_client" 1 'invalid_client'
OKTA_CLIENT_CLIENTSECRET=$secret run token "${flags[@]}"
expect_token "a key and OKTA_CLIENT_CLIENTSECRET: the key is used (org server works)"
# --client-secret-file: the secret out of the command line, where every user sees it (ps).
sec_flags=(--org "$URL" --auth-server default --client-id 0oa_cli_secret --scopes custom.read)
printf '%s\n' "$secret" >"$work/secret.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/secret.txt"
expect_token "--client-secret-file FILE (one trailing newline, stripped)"
printf '%s\r\n' "$secret" >"$work/secret-crlf.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/secret-crlf.txt"
expect_token "--client-secret-file FILE ending in CRLF"
printf '%s' "$secret" >"$work/secret-bare.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/secret-bare.txt"
expect_token "--client-secret-file FILE without a newline"
run token "${sec_flags[@]}" --client-secret-file - <"$work/secret.txt"
expect_token "--client-secret-file - reads the secret from stdin"
printf '%s\n' "$secret" | run token "${sec_flags[@]}" --client-secret-file=/dev/stdin
expect_token "--client-secret-file=/dev/stdin on a pipe"
printf 'wrong-secret\n' >"$work/wrong-secret.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/wrong-secret.txt"
expect_error "--client-secret-file with a wrong secret: invalid_client" 1 'invalid_client'
: >"$work/empty-secret.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/empty-secret.txt"
expect_error "--client-secret-file of an empty file: exit 1, names the file" 1 "^okta-cc: $work/empty-secret.txt: .*empty"
printf '\n' >"$work/newline-secret.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/newline-secret.txt"
expect_error "--client-secret-file holding only a newline: exit 1, empty" 1 'empty'
printf '%s\n\n' "$secret" >"$work/two-lines-secret.txt"
run token "${sec_flags[@]}" --client-secret-file "$work/two-lines-secret.txt"
expect_error "--client-secret-file with a second line: exit 1, not sent" 1 "^okta-cc: $work/two-lines-secret.txt: .*(line|control)"
run token "${sec_flags[@]}" --client-secret-file "$work/no-such-secret.txt"
expect_error "--client-secret-file of a missing file: exit 1, names it" 1 "no-such-secret.txt: No such file"
mkfifo "$work/secret.fifo"
start=$(date +%s%N)
run token "${sec_flags[@]}" --client-secret-file "$work/secret.fifo"
ms=$((($(date +%s%N) - start) / 1000000))
expect_error "--client-secret-file of a FIFO nobody writes to: exit 1 at once ($ms ms), not a hang" 1 'empty'
run token "${sec_flags[@]}" --client-secret-file "$work/secret.txt" --client-secret "$secret"
expect_error "--client-secret with --client-secret-file: usage error" 2 'not both'
run token "${sec_flags[@]}" --client-secret-file - --key - <"$work/secret.txt"
expect_error "--client-secret-file - with --key -: usage error (one stdin)" 2
run request POST /api/v1/users "${sec_flags[@]}" --client-secret-file - --data @- <"$work/secret.txt"
expect_error "--client-secret-file - with --data @-: usage error (one stdin)" 2 'stdin'
run assertion "${a_flags[@]}" --client-secret-file "$work/secret.txt"
expect_error "assertion --client-secret-file: usage error" 2
OKTA_CLIENT_CLIENTSECRET=wrong-secret run token "${sec_flags[@]}" --client-secret-file "$work/secret.txt"
expect_token "--client-secret-file wins over OKTA_CLIENT_CLIENTSECRET"
run token --help
check "token --help: --client-secret-file, and why (ps shows command lines)" \
  sh -c "grep -q -- '--client-secret-file FILE' '$out' && grep -q 'ps' '$out'"
if grep -qF -- "$secret" "$work/all-stdout" "$work/all-stderr"; then bad "the client secret never appears in any output"
else ok "the client secret never appears in any output"; fi

# ---- -v works with every command ------------------------------------------------------------------
run token "${flags[@]/$URL/http://127.0.0.1:$closed_port}" -v
cp "$err" "$work/refused-v.txt"
check "token -v to a closed port: exit 1" test "$rc" -eq 1
check "... the -v line holds the whole OKTA_CC_ERR_CONNECT text, not cut mid-word" \
  grep -q -- '-> failed (OKTA_CC_ERR_CONNECT: .*(DNS, refused, unreachable)) (' "$work/refused-v.txt"
echo '{"sub":"x"}' >"$work/claims.json"
for c in "keygen --type ec --out $work/v-key.pem" "jwk --key $work/rsa.pem" "sign --key $work/rsa.pem" \
         "assertion ${a_flags[*]}"; do
  # shellcheck disable=SC2086
  "$cli" $c -v <"$work/claims.json" >"$out" 2>"$err"; rc=$?
  check "${c%% *} -v: accepted (exit 0, output on stdout)" sh -c "[ $rc -eq 0 ] && [ -s '$out' ]"
  rm -f "$work/v-key.pem"
  # shellcheck disable=SC2086
  "$cli" --verbose $c <"$work/claims.json" >"$out" 2>"$err"; rc=$?
  check "--verbose ${c%% *}: accepted too" sh -c "[ $rc -eq 0 ] && [ -s '$out' ]"
  rm -f "$work/v-key.pem"
done

# ---- nothing secret on stderr; help ------------------------------------------------------------
if grep -q 'PRIVATE KEY' "$work/failed-stderr" || grep -qF -- "$secret" "$work/failed-stderr" ||
   grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.' "$work/failed-stderr"; then
  bad "no key, secret or assertion on the stderr of any failing run" "$(grep -E 'PRIVATE|eyJ' "$work/failed-stderr" | head -2)"
else ok "no key, secret or assertion on the stderr of any failing run ($(wc -l <"$work/failed-stderr") lines)"; fi

run --help
check "--help lists assertion and token" grep -q '^  assertion' "$out"
check "--help lists token" grep -q '^  token' "$out"
for c in assertion token; do
  run "$c" --help
  if [ "$rc" -eq 0 ] && grep -q "^usage: okta-cc $c" "$out" && [ ! -s "$err" ]; then ok "$c --help"
  else bad "$c --help" "exit $rc"; fi
  missing=
  for v in OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_PRIVATEKEYID OKTA_CLIENT_KID \
           OKTA_CLIENT_AUTHSERVERID OKTA_CC_CA_FILE -- --org --client-id --key --kid --auth-server --token-url --ttl --ca-file; do
    [ "$v" = -- ] && continue
    grep -qF -- "$v" "$out" || missing="$missing $v"
  done
  if [ "$c" = token ]; then
    for v in OKTA_CLIENT_SCOPES OKTA_CLIENT_CLIENTSECRET --scopes --client-secret --auth-method --json --timeout; do
      grep -qF -- "$v" "$out" || missing="$missing $v"
    done
  fi
  check "$c --help names every flag and variable${missing:+ (missing:$missing)}" test -z "$missing"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
