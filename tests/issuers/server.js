#!/usr/bin/env node
// A local OIDC issuer for tests of JWKS fetching: discovery documents and JWK Sets for a few
// named issuers, with faults switched on through a plain-HTTP control port.
// Node built-ins only. See tests/issuers/README.md for the command line and the control API.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const { parseArgs } = require('node:util');

// ---------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  process.stderr.write(
    `server.js: ${message}\n` +
      'usage: node server.js --port-file FILE [--tls-cert server.pem --tls-key server.key]\n' +
      '                      [--issuers a,b,c] [--max-age SECONDS]\n');
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      'port-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      issuers: { type: 'string', default: 'a,b,c' },
      'max-age': { type: 'string', default: '3600' },
    },
    strict: true,
  }).values;
} catch (e) {
  usage(e.message);
}
if (!args['port-file']) usage('--port-file is required');
if (!args['tls-cert'] !== !args['tls-key']) usage('--tls-cert and --tls-key go together');
const TLS = Boolean(args['tls-cert']);
const SCHEME = TLS ? 'https' : 'http';
const DEFAULT_MAX_AGE = Number(args['max-age']);
if (!Number.isInteger(DEFAULT_MAX_AGE) || DEFAULT_MAX_AGE < 0) usage('--max-age must be an integer >= 0');
const NAMES = args.issuers.split(',').map((s) => s.trim()).filter(Boolean);
for (const n of NAMES) {
  if (!/^[A-Za-z0-9_-]+$/.test(n)) usage(`bad issuer name: ${JSON.stringify(n)}`);
}
if (NAMES.length === 0) usage('--issuers names no issuer');

let mainPort = 0; // set once the main server listens; issuer URLs need it

// ---------------------------------------------------------------------------------------------
// Keys and signing

const ALGS = {
  RS256: { generate: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  PS256: { generate: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  ES256: { generate: () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  EdDSA: { generate: () => crypto.generateKeyPairSync('ed25519') },
};

// A new key for `alg` named `kid`: the key objects and its public and private JWKs.
function makeKey(alg, kid) {
  const { publicKey, privateKey } = ALGS[alg].generate();
  const pub = publicKey.export({ format: 'jwk' }); // public members only
  return {
    kid,
    alg,
    publicKey,
    privateKey,
    publicJwk: { kid, alg, use: 'sig', ...pub },
    privateJwk: { kid, alg, ...privateKey.export({ format: 'jwk' }) },
  };
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// The signature of `input` (the JWS signing input) by `key` for header algorithm `alg`.
// Besides the key's own algorithm: PS256 and RS256 with either RSA key; `none` (empty
// signature); HS256 keyed with the key's public PEM (the algorithm-confusion attack).
// Any other header alg is signed with the key's own algorithm, so the header does not match.
function signatureFor(alg, key, input) {
  const data = Buffer.from(input);
  const rsa = key.alg === 'RS256' || key.alg === 'PS256';
  if (alg === 'none') return Buffer.alloc(0);
  if (alg === 'HS256') {
    const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
    return crypto.createHmac('sha256', secret).update(data).digest();
  }
  const use = (alg === 'RS256' || alg === 'PS256') && rsa ? alg : key.alg;
  switch (use) {
    case 'RS256':
      return crypto.sign('sha256', data, key.privateKey);
    case 'PS256':
      return crypto.sign('sha256', data, {
        key: key.privateKey,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    case 'ES256':
      return crypto.sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return crypto.sign(null, data, key.privateKey);
  }
  throw new Error(`cannot sign with ${use}`);
}

// A compact JWS of `claims` signed with `key`. `claims` gets defaults for iss, exp and iat when
// it lacks them; a claim whose value is null is left out (a way to omit a defaulted claim).
function signToken(issuer, key, { claims = {}, alg = key.alg, headerKid = key.kid, omitKid = false }) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...claims };
  if (!('iss' in payload)) payload.iss = issuer.url();
  if (!('exp' in payload)) payload.exp = now + 3600;
  if (!('iat' in payload)) payload.iat = now;
  for (const k of Object.keys(payload)) if (payload[k] === null) delete payload[k];
  const header = { alg, typ: 'JWT' };
  if (!omitKid) header.kid = headerKid;
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(signatureFor(alg, key, input))}`;
}

// ---------------------------------------------------------------------------------------------
// Issuers

// A mode is `ok`, `down`, `status:<code>`, `malformed`, `oversized[:<bytes>]`, `slow:<ms>`,
// `badkey`, `privatekey` or `hang`. Returns the parsed mode, or null when `text` is none of these.
function parseMode(text) {
  if (typeof text !== 'string') return null;
  const [name, arg, extra] = text.split(':');
  if (extra !== undefined) return null;
  const int = (s, min, max) => (/^\d+$/.test(s) && +s >= min && +s <= max ? +s : null);
  switch (name) {
    case 'ok': case 'down': case 'malformed': case 'badkey': case 'privatekey': case 'hang':
      return arg === undefined ? { name, text } : null;
    case 'status': {
      const code = int(arg, 100, 599);
      return code === null ? null : { name, code, text };
    }
    case 'slow': {
      const ms = int(arg, 0, 24 * 3600 * 1000);
      return ms === null ? null : { name, ms, text };
    }
    case 'oversized': {
      if (arg === undefined) return { name, bytes: 1024 * 1024 + 64 * 1024, text };
      const bytes = int(arg, 1, 256 * 1024 * 1024);
      return bytes === null ? null : { name, bytes, text };
    }
  }
  return null;
}

class Issuer {
  constructor(name) {
    this.name = name;
    this.counter = 0; // the last N in the default kid N-<counter>
    this.keys = []; // oldest first; the newest signs by default
    this.mode = { discovery: parseMode('ok'), jwks: parseMode('ok') };
    this.maxAge = DEFAULT_MAX_AGE; // null: no Cache-Control
    this.resetStats();
    this.addKey('RS256');
  }

  url() {
    return `${SCHEME}://127.0.0.1:${mainPort}/${this.name}`;
  }

  resetStats() {
    this.stats = { discovery: 0, jwks: 0, redirect: 0, plain_http: 0 };
  }

  addKey(alg, kid) {
    this.counter += 1;
    const key = makeKey(alg, kid ?? `${this.name}-${this.counter}`);
    this.keys.push(key);
    return key;
  }

  discovery() {
    return {
      issuer: this.url(),
      jwks_uri: `${this.url()}/jwks.json`,
      id_token_signing_alg_values_supported: [...new Set(this.keys.map((k) => k.alg))],
    };
  }

  jwks() {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}

const issuers = new Map(NAMES.map((n) => [n, new Issuer(n)]));

// ---------------------------------------------------------------------------------------------
// The issuer server (HTTPS with --tls-*, else HTTP)

function send(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

// Answers a discovery (`kind` 'discovery') or JWKS (`kind` 'jwks') request as the issuer's mode
// for it says.
function answer(issuer, kind, res) {
  const mode = issuer.mode[kind];
  const doc = kind === 'jwks' ? issuer.jwks() : issuer.discovery();
  const headers = { ...JSON_TYPE };
  if (kind === 'jwks' && issuer.maxAge !== null) {
    headers['Cache-Control'] = `public, max-age=${issuer.maxAge}`;
  }
  switch (mode.name) {
    case 'ok':
      return send(res, 200, JSON.stringify(doc), headers);
    case 'slow':
      return void setTimeout(() => send(res, 200, JSON.stringify(doc), headers), mode.ms);
    case 'down':
      return void res.socket.destroy();
    case 'hang':
      return; // the request stays open until the client gives up
    case 'status':
      return send(res, mode.code, JSON.stringify({ error: `status ${mode.code}` }), JSON_TYPE);
    case 'malformed': // the first bytes of a document, cut off
      return send(res, 200, kind === 'jwks' ? '{"keys":[{"kty":' : '{"issuer":', headers);
    case 'oversized': { // the real document with a padding member, `bytes` long in all
      const json = JSON.stringify(doc);
      const pad = Math.max(0, mode.bytes - json.length - '"padding":"",'.length);
      const body = `{"padding":"${'x'.repeat(pad)}",${json.slice(1)}`;
      return send(res, 200, body, headers);
    }
    case 'badkey': // discovery is unaffected
      if (kind === 'discovery') return send(res, 200, JSON.stringify(doc), headers);
      return send(res, 200,
        '{"keys":[{"kty":"RSA","kid":"bad","n":"AQAB","e":"AQAB","alg":"RS256"}]}', headers);
    case 'privatekey': // the real keys with a private member: an issuer publishing its secrets
      if (kind === 'discovery') return send(res, 200, JSON.stringify(doc), headers);
      return send(res, 200, JSON.stringify({ keys: doc.keys.map((k) => ({ ...k, d: 'AQAB' })) }),
        headers);
  }
}

function onIssuerRequest(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/health') return send(res, 200, 'ok');
  const m = /^\/([^/]+)(\/.*)$/.exec(url.pathname);
  const issuer = m && issuers.get(m[1]);
  if (!issuer || req.method !== 'GET') return send(res, 404, 'not found');
  if (TLS && !req.socket.encrypted) issuer.stats.plain_http += 1;
  switch (m[2]) {
    case '/.well-known/openid-configuration':
      issuer.stats.discovery += 1;
      return answer(issuer, 'discovery', res);
    case '/jwks.json':
      issuer.stats.jwks += 1;
      return answer(issuer, 'jwks', res);
    case '/redirect-to-http':
      issuer.stats.redirect += 1;
      return send(res, 302, '', { Location: `http://127.0.0.1:${mainPort}/${issuer.name}/jwks.json` });
    case '/redirect':
      issuer.stats.redirect += 1;
      return send(res, 302, '', { Location: `/${issuer.name}/jwks.json` });
    case '/redirect-to':
      // Anywhere the test asks (?to=…): another port, another host, a scheme-relative URL.
      issuer.stats.redirect += 1;
      return send(res, 302, '', { Location: url.searchParams.get('to') || '/' });
  }
  return send(res, 404, 'not found');
}

// With TLS the port also answers plain HTTP (told apart by the first byte: a TLS handshake
// starts with 0x16), so a client that follows /N/redirect-to-http gets the JWKS and the test
// sees it in stats.plain_http rather than in a protocol error.
function makeIssuerServer() {
  const plain = http.createServer(onIssuerRequest);
  if (!TLS) return plain;
  const secure = https.createServer(
    { cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) },
    onIssuerRequest);
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The control server (plain HTTP, JSON)

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const v = JSON.parse(text);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          return reject(new HttpError(400, 'the body must be a JSON object'));
        }
        resolve(v);
      } catch {
        reject(new HttpError(400, 'the body is not JSON'));
      }
    });
  });
}

// The issuer's key named `kid`, or its newest key when `kid` is undefined.
function findKey(issuer, kid) {
  const key = kid === undefined ? issuer.keys.at(-1) : issuer.keys.find((k) => k.kid === kid);
  if (!key) throw new HttpError(404, kid === undefined ? 'the issuer has no key' : `no key ${kid}`);
  return key;
}

function checkClaims(claims) {
  if (claims === undefined) return {};
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new HttpError(400, 'claims must be a JSON object');
  }
  return claims;
}

// Control routes under /<issuer>/: (issuer, body) => response value (sent as JSON).
const CONTROL = {
  'POST add-key': (issuer, body) => {
    const alg = body.alg ?? 'RS256';
    if (!ALGS[alg]) throw new HttpError(400, `alg must be one of ${Object.keys(ALGS).join(', ')}`);
    if (body.kid !== undefined && typeof body.kid !== 'string') throw new HttpError(400, 'kid must be a string');
    if (body.kid !== undefined && issuer.keys.some((k) => k.kid === body.kid)) {
      throw new HttpError(409, `key ${body.kid} exists`);
    }
    const key = issuer.addKey(alg, body.kid);
    return { kid: key.kid, private_jwk: key.privateJwk };
  },
  'POST remove-key': (issuer, body) => {
    if (typeof body.kid !== 'string') throw new HttpError(400, 'kid must be a string');
    const key = findKey(issuer, body.kid);
    issuer.keys = issuer.keys.filter((k) => k !== key);
    return { removed: key.kid };
  },
  'GET keys': (issuer) =>
    issuer.keys.map((k) => ({ kid: k.kid, alg: k.alg, private_jwk: k.privateJwk })),
  'POST mode': (issuer, body) => {
    const mode = parseMode(body.mode);
    if (!mode) throw new HttpError(400, `unknown mode ${JSON.stringify(body.mode)}`);
    const only = body.only;
    if (only !== undefined && only !== 'discovery' && only !== 'jwks') {
      throw new HttpError(400, 'only must be "discovery" or "jwks"');
    }
    if (only !== 'jwks') issuer.mode.discovery = mode;
    if (only !== 'discovery') issuer.mode.jwks = mode;
    return { discovery: issuer.mode.discovery.text, jwks: issuer.mode.jwks.text };
  },
  'GET mode': (issuer) => ({ discovery: issuer.mode.discovery.text, jwks: issuer.mode.jwks.text }),
  'POST max-age': (issuer, body) => {
    const s = body.seconds;
    if (s !== null && !(Number.isInteger(s) && s >= 0)) {
      throw new HttpError(400, 'seconds must be an integer >= 0, or null');
    }
    issuer.maxAge = s;
    return { seconds: s };
  },
  'GET stats': (issuer) => issuer.stats,
  'POST reset-stats': (issuer) => {
    issuer.resetStats();
    return issuer.stats;
  },
  'POST sign': (issuer, body) => {
    const key = findKey(issuer, body.kid);
    const token = signToken(issuer, key, {
      claims: checkClaims(body.claims),
      alg: body.alg ?? key.alg,
      headerKid: body.header_kid ?? key.kid,
      omitKid: body.omit_kid === true,
    });
    return { token };
  },
  'POST sign-many': (issuer, body) => {
    const count = body.count ?? 1;
    if (!Number.isInteger(count) || count < 0 || count > 1000000) {
      throw new HttpError(400, 'count must be an integer in 0..1000000');
    }
    const key = findKey(issuer, body.kid);
    const claims = checkClaims(body.claims);
    const tokens = [];
    for (let i = 0; i < count; i++) {
      tokens.push(signToken(issuer, key, {
        claims: { ...claims, jti: crypto.randomUUID() },
        alg: body.alg ?? key.alg,
        headerKid: body.random_kid ? crypto.randomBytes(12).toString('base64url') : key.kid,
      }));
    }
    return { tokens };
  },
};

async function onControlRequest(req, res) {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/health') return send(res, 200, 'ok');
    const m = /^\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const issuer = m && issuers.get(m[1]);
    const route = m && CONTROL[`${req.method} ${m[2]}`];
    if (!issuer || !route) throw new HttpError(404, 'not found');
    const body = req.method === 'POST' ? await readJson(req) : {};
    send(res, 200, JSON.stringify(route(issuer, body)), JSON_TYPE);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    send(res, status, JSON.stringify({ error: e.message }), JSON_TYPE);
  }
}

// ---------------------------------------------------------------------------------------------
// Start: both servers listen, then the port files are written, each atomically: FILE, then
// FILE.control last (once FILE.control exists, both files are complete and both ports answer).

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function writeAtomically(file, text) {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

(async () => {
  try {
    const issuerServer = makeIssuerServer();
    const controlServer = http.createServer(onControlRequest);
    mainPort = await listen(issuerServer);
    const controlPort = await listen(controlServer);
    writeAtomically(args['port-file'], `${mainPort}\n`);
    writeAtomically(`${args['port-file']}.control`, `${controlPort}\n`);
  } catch (e) {
    process.stderr.write(`server.js: ${e.message}\n`);
    process.exit(1);
  }
})();
