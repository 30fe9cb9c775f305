#!/usr/bin/env python3
"""Independent check of okta_cc_dpop_proof_sign with python3-cryptography: reads the output of
`test_dpop --emit N` (the signer's public JWK, then N compact ES256 proofs, one per line) and
checks each proof's header (typ, alg, a public-only jwk equal to the signer's), its claims
(member order jti, htm, htu, iat[, nonce][, ath]; a distinct jti) and its ECDSA signature.
Prints "ok"/"FAIL" lines and "N passed, N failed"."""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check(proof, signer, seen):
    h64, c64, s64 = proof.split(".")
    header = json.loads(b64d(h64))
    claims = json.loads(b64d(c64))
    jwk = header["jwk"]
    if list(header) != ["typ", "alg", "jwk"] or header["typ"] != "dpop+jwt" or header["alg"] != "ES256":
        return "header members"
    if list(jwk) != ["kty", "crv", "x", "y"] or any(jwk[k] != signer[k] for k in jwk):
        return "header jwk"
    keys = list(claims)
    want = ["jti", "htm", "htu", "iat"] + [k for k in ("nonce", "ath") if k in claims]
    if keys != want or claims["jti"] in seen:
        return "claims members or a repeated jti"
    seen.add(claims["jti"])
    if "ath" in claims:
        ath = base64.urlsafe_b64encode(hashlib.sha256(b"an-access-token").digest()).rstrip(b"=").decode()
        if claims["ath"] != ath:
            return "ath"
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(b64d(jwk["x"]), "big"),
                                        int.from_bytes(b64d(jwk["y"]), "big"), ec.SECP256R1()).public_key()
    sig = b64d(s64)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        pub.verify(der, (h64 + "." + c64).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "signature"
    return None


def main():
    lines = [l.strip() for l in sys.stdin if l.strip()]
    passed = failed = 0
    if not lines:
        print("FAIL no input\n0 passed, 1 failed")
        return 1
    signer, seen = json.loads(lines[0]), set()
    for i, proof in enumerate(lines[1:]):
        why = check(proof, signer, seen)
        if why:
            failed += 1
            print("FAIL proof %d: %s" % (i, why))
        else:
            passed += 1
    print("ok   %d proofs verified with python3-cryptography" % passed)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


sys.exit(main())
