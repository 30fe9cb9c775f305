#!/usr/bin/python3
"""Independent key and JWT helper for the tests, on Debian's python3-cryptography and PyJWT.

  keytool.py jwk-public KEY.pem KID          public JWK (with kid) of a private key
  keytool.py jwk-private KEY.pem KID         private JWK (RSA with CRT members, or EC)
  keytool.py verify-assertions FILE JWKS     verify one assertion per line of FILE:
             signature with the key picked by kid, iss = sub = expected client id, aud, exp - iat,
             unique jti; each line is "client_id aud ttl key assertion" (key: the kid of the
             public key to verify with, "-" for the kid in the header; a "+replay" suffix marks a
             deliberately repeated jti). Prints "N passed, N failed".
"""
import base64, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec
import jwt


def b64u_uint(n, size=None):
    size = size or max(1, (n.bit_length() + 7) // 8)
    return base64.urlsafe_b64encode(n.to_bytes(size, "big")).rstrip(b"=").decode()


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def jwk(key, kid, private):
    if isinstance(key, rsa.RSAPrivateKey):
        pn = key.private_numbers()
        out = {"kty": "RSA", "n": b64u_uint(pn.public_numbers.n), "e": b64u_uint(pn.public_numbers.e)}
        if private:
            out.update(d=b64u_uint(pn.d), p=b64u_uint(pn.p), q=b64u_uint(pn.q),
                       dp=b64u_uint(pn.dmp1), dq=b64u_uint(pn.dmq1), qi=b64u_uint(pn.iqmp))
    else:
        size = (key.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name]
        pn = key.private_numbers()
        out = {"kty": "EC", "crv": crv, "x": b64u_uint(pn.public_numbers.x, size),
               "y": b64u_uint(pn.public_numbers.y, size)}
        if private:
            out["d"] = b64u_uint(pn.private_value, size)
    out["kid"] = kid
    return out


def verify_assertions(path, jwks_path):
    with open(jwks_path) as f:
        keys = {k["kid"]: jwt.PyJWK(k) for k in json.load(f)["keys"]}
    seen, passed, failed = set(), 0, 0
    with open(path) as f:
        for line in f:
            client_id, aud, ttl, key_id, token = line.split()
            replay = key_id.endswith("+replay")
            key_id = key_id.removesuffix("+replay")
            try:
                header = jwt.get_unverified_header(token)
                assert header.get("typ") == "JWT", "typ"
                key = keys[header["kid"] if key_id == "-" else key_id]
                claims = jwt.decode(token, key=key.key, algorithms=[header["alg"]], audience=aud,
                                    options={"verify_exp": False, "verify_iat": False, "require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
                assert isinstance(claims["aud"], str) and claims["aud"] == aud, "aud"
                assert claims["iss"] == client_id and claims["sub"] == client_id, "iss/sub"
                assert claims["exp"] - claims["iat"] == int(ttl), "exp - iat"
                assert len(claims["jti"]) >= 22, "jti of at least 128 bits"
                assert replay or claims["jti"] not in seen, "jti unique"
                seen.add(claims["jti"])
                passed += 1
            except Exception as e:  # noqa: BLE001 - report every failure kind
                failed += 1
                if failed <= 5:
                    print("FAIL assertion:", type(e).__name__, e)
    print(f"verified {passed} assertions, {len(seen)} distinct jti")
    print(f"{1 if failed == 0 and passed > 0 else 0} passed, {1 if failed or not passed else 0} failed")
    return 0 if failed == 0 and passed > 0 else 1


def main(argv):
    if argv[1] in ("jwk-public", "jwk-private"):
        print(json.dumps(jwk(load(argv[2]), argv[3], argv[1] == "jwk-private")))
        return 0
    if argv[1] == "verify-assertions":
        return verify_assertions(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
