#!/usr/bin/env bash
# Tests of the okta-cc key commands (keygen, jwk, sign) against OpenSSL and python3-cryptography.
# Run from the repository root after building build/okta-cc:  tests/cli/cli_keys.sh
# Environment: BUILD (default build). Vectors: tests/vectors (in the repository).
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

vectors=tests/vectors
. "$(dirname "$0")/cli_lib.sh"
require "needs openssl and $py with python3-cryptography" sh -c "command -v openssl >/dev/null && '$py' -c 'import cryptography' 2>/dev/null"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout err=$tmp/stderr

# run ARGS... [< input]: runs the CLI, leaving $out, $err and $rc.
run() { "$cli" "$@" >"$out" 2>"$err"; rc=$?; }

# one_error_line: stderr is exactly one line starting "okta-cc: " and stdout is empty.
one_error_line() {
  [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: ' "$err" && [ ! -s "$out" ]
}
# expect_error NAME STATUS: the last run failed with STATUS and one error line.
expect_error() {
  if [ "$rc" -eq "$2" ] && one_error_line; then ok "$1"
  else bad "$1" "exit $rc (want $2), stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}

# ---- python helpers: the reference side of every comparison -----------------------------------
cat >"$tmp/ref.py" <<'EOF'
import base64, hashlib, json, re, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

CURVES = {"secp256r1": ("P-256", 32, "ES256"), "secp384r1": ("P-384", 48, "ES384"),
          "secp521r1": ("P-521", 66, "ES512")}
HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}

def b64d(s):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s) or len(s) % 4 == 1:
        raise ValueError("not unpadded base64url: %r" % s[:40])
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def thumbprint(jwk):
    req = ["e", "kty", "n"] if jwk["kty"] == "RSA" else ["crv", "kty", "x", "y"]
    canon = json.dumps({k: jwk[k] for k in req}, separators=(",", ":"), sort_keys=True)
    return b64e(hashlib.sha256(canon.encode()).digest())

def load_private(path):
    return serialization.load_pem_private_key(open(path, "rb").read(), None)

def read_jwk(path):
    text = open(path).read()
    if text.count("\n") != 1 or not text.endswith("}\n"):
        raise ValueError("stdout is not one line of JSON")
    return json.loads(text)

def check_jwk(pem, jwk_path, want_kid=""):
    """The JWK printed by okta-cc is the public half of the PEM key, as OpenSSL's library sees it."""
    key, jwk = load_private(pem), read_jwk(jwk_path)
    pub = key.public_key().public_numbers()
    if isinstance(key, rsa.RSAPrivateKey):
        want = {"kty", "n", "e", "kid", "use", "alg"}
        n, e = b64d(jwk["n"]), b64d(jwk["e"])
        assert n[0] != 0 and e[0] != 0, "n or e has a leading zero octet"
        assert int.from_bytes(n, "big") == pub.n, "n differs"
        assert int.from_bytes(e, "big") == pub.e, "e differs"
        assert jwk["alg"] == "RS256", "alg %s" % jwk["alg"]
    else:
        want = {"kty", "crv", "x", "y", "kid", "use", "alg"}
        crv, size, alg = CURVES[key.curve.name]
        x, y = b64d(jwk["x"]), b64d(jwk["y"])
        assert jwk["crv"] == crv, "crv %s, want %s" % (jwk["crv"], crv)
        assert len(x) == size and len(y) == size, "x/y not %d octets" % size
        assert int.from_bytes(x, "big") == pub.x and int.from_bytes(y, "big") == pub.y, "point differs"
        assert jwk["alg"] == alg, "alg %s, want %s" % (jwk["alg"], alg)
    assert set(jwk) == want, "members %s" % sorted(jwk)
    assert jwk["use"] == "sig", "use"
    assert jwk["kid"] == (want_kid or thumbprint(jwk)), "kid %s" % jwk["kid"]

def public_of(path):
    """The public members of a JWK file, as one comparable line."""
    j = json.load(open(path))
    if "keys" in j: j = j["keys"][0]
    req = ["e", "kty", "n"] if j["kty"] == "RSA" else ["crv", "kty", "x", "y"]
    print(json.dumps({k: j[k] for k in req}, sort_keys=True))

def verify(jws_path, pem, claims_path, alg, kid, outdir):
    """Checks header, payload and signature of a compact JWS; leaves the signing input and a
    DER/raw signature in outdir for `openssl dgst -verify`."""
    text = open(jws_path).read()
    assert text.endswith("\n") and text.count("\n") == 1, "not one line"
    h, p, s = text[:-1].split(".")
    header = b64d(h)
    assert header == json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}, separators=(",", ":")).encode(), \
        "header %r" % header
    assert b64d(p) == open(claims_path, "rb").read(), "payload differs from the claims"
    sig, signing_input = b64d(s), (h + "." + p).encode()
    pub = load_private(pem).public_key()
    hash_alg = HASHES[alg[2:]]()
    if alg.startswith("RS"):
        assert len(sig) == (pub.key_size + 7) // 8, "RSA signature length %d" % len(sig)
        pub.verify(sig, signing_input, padding.PKCS1v15(), hash_alg)
        der = sig
    else:
        size = CURVES[pub.curve.name][1]
        assert len(sig) == 2 * size, "ES signature is %d octets, want %d (raw r||s)" % (len(sig), 2 * size)
        der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
        pub.verify(der, signing_input, ec.ECDSA(hash_alg))
    open(outdir + "/signing-input", "wb").write(signing_input)
    open(outdir + "/sig.der", "wb").write(der)

def no_leak(stderr_path, key_path):
    """No run of 16+ base64 characters from the key file shows up in the error output."""
    err = open(stderr_path, "rb").read().decode("utf-8", "replace")
    data = open(key_path, "rb").read().decode("latin-1")
    for tok in set(re.findall(r"[A-Za-z0-9+/_=-]{16,}", data)):
        assert tok not in err, "stderr contains key text %s..." % tok[:12]
    assert "PRIVATE KEY" not in err or "-----" not in err, "stderr contains a PEM line"

if __name__ == "__main__":
    try:
        fn = {"check-jwk": check_jwk, "public-of": public_of, "verify": verify, "no-leak": no_leak}[sys.argv[1]]
        fn(*sys.argv[2:])
    except Exception as e:  # one line for the FAIL message
        print("%s: %s" % (type(e).__name__, e)); sys.exit(1)
EOF
ref() { "$py" "$tmp/ref.py" "$@"; }
# refcheck NAME ARGS...: a test that passes when the python reference check passes.
refcheck() { local name=$1 msg; shift; if msg=$(ref "$@" 2>&1); then ok "$name"; else bad "$name" "$msg"; fi; }

mode_of() { stat -c %a "$1"; }

# ---- keygen -----------------------------------------------------------------------------------
# keys[] = "NAME FILE ALGS" for the sign tests below
keys=()
keygen_case() {   # keygen_case NAME "OPENSSL TEXT" ALGS ARGS...
  local name=$1 text=$2 algs=$3; shift 3
  local file=$tmp/$name.pem jwk=$tmp/$name.jwk start end
  start=$(date +%s%N)
  run keygen "$@" --out "$file"
  end=$(date +%s%N)
  cp "$out" "$jwk"
  if [ "$rc" -ne 0 ]; then bad "keygen $name" "exit $rc: $(cat "$err")"; return; fi
  ok "keygen $name ($(((end - start) / 1000000)) ms)"
  check "keygen $name: no stderr" test ! -s "$err"
  check "keygen $name: mode 600" test "$(mode_of "$file")" = 600
  check "keygen $name: openssl loads it" openssl pkey -in "$file" -noout
  check "keygen $name: PKCS#8 PEM" grep -qx -- '-----BEGIN PRIVATE KEY-----' "$file"
  if openssl pkey -in "$file" -noout -text 2>/dev/null | grep -qF -- "$text"; then ok "keygen $name: openssl shows '$text'"
  else bad "keygen $name: openssl shows '$text'"; fi
  refcheck "keygen $name: JWK matches the key (n/e or crv/x/y, use, alg, kid = RFC 7638 thumbprint)" check-jwk "$file" "$jwk"
  if grep -q 'PRIVATE' "$out" || grep -qFf <(grep -v -- ----- "$file") "$out"; then bad "keygen $name: no private key on stdout"
  else ok "keygen $name: no private key on stdout"; fi
  keys+=("$name $file $algs")
}
keygen_case rsa2048 "Private-Key: (2048 bit" "RS256 RS384 RS512"
keygen_case rsa3072 "Private-Key: (3072 bit" "RS256 RS384 RS512" --type rsa --bits 3072
keygen_case rsa4096 "Private-Key: (4096 bit" "RS256" --type=rsa --bits=4096
keygen_case p256 "NIST CURVE: P-256" "ES256" --type ec
keygen_case p384 "NIST CURVE: P-384" "ES384" --type ec --curve P-384
keygen_case p521 "NIST CURVE: P-521" "ES512" --type=ec --curve=P-521

run keygen --type ec --kid my-key-1 --out "$tmp/kid.pem"
refcheck "keygen --kid sets the JWK kid" check-jwk "$tmp/kid.pem" "$out" my-key-1

# ---- keygen: overwriting ----------------------------------------------------------------------
target=$tmp/rsa2048.pem
before=$(sha256sum <"$target")
run keygen --type ec --out "$target"
expect_error "keygen refuses to overwrite (exit 1, one line)" 1
check "keygen refusal leaves the file unchanged" test "$(sha256sum <"$target")" = "$before"
check "keygen refusal says how to overwrite" grep -q -- '--force' "$err"
ln -s "$tmp/nowhere.pem" "$tmp/link.pem"
run keygen --type ec --out "$tmp/link.pem"
expect_error "keygen refuses a dangling symlink as --out" 1
check "keygen did not follow the symlink" test ! -e "$tmp/nowhere.pem"

cp "$target" "$tmp/old.pem" && chmod 644 "$tmp/old.pem"
run keygen --type ec --out "$tmp/old.pem" --force
check "keygen --force overwrites (exit 0)" test "$rc" -eq 0
check "keygen --force wrote a new key" test "$(sha256sum <"$tmp/old.pem")" != "$before"
check "keygen --force: mode 600" test "$(mode_of "$tmp/old.pem")" = 600
refcheck "keygen --force: JWK matches the new key" check-jwk "$tmp/old.pem" "$out"
check "keygen --force leaves no temporary file" test -z "$(find "$tmp" -maxdepth 1 -name '.old.pem*')"
run keygen --type ec --out "$tmp/no-such-dir/k.pem"
expect_error "keygen into a missing directory fails (exit 1)" 1

# ---- jwk on the vectors -----------------------------------------------------------------------
jose=$vectors/jose
"$py" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["jwk"], open(sys.argv[2], "w"))' \
  "$jose/rfc7515-a2-rs256.json" "$tmp/a2.jwk.json"
"$py" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["rsa_private_jwk"], open(sys.argv[2], "w"))' \
  "$jose/rfc7517-a2-rsa-private.json" "$tmp/7517.jwk.json"
"$py" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["jwk_set"], open(sys.argv[2], "w"))' \
  "$jose/rfc7517-a2-rsa-private.json" "$tmp/7517.jwks.json"
a2_public=$(ref public-of "$tmp/a2.jwk.json")
for f in "$jose/rfc7515-a2-rsa-pkcs1.pem" "$jose/rfc7515-a2-rsa-pkcs8.pem" "$tmp/a2.jwk.json"; do
  run jwk --key "$f"
  if [ "$rc" -eq 0 ] && [ "$(ref public-of "$out")" = "$a2_public" ]; then ok "jwk $(basename "$f"): RFC 7515 A.2 n/e"
  else bad "jwk $(basename "$f"): RFC 7515 A.2 n/e" "exit $rc $(cat "$err")"; fi
  [ "$f" != "$tmp/a2.jwk.json" ] && refcheck "jwk $(basename "$f"): matches OpenSSL's view" check-jwk "$f" "$out"
done
run jwk --key - <"$jose/rfc7515-a2-rsa-pkcs8.pem"
check "jwk --key - reads stdin" test "$rc" -eq 0 -a "$(ref public-of "$out")" = "$a2_public"

thumb=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
for f in rsa-a2-pkcs8.pem rsa-a2-pkcs1.pem; do
  run jwk --key "$jose/$f"
  check "jwk $f: kid defaults to the RFC 7638 thumbprint" grep -qF "\"kid\":\"$thumb\"" "$out"
done
run jwk --key "$tmp/7517.jwk.json"
check "jwk of a JWK keeps its own kid" grep -qF '"kid":"2011-04-29"' "$out"
run jwk --key "$jose/rsa-a2-pkcs8.pem" --kid=okta-key-7
check "jwk --kid overrides the kid" grep -qF '"kid":"okta-key-7"' "$out"
run jwk --key "$tmp/7517.jwks.json" --kid 2011-04-29
check "jwk --kid picks a key out of a JWKS" test "$rc" -eq 0 -a "$(ref public-of "$out")" = "$(ref public-of "$tmp/7517.jwk.json")"
run jwk --key "$tmp/7517.jwks.json" --kid 1
check "jwk --kid 1 picks the EC key of the RFC 7517 JWKS" grep -q '"crv":"P-256".*"kid":"1"' "$out"
run jwk --key "$tmp/7517.jwks.json"
expect_error "jwk of a two-key JWKS without --kid fails (exit 1)" 1
run jwk --key "$tmp/7517.jwks.json" --kid nope
expect_error "jwk --kid not in the JWKS fails (exit 1)" 1
run jwk --key "$tmp/a2.jwk.json"
if [ "$rc" -eq 0 ] && ! grep -qE '"(d|p|q|dp|dq|qi)"' "$out"; then ok "jwk of a private JWK prints no private member"
else bad "jwk of a private JWK prints no private member" "$(cat "$out" "$err")"; fi
sed 's/$/\r/' "$jose/rfc7515-a2-rsa-pkcs1.pem" >"$tmp/crlf.pem"
run jwk --key "$tmp/crlf.pem"
check "jwk of a CRLF PEM" test "$rc" -eq 0 -a "$(ref public-of "$out")" = "$a2_public"
run jwk --key "$jose/rfc7515-a3-ec-sec1.pem"
refcheck "jwk of a SEC1 P-256 key matches OpenSSL's view" check-jwk "$jose/rfc7515-a3-ec-sec1.pem" "$out"

# ---- sign -------------------------------------------------------------------------------------
printf '%s' '{"iss":"0oa1b2c3","sub":"0oa1b2c3","aud":"https://example.okta.com/oauth2/v1/token","exp":1700000300,"iat":1700000000,"jti":"8f3a\u00e9-é"}' >"$tmp/claims.json"
for entry in "${keys[@]}"; do
  read -r name file algs <<<"$entry"
  kid=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$tmp/$name.jwk")
  for alg in $algs; do
    run sign --key "$file" --alg "$alg" <"$tmp/claims.json"
    cp "$out" "$tmp/jws"
    if [ "$rc" -ne 0 ]; then bad "sign $name $alg" "exit $rc: $(cat "$err")"; continue; fi
    refcheck "sign $name $alg: header, payload and signature check out (python)" \
      verify "$tmp/jws" "$file" "$tmp/claims.json" "$alg" "$kid" "$tmp"
    openssl pkey -in "$file" -pubout -out "$tmp/pub.pem" 2>/dev/null
    if openssl dgst "-sha${alg:2}" -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/signing-input" 2>&1 | grep -q 'Verified OK'
    then ok "sign $name $alg: openssl verifies"; else bad "sign $name $alg: openssl verifies"; fi
  done
done

run sign --key "$tmp/rsa2048.pem" <"$tmp/claims.json"
cp "$out" "$tmp/jws"
refcheck "sign with an RSA key defaults to RS256" verify "$tmp/jws" "$tmp/rsa2048.pem" "$tmp/claims.json" RS256 \
  "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$tmp/rsa2048.jwk")" "$tmp"
run sign --key "$tmp/p384.pem" --kid=key-2024 <"$tmp/claims.json"
cp "$out" "$tmp/jws"
refcheck "sign with a P-384 key defaults to ES384; --kid goes into the header" \
  verify "$tmp/jws" "$tmp/p384.pem" "$tmp/claims.json" ES384 key-2024 "$tmp"
{ echo; cat "$tmp/claims.json"; echo; } >"$tmp/claims-nl.json"
run sign --key "$tmp/p256.pem" --kid k <"$tmp/claims-nl.json"
cp "$out" "$tmp/jws"
refcheck "sign ignores whitespace around the claims (echo's newline)" \
  verify "$tmp/jws" "$tmp/p256.pem" "$tmp/claims.json" ES256 k "$tmp"
run sign --key "$tmp/7517.jwk.json" <"$tmp/claims.json"
check "sign with a JWK uses its kid" test "$rc" -eq 0 -a "$(cut -d. -f1 "$out")" = "$(printf '%s' '{"alg":"RS256","kid":"2011-04-29","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')"

"$py" -c 'import json,sys; k=json.load(open(sys.argv[1])); k["alg"]="RS384"; json.dump(k, open(sys.argv[2], "w"))' \
  "$tmp/7517.jwk.json" "$tmp/rs384.jwk.json"
run sign --key "$tmp/rs384.jwk.json" <"$tmp/claims.json"
check "sign with a JWK that says alg RS384 uses RS384" test "$rc" -eq 0 -a \
  "$(cut -d. -f1 "$out")" = "$(printf '%s' '{"alg":"RS384","kid":"2011-04-29","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')"
run sign --key "$tmp/rsa2048.pem" --alg ES256 <"$tmp/claims.json"
expect_error "sign --alg ES256 with an RSA key fails (exit 1)" 1
run sign --key "$tmp/p256.pem" --alg ES384 <"$tmp/claims.json"
expect_error "sign --alg ES384 with a P-256 key fails (exit 1)" 1
run sign --key "$tmp/p256.pem" --alg RS256 <"$tmp/claims.json"
expect_error "sign --alg RS256 with an EC key fails (exit 1)" 1
run sign --key "$tmp/p256.pem" --alg HS256 <"$tmp/claims.json"
expect_error "sign --alg HS256 is a usage error (exit 2)" 2
for claims in 'not json' '[1,2]' '"str"' '42' '{"a":1,}' '{"a":1}x' ''; do
  printf '%s' "$claims" >"$tmp/bad-claims"
  run sign --key "$tmp/p256.pem" <"$tmp/bad-claims"
  expect_error "sign rejects claims '$claims' (exit 1)" 1
done
run sign --key "$tmp/missing.pem" <"$tmp/claims.json"
expect_error "sign with a missing key file fails (exit 1)" 1
check "missing key file: says why" grep -q 'No such file' "$err"

# ---- bad key files ----------------------------------------------------------------------------
bad_dir=$vectors/pem/bad
n_bad=0
for f in "$bad_dir"/*; do
  base=$(basename "$f")
  case $base in README.md|index.json) continue ;; esac
  n_bad=$((n_bad + 1))
  run jwk --key "$f"
  case $base in
    ec-p521-pkcs8.pem|ec-p521-sec1.pem|jwk-ec-p521.json)
      check "jwk $base loads (P-521 is supported)" test "$rc" -eq 0 -a ! -s "$err"
      check "jwk $base is P-521 / ES512" grep -q '"crv":"P-521".*"alg":"ES512"' "$out"
      continue ;;
  esac
  expect_error "jwk rejects $base (exit 1, one line)" 1
  refcheck "jwk $base: no key material in the error" no-leak "$err" "$f"
  case $base in encrypted-*)
    check "jwk $base: says encrypted" grep -q 'encrypted' "$err" ;;
  esac
done
check "pem/bad holds the 29 files" test "$n_bad" -eq 29

# ---- usage, help, version ---------------------------------------------------------------------
usage_case() {   # usage_case NAME ARGS...
  local name=$1; shift
  run "$@" </dev/null
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: .*--help' "$err" && [ ! -s "$out" ]
  then ok "usage error: $name (exit 2)"; else bad "usage error: $name (exit 2)" "exit $rc: $(cat "$err")"; fi
}
usage_case "unknown command" frobnicate
usage_case "unknown top-level option" --frob
usage_case "unknown option" keygen --out "$tmp/u.pem" --frob
usage_case "unknown option with =value" jwk --key=x --frob=1
usage_case "keygen without --out" keygen
usage_case "keygen --bits 1000" keygen --bits 1000 --out "$tmp/u.pem"
usage_case "keygen --bits abc" keygen --bits=2048x --out "$tmp/u.pem"
usage_case "keygen --curve P-192" keygen --type ec --curve P-192 --out "$tmp/u.pem"
usage_case "keygen --type dsa" keygen --type dsa --out "$tmp/u.pem"
usage_case "keygen --type rsa --curve P-256" keygen --type rsa --curve P-256 --out "$tmp/u.pem"
usage_case "keygen --out with no value" keygen --out
usage_case "keygen --force=yes" keygen --out "$tmp/u.pem" --force=yes
usage_case "keygen --out -" keygen --out -
usage_case "jwk without --key" jwk
usage_case "stray argument" jwk --key "$tmp/p256.pem" extra
usage_case "sign --key -" sign --key -
check "usage errors created no file" test ! -e "$tmp/u.pem"

run --help
check "--help exits 0 and lists the commands" test "$rc" -eq 0 -a ! -s "$err"
check "--help lists keygen, jwk and sign" grep -q keygen "$out"
for c in keygen jwk sign; do
  run "$c" --help
  if [ "$rc" -eq 0 ] && grep -q "^usage: okta-cc $c" "$out" && [ ! -s "$err" ]; then ok "$c --help"
  else bad "$c --help" "exit $rc"; fi
done
run --version
if [ "$rc" -eq 0 ] && grep -Eqx 'okta-cc [0-9]+\.[0-9]+\.[0-9]+ \(bearssl, libcurl [0-9.]+[^)]*\)' "$out"
then ok "--version: $(cat "$out")"; else bad "--version" "$(cat "$out" "$err")"; fi
ver=$(sed -n 's/^#define OKTA_CC_VERSION_STRING "\(.*\)"/\1/p' okta_cc.h 2>/dev/null)
check "--version matches OKTA_CC_VERSION_STRING" grep -qF "okta-cc $ver " "$out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
