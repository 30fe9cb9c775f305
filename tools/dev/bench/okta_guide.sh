#!/usr/bin/env bash
# Okta's own "service app with a private key" method, as its developer guide shows it, for the
# cold-start comparison in make bench: build the client assertion with the openssl CLI
# (header and claims base64url-encoded with openssl base64 + tr, signed with
# `openssl dgst -sha256 -sign`), POST it with curl to /oauth2/v1/token (client_credentials,
# private_key_jwt), then curl every page of PATH, following the Link rel="next" header until
# there is none. Every page's JSON goes to stdout, one page after another.
#
# usage: okta_guide.sh ORG_URL CLIENT_ID RSA_KEY.pem CA_FILE [PATH] [SCOPES]
#   RS256 only (openssl dgst gives DER for EC keys, which a JWS cannot use without conversion).
set -eu
org=${1:?usage: okta_guide.sh ORG_URL CLIENT_ID RSA_KEY.pem CA_FILE [PATH] [SCOPES]}
client_id=${2:?} key=${3:?} ca=${4:?} path=${5:-/api/v1/users} scopes=${6:-okta.users.read}
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# 1. The client assertion: iss = sub = client id, aud = the token endpoint, 5 minutes.
token_url="$org/oauth2/v1/token"
now=$(date +%s)
jti=$(openssl rand -hex 16)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
claims=$(printf '{"aud":"%s","iss":"%s","sub":"%s","iat":%d,"exp":%d,"jti":"%s"}' \
  "$token_url" "$client_id" "$client_id" "$now" $((now + 300)) "$jti" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$key" -binary | b64url)

# 2. The access token.
response=$(curl -sS --fail-with-body --cacert "$ca" -X POST "$token_url" \
  -H 'Accept: application/json' -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scopes" \
  --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
  --data-urlencode "client_assertion=$header.$claims.$signature")
token=$(printf '%s' "$response" | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "okta_guide.sh: no access_token in: $response" >&2; exit 1; }

# 3. Every page: the next URL is the Link header with rel="next".
url="$org$path"
while [ -n "$url" ]; do
  curl -sS --fail --cacert "$ca" -D "$headers" -H "Authorization: Bearer $token" \
    -H 'Accept: application/json' "$url"
  echo
  url=$(grep -i '^link:.*rel="next"' "$headers" | sed 's/^[^<]*<\([^>]*\)>.*/\1/' | tr -d '\r' | head -1 || true)
done
