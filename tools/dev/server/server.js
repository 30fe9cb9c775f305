#!/usr/bin/env node
// Local Okta-compatible authorization server + tiny Management API for okta_cc.h tests.
//
// Token issuance and storage is done by oidc-provider (its ClientCredentials model); this file
// adds Okta's rules in front of it (exact `aud`, single-use `jti`, exp limits, kid selection,
// org-server private_key_jwt only, Okta error wording), DPoP (RFC 9449: oidc-provider's own
// proof checks and nonces at the token endpoint with Okta's wording; our own proof checks on
// /api/v1), a seeded /api/v1/users with Okta pagination and rate-limit headers, and /__test/
// control endpoints (stats, fault injection).
//
// Usage: node server.js --clients FILE [--port 0] [--host 127.0.0.1] [--tls-cert F --tls-key F]
//          [--token-ttl 3600] [--users 250] [--rate-limit 600] [--leeway 0] [--api-dpop-nonce]
//          [--log-rate 1] [--log-backlog 0] [--log-start MS] [--log-seed okta-cc] [--logs-rate-limit 120]
//          [--api-delay-ms 0] [--verbose]
// Prints exactly one line on stdout when listening: READY port=<port> url=<scheme>://<host>:<port>

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import querystring from 'node:querystring';

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

function usage(msg) {
  if (msg) process.stderr.write(`server.js: ${msg}\n`);
  process.stderr.write('usage: node server.js --clients FILE [--port 0] [--host 127.0.0.1] '
    + '[--log-rate N] [--log-backlog N] [--log-start MS] [--log-seed TEXT] [--logs-rate-limit N] '
    + '[--tls-cert F --tls-key F] [--token-ttl SECONDS] [--users N] [--rate-limit N] '
    + '[--leeway SECONDS] [--api-dpop-nonce] [--api-dpop-nonce-seconds 60] [--api-delay-ms MS] [--delay-ms MS] [--verbose]\n');
  process.exit(2);
}

const opts = {
  clients: null,
  port: 0,
  host: '127.0.0.1',
  tlsCert: null,
  tlsKey: null,
  tokenTtl: 3600,
  users: 250,
  logRate: 1, // System Log: events a second (see the System Log section)
  logBacklog: 0,
  logStart: null,
  logSeed: 'okta-cc',
  logsRateLimit: 120,
  rateLimit: 600,
  leeway: 0,
  apiDpopNonce: false,
  apiNonceSeconds: 60,
  apiDelayMs: 0,
  delayMs: 0,
  verbose: false,
};

{
  const argv = process.argv.slice(2);
  const intArg = (name, v, min) => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) usage(`${name} needs an integer >= ${min}`);
    return Number(v);
  };
  const numArg = (name, v) => {
    if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) usage(`${name} needs a number >= 0`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i += 1) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => (v !== undefined ? v : argv[++i]); // eslint-disable-line no-plusplus
    switch (a) {
      case '--clients': opts.clients = val(); break;
      case '--port': opts.port = intArg(a, val(), 0); break;
      case '--host': opts.host = val(); break;
      case '--tls-cert': opts.tlsCert = val(); break;
      case '--tls-key': opts.tlsKey = val(); break;
      case '--token-ttl': opts.tokenTtl = intArg(a, val(), 1); break;
      case '--users': opts.users = intArg(a, val(), 0); break;
      case '--log-rate': opts.logRate = numArg(a, val()); break;
      case '--log-backlog': opts.logBacklog = intArg(a, val(), 0); break;
      case '--log-start': opts.logStart = intArg(a, val(), 0); break;
      case '--log-seed': opts.logSeed = String(val()); break;
      case '--logs-rate-limit': opts.logsRateLimit = intArg(a, val(), 0); break;
      case '--rate-limit': opts.rateLimit = intArg(a, val(), 0); break;
      case '--leeway': opts.leeway = intArg(a, val(), 0); break;
      case '--api-dpop-nonce': opts.apiDpopNonce = true; break;
      case '--api-dpop-nonce-seconds': opts.apiNonceSeconds = intArg(a, val(), 1); break;
      case '--api-delay-ms': opts.apiDelayMs = intArg(a, val(), 0); break;
      case '--delay-ms': opts.delayMs = intArg(a, val(), 0); break;
      case '--verbose': case '-v': opts.verbose = true; break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!opts.clients) usage('--clients FILE is required');
  if (!!opts.tlsCert !== !!opts.tlsKey) usage('--tls-cert and --tls-key go together');
  if (opts.port > 65535) usage('--port out of range');
  // the ids encode the user's number in 4 base-62 characters (see seededId)
  if (opts.users > 62 ** 4 - 1) usage(`--users can be at most ${62 ** 4 - 1}`);
}

// Only the READY line may go to stdout: route everything console prints to stderr, and keep
// oidc-provider's development notices quiet unless --verbose.
{
  const toErr = (...args) => {
    const s = args.map((x) => (typeof x === 'string' ? x : String(x))).join(' ');
    if (!opts.verbose && s.includes('oidc-provider')) return;
    process.stderr.write(`${s}\n`);
  };
  console.log = toErr; // eslint-disable-line no-console
  console.info = toErr; // eslint-disable-line no-console
  console.warn = toErr; // eslint-disable-line no-console
}

const { default: Provider } = await import('oidc-provider');

function log(...args) {
  process.stderr.write(`[okta-test-server] ${args.join(' ')}\n`);
}
function vlog(...args) {
  if (opts.verbose) log(...args);
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

const ORG = 'org';
const ALGS = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', size: 32 },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', size: 48 },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521', size: 66 },
};

let clients = new Map(); // client_id -> normalized client
let knownAuthServers = new Set([ORG, 'default']);

function loadClients() {
  const doc = JSON.parse(fs.readFileSync(opts.clients, 'utf8'));
  const list = Array.isArray(doc) ? doc : doc.clients;
  if (!Array.isArray(list)) throw new Error('clients file: expected {"clients":[...]}');
  const map = new Map();
  const servers = new Set([ORG, 'default']);
  for (const c of list) {
    if (!c || typeof c.client_id !== 'string' || !c.client_id) throw new Error('clients file: client without client_id');
    const keys = [];
    for (const jwk of (c.jwks && c.jwks.keys) || []) {
      const { d, p, q, dp, dq, qi, ...pub } = jwk; // never keep private parts
      let keyObject;
      try {
        keyObject = crypto.createPublicKey({ key: pub, format: 'jwk' });
      } catch (e) {
        throw new Error(`clients file: client ${c.client_id}: bad JWK (${e.message})`);
      }
      keys.push({
        kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, kty: jwk.kty, crv: jwk.crv, alg: jwk.alg, keyObject,
      });
    }
    const authServers = Array.isArray(c.auth_servers) && c.auth_servers.length ? c.auth_servers.map(String) : [ORG, 'default'];
    authServers.forEach((s) => servers.add(s));
    map.set(c.client_id, {
      clientId: c.client_id,
      keys,
      scopes: Array.isArray(c.scopes) ? c.scopes.map(String) : [],
      authServers: new Set(authServers),
      clientSecret: typeof c.client_secret === 'string' ? c.client_secret : undefined,
      method: typeof c.token_endpoint_auth_method === 'string' ? c.token_endpoint_auth_method : undefined,
      requireKid: c.require_kid === true,
      dpopBound: c.dpop_bound_access_tokens === true, // Okta's "Require DPoP header in token requests"
      internalSecret: crypto.randomBytes(24).toString('base64url'),
    });
  }
  clients = map;
  knownAuthServers = servers;
  providers.clear(); // rebuilt lazily; token stores survive (kept per auth server)
}

// ---------------------------------------------------------------------------------------------
// oidc-provider instances (one per authorization server), with a per-server in-memory store
// ---------------------------------------------------------------------------------------------

const providers = new Map(); // auth server id -> { provider, callback }
const stores = new Map(); // auth server id -> Map(key -> { payload, exp(ms) })
let baseUrl = null; // set once listening
const signingJwk = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
signingJwk.kid = 'okta-test-server-signing';
signingJwk.alg = 'ES256';
signingJwk.use = 'sig';
const cookieKey = crypto.randomBytes(32).toString('base64url');

function storeFor(asId) {
  if (!stores.has(asId)) stores.set(asId, new Map());
  return stores.get(asId);
}

function adapterFor(asId) {
  const store = storeFor(asId);
  return class MemoryAdapter {
    constructor(model) { this.model = model; }

    key(id) { return `${this.model}:${id}`; }

    async upsert(id, payload, expiresIn) {
      store.set(this.key(id), { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    }

    async find(id) {
      const e = store.get(this.key(id));
      if (!e) return undefined;
      if (e.exp <= Date.now()) { store.delete(this.key(id)); return undefined; }
      return e.payload;
    }

    async findByUserCode() { return undefined; }

    async findByUid() { return undefined; }

    async consume(id) {
      const e = store.get(this.key(id));
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) { store.delete(this.key(id)); }

    async revokeByGrantId() {}
  };
}

function providerFor(asId) {
  if (providers.has(asId)) return providers.get(asId);
  const issuer = asId === ORG ? baseUrl : `${baseUrl}/oauth2/${asId}`;
  const allScopes = new Set();
  const providerClients = [];
  for (const c of clients.values()) {
    if (!c.authServers.has(asId)) continue;
    c.scopes.forEach((s) => allScopes.add(s));
    providerClients.push({
      client_id: c.clientId,
      client_secret: c.internalSecret,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: c.scopes.join(' ') || undefined,
      dpop_bound_access_tokens: c.dpopBound,
    });
  }
  const provider = new Provider(issuer, {
    adapter: adapterFor(asId),
    clients: providerClients,
    jwks: { keys: [signingJwk] },
    cookies: { keys: [cookieKey] },
    scopes: [...allScopes],
    claims: { openid: ['sub'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['client_credentials'], response_types: [] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      // RFC 9449 at the token endpoint: oidc-provider validates the proof (typ, alg, embedded
      // public jwk, signature, htm, htu, iat when no nonce, nonce, jti replay), binds the token
      // (cnf.jkt, token_type DPoP) and refuses a dpop_bound_access_tokens client without a proof.
      // A nonce is required from clients with dpop_bound_access_tokens (as Okta does); other
      // clients may send a proof without one and still get a bound token.
      dPoP: {
        enabled: true,
        nonceSecret: DPOP_NONCE_SECRET,
        requireNonce: (ctx) => !!(ctx.oidc && ctx.oidc.client && ctx.oidc.client.dpopBoundAccessTokens),
      },
    },
    enabledJWA: { dPoPSigningAlgValues: DPOP_ALGS },
    routes: { token: '/token' },
    ttl: { ClientCredentials: opts.tokenTtl },
    clockTolerance: 0,
  });
  provider.on('grant.success', () => { stats.tokens_issued += 1; });
  provider.on('grant.error', (ctx, err) => {
    vlog(`oidc-provider grant.error: ${err && err.message}: ${err && err.error_description}`);
    if (err && err.error_detail) ctx.oktaErrorDetail = String(err.error_detail);
  });
  // Outermost middleware (provider.use puts it before oidc-provider's error handler): sets the
  // mount path its DPoP htu check uses, counts token types and rewrites oidc-provider's DPoP
  // error wording into Okta's.
  provider.use(async (ctx, next) => {
    if (ctx.req.oktaMountPath) ctx.mountPath = ctx.req.oktaMountPath;
    await next();
    const { body } = ctx;
    if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || typeof body.pipe === 'function') return;
    if (ctx.status === 200 && typeof body.token_type === 'string') {
      stats.token_types[body.token_type] = (stats.token_types[body.token_type] || 0) + 1;
      return;
    }
    if (typeof body.error !== 'string') return;
    const mapped = oktaWordingForProviderDpopError(body.error, body.error_description, ctx.oktaErrorDetail);
    if (mapped && mapped.replay) stats.dpop_replays_refused += 1;
    if (mapped) {
      body.error = mapped.error;
      body.error_description = mapped.description;
    }
    if (body.error === 'use_dpop_nonce') stats.dpop_nonce_challenges += 1;
    const entry = ctx.req.oktaEntry;
    if (entry) {
      entry.error = body.error;
      entry.error_description = body.error_description;
    }
  });
  provider.on('server_error', (ctx, err) => { log(`oidc-provider server_error: ${err && err.stack}`); });
  const entry = { provider, callback: provider.callback() };
  providers.set(asId, entry);
  return entry;
}

// ---------------------------------------------------------------------------------------------
// State: stats, faults, used jti, rate limit, request log
// ---------------------------------------------------------------------------------------------

// What is happening right now (not statistics: a stats reset leaves them alone).
const live = { apiInflight: 0, connectionsOpen: 0 };

// The *_max counters restart from what is open at the reset, so that they only ever describe
// the time since it.
function freshStats() {
  return {
    token_requests: 0,
    tokens_issued: 0,
    api_requests: 0,
    token_errors: 0,
    api_errors: 0,
    faults_served: 0,
    jti_replays: 0,
    rate_limited: 0,
    dpop_proofs_seen: 0, // requests (token and api) that carried a DPoP header
    dpop_replays_refused: 0, // token and api
    dpop_nonce_challenges: 0, // use_dpop_nonce answers, token and api
    dpop_proof_missing: 0, // token requests of a DPoP-requiring client refused for want of a proof
    token_types: { Bearer: 0, DPoP: 0 }, // tokens issued, by token_type
    api_inflight_max: live.apiInflight, // most /api/ requests being handled at one moment
    connections_opened: 0, // TCP connections accepted (for HTTPS, before the TLS handshake)
    connections_open_max: live.connectionsOpen, // most connections open at one moment
  };
}
let stats = freshStats();
const faults = { token: [], api: [] };
const usedJti = new Map(); // `${client}\0${jti}` -> expiry ms
const recent = []; // last requests (no secrets)
const RECENT_MAX = 100;
const RATE_WINDOW = 60;
const rate = { windowEnd: 0, used: 0 };

function remember(entry) {
  recent.push(entry);
  if (recent.length > RECENT_MAX) recent.shift();
}

// What ties the attempts of one call together, for every request log entry: the
// X-Okta-Request-Id this server sent back (set in handle()) and the X-Okta-Retry-For /
// X-Okta-Retry-Count the client sent (Okta's SDKs send them on every retry; null when absent).
function retryFields(req) {
  const one = (v) => (v === undefined ? null : String(v));
  return {
    request_id: req.oktaRequestId || null,
    retry_for: one(req.headers['x-okta-retry-for']),
    retry_count: one(req.headers['x-okta-retry-count']),
  };
}

// One line per request of GET /__test/attempts: which attempt it was and what it carried.
function attemptOf(e) {
  const proof = e.dpop_proof && typeof e.dpop_proof === 'object' ? e.dpop_proof : null;
  return {
    target: e.target,
    status: e.status === undefined ? null : e.status,
    request_id: e.request_id,
    retry_for: e.retry_for,
    retry_count: e.retry_count,
    assertion_jti: (e.assertion_claims && e.assertion_claims.jti) || null,
    dpop_jti: (proof && proof.claims && proof.claims.jti) || null,
    dpop_nonce: (proof && proof.claims && proof.claims.nonce) || null,
  };
}

function rateTake() {
  const now = Math.floor(Date.now() / 1000);
  if (now >= rate.windowEnd) { rate.windowEnd = now + RATE_WINDOW; rate.used = 0; }
  const ok = rate.used < opts.rateLimit;
  if (ok) rate.used += 1;
  return ok;
}

function rateHeaders(res) {
  res.setHeader('X-Rate-Limit-Limit', String(opts.rateLimit));
  res.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, opts.rateLimit - rate.used)));
  res.setHeader('X-Rate-Limit-Reset', String(rate.windowEnd));
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const scheme = opts.tlsCert ? 'https' : 'http';

function requestBase(req) {
  const host = req.headers.host || (baseUrl && new URL(baseUrl).host);
  return `${scheme}://${host}`;
}

function newId(prefix) {
  return prefix + crypto.randomBytes(15).toString('base64url').replace(/[-_]/g, 'x').slice(0, 20 - prefix.length);
}

function sendJson(res, status, obj, extraHeaders = {}) {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    ...extraHeaders,
  });
  res.end(body);
}

function oktaError(res, status, code, summary, extraHeaders = {}) {
  sendJson(res, status, {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: newId('oae'),
    errorCauses: [],
  }, extraHeaders);
}

function oauthError(res, status, error, description, extraHeaders = {}) {
  sendJson(res, status, { error, error_description: description }, {
    'Cache-Control': 'no-cache, no-store',
    Pragma: 'no-cache',
    ...extraHeaders,
  });
}

function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) { reject(Object.assign(new Error('body too large'), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function b64urlJson(part) {
  if (typeof part !== 'string' || !/^[A-Za-z0-9_-]*$/.test(part)) throw new Error('bad base64url');
  const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  return v;
}

function decodeJwt(jwt) {
  if (typeof jwt !== 'string') return null;
  const parts = jwt.split('.');
  if (parts.length !== 3) return null;
  try {
    return {
      header: b64urlJson(parts[0]),
      payload: b64urlJson(parts[1]),
      signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return null;
  }
}

// Marks an assertion's jti as used; returns true when it had been used before.
function burnJti(payload) {
  if (!payload || typeof payload.jti !== 'string' || !payload.jti) return false;
  const who = typeof payload.sub === 'string' ? payload.sub : (typeof payload.iss === 'string' ? payload.iss : '');
  const key = `${who}\0${payload.jti}`;
  const now = Date.now();
  if (usedJti.size > 100000) for (const [k, exp] of usedJti) if (exp < now) usedJti.delete(k);
  const seen = usedJti.has(key);
  const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : now;
  usedJti.set(key, Math.max(exp, now) + 3600 * 1000);
  return seen;
}

// ---------------------------------------------------------------------------------------------
// DPoP (RFC 9449): Okta's wording, proof checks for /api/v1, nonces, used proof jti
// ---------------------------------------------------------------------------------------------

const DPOP_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512']; // what Okta accepts
const DPOP_NONCE_SECRET = crypto.randomBytes(32); // oidc-provider's token-endpoint nonces
const DPOP_IAT_WINDOW = 60; // seconds either side of now (plus --leeway) for proof iat (token and api)
const claimMsg = (c) => `'${c}' claim in the DPoP proof JWT is invalid.`;
const headerMsg = (h) => `'${h}' header in the DPoP proof JWT is invalid.`;
// Okta's exact text: missing, tokenNonce, apiNonce, htu. The rest follows the htu pattern.
const DPOP_MSG = {
  missing: 'The DPoP proof JWT header is missing.',
  tokenNonce: 'Authorization server requires nonce in DPoP proof.',
  apiNonce: 'Resource server requires nonce in DPoP proof.',
  malformed: 'The DPoP proof JWT is malformed.',
  typ: headerMsg('typ'),
  alg: headerMsg('alg'),
  jwk: headerMsg('jwk'),
  signature: 'The DPoP proof JWT signature is invalid.',
  htm: claimMsg('htm'),
  htu: claimMsg('htu'),
  iat: claimMsg('iat'),
  jti: claimMsg('jti'),
  ath: claimMsg('ath'),
  nonce: claimMsg('nonce'),
  replay: "'jti' claim in the DPoP proof JWT has already been used.",
  key: 'The DPoP proof JWT key does not match the key the access token is bound to.',
  invalid: 'The DPoP proof JWT is invalid.',
};

// oidc-provider's DPoP errors at the token endpoint -> Okta's error and wording (null: keep).
function oktaWordingForProviderDpopError(error, description, detail) {
  const d = String(description || '');
  if (error === 'use_dpop_nonce') return { error, description: DPOP_MSG.tokenNonce };
  if (error === 'invalid_grant' && /DPoP proof JWT Replay/i.test(d)) {
    return { error: 'invalid_dpop_proof', description: DPOP_MSG.replay, replay: true };
  }
  if (error === 'invalid_grant' && /DPoP proof JWT not provided/i.test(d)) {
    return { error: 'invalid_dpop_proof', description: DPOP_MSG.missing };
  }
  if (error !== 'invalid_dpop_proof') return null;
  const table = [
    [/htu/, 'htu'], [/htm/, 'htm'], [/ath/, 'ath'], [/\biat\b/, 'iat'], [/\bjti\b/, 'jti'], [/nonce/, 'nonce'],
  ];
  for (const [re, k] of table) if (re.test(d)) return { error, description: DPOP_MSG[k] };
  // 'invalid DPoP key binding': jose's message is in the (unexposed) error detail
  const x = String(detail || '');
  if (/"typ"/.test(x)) return { error, description: DPOP_MSG.typ };
  if (/"alg"/.test(x)) return { error, description: DPOP_MSG.alg };
  if (/"jwk"|JWK|key/i.test(x) && !/signature/i.test(x)) return { error, description: DPOP_MSG.jwk };
  if (/signature/i.test(x)) return { error, description: DPOP_MSG.signature };
  return { error, description: DPOP_MSG.invalid };
}

// RFC 7638 thumbprint of a public JWK (EC or RSA), base64url SHA-256.
function jwkThumbprint(jwk) {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y } : { e: jwk.e, kty: 'RSA', n: jwk.n };
  return crypto.createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

// Resource-server nonces (--api-dpop-nonce): HMAC of the period (a minute, or
// --api-dpop-nonce-seconds); the previous period's stays valid.
const apiNonceSecret = crypto.randomBytes(32);
const apiNonceFor = (step) => crypto.createHmac('sha256', apiNonceSecret).update(String(step)).digest('base64url');
const apiNonceStep = () => Math.floor(Date.now() / (opts.apiNonceSeconds * 1000));
function currentApiNonce() { return apiNonceFor(apiNonceStep()); }
function apiNonceValid(n) {
  const step = apiNonceStep();
  return typeof n === 'string' && (n === apiNonceFor(step) || n === apiNonceFor(step - 1));
}

// Used proof jti (token and api): a proof counts as used as soon as a request carrying it
// arrives, whatever the answer (faults, 429, 401 included). Bounded: entries expire once their
// proof's iat could no longer pass, and past the cap the oldest go first.
const usedProofJti = new Map(); // jti -> expiry ms (insertion order = age)
const PROOF_JTI_MAX = 50000;
function burnProofJti(proof) {
  const jti = proof && proof.payload && proof.payload.jti;
  if (typeof jti !== 'string' || !jti) return false;
  const now = Date.now();
  const prev = usedProofJti.get(jti);
  const seen = prev !== undefined && prev > now;
  usedProofJti.delete(jti);
  // the token endpoint accepts iat up to 300 s old (oidc-provider), the api 60 s + leeway
  usedProofJti.set(jti, now + (2 * Math.max(300, DPOP_IAT_WINDOW + opts.leeway) + 5) * 1000);
  if (usedProofJti.size > PROOF_JTI_MAX) {
    for (const [k, exp] of usedProofJti) if (exp <= now) usedProofJti.delete(k);
    for (const k of usedProofJti.keys()) {
      if (usedProofJti.size <= PROOF_JTI_MAX * 0.9) break;
      usedProofJti.delete(k);
    }
  }
  return seen;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// Checks a DPoP proof presented to /api/v1 with `Authorization: DPoP <token>`.
// Returns null when fine, else { error, description, nonce? } (nonce: send DPoP-Nonce).
function checkApiProof(req, url, tokenValue, token, raw, proof, replayed) {
  const bad = (k) => ({ error: 'invalid_dpop_proof', description: DPOP_MSG[k] });
  if (raw === undefined) return bad('missing');
  if (!proof) return bad('malformed');
  const { header, payload } = proof;
  if (header.typ !== 'dpop+jwt') return bad('typ');
  if (typeof header.alg !== 'string' || !DPOP_ALGS.includes(header.alg)) return bad('alg');
  const { jwk } = header;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return bad('jwk');
  if (PRIVATE_JWK_MEMBERS.some((m) => jwk[m] !== undefined)) return bad('jwk'); // public key only
  if (jwk.kty !== ALGS[header.alg].kty) return bad('jwk');
  let keyObject;
  try {
    keyObject = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return bad('jwk');
  }
  if (!verifySignature(proof, { kty: jwk.kty, keyObject }, header.alg)) return bad('signature');
  if (payload.htm !== req.method) return bad('htm');
  // Okta compares htu with the percent-decoded path (no query, no fragment)
  let path = url.pathname;
  try { path = decodeURIComponent(path); } catch { /* keep the raw path */ }
  if (payload.htu !== `${requestBase(req)}${path}`) return bad('htu');
  const now = Date.now() / 1000;
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)
      || Math.abs(now - payload.iat) > DPOP_IAT_WINDOW + opts.leeway) return bad('iat');
  if (typeof payload.jti !== 'string' || !payload.jti) return bad('jti');
  const ath = crypto.createHash('sha256').update(tokenValue).digest('base64url');
  if (payload.ath !== ath) return bad('ath');
  if (jwkThumbprint(jwk) !== token.jkt) return bad('key');
  if (replayed) return { ...bad('replay'), replay: true };
  if (opts.apiDpopNonce && !apiNonceValid(payload.nonce)) {
    return { error: 'use_dpop_nonce', description: DPOP_MSG.apiNonce, nonce: currentApiNonce() };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

function nowSec() { return Math.floor(Date.now() / 1000); }

// Returns true when the fault fully handled (or deliberately dropped) the request.
async function applyFault(fault, req, res, target) {
  stats.faults_served += 1;
  vlog(`fault ${target}: ${JSON.stringify(fault)}`);
  const kind = fault.kind || 'status';
  const hdrs = fault.headers && typeof fault.headers === 'object' ? fault.headers : {};
  switch (kind) {
    case 'slow':
      await sleep(Number(fault.delay_ms) || 0);
      return false; // then answer normally
    case 'hang':
      // never answer; the socket is cleaned up when the client closes it (or at shutdown)
      req.socket.setTimeout(0);
      await new Promise((resolve) => { res.on('close', resolve); });
      return true;
    case 'reset':
      // A TCP RST where Node can send one (plain sockets); TLS sockets are just destroyed.
      try {
        if (!req.socket.encrypted && typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
        else req.socket.destroy();
      } catch {
        req.socket.destroy();
      }
      return true;
    case 'truncated': {
      const body = Buffer.from(target === 'token'
        ? '{"token_type":"Bearer","expires_in":3600,"access_token":"eyJraWQiOiJ0cnVuY2F0ZWQ'
        : '[{"id":"00utruncated00000000","status":"ACTIVE","profile":{"login":"trunc');
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length + 1000),
        ...hdrs,
      });
      res.write(body, () => { setTimeout(() => req.socket.destroy(), 20); });
      return true;
    }
    case 'garbage': {
      const status = Number(fault.status) || 200;
      const body = typeof fault.body === 'string' ? fault.body
        : (target === 'token' ? '{"access_token": "abc' : '<html><body>Service Unavailable</body></html>');
      const buf = Buffer.from(body);
      res.writeHead(status, {
        'Content-Type': 'application/json', 'Content-Length': String(buf.length), ...hdrs,
      });
      res.end(buf);
      return true;
    }
    case 'oversized': {
      const total = Math.max(0, Number(fault.bytes) || 3000000);
      res.writeHead(Number(fault.status) || 200, { 'Content-Type': 'application/json', ...hdrs }); // chunked
      const head = target === 'token' ? '{"token_type":"Bearer","expires_in":3600,"access_token":"' : '[{"id":"';
      const tail = target === 'token' ? '"}' : '"}]';
      let sent = 0;
      const write = (s) => { sent += Buffer.byteLength(s); return res.write(s); };
      write(head);
      const chunk = 'A'.repeat(65536);
      while (sent < total - tail.length && !res.destroyed) {
        const n = Math.min(chunk.length, total - tail.length - sent);
        if (!write(n === chunk.length ? chunk : chunk.slice(0, n))) {
          // eslint-disable-next-line no-await-in-loop
          await new Promise((r) => { res.once('drain', r); res.once('close', r); });
        }
      }
      if (!res.destroyed) res.end(tail);
      return true;
    }
    case 'raw': {
      // A hostile or broken server: these bytes (base64) as the whole response, then the
      // connection closed. Node refuses control bytes in header values; this does not, so a
      // test can put ESC, BEL, CR or C1 bytes into a Location or WWW-Authenticate header.
      req.socket.end(Buffer.from(String(fault.data || ''), 'base64'));
      return true;
    }
    case 'expire_token':
      req.oktaExpireToken = true;
      return false;
    case 'next_link':
      // answer normally, but with this rel="next" link (a path on this server): a listing
      // whose pages link back to an earlier one never ends unless the client notices.
      req.oktaNextLink = String(fault.url || '');
      return false;
    case 'status': {
      const status = Number(fault.status) || 500;
      if (status === 429) {
        const reset = nowSec() + (fault.reset_in !== undefined ? Number(fault.reset_in) : 2);
        const h = {
          'X-Rate-Limit-Limit': String(opts.rateLimit),
          'X-Rate-Limit-Remaining': '0',
          'X-Rate-Limit-Reset': fault.duplicate_reset ? [String(reset + 30), String(reset)] : String(reset),
          ...hdrs,
        };
        if (typeof fault.body === 'string') {
          res.writeHead(429, { 'Content-Type': 'application/json', ...h });
          res.end(fault.body);
        } else {
          // a fault 429 replaces the normal rate-limit headers
          ['X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset'].forEach((n) => res.removeHeader(n));
          oktaError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.', h);
        }
        return true;
      }
      if (typeof fault.body === 'string') {
        res.writeHead(status, { 'Content-Type': fault.content_type || 'application/json', ...hdrs });
        res.end(fault.body);
        return true;
      }
      if (status === 401) {
        if (target === 'token') {
          oauthError(res, 401, 'invalid_client', 'Client authentication failed. Either the client or the client credentials are invalid.', hdrs);
        } else {
          oktaError(res, 401, 'E0000011', 'Invalid token provided', hdrs);
        }
      } else if (status === 403) {
        oktaError(res, 403, 'E0000006', 'You do not have permission to perform the requested action', hdrs);
      } else if (status === 503) {
        oktaError(res, 503, 'E0000010', 'Service is temporarily unavailable. Please try again later.', hdrs);
      } else if (status === 504) {
        oktaError(res, 504, 'E0000009', 'Internal Server Error', hdrs);
      } else if (status >= 500) {
        oktaError(res, status, 'E0000009', 'Internal Server Error', hdrs);
      } else {
        oktaError(res, status, 'E0000001', `Injected error ${status}`, hdrs);
      }
      return true;
    }
    default:
      log(`unknown fault kind ${kind}, ignored`);
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Token endpoint
// ---------------------------------------------------------------------------------------------

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups', 'device_sso']);
const GENERIC_CLIENT_FAIL = 'Client authentication failed. Either the client or the client credentials are invalid.';

class TokenError extends Error {
  constructor(status, error, description) {
    super(description);
    this.status = status;
    this.error = error;
  }
}
const clientErr = (d) => new TokenError(401, 'invalid_client', d);

function verifySignature(decoded, key, alg) {
  const spec = ALGS[alg];
  if (key.kty !== spec.kty) return false;
  if (spec.kty === 'EC') {
    const crv = key.keyObject.asymmetricKeyDetails && key.keyObject.asymmetricKeyDetails.namedCurve;
    const want = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[spec.crv];
    if (crv !== want) return false;
    if (decoded.signature.length !== 2 * spec.size) return false;
    return crypto.verify(spec.hash, decoded.signingInput, { key: key.keyObject, dsaEncoding: 'ieee-p1363' }, decoded.signature);
  }
  return crypto.verify(spec.hash, decoded.signingInput, key.keyObject, decoded.signature);
}

// Validates client authentication following Okta's rules; returns the client.
function authenticateClient(req, form, asId, tokenUrl, decoded, replayed) {
  const authz = req.headers.authorization;
  const basic = typeof authz === 'string' && /^basic\s/i.test(authz);
  const methods = [basic, form.client_secret !== undefined, form.client_assertion !== undefined].filter(Boolean).length;
  if (methods > 1) {
    throw new TokenError(400, 'invalid_request', 'Cannot supply multiple client credentials. Use one of the following: '
      + 'credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.');
  }

  // --- client secret (basic or post) ---
  if (basic || form.client_secret !== undefined) {
    let id;
    let secret;
    if (basic) {
      const raw = Buffer.from(authz.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const i = raw.indexOf(':');
      if (i < 0) throw clientErr(GENERIC_CLIENT_FAIL);
      // RFC 6749 2.3.1: both parts are application/x-www-form-urlencoded ("+" is a space).
      const formDecode = (x) => decodeURIComponent(x.replace(/\+/g, ' '));
      id = formDecode(raw.slice(0, i));
      secret = formDecode(raw.slice(i + 1));
    } else {
      id = form.client_id;
      secret = form.client_secret;
    }
    const client = typeof id === 'string' ? clients.get(id) : undefined;
    if (!client) throw clientErr("Invalid value for 'client_id' parameter.");
    if (asId === ORG) {
      throw clientErr('Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.');
    }
    const used = basic ? 'client_secret_basic' : 'client_secret_post';
    if (!client.clientSecret || (client.method && client.method !== used)) throw clientErr(GENERIC_CLIENT_FAIL);
    const a = Buffer.from(String(secret));
    const b = Buffer.from(client.clientSecret);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
      throw clientErr('The client secret supplied for a confidential client is invalid.');
    }
    return client;
  }

  // --- private_key_jwt ---
  if (form.client_assertion === undefined) {
    if (typeof form.client_id === 'string' && !clients.has(form.client_id)) throw clientErr("Invalid value for 'client_id' parameter.");
    throw clientErr(GENERIC_CLIENT_FAIL);
  }
  if (form.client_assertion_type !== ASSERTION_TYPE) throw clientErr('The client_assertion_type is invalid.');
  if (!decoded) throw clientErr('The client_assertion is not a well-formed JWT.');
  const { header, payload } = decoded;
  const { iss, sub } = payload;
  if (typeof sub !== 'string' || typeof iss !== 'string' || !sub) throw clientErr("The client_assertion token must contain 'iss' and 'sub' claims.");
  if (iss !== sub) throw clientErr("The client_assertion token 'iss' and 'sub' claims must both be the client_id.");
  if (form.client_id !== undefined && form.client_id !== sub) throw clientErr("The client_id parameter does not match the client_assertion 'sub' claim.");
  const client = clients.get(sub);
  if (!client) throw clientErr("Invalid value for 'client_id' parameter.");
  if (client.method && client.method !== 'private_key_jwt') {
    if (asId === ORG) throw clientErr('Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.');
    throw clientErr(GENERIC_CLIENT_FAIL);
  }
  if (typeof header.alg !== 'string' || !ALGS[header.alg]) throw clientErr('The client_assertion JWT alg is not supported.');
  if (client.keys.length === 0) throw clientErr('The client_assertion JWT kid is invalid.');
  let key;
  if (header.kid !== undefined) {
    key = client.keys.find((k) => k.kid === header.kid);
    if (!key) throw clientErr('The client_assertion JWT kid is invalid.');
  } else {
    if (client.keys.length !== 1 || client.requireKid) throw clientErr('The client_assertion JWT kid is invalid.');
    [key] = client.keys;
  }
  if (!verifySignature(decoded, key, header.alg)) throw clientErr('The client_assertion signature is invalid.');
  if (typeof payload.aud !== 'string' || payload.aud !== tokenUrl) {
    throw clientErr('The audience claim for client_assertion must be the endpoint invoked for the request.');
  }
  const now = Date.now() / 1000;
  const { exp, iat, nbf } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw clientErr("The client_assertion token must contain an 'exp' claim.");
  if (exp + opts.leeway <= now) throw clientErr('The client_assertion token is expired.');
  if (exp > now + 3600 || (typeof iat === 'number' && exp - iat > 3600)) {
    throw clientErr('The client_assertion token has an expiration too far into the future.');
  }
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + 60 + opts.leeway)) {
    throw clientErr("The client_assertion token 'iat' claim is invalid or in the future.");
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + opts.leeway)) {
    throw clientErr('The client_assertion token is not yet valid.');
  }
  if (typeof payload.jti !== 'string' || !payload.jti) throw clientErr("The client_assertion token must contain a 'jti' claim.");
  if (replayed) {
    stats.jti_replays += 1;
    throw clientErr('The client_assertion token has already been used.');
  }
  return client;
}

function checkScopes(form, client, asId) {
  const raw = typeof form.scope === 'string' ? form.scope.trim() : '';
  if (!raw) {
    throw new TokenError(400, 'invalid_scope', "The authorization server resource does not have any configured default scopes, 'scope' must be provided.");
  }
  const scopes = [...new Set(raw.split(/ +/))];
  const oidc = scopes.filter((s) => OIDC_SCOPES.has(s));
  if (oidc.length) throw new TokenError(400, 'invalid_scope', `Cannot request '${oidc[0]}' scopes using client credentials`);
  if (asId === ORG && scopes.some((s) => !s.startsWith('okta.'))) {
    throw new TokenError(400, 'invalid_scope', 'One or more scopes are not configured for the authorization server resource.');
  }
  const granted = new Set(client.scopes);
  const missing = scopes.filter((s) => !granted.has(s));
  if (missing.length) {
    throw new TokenError(400, 'invalid_scope', `The following scopes are not allowed for this request: [${missing.join(', ')}].`);
  }
  return scopes;
}

async function handleToken(req, res, asId, path) {
  stats.token_requests += 1;
  const entry = {
    target: 'token', method: req.method, path, user_agent: req.headers['user-agent'] || null, at: new Date().toISOString(),
    ...retryFields(req),
  };
  remember(entry);
  res.on('finish', () => { entry.status = res.statusCode; }); // faults' answers too
  await roundTripDelay();
  const fail = (status, error, desc) => {
    stats.token_errors += 1;
    entry.status = status;
    entry.error = error;
    entry.error_description = desc;
    vlog(`token ${asId}: ${status} ${error}: ${desc}`);
    oauthError(res, status, error, desc);
  };

  if (req.method !== 'POST') {
    stats.token_errors += 1;
    entry.status = 405;
    oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method', { Allow: 'POST' });
    return;
  }
  let bodyBuf;
  try {
    bodyBuf = await readBody(req, 64 * 1024);
  } catch (e) {
    fail(e.status || 400, 'invalid_request', 'The request body could not be read.');
    return;
  }
  const ctype = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  const form = ctype === 'application/x-www-form-urlencoded' ? querystring.parse(bodyBuf.toString('utf8')) : {};
  entry.content_type = req.headers['content-type'] || null;
  entry.form_keys = Object.keys(form);
  entry.grant_type = form.grant_type;
  entry.scope = form.scope;
  entry.has_authorization_header = !!req.headers.authorization;
  entry.query = new URL(req.url, 'http://x').search || null;

  // Decode the assertion (if any) and burn its jti right away: Okta refuses a replay even of an
  // assertion whose first request failed (including injected faults).
  const decoded = typeof form.client_assertion === 'string' ? decodeJwt(form.client_assertion) : null;
  const replayed = decoded ? burnJti(decoded.payload) : false;
  if (decoded) {
    entry.assertion_header = decoded.header;
    entry.assertion_claims = decoded.payload;
  }
  // Likewise a DPoP proof is used once it arrives (Okta: "a NEW proof" for every retry).
  const dpopRaw = req.headers.dpop;
  entry.dpop = dpopRaw !== undefined;
  let dpopReplayed = false;
  let dpopProof = null;
  if (dpopRaw !== undefined) {
    stats.dpop_proofs_seen += 1;
    dpopProof = decodeJwt(dpopRaw);
    dpopReplayed = burnProofJti(dpopProof);
    entry.dpop_proof = dpopProof ? { header: dpopProof.header, claims: dpopProof.payload } : 'malformed';
  }

  const fault = faults.token.shift();
  if (fault) {
    entry.fault = fault.kind || 'status';
    if (await applyFault(fault, req, res, 'token')) return;
  }

  if (!knownAuthServers.has(asId)) {
    stats.token_errors += 1;
    entry.status = 404;
    oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${asId} (AuthorizationServer)`);
    return;
  }
  if (ctype !== 'application/x-www-form-urlencoded') {
    fail(400, 'invalid_request', 'The request must use the application/x-www-form-urlencoded content type.');
    return;
  }
  if (new URL(req.url, 'http://x').search) {
    // Okta refuses credentials in the query; keep it simple and refuse any query on /token
    fail(400, 'invalid_request', 'Query parameters are not allowed on the token endpoint.');
    return;
  }
  for (const [k, v] of Object.entries(form)) {
    if (Array.isArray(v)) { fail(400, 'invalid_request', `The '${k}' parameter was supplied more than once.`); return; }
  }
  if (!form.grant_type) { fail(400, 'invalid_request', "The 'grant_type' parameter is required."); return; }
  if (form.grant_type !== 'client_credentials') {
    fail(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].');
    return;
  }

  const tokenUrl = `${requestBase(req)}${path}`;
  let client;
  let scopes;
  try {
    client = authenticateClient(req, form, asId, tokenUrl, decoded, replayed);
    if (!client.authServers.has(asId)) {
      throw new TokenError(400, 'access_denied', 'Policy evaluation failed for this request, please check the policy configurations.');
    }
    scopes = checkScopes(form, client, asId);
    if (client.dpopBound && dpopRaw === undefined) {
      stats.dpop_proof_missing += 1;
      throw new TokenError(400, 'invalid_dpop_proof', DPOP_MSG.missing);
    }
    if (dpopReplayed) {
      stats.dpop_replays_refused += 1;
      throw new TokenError(400, 'invalid_dpop_proof', DPOP_MSG.replay);
    }
    // oidc-provider skips the iat check when the proof carries a nonce: keep iat recent anyway
    const iat = dpopProof && dpopProof.payload.iat;
    if (typeof iat === 'number' && !(Math.abs(Date.now() / 1000 - iat) <= DPOP_IAT_WINDOW + opts.leeway)) {
      throw new TokenError(400, 'invalid_dpop_proof', DPOP_MSG.iat);
    }
  } catch (e) {
    if (!(e instanceof TokenError)) throw e;
    fail(e.status, e.error, e.message);
    return;
  }
  entry.client_id = client.clientId;

  // Hand the (now validated) request to oidc-provider, authenticated with an internal secret,
  // so that the token is minted and stored by its ClientCredentials model. The DPoP header stays:
  // oidc-provider checks the proof and binds the token. req.originalUrl makes its htu check
  // expect the path the client called (ctx.mountPath, set by our middleware, is that path minus
  // '/token', so its urlFor('token') is <scheme>://<Host header><path>).
  const internal = querystring.stringify({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.internalSecret,
    scope: scopes.join(' '),
  });
  const { callback } = providerFor(asId);
  delete req.headers.authorization;
  delete req.headers['x-forwarded-proto'];
  delete req.headers['x-forwarded-host'];
  delete req.headers['transfer-encoding'];
  req.headers['content-type'] = 'application/x-www-form-urlencoded';
  req.headers['content-length'] = String(Buffer.byteLength(internal));
  req.body = internal;
  req.oktaMountPath = path.slice(0, -'/token'.length); // path always ends in /v1/token
  req.url = '/token';
  req.oktaEntry = entry;
  res.on('finish', () => {
    entry.status = res.statusCode;
    if (res.statusCode !== 200) stats.token_errors += 1;
  });
  callback(req, res);
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

const FIRST = ['Zoë', 'José', 'Łukasz', '美咲', 'Ærøskøbing', 'Alice', 'Bob', 'Carol', 'Dmitri', 'Émilie',
  'François', 'Günther', 'Hiroshi', 'Ingrid', 'Jürgen', 'Kateřina', 'Liam', 'María', 'Nuño', 'Olivia',
  'Paweł', 'Quentin', 'Raúl', 'Søren', 'Tomás', 'Ümit', 'Valentina', 'Wojciech', 'Xiù', 'Yaël'];
const LAST = ['Smith', 'García', 'Müller', 'Nováková', "O'Brien", 'Øster', '山田', 'Żółć', 'Lefèvre', 'Nguyễn',
  'Johnson', 'Brown', 'Kowalski', 'Ivanov', 'Şahin', 'Dubois', 'Rossi', 'Jensen', 'Papadopoulos', 'Lee',
  'Weiß', 'Håkansson', 'Silva', 'Çelik', 'Ó Súilleabháin', 'Kim', 'Andersson', 'Fernández', 'Wang', 'Brontë'];
const STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'PROVISIONED', 'ACTIVE', 'SUSPENDED', 'ACTIVE',
  'STAGED', 'ACTIVE', 'LOCKED_OUT', 'ACTIVE', 'PASSWORD_EXPIRED', 'ACTIVE', 'RECOVERY', 'ACTIVE'];
const USER_TYPE_ID = 'oty1a2b3c4d5e6f7g8h9';
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// 20-char Okta-looking id; the 4 characters after the prefix encode n (base 62, ASCII order) so
// that sorting by id keeps the seeding order (user001 first), the rest is a stable hash.
function seededId(prefix, n, seed) {
  const h = crypto.createHash('sha256').update(seed).digest();
  let s = prefix + ordinal(n);
  for (let i = 0; s.length < 20; i += 1) s += ALNUM[h[i] % ALNUM.length];
  return s;
}

function ordinal(n) {
  let ord = '';
  for (let v = n, i = 0; i < 4; i += 1, v = Math.floor(v / 62)) ord = ALNUM[v % 62] + ord;
  return ord;
}

// The n encoded in 4 base-62 characters, or -1 when they are not 4 ALNUM characters.
function ordinalValue(text) {
  if (!/^[0-9A-Za-z]{4}$/.test(text)) return -1;
  let v = 0;
  for (const c of text) v = v * 62 + ALNUM.indexOf(c);
  return v;
}

// The org's users are never stored: user i (1..N) is computed from i alone, so any N costs the
// same memory and startup time, and the same N always gives the same users, ids and order.
// Since the id starts with i in fixed-width base 62, id order is i order: user i sits at
// index i - 1 of the listing.
const USER_COUNT = opts.users;
const USER_BASE_MS = Date.UTC(2021, 0, 4, 9, 30, 0);
const DAY_MS = 86400000;
const LOGIN_WIDTH = Math.max(3, String(USER_COUNT).length);
const USER_ID_PREFIX = '00u';

const userId = (i) => seededId(USER_ID_PREFIX, i, `user-${i}`);
const userLogin = (i) => `user${String(i).padStart(LOGIN_WIDTH, '0')}@example.com`;

function makeUser(i) {
  const iso = (ms) => new Date(ms).toISOString();
  const login = userLogin(i);
  const status = STATUSES[(i - 1) % STATUSES.length];
  const created = USER_BASE_MS + i * DAY_MS + (i % 97) * 60000;
  const never = status === 'STAGED' || status === 'PROVISIONED';
  const activated = status === 'STAGED' ? null : created + 3600000;
  const lastUpdated = created + (i % 30) * DAY_MS;
  return {
    id: userId(i),
    status,
    created: iso(created),
    activated: activated === null ? null : iso(activated),
    statusChanged: status === 'STAGED' ? null : iso(lastUpdated),
    lastLogin: never ? null : iso(lastUpdated + (i % 11) * 3600000),
    lastUpdated: iso(lastUpdated),
    passwordChanged: never ? null : iso(created + 7200000),
    type: { id: USER_TYPE_ID },
    profile: {
      firstName: FIRST[(i - 1) % FIRST.length],
      lastName: LAST[(i * 7) % LAST.length],
      mobilePhone: null,
      secondEmail: null,
      login,
      email: login,
    },
    credentials: {
      ...(never ? {} : { password: {} }),
      emails: [{ value: login, status: 'VERIFIED', type: 'PRIMARY' }],
      provider: { type: 'OKTA', name: 'OKTA' },
    },
  };
}

// Index in the listing of the first user whose id sorts after `after` (Okta's cursor: the last
// id of the previous page). A cursor shaped like our ids gives its number directly: users
// before it sort before it, users after it after, and only its own id needs comparing.
// Anything else is found by binary search over the computed ids.
function firstIndexAfter(after) {
  const n = after.startsWith(USER_ID_PREFIX) ? ordinalValue(after.slice(3, 7)) : -1;
  if (n >= 0) {
    if (n < 1) return 0;
    if (n > USER_COUNT) return USER_COUNT;
    return userId(n) > after ? n - 1 : n;
  }
  let lo = 0;
  let hi = USER_COUNT; // the answer is in [lo, hi]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (userId(mid + 1) > after) hi = mid; else lo = mid + 1;
  }
  return lo;
}

// GET /api/v1/users/{id|login}: user i only if its id or login is exactly what was asked.
function findUser(key) {
  const byId = key.startsWith(USER_ID_PREFIX) ? ordinalValue(key.slice(3, 7)) : -1;
  if (byId >= 1 && byId <= USER_COUNT && userId(byId) === key) return makeUser(byId);
  const m = /^user(\d+)@example\.com$/.exec(key);
  const i = m ? Number(m[1]) : 0;
  if (i >= 1 && i <= USER_COUNT && userLogin(i) === key) return makeUser(i);
  return null;
}

function withLinks(user, base) {
  return { ...user, _links: { self: { href: `${base}/api/v1/users/${user.id}` } } };
}

// ---------------------------------------------------------------------------------------------
// System Log (/api/v1/logs)
// ---------------------------------------------------------------------------------------------

// Events are never stored: event i is computed from i and --log-seed, and published at a time
// that depends on i alone (the schedule below), so a server restarted with the same --log-start,
// --log-rate, --log-backlog and --log-seed serves exactly the same events, at the same times.
// Schedule: --log-backlog events spread over the hour before --log-start, then --log-rate events
// a second from --log-start on; POST /__test/logs/rate starts a new segment at another rate.
const LOG_TYPES = [
  ['user.session.start', 'User login to Okta', 'SUCCESS', null, 'INFO'],
  ['user.session.start', 'User login to Okta', 'FAILURE', 'INVALID_CREDENTIALS', 'WARN'],
  ['user.authentication.sso', 'User single sign on to app', 'SUCCESS', null, 'INFO'],
  ['user.authentication.auth_via_mfa', 'Authentication of user via MFA', 'SUCCESS', null, 'INFO'],
  ['user.session.end', 'User logout from Okta', 'SUCCESS', null, 'INFO'],
  ['user.account.lock', 'Max sign in attempts exceeded', 'SUCCESS', null, 'WARN'],
  ['app.oauth2.as.token.grant.access_token', 'OAuth2 access token is granted', 'SUCCESS', null, 'INFO'],
  ['user.lifecycle.create', 'Create Okta user', 'SUCCESS', null, 'INFO'],
  ['group.user_membership.add', 'Add user to group membership', 'SUCCESS', null, 'INFO'],
  ['policy.evaluate_sign_on', 'Evaluation of sign-on policy', 'ALLOW', null, 'INFO'],
];
const LOG_CITIES = [['Paris', 'Ile-de-France', 'France', 48.86, 2.35], ['Osaka', 'Osaka', 'Japan', 34.69, 135.5],
  ['São Paulo', 'São Paulo', 'Brazil', -23.55, -46.63], ['Kraków', 'Lesser Poland', 'Poland', 50.06, 19.94],
  ['Austin', 'Texas', 'United States', 30.27, -97.74]];
const LOG_MAX_LIMIT = 1000;
const LOG_DEFAULT_LIMIT = 100;
const logsRate = { windowEnd: 0, used: 0 };
const logSchedule = {
  backlog: opts.logBacklog,
  start: opts.logStart === null ? Date.now() : opts.logStart,
  segments: [], // { i0, t0, rate }: from event i0, rate events a second from t0 (ms)
};
logSchedule.segments.push({ i0: opts.logBacklog, t0: logSchedule.start, rate: opts.logRate });

function logSegmentOf(i) {
  const segs = logSchedule.segments;
  let k = segs.length - 1;
  while (k > 0 && segs[k].i0 > i) k -= 1;
  return segs[k];
}

// Published time (ms) of event i; Infinity when the schedule never reaches it.
function logPublished(i) {
  const { backlog, start } = logSchedule;
  if (i < backlog) return start - 3600000 + Math.floor((i * 3600000) / backlog);
  const seg = logSegmentOf(i);
  if (!(seg.rate > 0)) return Infinity;
  return seg.t0 + Math.floor(((i - seg.i0) * 1000) / seg.rate);
}

// How many events are published at or before `now` (ms): they are events 0 .. count - 1.
function logCount(now) {
  const segs = logSchedule.segments;
  let k = -1;
  for (let j = 0; j < segs.length; j += 1) if (segs[j].t0 <= now) k = j;
  if (k < 0) return logSchedule.backlog;
  const seg = segs[k];
  const end = k + 1 < segs.length ? segs[k + 1].i0 : Infinity;
  if (!(seg.rate > 0)) return seg.i0;
  let c = seg.i0 + Math.floor(((now - seg.t0) * seg.rate) / 1000) + 1;
  while (c < end && logPublished(c) <= now) c += 1;
  while (c > seg.i0 && logPublished(c - 1) > now) c -= 1;
  return Math.min(c, end);
}

// The first event index in [0, count) published at or after ms (count when none).
function logFirstAtOrAfter(ms, count) {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (logPublished(mid) >= ms) hi = mid; else lo = mid + 1;
  }
  return lo;
}

function logHash(i) {
  return crypto.createHash('sha256').update(`${opts.logSeed}:${i}`).digest();
}

// The opaque `after` cursor for "from event i on": the index and a check of it, so that a
// cursor is only ever one this server (with this seed) made.
function logCursor(i) {
  return `${i}_${logHash(i).subarray(28).toString('hex')}`;
}
function logCursorIndex(text) {
  const m = /^(\d{1,15})_([0-9a-f]{8})$/.exec(String(text));
  return m && logCursor(Number(m[1])) === text ? Number(m[1]) : -1;
}

function logEventType(i) { return LOG_TYPES[logHash(i)[16] % LOG_TYPES.length][0]; }

function makeLogEvent(i) {
  const h = logHash(i);
  const hex = h.toString('hex');
  const [eventType, displayMessage, result, reason, severity] = LOG_TYPES[h[16] % LOG_TYPES.length];
  const u = (h[17] * 256 + h[18]) % Math.max(1, Math.min(USER_COUNT, 1000)) + 1;
  const city = LOG_CITIES[h[19] % LOG_CITIES.length];
  const ip = `198.51.100.${h[20]}`;
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[h[8] & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return {
    actor: {
      id: userId(u), type: 'User', alternateId: userLogin(u), displayName: `${FIRST[(u - 1) % FIRST.length]} ${LAST[(u * 7) % LAST.length]}`, detailEntry: null,
    },
    client: {
      userAgent: { rawUserAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', os: 'Linux', browser: 'FIREFOX' },
      zone: 'null',
      device: 'Computer',
      id: null,
      ipAddress: ip,
      geographicalContext: {
        city: city[0], state: city[1], country: city[2], postalCode: null, geolocation: { lat: city[3], lon: city[4] },
      },
    },
    device: null,
    authenticationContext: {
      authenticationProvider: null, credentialProvider: null, credentialType: null, issuer: null, interface: null,
      authenticationStep: 0, externalSessionId: `102${hex.slice(32, 54)}`,
    },
    displayMessage,
    eventType,
    outcome: { result, reason },
    published: new Date(logPublished(i)).toISOString(),
    securityContext: {
      asNumber: 64496 + (h[21] % 16), asOrg: 'example transit', isp: 'example isp', domain: 'example.net', isProxy: false,
    },
    severity,
    debugContext: { debugData: { requestId: `req${hex.slice(40, 57)}`, requestUri: '/api/v1/authn', url: '/api/v1/authn?' } },
    legacyEventType: `core.${eventType}`,
    transaction: { type: 'WEB', id: `req${hex.slice(40, 57)}`, detail: {} },
    uuid,
    version: '0',
    request: { ipChain: [{ ip, geographicalContext: { city: city[0], country: city[2] }, version: 'V4', source: null }] },
    target: [{
      id: userId(u), type: 'AppUser', alternateId: userLogin(u), displayName: 'okta-cc test app', detailEntry: null,
    }],
  };
}

// filter: eventType eq "X" [or eventType eq "Y" ...] (Okta's SCIM-like filter, this part of
// it); a Set of event types, null for no filter, or undefined when it is not understood.
function logFilter(text) {
  if (text === null || text.trim() === '') return null;
  const types = new Set();
  for (const part of text.split(/\s+or\s+/i)) {
    const m = /^\s*\(?\s*eventType\s+eq\s+"([^"]+)"\s*\)?\s*$/.exec(part);
    if (!m) return undefined;
    types.add(m[1]);
  }
  return types;
}

function logsRateTake() {
  const now = Math.floor(Date.now() / 1000);
  if (now >= logsRate.windowEnd) { logsRate.windowEnd = now + RATE_WINDOW; logsRate.used = 0; }
  const ok = logsRate.used < opts.logsRateLimit;
  if (ok) logsRate.used += 1;
  return ok;
}

function logsRateHeaders(res) {
  res.setHeader('X-Rate-Limit-Limit', String(opts.logsRateLimit));
  res.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, opts.logsRateLimit - logsRate.used)));
  res.setHeader('X-Rate-Limit-Reset', String(logsRate.windowEnd));
}

// GET /api/v1/logs, as Okta's: since (default 7 days ago), until, after (cursor), limit (default
// 100, at most 1000), sortOrder (ASCENDING default, DESCENDING), filter (on eventType).
// Polling (no until, ASCENDING): the answer ALWAYS has a next link, with the cursor after the
// page; with nothing new the page is [] and the link is the same cursor. Bounded (until, or
// DESCENDING with until defaulting to now): the next link ends with the window.
function handleLogs(req, res, url, base) {
  const q = url.searchParams;
  const now = Date.now();
  const count = logCount(now);
  const bad = (what) => oktaError(res, 400, 'E0000001', `Api validation failed: ${what}`);
  const time = (name, dflt) => {
    const v = q.get(name);
    if (v === null) return dflt;
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : NaN;
  };
  const since = time('since', now - 7 * 86400000);
  let until = time('until', null);
  if (Number.isNaN(since) || Number.isNaN(until)) { bad('since/until must be ISO 8601 times'); return; }
  const order = (q.get('sortOrder') || 'ASCENDING').toUpperCase();
  if (order !== 'ASCENDING' && order !== 'DESCENDING') { bad('sortOrder must be ASCENDING or DESCENDING'); return; }
  let limit = LOG_DEFAULT_LIMIT;
  const lp = q.get('limit');
  if (lp !== null && /^-?\d+$/.test(lp.trim())) limit = Math.min(LOG_MAX_LIMIT, Math.max(1, Number(lp)));
  const types = logFilter(q.get('filter'));
  if (types === undefined) { bad('filter: only eventType eq "..." (joined with or) is supported here'); return; }
  const after = q.get('after');
  const at = after === null ? null : logCursorIndex(after);
  if (at !== null && at < 0) { bad('after is not a cursor of this listing'); return; }
  const polling = until === null && order === 'ASCENDING';
  if (until === null && order === 'DESCENDING') until = now;
  const lo = logFirstAtOrAfter(since, count);
  const hi = until === null ? count : logFirstAtOrAfter(until, count);
  const match = (i) => !types || types.has(logEventType(i));
  const page = [];
  let pos;
  let more;
  if (order === 'ASCENDING') {
    pos = at === null ? lo : Math.max(at, lo);
    for (; pos < hi && page.length < limit; pos += 1) if (match(pos)) page.push(makeLogEvent(pos));
    more = polling || (pos < hi && (() => { for (let i = pos; i < hi; i += 1) if (match(i)) return true; return false; })());
  } else {
    pos = at === null ? hi : Math.min(at, hi); // exclusive: events below pos are left
    for (; pos > lo && page.length < limit; pos -= 1) if (match(pos - 1)) page.push(makeLogEvent(pos - 1));
    more = pos > lo && (() => { for (let i = pos - 1; i >= lo; i -= 1) if (match(i)) return true; return false; })();
  }
  const links = [`<${base}${url.pathname}${url.search}>; rel="self"`];
  if (req.oktaNextLink) {
    links.push(`<${base}${req.oktaNextLink}>; rel="next"`);
  } else if (more) {
    const next = new URLSearchParams(q);
    next.delete('after');
    next.set('after', logCursor(pos));
    links.push(`<${base}${url.pathname}?${next.toString()}>; rel="next"`);
  }
  stats.log_events_served = (stats.log_events_served || 0) + page.length;
  sendJson(res, 200, page, { Link: links });
}

// /__test/logs...: GET /__test/logs[?from=I&to=J] lists the events published so far (or I..J-1),
// each with the cursor that starts at it, to compare a follower's output with;
// POST /__test/logs/rate {"rate":N} changes the rate from now on; POST /__test/logs/rate_limit
// {"limit":N,"remaining":N,"reset":true} sets the logs bucket as /__test/rate_limit sets the users',
// and {"reset_in":S} ends its window S seconds from now (a test need not wait a minute for it).
function handleLogsTest(req, res, url, body) {
  const p = url.pathname;
  const count = logCount(Date.now());
  if (p === '/__test/logs' && req.method === 'GET') {
    const from = Math.max(0, Number(url.searchParams.get('from') || 0));
    const to = Math.min(count, Number(url.searchParams.get('to') || count));
    const events = [];
    for (let i = from; i < to && events.length < 200000; i += 1) {
      const e = makeLogEvent(i);
      events.push(url.searchParams.get('full') ? { ...e, cursor: logCursor(i) }
        : { uuid: e.uuid, published: e.published, eventType: e.eventType, cursor: logCursor(i) });
    }
    sendJson(res, 200, {
      count, start: logSchedule.start, backlog: logSchedule.backlog, segments: logSchedule.segments, events,
    });
  } else if (p === '/__test/logs/rate' && req.method === 'POST') {
    const rate = Number(body.rate);
    if (!(rate >= 0)) { sendJson(res, 400, { error: 'expected {"rate": events per second >= 0}' }); return; }
    const now = Date.now() + 1; // after every event published so far
    logSchedule.segments.push({ i0: logCount(now - 1), t0: now, rate });
    sendJson(res, 200, { count, rate });
  } else if (p === '/__test/logs/rate_limit' && req.method === 'POST') {
    if (Number.isInteger(body.limit) && body.limit >= 0) opts.logsRateLimit = body.limit;
    logsRateTake(); logsRate.used = Math.max(0, logsRate.used - 1); // make sure a window is open
    if (Number.isInteger(body.remaining)) logsRate.used = Math.max(0, opts.logsRateLimit - body.remaining);
    if (Number.isInteger(body.reset_in) && body.reset_in > 0) logsRate.windowEnd = nowSec() + body.reset_in; // a short window
    if (body.reset) { logsRate.windowEnd = 0; logsRate.used = 0; }
    sendJson(res, 200, { limit: opts.logsRateLimit, remaining: Math.max(0, opts.logsRateLimit - logsRate.used), reset: logsRate.windowEnd });
  } else {
    sendJson(res, 404, { error: 'unknown test endpoint' });
  }
}

// ---------------------------------------------------------------------------------------------
// Management API
// ---------------------------------------------------------------------------------------------

async function handleApi(req, res, url) {
  stats.api_requests += 1;
  const entry = {
    target: 'api', method: req.method, path: url.pathname, query: url.search || null,
    user_agent: req.headers['user-agent'] || null, at: new Date().toISOString(),
    authorization_scheme: typeof req.headers.authorization === 'string' ? req.headers.authorization.split(' ')[0] : null,
    ...retryFields(req),
  };
  remember(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
    if (res.statusCode >= 400) stats.api_errors += 1;
  });

  // A DPoP proof is used as soon as it arrives, whatever the answer (faults and 429 included).
  const dpopRaw = req.headers.dpop;
  let proof = null;
  let proofReplayed = false;
  if (dpopRaw !== undefined) {
    stats.dpop_proofs_seen += 1;
    proof = decodeJwt(dpopRaw);
    proofReplayed = burnProofJti(proof);
    entry.dpop_proof = proof ? { header: proof.header, claims: proof.payload } : 'malformed';
  }

  const logs = url.pathname === '/api/v1/logs'; // the System Log has its own, lower rate limit
  const allowed = logs ? logsRateTake() : rateTake();
  if (logs) logsRateHeaders(res); else rateHeaders(res);
  await apiDelay();

  const fault = faults.api.shift();
  if (fault) {
    entry.fault = fault.kind || 'status';
    if (await applyFault(fault, req, res, 'api')) return;
  }
  if (!allowed) {
    stats.rate_limited += 1;
    oktaError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    return;
  }

  // authentication: `Bearer <token>`, or `DPoP <token>` plus a DPoP proof for a DPoP-bound token
  const authz = req.headers.authorization;
  const m = typeof authz === 'string' ? /^(Bearer|DPoP) +(\S+)$/i.exec(authz) : null;
  const authScheme = m ? (m[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer') : 'Bearer';
  const challenge = (error, description, more = '') => `${authScheme}${authScheme === 'DPoP' ? ` algs="${DPOP_ALGS.join(' ')}",` : ''} `
    + `authorization_uri="${requestBase(req)}/oauth2/v1/authorize", realm="${requestBase(req)}", ${more}`
    + `error="${error}", error_description="${description}", resource="${url.pathname}"`;
  const unauthorized = (error, description, extra = {}) => {
    oktaError(res, 401, 'E0000011', 'Invalid token provided', { 'WWW-Authenticate': challenge(error, description), ...extra });
  };
  let token;
  if (m && !req.oktaExpireToken) {
    token = await providerFor(ORG).provider.ClientCredentials.find(m[2]);
  }
  if (!token) {
    unauthorized('invalid_token', 'The token is invalid or has expired.');
    return;
  }
  if (token.jkt && authScheme !== 'DPoP') {
    unauthorized('invalid_token', 'The access token is DPoP-bound: it must be presented with the DPoP scheme and a DPoP proof.');
    return;
  }
  if (!token.jkt && authScheme === 'DPoP') {
    unauthorized('invalid_token', 'The access token is not DPoP-bound: present it with the Bearer scheme.');
    return;
  }
  if (authScheme === 'DPoP') {
    const e = checkApiProof(req, url, m[2], token, dpopRaw, proof, proofReplayed);
    if (e) {
      if (e.replay) stats.dpop_replays_refused += 1;
      const extra = {};
      if (e.nonce) {
        stats.dpop_nonce_challenges += 1;
        extra['DPoP-Nonce'] = e.nonce;
      }
      entry.error = e.error;
      entry.error_description = e.description;
      unauthorized(e.error, e.description, extra);
      return;
    }
  }
  const tokenScopes = new Set(String(token.scope || '').split(' '));
  const needed = logs ? ['okta.logs.read'] : ['okta.users.read', 'okta.users.manage'];
  if (!needed.some((s) => tokenScopes.has(s))) {
    oktaError(res, 403, 'E0000006', 'You do not have permission to perform the requested action', {
      'WWW-Authenticate': challenge('insufficient_scope', 'The access token provided does not contain the required scopes.', `scope="${needed[0]}", `),
    });
    return;
  }
  entry.client_id = token.clientId;

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method', { Allow: 'GET' });
    return;
  }
  const base = requestBase(req);
  if (logs) {
    handleLogs(req, res, url, base);
    return;
  }
  if (url.pathname === '/api/v1/users') {
    let limit = 200;
    const lp = url.searchParams.get('limit');
    if (lp !== null && /^-?\d+$/.test(lp.trim())) limit = Math.min(200, Math.max(1, Number(lp)));
    const after = url.searchParams.get('after');
    const start = after !== null && after !== '' ? firstIndexAfter(after) : 0;
    const page = [];
    for (let k = start; k < Math.min(start + limit, USER_COUNT); k += 1) page.push(withLinks(makeUser(k + 1), base));
    const links = [`<${base}${url.pathname}${url.search}>; rel="self"`];
    if (req.oktaNextLink) {
      links.push(`<${base}${req.oktaNextLink}>; rel="next"`);
    } else if (start + limit < USER_COUNT && page.length) {
      const next = new URLSearchParams(url.searchParams);
      next.delete('after');
      next.delete('limit');
      next.set('after', page[page.length - 1].id);
      next.set('limit', String(limit));
      links.push(`<${base}${url.pathname}?${next.toString()}>; rel="next"`);
    }
    sendJson(res, 200, page, { Link: links }); // array → one Link header line per rel
    return;
  }
  const one = /^\/api\/v1\/users\/([^/]+)$/.exec(url.pathname);
  if (one) {
    const id = decodeURIComponent(one[1]);
    const user = findUser(id);
    if (!user) {
      oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
      return;
    }
    sendJson(res, 200, withLinks(user, base));
    return;
  }
  oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${url.pathname} (Resource)`);
}

// ---------------------------------------------------------------------------------------------
// Test control endpoints
// ---------------------------------------------------------------------------------------------

const FAULT_KINDS = new Set(['status', 'slow', 'hang', 'truncated', 'reset', 'garbage', 'oversized', 'expire_token', 'next_link', 'raw']);

async function handleTest(req, res, url) {
  const ra = req.socket.remoteAddress || '';
  if (!(ra === '::1' || ra.startsWith('127.') || ra.startsWith('::ffff:127.'))) {
    oktaError(res, 403, 'E0000006', 'You do not have permission to perform the requested action');
    return;
  }
  let body = {};
  if (req.method === 'POST') {
    const buf = await readBody(req);
    if (buf.length) {
      try { body = JSON.parse(buf.toString('utf8')); } catch { sendJson(res, 400, { error: 'body is not JSON' }); return; }
    }
  }
  const p = url.pathname;
  if (p === '/__test/stats' && req.method === 'GET') {
    sendJson(res, 200, {
      ...stats,
      api_inflight: live.apiInflight,
      connections_open: live.connectionsOpen,
      faults_pending: { token: faults.token.length, api: faults.api.length },
    });
  } else if (p === '/__test/reset_stats' && req.method === 'POST') {
    stats = freshStats();
    recent.length = 0;
    sendJson(res, 200, { ok: true });
  } else if (p === '/__test/faults' && req.method === 'POST') {
    const { target } = body;
    const list = Array.isArray(body.faults) ? body.faults : (body.kind ? [body] : null);
    if (!(target === 'token' || target === 'api') || !list) {
      sendJson(res, 400, { error: 'expected {"target":"token"|"api","faults":[...]}' });
      return;
    }
    for (const f of list) {
      if (!f || typeof f !== 'object' || !FAULT_KINDS.has(f.kind || 'status')) {
        sendJson(res, 400, { error: `bad fault ${JSON.stringify(f)}` });
        return;
      }
    }
    if (body.replace) faults[target] = [];
    faults[target].push(...list);
    sendJson(res, 200, { ok: true, pending: faults[target].length });
  } else if (p === '/__test/faults' && req.method === 'GET') {
    sendJson(res, 200, faults);
  } else if (p === '/__test/clear_faults' && req.method === 'POST') {
    faults.token = [];
    faults.api = [];
    sendJson(res, 200, { ok: true });
  } else if (p === '/__test/expire_tokens' && req.method === 'POST') {
    let n = 0;
    for (const store of stores.values()) {
      for (const k of [...store.keys()]) if (k.startsWith('ClientCredentials:')) { store.delete(k); n += 1; }
    }
    sendJson(res, 200, { ok: true, expired: n });
  } else if (p === '/__test/logs' || p.startsWith('/__test/logs/')) {
    handleLogsTest(req, res, url, body);
  } else if (p === '/__test/requests' && req.method === 'GET') {
    sendJson(res, 200, recent);
  } else if (p === '/__test/attempts' && req.method === 'GET') {
    // the recent token and API requests (oldest first), one small object each: status,
    // request_id, retry_for, retry_count, assertion_jti, dpop_jti, dpop_nonce
    sendJson(res, 200, recent.filter((e) => e.target === 'token' || e.target === 'api').map(attemptOf));
  } else if (p === '/__test/rate_limit' && req.method === 'POST') {
    // {"limit":N} changes the limit; {"remaining":N} sets what is left in the current window
    if (Number.isInteger(body.limit) && body.limit >= 0) opts.rateLimit = body.limit;
    rateTake(); rate.used = Math.max(0, rate.used - 1); // make sure a window is open
    if (Number.isInteger(body.remaining)) rate.used = Math.max(0, opts.rateLimit - body.remaining);
    if (body.reset) { rate.windowEnd = 0; rate.used = 0; }
    sendJson(res, 200, { limit: opts.rateLimit, remaining: Math.max(0, opts.rateLimit - rate.used), reset: rate.windowEnd });
  } else if (p === '/__test/delay' && req.method === 'POST') {
    // {"ms":N}: what --delay-ms sets, from now on (0 turns it off)
    if (!Number.isInteger(body.ms) || body.ms < 0) { sendJson(res, 400, { error: 'expected {"ms":N}, N >= 0' }); return; }
    opts.delayMs = body.ms;
    sendJson(res, 200, { ms: opts.delayMs });
  } else if (p === '/__test/health') {
    sendJson(res, 200, { ok: true });
  } else {
    sendJson(res, 404, { error: 'unknown test endpoint' });
  }
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

async function handle(req, res) {
  const started = Date.now();
  req.oktaRequestId = newId('req');
  res.setHeader('X-Okta-Request-Id', req.oktaRequestId);
  if (opts.verbose) {
    // path only: never log queries, headers or bodies (they carry tokens and assertions)
    const logPath = req.url.split('?')[0];
    res.on('close', () => vlog(`${req.method} ${logPath} -> ${res.headersSent ? res.statusCode : 'no response'} ${Date.now() - started}ms`));
  }
  let url;
  try {
    url = new URL(req.url, 'http://localhost');
  } catch {
    oktaError(res, 400, 'E0000003', 'The request body was not well-formed.');
    return;
  }
  const p = url.pathname;
  let m;
  if (p === '/oauth2/v1/token') {
    await handleToken(req, res, ORG, p);
  } else if ((m = /^\/oauth2\/([^/]+)\/v1\/token$/.exec(p))) {
    await handleToken(req, res, decodeURIComponent(m[1]), p);
  } else if (p.startsWith('/__test/')) {
    await handleTest(req, res, url);
  } else if (p.startsWith('/api/')) {
    await handleApiTimed(req, res, url, p);
  } else {
    oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${p} (Resource)`);
  }
}

// An /api/ request: counted as in flight from its arrival until its response is done or its
// connection gone (a 'hang' fault stays in flight).
async function handleApiTimed(req, res, url, p) {
  live.apiInflight += 1;
  stats.api_inflight_max = Math.max(stats.api_inflight_max, live.apiInflight);
  res.once('close', () => { live.apiInflight -= 1; });
  if (p === '/api/v1/users' || p.startsWith('/api/v1/users/') || p === '/api/v1/logs') {
    await handleApi(req, res, url);
    return;
  }
  stats.api_requests += 1;
  rateTake();
  rateHeaders(res);
  await apiDelay();
  oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${p} (Resource)`);
}

// --api-delay-ms: every /api/ answer (faults and errors too) is held back this long (plus
// --delay-ms), once the request has been counted, so that concurrent requests overlap
// measurably.
async function apiDelay() {
  if (opts.apiDelayMs + opts.delayMs) await sleep(opts.apiDelayMs + opts.delayMs);
}

// --delay-ms (or POST /__test/delay): every token and /api/ answer comes this much later, as
// from an Okta cell a network round trip away. A timer, so other requests go on meanwhile.
async function roundTripDelay() {
  if (opts.delayMs) await sleep(opts.delayMs);
}

try {
  loadClients();
} catch (e) {
  log(`cannot load clients file ${opts.clients}: ${e.message}`);
  process.exit(2);
}

const sockets = new Set();
const onRequest = (req, res) => {
  handle(req, res).catch((e) => {
    log(`internal error: ${e && e.stack}`);
    if (!res.headersSent) oktaError(res, 500, 'E0000009', 'Internal Server Error');
    else res.destroy();
  });
};
const server = opts.tlsCert
  ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) }, onRequest)
  : http.createServer(onRequest);
server.keepAliveTimeout = 5000;
server.requestTimeout = 0; // 'hang' faults must be able to hang
server.headersTimeout = 30000;
// Every accepted TCP connection (HTTP, or HTTPS before its handshake) counts; open ones until
// their socket closes.
server.on('connection', (s) => {
  stats.connections_opened += 1;
  live.connectionsOpen += 1;
  stats.connections_open_max = Math.max(stats.connections_open_max, live.connectionsOpen);
  s.once('close', () => { live.connectionsOpen -= 1; });
});
server.on(opts.tlsCert ? 'secureConnection' : 'connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
if (opts.tlsCert) {
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('tlsClientError', (err) => vlog(`TLS client error: ${err.message}`));
}
server.on('clientError', (err, socket) => {
  vlog(`client error: ${err.message}`);
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  vlog(`${sig}: stopping`);
  server.close(() => process.exit(0));
  for (const s of sockets) s.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => {
  try {
    loadClients();
    log(`reloaded ${clients.size} client(s) from ${opts.clients}`);
  } catch (e) {
    log(`SIGHUP: reload failed, keeping old clients: ${e.message}`);
  }
});

server.on('error', (e) => {
  log(`listen error: ${e.message}`);
  process.exit(1);
});
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  baseUrl = `${scheme}://${hostPart}:${port}`;
  process.stdout.write(`READY port=${port} url=${baseUrl}\n`);
  vlog(`listening; ${clients.size} client(s), ${USER_COUNT} users, token ttl ${opts.tokenTtl}s`);
});
