#!/usr/bin/python3
"""Makes the RSA keys with chosen public exponents that tests/unit/test_keys.c loads (issue 18,
item 6): one 2048-bit p and q from python3-cryptography, and for each e the key (n, e, d, p, q,
dp, dq, qi) as PKCS#1 PEM, PKCS#8 PEM and private JWK. The DER is written here by hand, because
python3-cryptography refuses to build e = 1 or an even e (the point of the exercise). None of
these keys is a secret: never register them anywhere.

  python3 tests/data/rsa-e/make.py      (rewrites the files beside it; new p and q each run)

  e-1        e = 1: the "signature" is the padded hash itself (refused)
  e-3        e = 3: below FIPS 186-5's 2^16 (refused)
  e-65535    odd, below 2^16 (refused)
  e-65536    even (refused; no d exists, the 65537 key's d and CRT parts are kept)
  e-65537    the usual exponent (loads)
  e-2p64m59  2^64 - 59, the largest 64-bit prime (loads: FIPS range, fits okta_cc_key)
  e-2p255p1  2^255 + 1 ... odd, under 2^256, over 64 bits (refused as unsupported)
  e-2p256p1  2^256 + 1 = F8 (refused: not under 2^256)
"""
import base64, json, math, os
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization

EXPONENTS = {
    "e-1": 1, "e-3": 3, "e-65535": 65535, "e-65536": 65536, "e-65537": 65537,
    "e-2p64m59": 2**64 - 59, "e-2p255p1": 2**255 + 1, "e-2p256p1": 2**256 + 1,
}


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def b64u(v):
    return base64.urlsafe_b64encode(v.to_bytes((v.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def pem(label, der):
    b = base64.b64encode(der).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def primes():
    """p and q with every odd exponent above invertible mod lcm(p-1, q-1)."""
    while True:
        pn = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
        lam = math.lcm(pn.p - 1, pn.q - 1)
        if all(math.gcd(e, lam) == 1 for e in EXPONENTS.values() if e % 2):
            return pn


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    pn = primes()
    p, q, n = pn.p, pn.q, pn.p * pn.q
    lam = math.lcm(p - 1, q - 1)
    qi = pow(q, -1, p)
    for name, e in EXPONENTS.items():
        d = pow(e, -1, lam) if e % 2 else pn.d
        parts = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), qi]
        pkcs1 = tlv(0x30, b"".join(der_int(v) for v in parts))
        alg = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
        pkcs8 = tlv(0x30, der_int(0) + alg + tlv(0x04, pkcs1))
        if e % 2 and e >= 3:            # the DER checked against python3-cryptography's reader
            k = serialization.load_der_private_key(pkcs8, None).private_numbers()
            assert (k.public_numbers.n, k.public_numbers.e, k.d) == (n, e, d)
        jwk = {"kty": "RSA", "kid": name, "n": b64u(n), "e": b64u(e), "d": b64u(d), "p": b64u(p),
               "q": b64u(q), "dp": b64u(parts[6]), "dq": b64u(parts[7]), "qi": b64u(qi)}
        with open(os.path.join(here, name + "-pkcs1.pem"), "w") as f:
            f.write(pem("RSA PRIVATE KEY", pkcs1))
        with open(os.path.join(here, name + "-pkcs8.pem"), "w") as f:
            f.write(pem("PRIVATE KEY", pkcs8))
        with open(os.path.join(here, name + ".jwk.json"), "w") as f:
            f.write(json.dumps(jwk) + "\n")
        with open(os.path.join(here, name + ".jwks.json"), "w") as f:
            f.write(json.dumps({"keys": [jwk]}) + "\n")


if __name__ == "__main__":
    main()
