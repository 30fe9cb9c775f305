#!/usr/bin/env bash
# make-ca.sh OUTDIR — throwaway test PKI for the local Okta test server (openssl CLI only).
#   ca.pem/ca.key            self-signed CA (EC P-256)
#   server.pem/server.key    server cert signed by the CA; SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   untrusted.pem/.key       self-signed server cert with the same SAN, NOT signed by the CA
# Idempotent: existing complete output is kept.
set -euo pipefail
out=${1:?usage: make-ca.sh OUTDIR}
mkdir -p "$out"
cd "$out"
if [[ -s ca.pem && -s ca.key && -s server.pem && -s server.key && -s untrusted.pem && -s untrusted.key ]]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 -subj "/CN=okta-cc test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$tmp/ca.pem" 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$tmp/server.key"
openssl req -new -key "$tmp/server.key" -subj "/CN=localhost" -out "$tmp/server.csr" 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "$san" > "$tmp/server.ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
  -CAserial "$tmp/ca.srl" -days 825 -sha256 -extfile "$tmp/server.ext" -out "$tmp/server.pem" 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$tmp/untrusted.key"
openssl req -x509 -new -key "$tmp/untrusted.key" -sha256 -days 825 -subj "/CN=localhost" \
  -addext "$san" -addext "extendedKeyUsage=serverAuth" -out "$tmp/untrusted.pem" 2>/dev/null

openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.pem" >/dev/null
chmod 600 "$tmp"/*.key
mv "$tmp"/ca.key "$tmp"/ca.pem "$tmp"/server.key "$tmp"/server.pem "$tmp"/untrusted.key "$tmp"/untrusted.pem .
