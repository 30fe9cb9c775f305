#!/usr/bin/env node
// Small helper for tests (node built-ins only).
//   node jwt-tool.mjs jwk KEY.pem KID            -> prints the public JWK (with kid) as JSON
//   node jwt-tool.mjs sign KEY.pem KID CLIENT_ID AUD [JSON_OVERRIDES]
//        -> prints a client_assertion JWT (alg from the key: ES256/384/512 or RS256; override
//           claims or header with {"claims":{...},"header":{...},"alg":"RS384"}; a claim set to
//           null is removed; "kid":null in header omits the kid)
import crypto from 'node:crypto';
import fs from 'node:fs';

const [cmd, keyFile, kid, clientId, aud, extra] = process.argv.slice(2);
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

if (cmd === 'jwk') {
  const jwk = crypto.createPublicKey(key).export({ format: 'jwk' });
  process.stdout.write(`${JSON.stringify({ ...jwk, kid })}\n`);
} else if (cmd === 'sign') {
  const o = extra ? JSON.parse(extra) : {};
  let alg = o.alg;
  if (!alg) {
    if (key.asymmetricKeyType === 'rsa') alg = 'RS256';
    else alg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[key.asymmetricKeyDetails.namedCurve];
  }
  const now = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'JWT', kid, ...(o.header || {}) };
  const claims = {
    iss: clientId, sub: clientId, aud, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...(o.claims || {}),
  };
  for (const obj of [header, claims]) for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
  const input = `${b64u(header)}.${b64u(claims)}`;
  const hash = `sha${alg.slice(2)}`;
  const sig = alg.startsWith('ES')
    ? crypto.sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : crypto.sign(hash, Buffer.from(input), key);
  process.stdout.write(`${input}.${sig.toString('base64url')}\n`);
} else {
  process.stderr.write('usage: jwt-tool.mjs jwk KEY.pem KID | sign KEY.pem KID CLIENT_ID AUD [JSON]\n');
  process.exit(2);
}
