#!/usr/bin/env bash
# selftest.sh — end-to-end check of the local Okta test server (curl + openssl + node only).
# Ends with "N passed, N failed"; exits non-zero when anything failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d "$here/node_modules/oidc-provider" ]]; then
  npm ci --prefix "$here" --no-audit --no-fund >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi
T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1${2:+ ($2)}"; }
check() { # check NAME ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
contains() { # contains NAME HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then ok "$1"; else bad "$1" "'$3' not in '${2:0:300}'"; fi
}
json() { # json FILE EXPR   (EXPR is JS with `j` bound to the parsed body)
  node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const v=('"$2"'); console.log(typeof v==="object"?JSON.stringify(v):v)' "$1" 2>/dev/null
}

# --- keys and clients ----------------------------------------------------------------------
gen_ec() { openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$1"; }
gen_ec "$T/ec.pem"
gen_ec "$T/ec2.pem"
gen_ec "$T/other.pem"
gen_ec "$T/dpop.pem"
gen_ec "$T/dpop2.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
JT="node $here/jwt-tool.mjs"
EC_JWK=$($JT jwk "$T/ec.pem" ec1)
EC2_JWK=$($JT jwk "$T/ec2.pem" ec2)
RSA_JWK=$($JT jwk "$T/rsa.pem" rsa1)
cat > "$T/clients.json" <<EOF
{ "clients": [
  { "client_id": "0oa_test", "jwks": {"keys": [$EC_JWK]}, "scopes": ["okta.users.read"] },
  { "client_id": "0oa_multi", "jwks": {"keys": [$RSA_JWK, $EC2_JWK]}, "scopes": ["okta.users.read", "okta.users.manage"] },
  { "client_id": "0oa_dpop", "jwks": {"keys": [$EC_JWK]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true },
  { "client_id": "0oa_groups", "jwks": {"keys": [$EC2_JWK]}, "scopes": ["okta.groups.read"], "auth_servers": ["org"] },
  { "client_id": "0oa_secret", "client_secret": "s3cr3t", "token_endpoint_auth_method": "client_secret_basic",
    "scopes": ["api.read"], "auth_servers": ["aus123"] }
] }
EOF

start_server() { # start_server OUTFILE ARGS... ; sets PID and URL
  node "$here/server.js" --clients "$T/clients.json" "${@:2}" > "$1" 2> "$1.err" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 100); do
    grep -qs '^READY ' "$1" && break
    sleep 0.05
  done
  URL=$(sed -n 's/^READY port=[0-9]* url=//p' "$1")
}

start_server "$T/ready"
check "ready line format" "$(grep -cE '^READY port=[0-9]+ url=http://127\.0\.0\.1:[0-9]+$' "$T/ready")" 1
check "stdout has only the ready line" "$(wc -l < "$T/ready" | tr -d ' ')" 1
SPID=$PID
ORG_TOKEN_URL="$URL/oauth2/v1/token"
ATYPE=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

assertion() { # assertion KEY KID CLIENT AUD [JSON]
  $JT sign "$@"
}
post_token() { # post_token URL ASSERTION SCOPE [extra curl args]  -> body in $T/b, status echoed
  curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$1" -d grant_type=client_credentials \
    --data-urlencode "scope=$3" -d "client_assertion_type=$ATYPE" -d "client_assertion=$2" "${@:4}"
}
desc() { json "$T/b" 'j.error_description'; }

# --- token happy path ----------------------------------------------------------------------
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
check "token: 200" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 200
check "token: token_type" "$(json "$T/b" j.token_type)" Bearer
check "token: expires_in defaults to 3600" "$(json "$T/b" j.expires_in)" 3600
check "token: scope" "$(json "$T/b" j.scope)" okta.users.read
contains "token: Date header" "$(cat "$T/h")" "Date: "
TOKEN=$(json "$T/b" j.access_token)

# --- users with pagination -----------------------------------------------------------------
next="$URL/api/v1/users?limit=7"
pages=0
: > "$T/all"
twolinks=ok
while [[ -n "$next" && $pages -lt 100 ]]; do
  pages=$((pages + 1))
  curl -s -o "$T/page.$pages" -D "$T/ph" -H "Authorization: Bearer $TOKEN" "$next"
  if [[ $pages == 1 ]] && [[ $(grep -ci '^link:' "$T/ph") != 2 ]]; then twolinks=bad; fi
  next=$(tr -d '\r' < "$T/ph" | sed -n 's/^[Ll]ink: <\(.*\)>; rel="next"$/\1/p')
done
node -e 'const fs=require("fs"); for (let i=1;i<=+process.argv[1];i++) for (const u of JSON.parse(fs.readFileSync(process.argv[2]+"/page."+i,"utf8"))) console.log(u.id+" "+u.profile.login)' "$pages" "$T" > "$T/all"
check "users: 36 pages at limit=7" "$pages" 36
check "users: 250 users" "$(grep -c . "$T/all")" 250
check "users: 250 unique ids" "$(cut -d' ' -f1 "$T/all" | sort -u | grep -c .)" 250
check "users: first is user001" "$(head -1 "$T/all" | cut -d' ' -f2)" user001@example.com
check "users: self+next are two Link lines" "$twolinks" ok
contains "users: rate limit headers" "$(cat "$T/ph")" "X-Rate-Limit-Reset: "
contains "users: request id header" "$(cat "$T/ph")" "X-Okta-Request-Id: "
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
curl -s -o "$T/b" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users?limit=1000"
check "users: limit clamps to 200" "$(json "$T/b" j.length)" 200
contains "users: non-ASCII names" "$(json "$T/b" 'j.map(u=>u.profile.firstName).join(",")')" "Łukasz"
UID1=$(head -1 "$T/all" | cut -d' ' -f1)
curl -s -o "$T/b" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users/$UID1"
check "users/{id}" "$(json "$T/b" j.id)" "$UID1"
check "users/{unknown}: 404" "$(curl -s -o "$T/b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users/00unope")" 404
check "users/{unknown}: E0000007" "$(json "$T/b" j.errorCode)" E0000007
check "users without token: 401" "$(curl -s -o "$T/b" -w '%{http_code}' "$URL/api/v1/users")" 401
check "users without token: E0000011" "$(json "$T/b" j.errorCode)" E0000011

# --- token errors --------------------------------------------------------------------------
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL")
check "aud = issuer: 401" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 401
check "aud = issuer: description" "$(desc)" "The audience claim for client_assertion must be the endpoint invoked for the request."
A=$(assertion "$T/ec.pem" ec1 0oa_test x "{\"claims\":{\"aud\":[\"$ORG_TOKEN_URL\"]}}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "aud array refused" "$(desc)" "The audience claim for client_assertion must be the endpoint invoked for the request."
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL/")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "aud trailing slash refused" "$(json "$T/b" j.error)" invalid_client

A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
check "bad scope: 400" "$(post_token "$ORG_TOKEN_URL" "$A" "okta.users.read okta.apps.read")" 400
check "bad scope: invalid_scope" "$(json "$T/b" j.error)" invalid_scope
check "bad scope: description" "$(desc)" "The following scopes are not allowed for this request: [okta.apps.read]."
check "jti burned by failed request: 401" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 401
check "jti replay: description" "$(desc)" "The client_assertion token has already been used."

now=$(date +%s)
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL" "{\"claims\":{\"iat\":$((now - 400)),\"exp\":$((now - 100))}}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "expired assertion" "$(desc)" "The client_assertion token is expired."
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL" "{\"claims\":{\"iat\":$now,\"exp\":$((now + 3700))}}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "exp too far" "$(desc)" "The client_assertion token has an expiration too far into the future."
A=$(assertion "$T/ec.pem" nope 0oa_test "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "unknown kid" "$(desc)" "The client_assertion JWT kid is invalid."
A=$(assertion "$T/other.pem" ec1 0oa_test "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "bad signature" "$(desc)" "The client_assertion signature is invalid."
A=$(assertion "$T/ec.pem" ec1 0oa_nobody "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "unknown client" "$(desc)" "Invalid value for 'client_id' parameter."
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL" '{"claims":{"jti":null}}')
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "missing jti" "$(json "$T/b" j.error)" invalid_client
A=$(assertion "$T/rsa.pem" "" 0oa_multi "$ORG_TOKEN_URL" '{"header":{"kid":null}}')
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null
check "no kid with two keys" "$(desc)" "The client_assertion JWT kid is invalid."
A=$(assertion "$T/rsa.pem" rsa1 0oa_multi "$ORG_TOKEN_URL" '{"alg":"RS384"}')
check "RSA RS384 client: 200" "$(post_token "$ORG_TOKEN_URL" "$A" "okta.users.read okta.users.manage")" 200
code=$(curl -s -o "$T/b" -w '%{http_code}' -u 0oa_secret:s3cr3t "$ORG_TOKEN_URL" -d grant_type=client_credentials -d scope=okta.users.read)
check "client secret at org server: 401" "$code" 401
check "client secret at org server: description" "$(desc)" "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method."
code=$(curl -s -o "$T/b" -w '%{http_code}' "$ORG_TOKEN_URL" -d grant_type=password -d scope=okta.users.read)
check "grant_type=password: 400" "$code" 400
check "grant_type=password: unsupported_grant_type" "$(json "$T/b" j.error)" unsupported_grant_type

# --- custom authorization servers ----------------------------------------------------------
code=$(curl -s -o "$T/b" -w '%{http_code}' -u 0oa_secret:s3cr3t "$URL/oauth2/aus123/v1/token" -d grant_type=client_credentials -d scope=api.read)
check "secret at custom server: 200" "$code" 200
CUSTOM_TOKEN=$(json "$T/b" j.access_token)
code=$(curl -s -o "$T/b" -w '%{http_code}' -u 0oa_secret:wrong "$URL/oauth2/aus123/v1/token" -d grant_type=client_credentials -d scope=api.read)
check "wrong secret at custom server: 401" "$code" 401
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/default/v1/token")
check "assertion at /oauth2/default: 200" "$(post_token "$URL/oauth2/default/v1/token" "$A" okta.users.read)" 200
check "custom-server token refused by /api/v1: 401" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CUSTOM_TOKEN" "$URL/api/v1/users")" 401

# --- scope enforcement on the API ----------------------------------------------------------
A=$(assertion "$T/ec2.pem" ec2 0oa_groups "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.groups.read > /dev/null
GTOKEN=$(json "$T/b" j.access_token)
check "token without okta.users.read: 403" "$(curl -s -o "$T/b" -w '%{http_code}' -H "Authorization: Bearer $GTOKEN" "$URL/api/v1/users")" 403
check "403 is E0000006" "$(json "$T/b" j.errorCode)" E0000006

# --- System Log (/api/v1/logs) ------------------------------------------------------------
cat > "$T/logs.json" <<JSON
{ "clients": [ { "client_id": "0oa_logs", "jwks": {"keys": [$EC_JWK]}, "scopes": ["okta.logs.read"] },
               { "client_id": "0oa_test", "jwks": {"keys": [$EC_JWK]}, "scopes": ["okta.users.read"] } ] }
JSON
MAIN_URL=$URL MAIN_PID=$PID           # this section has a server of its own
start_server "$T/ready3" --clients "$T/logs.json" --log-rate 0 --log-backlog 20
A=$(assertion "$T/ec.pem" ec1 0oa_logs "$URL/oauth2/v1/token")
check "logs: token with okta.logs.read: 200" "$(post_token "$URL/oauth2/v1/token" "$A" okta.logs.read)" 200
LTOKEN=$(json "$T/b" j.access_token)
logs() { curl -s -o "$T/lb" -D "$T/lh" -w '%{http_code}' -H "Authorization: Bearer ${2:-$LTOKEN}" "$1"; }
next_of() { sed -n 's/^[Ll]ink: <\(.*\)>; rel="next"\r$/\1/p' "$T/lh"; }
check "logs: polling (no until): 200" "$(logs "$URL/api/v1/logs?since=2000-01-01T00:00:00Z")" 200
check "logs: the 20 events of the backlog" "$(json "$T/lb" 'j.length + " " + Object.keys(j[0]).includes("uuid")')" "20 true"
contains "logs: its own rate limit (120 a minute)" "$(cat "$T/lh")" "X-Rate-Limit-Limit: 120"
N1=$(next_of)
contains "logs: a polling page always has a next link with a cursor" "$N1" "after=20_"
check "logs: nothing new: 200" "$(logs "$N1")" 200
check "logs: nothing new: []" "$(cat "$T/lb")" "[]"
check "logs: nothing new: the next link is the same cursor" "$(next_of)" "$N1"
check "logs: bounded (since and until), limit 7: 200" "$(logs "$URL/api/v1/logs?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=7")" 200
N=$(next_of); pages=1; total=$(json "$T/lb" j.length)
while [ -n "$N" ] && [ $pages -lt 10 ]; do logs "$N" >/dev/null; total=$((total + $(json "$T/lb" j.length))); N=$(next_of); pages=$((pages + 1)); done
check "logs: bounded: 3 pages, 20 events, and the last has no next link" "$pages $total" "3 20"
check "logs: DESCENDING: newest first" "$(logs "$URL/api/v1/logs?sortOrder=DESCENDING&limit=2" >/dev/null; json "$T/lb" 'j[0].published > j[1].published')" true
check "logs: a cursor it did not make: 400" "$(logs "$URL/api/v1/logs?after=5_00000000")" 400
check "logs: a filter it does not know: 400" "$(logs "$URL/api/v1/logs?filter=actor.id%20eq%20%22x%22")" 400
check "logs: filter on eventType: 200, only that type" "$(logs "$URL/api/v1/logs?filter=eventType%20eq%20%22user.session.start%22" >/dev/null; json "$T/lb" 'j.every(e => e.eventType === "user.session.start")')" true
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
post_token "$URL/oauth2/v1/token" "$A" okta.users.read >/dev/null
check "logs: a token without okta.logs.read: 403" "$(logs "$URL/api/v1/logs" "$(json "$T/b" j.access_token)")" 403
check "logs: /__test/logs lists the 20, each with its cursor" "$(curl -s "$URL/__test/logs" > "$T/tl"; json "$T/tl" 'j.count + " " + j.events.length + " " + j.events[0].cursor.startsWith("0_")')" "20 20 true"
curl -s -o /dev/null -X POST "$URL/__test/logs/rate" -H 'Content-Type: application/json' -d '{"rate":50}'
sleep 0.3
check "logs: after /__test/logs/rate 50, new events behind the same cursor" "$(logs "$N1" >/dev/null; json "$T/lb" 'j.length > 5')" true
kill -TERM "$PID"; wait "$PID"
URL=$MAIN_URL PID=$MAIN_PID

# --- faults ------------------------------------------------------------------------------------
fault() { curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' -d "$1"; }
api() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@" "$URL/api/v1/users?limit=1"; }
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
TOKEN_OK=$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read); TOKEN=$(json "$T/b" j.access_token)
check "fresh token" "$TOKEN_OK" 200
fault '{"target":"api","faults":[{"kind":"status","status":429,"reset_in":2,"duplicate_reset":true},{"kind":"status","status":503},{"kind":"expire_token"},{"kind":"garbage","status":200}]}'
check "fault 429" "$(api)" 429
check "fault 429: two X-Rate-Limit-Reset lines" "$(grep -ci '^x-rate-limit-reset:' "$T/h")" 2
check "fault 429: E0000047" "$(json "$T/b" j.errorCode)" E0000047
check "fault 503" "$(api)" 503
check "fault expire_token" "$(api)" 401
check "fault garbage: 200" "$(api)" 200
check "fault garbage: not JSON" "$(json "$T/b" 1 || echo notjson)" notjson
check "after faults: 200" "$(api)" 200
fault '{"target":"api","faults":[{"kind":"reset"},{"kind":"truncated"},{"kind":"hang"},{"kind":"slow","delay_ms":300},{"kind":"oversized","bytes":3000000}]}'
api > /dev/null; check "fault reset: curl fails" "$?" 56
api > /dev/null; check "fault truncated: curl error 18" "$?" 18
api --max-time 0.5 > /dev/null; check "fault hang: curl times out" "$?" 28
t0=$(date +%s%N); code=$(api); t1=$(date +%s%N)
check "fault slow: 200" "$code" 200
if (( (t1 - t0) / 1000000 >= 300 )); then ok "fault slow: delayed"; else bad "fault slow: delayed"; fi
api > /dev/null
check "fault oversized: 3000000 bytes" "$(wc -c < "$T/b" | tr -d ' ')" 3000000
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
fault '{"target":"token","faults":[{"kind":"status","status":503}]}'
check "token fault 503" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 503
check "assertion burned by the faulted request" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 401
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
curl -s -X POST -o /dev/null "$URL/__test/rate_limit" -H 'Content-Type: application/json' -d '{"remaining":0}'
check "rate limit exhausted: 429" "$(api)" 429
check "rate limit exhausted: remaining 0" "$(tr -d '\r' < "$T/h" | sed -n 's/^X-Rate-Limit-Remaining: //Ip')" 0
curl -s -X POST -o /dev/null "$URL/__test/rate_limit" -H 'Content-Type: application/json' -d '{"reset":true}'
check "rate limit reset: 200" "$(api)" 200
# /__test/attempts: the request id sent back, the retry headers received, the jti of each attempt
fault '{"target":"token","faults":[{"kind":"status","status":429,"reset_in":1}]}'
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
check "token fault 429" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 429
RID=$(curl -s "$URL/__test/attempts" | node -e 'const a=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(a[a.length - 1].request_id)')
api -H "X-Okta-Retry-For: $RID" -H "X-Okta-Retry-Count: 1" > /dev/null
curl -s "$URL/__test/attempts" | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0,"utf8")).slice(-2)))' > "$T/att"
check "attempts: token then api" "$(json "$T/att" 'j.map(e => e.target + " " + e.status).join(",")')" "token 429,api 200"
AJTI=$(echo "$A" | cut -d. -f2 | node -e 'console.log(JSON.parse(Buffer.from(require("fs").readFileSync(0,"utf8").trim(),"base64url")).jti)')
check "attempts: the token attempt's assertion jti" "$(json "$T/att" j[0].assertion_jti)" "$AJTI"
check "attempts: no retry headers on the first" "$(json "$T/att" 'j[0].retry_for + " " + j[0].retry_count')" "null null"
check "attempts: X-Okta-Retry-For and -Count recorded" "$(json "$T/att" 'j[1].retry_for + " " + j[1].retry_count')" "$RID 1"
check "attempts: request ids differ" "$(json "$T/att" 'j[0].request_id !== j[1].request_id && /^req/.test(j[1].request_id)')" true

# --- expiry ------------------------------------------------------------------------------------
curl -s -X POST -o /dev/null "$URL/__test/expire_tokens"
check "expire_tokens: 401" "$(api)" 401
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
check "new token works" "$(api)" 200

curl -s -o "$T/b" "$URL/__test/stats"
if [[ $(json "$T/b" 'j.token_requests > 20 && j.tokens_issued >= 6 && j.api_requests > 50 && j.token_errors > 10') == true ]]; then
  ok "stats counted"; else bad "stats counted" "$(cat "$T/b")"; fi

# --- DPoP (RFC 9449) ---------------------------------------------------------------------------
dpop() { $JT dpop "$@"; } # dpop KEY HTM HTU [JSON]
hdr() { tr -d '\r' < "$T/h" | sed -n "s/^$1: //Ip" | head -1; }
ath_for() { printf '{"access_token":"%s"%s}' "$1" "${2:+,$2}"; } # ath_for TOKEN [more JSON members]
api_dpop() { # api_dpop URL PROOF [TOKEN] -> status; body $T/b, headers $T/h
  curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: DPoP ${3:-$DTOKEN}" -H "DPoP: $2" "$1"
}
dpop_token() { # dpop_token TOKEN_URL CLIENT -> sets DCODE (status) and DTOKEN (nonce round trip)
  local a p n
  a=$(assertion "$T/ec.pem" ec1 "$2" "$1"); p=$(dpop "$T/dpop.pem" POST "$1")
  post_token "$1" "$a" okta.users.read -H "DPoP: $p" > /dev/null; n=$(hdr DPoP-Nonce)
  a=$(assertion "$T/ec.pem" ec1 "$2" "$1"); p=$(dpop "$T/dpop.pem" POST "$1" "{\"nonce\":\"$n\"}")
  DCODE=$(post_token "$1" "$a" okta.users.read -H "DPoP: $p"); DTOKEN=$(json "$T/b" j.access_token)
}
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL")
check "dpop client, no proof: 400" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read)" 400
check "dpop client, no proof: invalid_dpop_proof" "$(json "$T/b" j.error)" invalid_dpop_proof
check "dpop client, no proof: Okta's text" "$(desc)" "The DPoP proof JWT header is missing."
check "dpop client, no proof: counted in dpop_proof_missing" "$(curl -s "$URL/__test/stats" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).dpop_proof_missing)')" 1
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL")
check "proof without nonce: 400" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P")" 400
check "proof without nonce: use_dpop_nonce" "$(json "$T/b" j.error)" use_dpop_nonce
check "proof without nonce: Okta's text" "$(desc)" "Authorization server requires nonce in DPoP proof."
NONCE=$(hdr DPoP-Nonce)
check "proof without nonce: DPoP-Nonce header" "${NONCE:+yes}" yes
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL" "{\"nonce\":\"$NONCE\"}")
check "proof with nonce: 200" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P")" 200
check "proof with nonce: token_type DPoP" "$(json "$T/b" j.token_type)" DPoP
DTOKEN=$(json "$T/b" j.access_token)
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL")
check "token: replayed proof: 400" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P")" 400
check "token: replayed proof: description" "$(desc)" "'jti' claim in the DPoP proof JWT has already been used."
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL" '{"nonce":"c3RhbGVzdGFsZXN0YWxlc3RhbGVzdGFsZXN0YWxlc3Q"}')
post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P" > /dev/null
check "token: stale nonce: use_dpop_nonce" "$(json "$T/b" j.error)" use_dpop_nonce
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$URL/oauth2/v1/authorize" "{\"nonce\":\"$NONCE\"}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P" > /dev/null
check "token: wrong htu" "$(desc)" "'htu' claim in the DPoP proof JWT is invalid."
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL" "{\"nonce\":\"$NONCE\",\"private_jwk\":true}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P" > /dev/null
check "token: private jwk refused" "$(desc)" "'jwk' header in the DPoP proof JWT is invalid."
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL" "{\"nonce\":\"$NONCE\",\"claims\":{\"iat\":$(( $(date +%s) - 120 ))}}")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P" > /dev/null
check "token: stale iat (with a nonce) refused" "$(desc)" "'iat' claim in the DPoP proof JWT is invalid."
fault '{"target":"token","faults":[{"kind":"status","status":503}]}'
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL" "{\"nonce\":\"$NONCE\"}")
check "token: proof on an injected 503" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P")" 503
A=$(assertion "$T/ec.pem" ec1 0oa_dpop "$ORG_TOKEN_URL")
post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P" > /dev/null
check "token: that proof is burned" "$(desc)" "'jti' claim in the DPoP proof JWT has already been used."
dpop_token "$URL/oauth2/default/v1/token" 0oa_dpop; check "custom server: DPoP token" "$DCODE" 200
check "custom server: token_type DPoP" "$(json "$T/b" j.token_type)" DPoP
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL")
check "plain client: still Bearer" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read; json "$T/b" j.token_type)" 200Bearer
A=$(assertion "$T/ec.pem" ec1 0oa_test "$ORG_TOKEN_URL"); P=$(dpop "$T/dpop.pem" POST "$ORG_TOKEN_URL")
check "plain client + proof (no nonce needed): bound" "$(post_token "$ORG_TOKEN_URL" "$A" okta.users.read -H "DPoP: $P"; json "$T/b" j.token_type)" 200DPoP

# the resource side: Authorization: DPoP <token> + a fresh proof per request
dpop_token "$ORG_TOKEN_URL" 0oa_dpop; check "dpop token again" "$DCODE" 200
next="$URL/api/v1/users?limit=60"; pages=0; codes=""; n=0
while [[ -n "$next" && $pages -lt 20 ]]; do
  pages=$((pages + 1))
  P=$(dpop "$T/dpop.pem" GET "${next%%\?*}" "$(ath_for "$DTOKEN")")
  codes="$codes$(api_dpop "$next" "$P")"
  n=$((n + $(json "$T/b" j.length)))
  next=$(tr -d '\r' < "$T/h" | sed -n 's/^[Ll]ink: <\(.*\)>; rel="next"$/\1/p')
done
check "api: DPoP listing, 5 pages all 200" "$pages $codes" "5 200200200200200"
check "api: DPoP listing, 250 users" "$n" 250
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
api_dpop "$URL/api/v1/users?limit=1" "$P" > /dev/null
check "api: replayed proof: 401" "$(api_dpop "$URL/api/v1/users?limit=1" "$P")" 401
contains "api: replayed proof: challenge" "$(hdr WWW-Authenticate)" "error=\"invalid_dpop_proof\", error_description=\"'jti' claim in the DPoP proof JWT has already been used.\""
check "api: 401 body E0000011" "$(json "$T/b" j.errorCode)" E0000011
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "not-the-token")")
check "api: wrong ath: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api: wrong ath: description" "$(hdr WWW-Authenticate)" "'ath' claim in the DPoP proof JWT is invalid."
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users/user001@example.com" "$(ath_for "$DTOKEN")")
check "api: login with @, htu decoded: 200" "$(api_dpop "$URL/api/v1/users/user001%40example.com" "$P")" 200
check "api: GET users/{login} finds the user" "$(json "$T/b" j.profile.login)" user001@example.com
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users/user001%40example.com" "$(ath_for "$DTOKEN")")
check "api: htu with the encoded path: 401" "$(api_dpop "$URL/api/v1/users/user001%40example.com" "$P")" 401
contains "api: htu: Okta's text" "$(hdr WWW-Authenticate)" "error_description=\"'htu' claim in the DPoP proof JWT is invalid.\""
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users?limit=1" "$(ath_for "$DTOKEN")")
check "api: htu with the query: 401" "$(api_dpop "$URL/api/v1/users?limit=1" "$P")" 401
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN" "\"claims\":{\"iat\":$(( $(date +%s) - 120 ))}")")
check "api: stale iat: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api: stale iat: description" "$(hdr WWW-Authenticate)" "'iat' claim in the DPoP proof JWT is invalid."
P=$(dpop "$T/dpop2.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api: proof from another key: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api: another key: description" "$(hdr WWW-Authenticate)" "does not match the key the access token is bound to"
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN" '"private_jwk":true')")
check "api: private jwk: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api: private jwk: description" "$(hdr WWW-Authenticate)" "'jwk' header in the DPoP proof JWT is invalid."
P=$(dpop "$T/dpop.pem" POST "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api: wrong htm: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN" '"header":{"typ":"JWT"}')")
check "api: typ JWT: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
Q=$(dpop "$T/dpop2.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")"); P2="${P%.*}.${Q##*.}" # another key's signature
check "api: bad signature: 401" "$(api_dpop "$URL/api/v1/users" "$P2")" 401
check "api: DPoP scheme without a proof: 401" "$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: DPoP $DTOKEN" "$URL/api/v1/users")" 401
contains "api: no proof: description" "$(hdr WWW-Authenticate)" "The DPoP proof JWT header is missing."
check "api: DPoP token as Bearer: 401" "$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $DTOKEN" "$URL/api/v1/users")" 401
contains "api: DPoP token as Bearer: invalid_token" "$(hdr WWW-Authenticate)" 'error="invalid_token"'
fault '{"target":"api","faults":[{"kind":"status","status":429,"reset_in":1}]}'
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api: proof on an injected 429" "$(api_dpop "$URL/api/v1/users" "$P")" 429
check "api: that proof is burned" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api: burned: replay" "$(hdr WWW-Authenticate)" "already been used"
fault '{"target":"api","faults":[{"kind":"status","status":401}]}'
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api: proof on an injected 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
api_dpop "$URL/api/v1/users" "$P" > /dev/null
contains "api: that proof is burned too" "$(hdr WWW-Authenticate)" "already been used"
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api: a fresh proof works again" "$(api_dpop "$URL/api/v1/users" "$P")" 200
curl -s -o "$T/b" "$URL/__test/stats"
check "stats: DPoP counters" "$(json "$T/b" '[j.dpop_replays_refused, j.dpop_nonce_challenges, j.token_types.DPoP, j.token_types.Bearer, j.dpop_proofs_seen > 25].join(" ")')" "5 4 4 1 true"

kill -TERM "$SPID"; wait "$SPID"; check "SIGTERM: exit 0" "$?" 0

# --- --api-dpop-nonce ----------------------------------------------------------------------
start_server "$T/ready-nonce" --api-dpop-nonce
dpop_token "$URL/oauth2/v1/token" 0oa_dpop; check "api nonce server: DPoP token" "$DCODE" 200
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN")")
check "api nonce: proof without nonce: 401" "$(api_dpop "$URL/api/v1/users" "$P")" 401
contains "api nonce: challenge" "$(hdr WWW-Authenticate)" 'error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof."'
ANONCE=$(hdr DPoP-Nonce)
check "api nonce: DPoP-Nonce header" "${ANONCE:+yes}" yes
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN" "\"nonce\":\"$ANONCE\"")")
check "api nonce: new proof with the nonce: 200" "$(api_dpop "$URL/api/v1/users" "$P")" 200
P=$(dpop "$T/dpop.pem" GET "$URL/api/v1/users" "$(ath_for "$DTOKEN" '"nonce":"bm9wZQ"')")
check "api nonce: wrong nonce: 401 use_dpop_nonce" "$(api_dpop "$URL/api/v1/users" "$P"; hdr WWW-Authenticate | grep -o 'use_dpop_nonce' | head -1)" 401use_dpop_nonce
kill -TERM "$PID"; wait "$PID"

# --- --token-ttl ---------------------------------------------------------------------------
# Its own server, so the listings above never race a short lifetime. The wait is real (the
# server's clock is the point); a slow machine only makes the token older, never younger.
start_server "$T/ready-ttl" --token-ttl 1
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
post_token "$URL/oauth2/v1/token" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
check "token: expires_in = --token-ttl" "$(json "$T/b" j.expires_in)" 1
sleep 2.1
check "token expired after --token-ttl" "$(api)" 401
kill -TERM "$PID"; wait "$PID"

# --- a big org: --users 1000000 ----------------------------------------------------------------
# Users are computed from their number, never stored: a million costs what 250 cost to start.
t0=$(date +%s%N)
start_server "$T/ready-big" --users 1000000
t1=$(date +%s%N)
BIG_START_MS=$(( (t1 - t0) / 1000000 ))
BIG_RSS_KB=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$PID/status")
if [[ -n "$URL" ]] && (( BIG_START_MS < 5000 )); then ok "1M users: READY in ${BIG_START_MS} ms"; else bad "1M users: start" "${BIG_START_MS} ms, url '$URL'"; fi
if (( ${BIG_RSS_KB:-999999} < 200000 )); then ok "1M users: ${BIG_RSS_KB} kB resident after start"; else bad "1M users: memory" "${BIG_RSS_KB:-?} kB"; fi
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
post_token "$URL/oauth2/v1/token" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
big() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$1"; } # -> status
next_link() { tr -d '\r' < "$T/h" | sed -n 's/^[Ll]ink: <\(.*\)>; rel="next"$/\1/p'; }
logins() { json "$T/b" 'j.length + " " + (j.length ? j[0].profile.login + " " + j[j.length - 1].profile.login : "-")'; }
id_of() { big "$URL/api/v1/users/$1" > /dev/null; json "$T/b" j.id; } # id_of LOGIN
big "$URL/api/v1/users" > /dev/null
check "1M users: first page" "$(logins)" "200 user0000001@example.com user0000200@example.com"
LAST_ID=$(json "$T/b" 'j[199].id')
check "1M users: first page's next link: after=<its last id>" "$(next_link)" "$URL/api/v1/users?after=$LAST_ID&limit=200"
ID=$(id_of user0500000@example.com)
check "1M users: users/{login} deep in the list" "$(json "$T/b" j.profile.login)" user0500000@example.com
big "$URL/api/v1/users?limit=200&after=$ID" > /dev/null
check "1M users: the page after user0500000's id" "$(logins)" "200 user0500001@example.com user0500200@example.com"
DEEP_ID=$(json "$T/b" 'j[57].id') DEEP_NEXT=$(next_link)
check "1M users: users/{id} of a listed user" "$(big "$URL/api/v1/users/$DEEP_ID"; json "$T/b" j.profile.login)" 200user0500058@example.com
big "$DEEP_NEXT" > /dev/null
check "1M users: its next link goes on from there" "$(logins)" "200 user0500201@example.com user0500400@example.com"
big "$URL/api/v1/users?limit=200&after=$(id_of user0999799@example.com)" > /dev/null
check "1M users: the page before the end still has a next link" "$(logins) $([[ -n $(next_link) ]] && echo next)" \
  "200 user0999800@example.com user0999999@example.com next"
big "$(next_link)" > /dev/null
check "1M users: the last page: the last user, no next link" "$(logins) $(next_link)" "1 user1000000@example.com user1000000@example.com "
big "$URL/api/v1/users?limit=200&after=$(id_of user0999800@example.com)" > /dev/null
check "1M users: a full last page has no next link either" "$(logins) $(next_link)" "200 user0999801@example.com user1000000@example.com "
check "1M users: user 1000001 does not exist" "$(big "$URL/api/v1/users/user1000001@example.com")" 404
big "$URL/api/v1/users?after=$(id_of user1000000@example.com)" > /dev/null
check "1M users: after the last id: empty, no next link" "$(json "$T/b" j.length) $(next_link)" "0 "
kill -TERM "$PID"; wait "$PID"
code=$(node "$here/server.js" --clients "$T/clients.json" --users 14776336 2>&1 >/dev/null; echo "exit $?")
contains "--users above 62^4 - 1 (the id scheme's limit): usage error" "$code" "exit 2"

# --- concurrency stats: --api-delay-ms, api_inflight_max, connections_* --------------------------
start_server "$T/ready-delay" --api-delay-ms 300
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
post_token "$URL/oauth2/v1/token" "$A" okta.users.read > /dev/null; TOKEN=$(json "$T/b" j.access_token)
conc() { curl -s -o "$T/b" "$URL/__test/stats"; json "$T/b" '[j.api_inflight_max, j.connections_opened, j.connections_open_max, j.api_inflight].join(" ")'; }
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
t0=$(date +%s%N)
curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users?limit=1&n=[1-3]" -o "$T/seq#1"
t1=$(date +%s%N)
if (( (t1 - t0) / 1000000 >= 900 )); then ok "--api-delay-ms 300: 3 requests in a row take >= 900 ms"; else bad "--api-delay-ms" "$(( (t1 - t0) / 1000000 )) ms"; fi
check "3 requests on one kept-alive connection: in flight max 1, 2 connections (with this one), 0 in flight now" \
  "$(conc | cut -d' ' -f1,2,4)" "1 2 0"
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
t0=$(date +%s%N)
# (stderr: curl 7.88 draws its parallel progress meter even with -s)
curl -s -Z --parallel-immediate --parallel-max 8 -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users?limit=1&n=[1-8]" -o "$T/par#1" 2>/dev/null
t1=$(date +%s%N)
check "8 parallel requests: all answered" "$(cat "$T"/par[1-8] | grep -o '"id":"00u' | wc -l)" 8
if (( (t1 - t0) / 1000000 < 2000 )); then ok "8 parallel requests overlap: $(( (t1 - t0) / 1000000 )) ms (in a row: >= 2400)"; else bad "8 parallel requests overlap" "$(( (t1 - t0) / 1000000 )) ms"; fi
read -r inflight opened openmax now <<< "$(conc)"
check "8 parallel requests: api_inflight_max 8" "$inflight" 8
check "8 parallel requests: connections_opened 9 (8 + this stats request)" "$opened" 9
if (( openmax >= 8 )); then ok "8 parallel requests: connections_open_max $openmax >= 8"; else bad "connections_open_max" "$openmax"; fi
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
check "reset_stats resets them: in flight max 0, opened 1 (the stats request), in flight 0" "$(conc | cut -d' ' -f1,2,4)" "0 1 0"
kill -TERM "$PID"; wait "$PID"
code=$(node "$here/server.js" --clients "$T/clients.json" --api-delay-ms soon 2>&1 >/dev/null; echo "exit $?")
contains "--api-delay-ms soon: usage error" "$code" "exit 2"

# --- --delay-ms: token and API answers late, test endpoints not; POST /__test/delay ------------
start_server "$T/ready-rtt" --delay-ms 250
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
t=$(ms_of post_token "$URL/oauth2/v1/token" "$A" okta.users.read); TOKEN=$(json "$T/b" j.access_token)
if (( t >= 250 )); then ok "--delay-ms 250: token answer after $t ms"; else bad "--delay-ms: token" "$t ms"; fi
t=$(ms_of curl -s -o "$T/b" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users?limit=1")
if (( t >= 250 )) && [[ "$(json "$T/b" j.length)" == 1 ]]; then ok "--delay-ms 250: API answer after $t ms"; else bad "--delay-ms: api" "$t ms"; fi
t0=$(date +%s%N)
curl -s -Z --parallel-immediate --parallel-max 4 -H "Authorization: Bearer $TOKEN" "$URL/api/v1/users?limit=1&n=[1-4]" -o "$T/rtt#1" 2>/dev/null
t1=$(date +%s%N)
if (( (t1 - t0) / 1000000 < 900 )); then ok "--delay-ms: 4 parallel requests wait together ($(( (t1 - t0) / 1000000 )) ms; in a row >= 1000)"; else bad "--delay-ms blocks" "$(( (t1 - t0) / 1000000 )) ms"; fi
t=$(ms_of curl -s "$URL/__test/stats")
if (( t < 250 )); then ok "--delay-ms: /__test/ answers at once ($t ms)"; else bad "--delay-ms: /__test/" "$t ms"; fi
check "/__test/delay {\"ms\":0}" "$(curl -s -X POST "$URL/__test/delay" -d '{"ms":0}')" '{"ms":0}'
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
t=$(ms_of post_token "$URL/oauth2/v1/token" "$A" okta.users.read)
if (( t < 250 )); then ok "/__test/delay 0: token answer at once ($t ms)"; else bad "/__test/delay 0" "$t ms"; fi
check "/__test/delay -1: 400" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/__test/delay" -d '{"ms":-1}')" 400
kill -TERM "$PID"; wait "$PID"

# --- HTTPS ---------------------------------------------------------------------------------
bash "$here/make-ca.sh" "$T/pki"
start_server "$T/ready2" --tls-cert "$T/pki/server.pem" --tls-key "$T/pki/server.key"
contains "https ready line" "$URL" "https://127.0.0.1:"
A=$(assertion "$T/ec.pem" ec1 0oa_test "$URL/oauth2/v1/token")
check "https token with CA: 200" "$(post_token "$URL/oauth2/v1/token" "$A" okta.users.read --cacert "$T/pki/ca.pem")" 200
curl -s -o /dev/null "$URL/__test/stats" --cacert "$T/pki/untrusted.pem"
check "https with the wrong CA fails (60)" "$?" 60
kill -INT "$PID"; wait "$PID"; check "SIGINT: exit 0" "$?" 0

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
