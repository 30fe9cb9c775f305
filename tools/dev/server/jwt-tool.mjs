#!/usr/bin/env node
// Small helper for tests (node built-ins only).
//   node jwt-tool.mjs jwk KEY.pem KID            -> prints the public JWK (with kid) as JSON
//   node jwt-tool.mjs sign KEY.pem KID CLIENT_ID AUD [JSON_OVERRIDES]
//        -> prints a client_assertion JWT (alg from the key: ES256/384/512 or RS256; override
//           claims or header with {"claims":{...},"header":{...},"alg":"RS384"}; a claim set to
//           null is removed; "kid":null in header omits the kid)
//   node jwt-tool.mjs dpop KEY.pem HTM HTU [JSON_OVERRIDES]
//        -> prints a DPoP proof JWT (RFC 9449): header {typ:"dpop+jwt", alg, jwk: public key},
//           claims {htm, htu, iat, jti}; overrides as for sign plus "access_token":"…" (adds
//           ath = base64url(SHA-256(token))), "nonce":"…" and "private_jwk":true (puts the
//           private key into the header jwk, which a server must refuse)
//   node jwt-tool.mjs jkt KEY.pem                -> prints the RFC 7638 thumbprint of the public key
import crypto from 'node:crypto';
import fs from 'node:fs';

const [cmd, keyFile, ...rest] = process.argv.slice(2);
const usage = () => {
  process.stderr.write('usage: jwt-tool.mjs jwk KEY.pem KID | sign KEY.pem KID CLIENT_ID AUD [JSON]'
    + ' | dpop KEY.pem HTM HTU [JSON] | jkt KEY.pem\n');
  process.exit(2);
};
if (!keyFile) usage();
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const publicJwk = () => crypto.createPublicKey(key).export({ format: 'jwk' });

function defaultAlg() {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  return { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[key.asymmetricKeyDetails.namedCurve];
}

function signJwt(header, claims, alg) {
  for (const obj of [header, claims]) for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
  const input = `${b64u(header)}.${b64u(claims)}`;
  const hash = `sha${alg.slice(2)}`;
  const sig = alg.startsWith('ES')
    ? crypto.sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : crypto.sign(hash, Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

const now = Math.floor(Date.now() / 1000);
if (cmd === 'jwk') {
  const [kid] = rest;
  process.stdout.write(`${JSON.stringify({ ...publicJwk(), kid })}\n`);
} else if (cmd === 'jkt') {
  const j = publicJwk();
  const members = j.kty === 'EC' ? { crv: j.crv, kty: j.kty, x: j.x, y: j.y } : { e: j.e, kty: j.kty, n: j.n };
  process.stdout.write(`${crypto.createHash('sha256').update(JSON.stringify(members)).digest('base64url')}\n`);
} else if (cmd === 'sign') {
  const [kid, clientId, aud, extra] = rest;
  const o = extra ? JSON.parse(extra) : {};
  const alg = o.alg || defaultAlg();
  const header = { alg, typ: 'JWT', kid, ...(o.header || {}) };
  const claims = {
    iss: clientId, sub: clientId, aud, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...(o.claims || {}),
  };
  process.stdout.write(`${signJwt(header, claims, alg)}\n`);
} else if (cmd === 'dpop') {
  const [htm, htu, extra] = rest;
  if (!htm || !htu) usage();
  const o = extra ? JSON.parse(extra) : {};
  const alg = o.alg || defaultAlg();
  const jwk = o.private_jwk ? key.export({ format: 'jwk' }) : publicJwk();
  const header = { typ: 'dpop+jwt', alg, jwk, ...(o.header || {}) };
  const claims = { htm, htu, iat: now, jti: crypto.randomUUID() };
  if (typeof o.access_token === 'string') {
    claims.ath = crypto.createHash('sha256').update(o.access_token).digest('base64url');
  }
  if (typeof o.nonce === 'string') claims.nonce = o.nonce;
  Object.assign(claims, o.claims || {});
  process.stdout.write(`${signJwt(header, claims, alg)}\n`);
} else {
  usage();
}
