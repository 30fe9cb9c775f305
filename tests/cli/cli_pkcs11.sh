#!/usr/bin/env bash
# okta-cc with keys that never leave a token: SoftHSM (Debian's softhsm2) on a token made in a
# temporary directory (SOFTHSM2_CONF). okta-cc keygen makes RSA-2048 and EC P-256 keys inside
# it (proven sealed: CKA_EXTRACTABLE false, the private value unreadable, by
# build/tests/test_pkcs11 --sealed); their JWKs are registered in the local server; okta-cc
# get --all lists every user with each; a DPoP app runs with its DPoP key in the token too;
# assertions and signed claims verify with python3-cryptography against the JWK, and the DPoP
# proofs the server accepted carry the token key's JWK. Wrong PIN, missing object, missing
# module, a public-key-only object: one-line errors, exit 1.
# Run from the repository root after make build/okta-cc build/tests/test_pkcs11:
#   tests/cli/cli_pkcs11.sh
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
module=/usr/lib/softhsm/libsofthsm2.so
helper=$build/tests/test_pkcs11
require "needs node, softhsm2 ($module, softhsm2-util), $helper and $py with cryptography" sh -c \
  "{ command -v node && command -v softhsm2-util && test -r '$module' && test -x '$helper' && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server
unset OKTA_CLIENT_DPOPKEY OKTA_CLIENT_DPOPENABLED OKTA_CC_PKCS11_PIN OKTA_CC_PKCS11_MODULE

run() {
  "$cli" "$@" >"$out" 2>"$err" </dev/null; rc=$?
  return 0
}
expect_error() {
  if [ "$rc" -eq "$2" ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: ' "$err" && [ ! -s "$out" ] &&
     { [ -z "${3:-}" ] || grep -Eq -- "$3" "$err"; } && ! grep -q 1234 "$err"; then ok "$1"
  else bad "$1" "exit $rc (want $2), stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}
expect_ok() {
  if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && [ -s "$out" ]; then ok "$1"
  else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|')"; fi
}

# ---- a token of our own -------------------------------------------------------------------------
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" >"$work/softhsm2.conf"
export SOFTHSM2_CONF=$work/softhsm2.conf
require "softhsm2-util --init-token" sh -c "softhsm2-util --init-token --free --label okta-cli --so-pin 5678 --pin 1234 >/dev/null"
export OKTA_CC_PKCS11_MODULE=$module
rsa_uri='pkcs11:token=okta-cli;object=okta-rsa'
ec_uri='pkcs11:token=okta-cli;object=okta-ec'
dpop_uri='pkcs11:token=okta-cli;object=okta-dpop'

# ---- keygen in the token ------------------------------------------------------------------------
OKTA_CC_PKCS11_PIN=1234 run keygen --key "$rsa_uri" --kid rsa-hw
expect_ok "keygen --key pkcs11:...;object=okta-rsa: RSA-2048 made in the token, its JWK printed"
cp "$out" "$work/rsa.jwk"
check "... an RSA-2048 public JWK, kid rsa-hw, RS256, no private member" "$py" -c '
import json, sys, base64
j = json.load(open(sys.argv[1]))
n = base64.urlsafe_b64decode(j["n"] + "==")
assert j["kty"] == "RSA" and j["kid"] == "rsa-hw" and j["alg"] == "RS256" and len(n) == 256, j
assert not set(j) & {"d", "p", "q", "dp", "dq", "qi"}' "$work/rsa.jwk"
run keygen --key "$ec_uri?pin-value=1234" --type ec --kid ec-hw
expect_ok "keygen --type ec with the PIN in the URI (pin-value): P-256 made in the token"
cp "$out" "$work/ec.jwk"
check "... a P-256 public JWK, kid ec-hw, ES256" "$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["kty"] == "EC" and j["crv"] == "P-256" and j["kid"] == "ec-hw" and j["alg"] == "ES256" and "d" not in j, j' "$work/ec.jwk"
printf '1234\n' >"$work/pin"
run keygen --key "$dpop_uri?pin-source=file:$work/pin" --type ec --curve P-256
expect_ok "keygen with the PIN from a file (pin-source): the DPoP key"
cp "$out" "$work/dpop.jwk"
check "the RSA key is sealed: CKA_EXTRACTABLE false, CKA_SENSITIVE, its private exponent unreadable" \
  env OKTA_CC_PKCS11_PIN=1234 "$helper" --sealed "$rsa_uri"
check "the EC key is sealed: CKA_EXTRACTABLE false, CKA_SENSITIVE, its private value unreadable" \
  env OKTA_CC_PKCS11_PIN=1234 "$helper" --sealed "$ec_uri"
OKTA_CC_PKCS11_PIN=1234 run keygen --key "$ec_uri" --type ec
expect_error "keygen over an existing key: refused, nothing generated (exit 2)" 2 'in the token already'
run keygen --key "$rsa_uri" --out "$work/x.pem"
expect_error "keygen --key pkcs11: with --out: refused" 2 'never leaves the token'

# ---- jwk and sign with token keys ---------------------------------------------------------------
OKTA_CC_PKCS11_PIN=1234 run jwk --key "$rsa_uri" --kid rsa-hw
check "jwk --key pkcs11:... prints the JWK keygen printed" cmp -s "$out" "$work/rsa.jwk"
OKTA_CC_PKCS11_PIN=1234 run jwk --key "$ec_uri" --kid ec-hw --pkcs11-module "$module"
check "jwk --pkcs11-module: the same EC JWK" cmp -s "$out" "$work/ec.jwk"
# The PIN typed at the prompt (stdin a terminal: a pty here), never echoed.
check "jwk on a terminal without OKTA_CC_PKCS11_PIN: the PIN prompt (no echo), then the JWK" \
  env -u OKTA_CC_PKCS11_PIN "$py" - "$cli" "$ec_uri" "$work/ec.jwk" <<'EOF'
import json, os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "jwk", "--key", sys.argv[2], "--kid", "ec-hw"])
seen = b""
while b"PIN for" not in seen or not seen.endswith(b": "):
    seen += os.read(fd, 1024)
os.write(fd, b"1234\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
assert os.WEXITSTATUS(status) == 0, seen
assert b"1234" not in seen, "the PIN was echoed"
jwk = json.loads(seen[seen.index(b"{"):].decode().strip())
assert jwk == json.load(open(sys.argv[3])), jwk
EOF

# verify JWK_FILE COMPACT_FILE: the JWS verifies with python3-cryptography against the JWK.
verify() {
  "$py" - "$1" "$2" <<'EOF'
import base64, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
jwk = json.load(open(sys.argv[1]))
h, c, s = open(sys.argv[2]).read().strip().split(".")
header, sig, data = json.loads(d(h)), d(s), (h + "." + c).encode()
assert header["alg"] == jwk["alg"], header
if jwk["kty"] == "RSA":
    pub = rsa.RSAPublicNumbers(int.from_bytes(d(jwk["e"]), "big"), int.from_bytes(d(jwk["n"]), "big")).public_key()
    pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
else:
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(d(jwk["x"]), "big"), int.from_bytes(d(jwk["y"]), "big"),
                                        ec.SECP256R1()).public_key()
    assert len(sig) == 64, len(sig)
    pub.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")), data,
               ec.ECDSA(hashes.SHA256()))
EOF
}

for k in rsa ec; do
  uri=$rsa_uri; [ $k = ec ] && uri=$ec_uri
  echo '{"sub":"hw"}' | OKTA_CC_PKCS11_PIN=1234 "$cli" sign --key "$uri" --kid $k-hw >"$out" 2>"$err"; rc=$?
  cp "$out" "$work/$k.signed"
  check "sign --key pkcs11:...($k): the JWS verifies with python3-cryptography against the JWK" verify "$work/$k.jwk" "$work/$k.signed"
done

# ---- the local server knows the token keys -------------------------------------------------------
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_hw_rsa", "jwks": {"keys": [$(cat "$work/rsa.jwk")]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_hw_ec", "jwks": {"keys": [$(cat "$work/ec.jwk")]}, "scopes": ["okta.users.read"], "require_kid": true},
 {"client_id": "0oa_hw_dpop", "jwks": {"keys": [$(cat "$work/ec.jwk")]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true}
]}
JSON
start_server URL --clients "$work/clients.json" || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_SCOPES=okta.users.read OKTA_CC_PKCS11_PIN=1234

users_check='import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, list) and len(j) == 250 and len({u["id"] for u in j}) == 250, len(j)'

OKTA_CLIENT_CLIENTID=0oa_hw_rsa run assertion --key "$rsa_uri" --kid rsa-hw
cp "$out" "$work/rsa.assertion"
check "assertion --key pkcs11:...(RSA) verifies with python3-cryptography against the JWK" verify "$work/rsa.jwk" "$work/rsa.assertion"
OKTA_CLIENT_CLIENTID=0oa_hw_ec OKTA_CLIENT_PRIVATEKEY=$ec_uri OKTA_CLIENT_PRIVATEKEYID=ec-hw run assertion
cp "$out" "$work/ec.assertion"
check "assertion with OKTA_CLIENT_PRIVATEKEY=pkcs11:...(EC) verifies against the JWK" verify "$work/ec.jwk" "$work/ec.assertion"

OKTA_CLIENT_CLIENTID=0oa_hw_rsa run get /api/v1/users --all --key "$rsa_uri" --kid rsa-hw
check "get /api/v1/users --all --key pkcs11:...(RSA-2048 in the token): all 250 users" "$py" -c "$users_check" "$out"
OKTA_CLIENT_CLIENTID=0oa_hw_ec OKTA_CLIENT_PRIVATEKEY=$ec_uri OKTA_CLIENT_PRIVATEKEYID=ec-hw \
  run get '/api/v1/users?limit=50' --all
check "get --all with OKTA_CLIENT_PRIVATEKEY=pkcs11:...(P-256 in the token): all 250 users" "$py" -c "$users_check" "$out"

# ---- DPoP with the proof key in the token too ---------------------------------------------------
curl -s -o /dev/null -X POST "$URL/__test/reset_stats"
OKTA_CLIENT_CLIENTID=0oa_hw_dpop run get '/api/v1/users?limit=100' --all --key "$ec_uri" --kid ec-hw \
  --dpop --dpop-key "$dpop_uri"
check "a DPoP app, --dpop-key pkcs11:...: all 250 users" "$py" -c "$users_check" "$out"
curl -s "$URL/__test/requests" >"$work/requests.json"
check "... every proof the server accepted carries the token DPoP key's JWK, and the token is DPoP" "$py" - \
  "$work/requests.json" "$work/dpop.jwk" <<'EOF'
import json, sys
reqs = json.load(open(sys.argv[1]))
jwk = json.load(open(sys.argv[2]))
proofs = [r["dpop_proof"] for r in reqs if isinstance(r.get("dpop_proof"), dict)]
assert len(proofs) >= 4, len(proofs)
for p in proofs:
    assert p["header"]["typ"] == "dpop+jwt" and p["header"]["alg"] == "ES256", p["header"]
    assert {k: p["header"]["jwk"][k] for k in ("kty", "crv", "x", "y")} == {k: jwk[k] for k in ("kty", "crv", "x", "y")}
EOF
stats=$(curl -s "$URL/__test/stats")
check "... the server issued DPoP tokens and refused no proof" "$py" -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["token_types"]["DPoP"] >= 1 and s["dpop_replays_refused"] == 0, s' "$stats"

# ---- one-line errors ----------------------------------------------------------------------------
OKTA_CLIENT_CLIENTID=0oa_hw_ec OKTA_CC_PKCS11_PIN=0000 run get /api/v1/users --key "$ec_uri"
expect_error "a wrong PIN: one line naming it, tried once, exit 1" 1 'wrong PIN \(CKR_PIN_INCORRECT\); tried once'
OKTA_CLIENT_CLIENTID=0oa_hw_ec run get /api/v1/users --key "$ec_uri" --kid ec-hw
expect_ok "... the right PIN still works afterwards (the token is not locked)"
OKTA_CLIENT_CLIENTID=0oa_hw_ec run token --key 'pkcs11:token=okta-cli;object=no-such-key'
expect_error "a missing object: one line, exit 1" 1 'no private key matches pkcs11:token=okta-cli;object=no-such-key'
OKTA_CLIENT_CLIENTID=0oa_hw_ec run token --key "$ec_uri" --pkcs11-module /nonexistent/libnothing.so
expect_error "a missing module: one line, exit 1" 1 'PKCS#11 module /nonexistent/libnothing.so cannot be loaded'
run jwk --key 'pkcs11:token=no-such-token;object=okta-ec'
expect_error "a missing token: one line, exit 1" 1 'no token matches'
OKTA_CC_PKCS11_PIN=1234 run keygen --key 'pkcs11:token=okta-cli;object=okta-pub' --type ec
check "a key pair for the public-only case" test "$rc" -eq 0
check "... its private half destroyed" "$helper" --drop-private 'pkcs11:token=okta-cli;object=okta-pub'
OKTA_CLIENT_CLIENTID=0oa_hw_ec run token --key 'pkcs11:token=okta-cli;object=okta-pub'
expect_error "a public-key-only object: one line, exit 1" 1 'is a public key only'
run jwk --key 'pkcs11:token=okta-cli;object=a b'
expect_error "a malformed URI: one line, exit 1" 1 'pkcs11: URI'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
