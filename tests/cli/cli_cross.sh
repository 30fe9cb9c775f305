#!/usr/bin/env bash
# The cross-built okta-cc under qemu-user against the native build/okta-cc (make test-cross).
# Run from the repository root: BUILD=build CROSS=aarch64-linux-gnu QEMU=qemu-aarch64 tests/cli/cli_cross.sh
# Both CLIs must print the same public JWKs for the test vectors and the same errors for bad
# keys; what the cross CLI signs (JWS, client assertions; BearSSL's RSASSA-PKCS1-v1_5 and RFC 6979
# ECDSA are deterministic, so the native CLI must sign the same bytes) is verified by
# python3-cryptography, and its RSA signatures by openssl too. Ends with "N passed, N failed".
set -u

vectors=tests/vectors
. "$(dirname "$0")/cli_lib.sh"    # $cli: the native okta-cc; ok, bad, check, require
cross=${CROSS:-aarch64-linux-gnu}
xcli=$build/$cross/okta-cc
qemu=${QEMU:?QEMU not set (qemu-aarch64 or qemu-arm)}
require "$xcli not built (make cross CROSS=$cross)" test -x "$xcli"
require "$qemu not installed (tools/dev/deps.sh cross $cross)" sh -c "command -v '$qemu' >/dev/null"
require "needs openssl and $py with python3-cryptography" sh -c "command -v openssl >/dev/null && '$py' -c 'import cryptography' 2>/dev/null"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# x ARGS...: the cross CLI under qemu; n ARGS...: the native one. Both leave $tmp/{x,n}.{out,err,rc}.
x() { "$qemu" "$xcli" "$@" >"$tmp/x.out" 2>"$tmp/x.err"; echo $? >"$tmp/x.rc"; }
n() { "$cli" "$@" >"$tmp/n.out" 2>"$tmp/n.err"; echo $? >"$tmp/n.rc"; }
# same NAME ARGS...: both CLIs (stdin from $in), the same stdout, stderr and exit status.
in=/dev/null
same() {
  local name=$1; shift
  x "$@" <"$in"; n "$@" <"$in"
  if cmp -s "$tmp/x.out" "$tmp/n.out" && cmp -s "$tmp/x.err" "$tmp/n.err" && cmp -s "$tmp/x.rc" "$tmp/n.rc"
  then ok "$name"
  else bad "$name" "exit $(cat "$tmp/x.rc") vs $(cat "$tmp/n.rc"); stdout $(head -c 120 "$tmp/x.out") vs $(head -c 120 "$tmp/n.out"); stderr $(head -c 200 "$tmp/x.err") vs $(head -c 200 "$tmp/n.err")"
  fi
}

# The binary really is for the target: ELF e_machine 183 (aarch64) or 40 (ARM).
machine=$(od -An -tu2 -j18 -N2 "$xcli" | tr -d ' ')
case $cross in aarch64-*) want=183 ;; arm-*) want=40 ;; *) want=none ;; esac
check "$xcli is an ELF for $cross (e_machine $machine)" test "$machine" = "$want"
# Hardened as the native CLI (tests/lint/static_analysis.sh): PIE, stack protector, fortified calls.
syms=$(readelf --dyn-syms -W "$xcli")
check "$xcli is PIE" sh -c "readelf -d '$xcli' | grep -Eq 'FLAGS_1.*PIE'"
check "$xcli has the stack protector and fortified calls" \
  sh -c "echo '$syms' | grep -q ' __stack_chk_fail' && echo '$syms' | grep -Eq '__(memcpy|snprintf|printf)_chk'"

# ---- --version ------------------------------------------------------------------------------
x --version
if [ "$(cat "$tmp/x.rc")" = 0 ] && grep -Eqx 'okta-cc [0-9]+\.[0-9]+\.[0-9]+ \(bearssl, libcurl [0-9.]+[^)]*\)' "$tmp/x.out"
then ok "--version under $qemu: $(cat "$tmp/x.out")"; else bad "--version under $qemu" "$(cat "$tmp/x.out" "$tmp/x.err")"; fi
same "--version: the same line as the native build" --version

# ---- jwk: the same public JWK for the vectors -----------------------------------------------
jose=$vectors/jose
for f in rfc7515-a2-rsa-pkcs1.pem rfc7515-a2-rsa-pkcs8.pem rsa-a2-pkcs8.pem rfc7515-a3-ec-sec1.pem \
         rfc7515-a3-ec-pkcs8.pem generated-ec-p256-pkcs8.pem generated-ec-p256-d-leading-zero-sec1.pem; do
  same "jwk $f: the same public JWK" jwk --key "$jose/$f"
  check "jwk $f: not empty" test -s "$tmp/x.out"
done
# JWK and JWKS input (the vector files wrap them).
"$py" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["jwk"], open(sys.argv[2], "w"))' \
  "$jose/generated-ec-p256.jwk.json" "$tmp/ec.jwk.json"
"$py" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["jwk_set"], open(sys.argv[2], "w"))' \
  "$jose/rfc7517-a2-rsa-private.json" "$tmp/7517.jwks.json"
same "jwk of a private EC JWK: the same public JWK" jwk --key "$tmp/ec.jwk.json"
check "jwk of a private EC JWK: not empty" test -s "$tmp/x.out"
same "jwk --kid 2011-04-29 out of a JWKS: the same public JWK" jwk --key "$tmp/7517.jwks.json" --kid 2011-04-29
check "jwk out of a JWKS: not empty" test -s "$tmp/x.out"
for f in ec-p521-pkcs8.pem ec-p521-sec1.pem; do
  same "jwk pem/bad/$f (P-521): the same public JWK" jwk --key "$vectors/pem/bad/$f"
done
same "jwk --kid: the same JWK" jwk --key "$jose/rfc7515-a2-rsa-pkcs8.pem" --kid device-7
for f in rsa-1024-pkcs8.pem encrypted-pkcs8.pem ec-secp256k1-sec1.pem truncated-body.pem public-key-only.pem; do
  same "jwk refuses pem/bad/$f with the same error" jwk --key "$vectors/pem/bad/$f"
  check "jwk pem/bad/$f: exit 1" test "$(cat "$tmp/x.rc")" = 1
done

# ---- keygen on the target, read back by the native build ------------------------------------
for spec in "rsa --bits 2048" "ec --curve P-256" "ec --curve P-384" "ec --curve P-521"; do
  set -- $spec
  name=$1${3#P-}
  x keygen --type $spec --out "$tmp/$name.pem"
  if [ "$(cat "$tmp/x.rc")" = 0 ]; then ok "keygen --type $spec under $qemu"
  else bad "keygen --type $spec under $qemu" "$(cat "$tmp/x.err")"; continue; fi
  cp "$tmp/x.out" "$tmp/$name.keygen.jwk"
  check "keygen $name: openssl loads the key" openssl pkey -in "$tmp/$name.pem" -noout
  n jwk --key "$tmp/$name.pem"
  check "keygen $name: the native jwk of the key is the JWK keygen printed" cmp -s "$tmp/n.out" "$tmp/$name.keygen.jwk"
done

# ---- sign and assertion: verified independently ---------------------------------------------
cat >"$tmp/verify.py" <<'EOF'
"""verify.py JWS_FILE KEY.pem: checks a compact JWS's signature with python3-cryptography and
prints its header and payload (one line each); leaves signing-input and sig.der beside JWS_FILE
for openssl."""
import base64, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
b64d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
jws_path, pem = sys.argv[1], sys.argv[2]
h, p, s = open(jws_path).read().strip().split(".")
header, sig, signing_input = json.loads(b64d(h)), b64d(s), (h + "." + p).encode()
pub = serialization.load_pem_private_key(open(pem, "rb").read(), None).public_key()
hash_alg = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[header["alg"][2:]]()
if header["alg"].startswith("RS"):
    pub.verify(sig, signing_input, padding.PKCS1v15(), hash_alg)
    der = sig
else:
    size = (pub.curve.key_size + 7) // 8
    assert len(sig) == 2 * size, "ES signature of %d octets" % len(sig)
    der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
    pub.verify(der, signing_input, ec.ECDSA(hash_alg))
d = os.path.dirname(jws_path)
open(os.path.join(d, "signing-input"), "wb").write(signing_input)
open(os.path.join(d, "sig.der"), "wb").write(der)
print(json.dumps(header, sort_keys=True))
print(b64d(p).decode())
EOF
# verified NAME JWS_FILE KEY: python3-cryptography checks the signature (and openssl for RSA).
verified() {
  local name=$1 jws=$2 key=$3 msg
  if msg=$("$py" "$tmp/verify.py" "$jws" "$key" 2>&1); then ok "$name: python3-cryptography verifies"
  else bad "$name: python3-cryptography verifies" "$(echo "$msg" | tail -1)"; return 1; fi
  printf '%s\n' "$msg" >"$jws.decoded"
  if head -1 "$jws.decoded" | grep -q '"alg": "RS'; then
    openssl pkey -in "$key" -pubout -out "$tmp/pub.pem" 2>/dev/null
    local bits; bits=$(head -1 "$jws.decoded" | sed 's/.*"alg": "RS\([0-9]*\)".*/\1/')
    if openssl dgst "-sha$bits" -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/signing-input" 2>&1 | grep -q 'Verified OK'
    then ok "$name: openssl verifies"; else bad "$name: openssl verifies"; fi
  fi
}

printf '%s' '{"iss":"0oa1b2c3","sub":"0oa1b2c3","aud":"https://example.okta.com/oauth2/v1/token","exp":1700000300,"iat":1700000000,"jti":"device-\u00e9-1"}' >"$tmp/claims.json"
sign_case() {   # sign_case KEY ALG
  local key=$1 alg=$2 base; base=$(basename "$key")
  in=$tmp/claims.json
  same "sign $base $alg: the same JWS as the native build" sign --key "$key" --alg "$alg"
  in=/dev/null
  cp "$tmp/x.out" "$tmp/jws"
  verified "sign $base $alg" "$tmp/jws" "$key" || return
  check "sign $base $alg: the payload is the claims" test "$(tail -1 "$tmp/jws.decoded")" = "$(cat "$tmp/claims.json")"
}
for alg in RS256 RS384 RS512; do sign_case "$jose/rfc7515-a2-rsa-pkcs8.pem" "$alg"; done
sign_case "$jose/rfc7515-a3-ec-sec1.pem" ES256
sign_case "$jose/generated-ec-p256-pkcs8.pem" ES256
[ -f "$tmp/rsa2048.pem" ] && sign_case "$tmp/rsa2048.pem" RS256
[ -f "$tmp/ec384.pem" ] && sign_case "$tmp/ec384.pem" ES384
[ -f "$tmp/ec521.pem" ] && sign_case "$tmp/ec521.pem" ES512

# A client assertion: random jti and the clock's iat, so only verified, not compared.
for key in "$jose/rfc7515-a2-rsa-pkcs8.pem" "$jose/generated-ec-p256-pkcs8.pem"; do
  base=$(basename "$key")
  x assertion --org https://dev-123.okta.com --client-id 0oacross --key "$key"
  if [ "$(cat "$tmp/x.rc")" != 0 ]; then bad "assertion $base under $qemu" "$(cat "$tmp/x.err")"; continue; fi
  ok "assertion $base under $qemu"
  cp "$tmp/x.out" "$tmp/assertion"
  verified "assertion $base" "$tmp/assertion" "$key" || continue
  if "$py" - "$tmp/assertion.decoded" <<'EOF'
import json, sys, time
c = json.loads(open(sys.argv[1]).read().splitlines()[1])
assert c["iss"] == c["sub"] == "0oacross", c
assert c["aud"] == "https://dev-123.okta.com/oauth2/v1/token", c
assert c["exp"] - c["iat"] == 300 and abs(c["iat"] - time.time()) < 60, c
assert len(c["jti"]) >= 16, c
EOF
  then ok "assertion $base: iss, sub, aud, exp - iat = 300, iat now, jti"
  else bad "assertion $base: claims" "$(tail -1 "$tmp/assertion.decoded")"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
