#!/usr/bin/env bash
# make demo: the whole service-app flow, step by step - key -> client assertion -> access token
# -> every user through pagination.
#   - With OKTA_CLIENT_ORGURL, OKTA_CLIENT_CLIENTID and OKTA_CLIENT_PRIVATEKEY set: against that
#     real Okta org (OKTA_CLIENT_SCOPES defaults to okta.users.read).
#   - Otherwise: against the local Okta-compatible server in tools/dev/server, with a fresh key
#     registered as a service app granted okta.users.read.
# Never prints a whole token or any private key material.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
okta_cc=$build/okta-cc
py=/usr/bin/python3
[ -x "$py" ] || py=python3
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

# Prints the claims of the JWT on stdin (the signature stays out of it).
show_claims() {
  "$py" -c 'import base64, json, sys
jwt = sys.stdin.read().strip().split(".")
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
print("   header:", json.dumps(dec(jwt[0])))
print("   claims:", json.dumps(dec(jwt[1])))'
}

# Prints type, lifetime and scope of a token response on stdin, and only a token fingerprint.
show_token() {
  "$py" -c 'import hashlib, json, sys
t = json.load(sys.stdin)
print("   token_type: %s, expires_in: %s s, scope: %s" % (t["token_type"], t["expires_in"], t.get("scope", "")))
print("   access_token: %d characters, sha256 %s... (not shown)" % (len(t["access_token"]), hashlib.sha256(t["access_token"].encode()).hexdigest()[:12]))'
}

if [ -n "${OKTA_CLIENT_ORGURL:-}" ] && [ -n "${OKTA_CLIENT_CLIENTID:-}" ] && [ -n "${OKTA_CLIENT_PRIVATEKEY:-}" ]; then
  export OKTA_CLIENT_SCOPES=${OKTA_CLIENT_SCOPES:-okta.users.read}
  step "Real Okta org: $OKTA_CLIENT_ORGURL, client $OKTA_CLIENT_CLIENTID"
  key_args=()
  [ -f "$OKTA_CLIENT_PRIVATEKEY" ] && key_args=(--key "$OKTA_CLIENT_PRIVATEKEY")
else
  step "Local Okta-compatible server (tools/dev/server, oidc-provider)"
  "$okta_cc" keygen --type ec --curve P-256 --out "$work/service-app.pem" >"$work/jwk.json"
  kid=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$work/jwk.json")
  printf '   generated an EC P-256 key (%s), public JWK:\n   %s\n' "$work/service-app.pem" "$(cat "$work/jwk.json")"
  printf '{"clients":[{"client_id":"0oa_demo_service_app","jwks":{"keys":[%s]},"scopes":["okta.users.read"],"dpop_bound_access_tokens":true}]}\n' \
    "$(cat "$work/jwk.json")" >"$work/clients.json"
  echo "   registered it as service app 0oa_demo_service_app, granted okta.users.read, requiring"
  echo "   DPoP as Okta's Admin Console does for new API Services apps"
  start_server ORG --clients "$work/clients.json"
  echo "   server listening at $ORG"
  export OKTA_CLIENT_ORGURL=$ORG OKTA_CLIENT_CLIENTID=0oa_demo_service_app
  export OKTA_CLIENT_PRIVATEKEY=$work/service-app.pem OKTA_CLIENT_KID=$kid OKTA_CLIENT_SCOPES=okta.users.read
  export OKTA_CC_CACHE_DIR=$work/cache     # not the user's: this server is gone after the demo
  key_args=(--key "$OKTA_CLIENT_PRIVATEKEY")
fi

step "1. The key"
if [ ${#key_args[@]} -gt 0 ]; then
  "$okta_cc" jwk "${key_args[@]}" | "$py" -c 'import json,sys; j=json.load(sys.stdin); print("   %s key (%s), kid %s" % (j["kty"], j.get("crv") or "%d-bit" % (len(j["n"])*6//8*8), j.get("kid")))'
else
  echo "   key given inline in OKTA_CLIENT_PRIVATEKEY"
fi

step "2. A signed client assertion (private_key_jwt)"
"$okta_cc" assertion | show_claims

step "3. The access token (client credentials grant; DPoP-bound when the app requires it)"
"$okta_cc" token --json -v 2>"$work/token.log" | show_token
# -v logs each DPoP proof's header and claims (never its signature, never the token).
if grep -q 'DPoP proof:' "$work/token.log"; then
  echo "   the DPoP proof sent with the token request that succeeded:"
  grep 'DPoP proof:' "$work/token.log" | tail -1 | sed -e 's/^okta-cc: DPoP proof: /   /' -e 's/ claims /\n   claims: /' -e 's/^   header /   header: /'
fi

step "4. GET /api/v1/users, every page (examples/list_users)"
"$build/examples/list_users" >"$work/users.txt"
head -5 "$work/users.txt" | sed 's/^/   /'
echo "   ..."
tail -2 "$work/users.txt" | sed 's/^/   /'
echo "   $(wc -l <"$work/users.txt") users listed"
step "Done."
