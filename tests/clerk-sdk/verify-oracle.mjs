#!/usr/bin/env node
// Token-verification oracle: runs Clerk's own `verifyToken` (@clerk/backend
// 3.25.0, imported from "@clerk/backend", nothing re-implemented) on every
// token that tokens.mjs wrote, at a pinned instant.
//
//   PARITY_NOW_MS=<ms since epoch> PARITY_KEYPATH=jwks|pem \
//     [PARITY_SKEW_MS=5000] [PARITY_AZP=https://a,https://b] [PARITY_ISSUER=https://iss] \
//     node verify-oracle.mjs OUTDIR > verdicts.jsonl
//
// Reads OUTDIR/keys.json and OUTDIR/tokens.jsonl. Prints one line per token,
// in input order, on stdout only:
//   {"id":N,"ok":true}
//   {"id":N,"ok":false,"reason":"<TokenVerificationError.reason, or Name: message>"}
//
// Environment:
//   PARITY_NOW_MS   required. Date.now() returns exactly this number (it may
//                   have a fraction). The SDK wraps it in `new Date(Date.now())`,
//                   and the Date constructor truncates to whole ms, so the SDK
//                   effectively compares against trunc(PARITY_NOW_MS).
//   PARITY_KEYPATH  required. "pem": verifyToken(token, {jwtKey: keys.pem}), no
//                   network. "jwks": the SDK fetches keys.jwks from a local
//                   Backend API stand-in (see below) with a secret key.
//   PARITY_SKEW_MS  clockSkewInMs, default 5000 (the SDK default too).
//   PARITY_AZP      comma list for authorizedParties; empty or unset = option
//                   not passed (the SDK then does no azp check).
//   PARITY_ISSUER   if non-empty, passed as the `issuer` option (a comma list
//                   becomes an array; the SDK accepts string | string[]).
//
// Where the SDK's behaviour matters here (node_modules/@clerk/backend/dist/):
// - Clocks: the verifyToken path reads only Date.now(): the exp/nbf/iat
//   assertions (chunk-SEYNRELD.mjs:242, 264, 286) and the JWKS cache
//   (chunk-WJJ2QJZH.mjs:1937, 1987). No performance.now, no `new Date()`.
// - JWKS fetch (chunk-WJJ2QJZH.mjs:1949 fetchJWKSFromBAPI): GET
//   `${apiUrl}/${apiVersion}/jwks` (joinPaths, so "/v1/jwks") with
//   "Authorization: Bearer <secretKey>", via the global fetch. The body is
//   used as `{ keys }`, i.e. the JWKS itself. Nothing checks that apiUrl is
//   https, so a plain http://127.0.0.1:PORT apiUrl is the supported option.
// - JWKS cache (chunk-WJJ2QJZH.mjs:1883-1940): one cache per
//   `${apiUrl}|${apiVersion}|${secretKey}`; keys are merged into it by kid and
//   never dropped until the cache is 5 min old. A kid not in the cache causes
//   a re-fetch of the whole JWKS. Our JWKS is the same on every fetch and the
//   clock is pinned (the cache never ages), so after the first fetch the cache
//   always holds exactly ins_a and ins_b: a verdict does not depend on which
//   tokens came before it. We nevertheless pass skipJwksCache: true, a public
//   option ("always fetch JWKS before each JWT verification"), so each token
//   is verified against a fresh fetch and no state is carried between tokens.
//   (jwksCacheTtlInMs is accepted but ignored: it is a no-op in 3.25.0.)

// Keep stdout for verdicts only: anything the SDK might log goes to stderr.
// (Done before the SDK is loaded, hence the dynamic imports below.)
for (const m of ["log", "info", "warn", "debug"]) console[m] = (...a) => console.error(...a);

const { readFileSync } = await import("node:fs");
const { join } = await import("node:path");
const http = await import("node:http");

const usage = (msg) => {
  if (msg) process.stderr.write(`verify-oracle.mjs: ${msg}\n`);
  process.stderr.write("usage: PARITY_NOW_MS=<ms> PARITY_KEYPATH=jwks|pem [PARITY_SKEW_MS] [PARITY_AZP] [PARITY_ISSUER] node verify-oracle.mjs OUTDIR\n");
  process.exit(2);
};

const outdir = process.argv[2];
if (!outdir || process.argv.length > 3) usage();

const env = process.env;
const nowMs = Number(env.PARITY_NOW_MS);
if (!env.PARITY_NOW_MS || !Number.isFinite(nowMs)) usage("PARITY_NOW_MS must be a finite number of milliseconds");
const keypath = env.PARITY_KEYPATH;
if (keypath !== "jwks" && keypath !== "pem") usage("PARITY_KEYPATH must be jwks or pem");
const skewText = env.PARITY_SKEW_MS ?? "";
const skewMs = skewText === "" ? 5000 : Number(skewText);
if (!Number.isFinite(skewMs)) usage("PARITY_SKEW_MS must be a finite number");
const list = (s) => (s ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
const azp = list(env.PARITY_AZP);
const issuers = list(env.PARITY_ISSUER);

const keys = JSON.parse(readFileSync(join(outdir, "keys.json"), "utf8"));
const tokens = readFileSync(join(outdir, "tokens.jsonl"), "utf8")
  .split("\n") // \n only, as elsewhere in this directory
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));

// Pin the clock. Date.now is the only clock the SDK reads on this path (see above).
Date.now = () => nowMs;

const { verifyToken } = await import("@clerk/backend");

// ---------------------------------------------------------------- local Backend API
// Answers only what fetchJWKSFromBAPI asks for: GET /v1/jwks with the bearer
// secret key. Anything else gets a 404 in the Backend API's error shape (the
// SDK reads `errors` from a non-ok body) and is reported on stderr.
const SECRET_KEY = "sk_test_parity_oracle";
const API_VERSION = "v1";
const jwksBody = JSON.stringify(keys.jwks);
let jwksFetches = 0;
let server = null;
let apiUrl = null;
if (keypath === "jwks") {
  server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (req.method === "GET" && path === `/${API_VERSION}/jwks` && req.headers.authorization === `Bearer ${SECRET_KEY}`) {
      jwksFetches++;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(jwksBody);
      return;
    }
    process.stderr.write(`verify-oracle.mjs: unexpected request ${req.method} ${req.url}\n`);
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "resource_not_found", message: "not found" }] }));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  apiUrl = `http://127.0.0.1:${server.address().port}`;
}

// ---------------------------------------------------------------- verify
const options = { clockSkewInMs: skewMs };
if (azp.length) options.authorizedParties = azp;
if (issuers.length) options.issuer = issuers.length === 1 ? issuers[0] : issuers;
if (keypath === "pem") {
  options.jwtKey = keys.pem;
} else {
  Object.assign(options, { secretKey: SECRET_KEY, apiUrl, apiVersion: API_VERSION, skipJwksCache: true });
}

// The public verifyToken throws the first error (withLegacyReturn,
// chunk-P263NW7Z.mjs:2). TokenVerificationError has a `reason`; a few inputs
// make it throw a plain TypeError instead (payload null, header null), which
// is still a refusal.
const reasonOf = (e) => (e && typeof e.reason === "string" ? e.reason : `${e?.name ?? "Error"}: ${e?.message ?? String(e)}`);

const out = [];
try {
  for (const { id, token } of tokens) {
    try {
      await verifyToken(token, options);
      out.push(JSON.stringify({ id, ok: true }));
    } catch (e) {
      out.push(JSON.stringify({ id, ok: false, reason: reasonOf(e) }));
    }
  }
} finally {
  if (server) {
    server.closeAllConnections(); // fetch keeps connections alive
    await new Promise((resolve) => server.close(resolve));
    process.stderr.write(`verify-oracle.mjs: ${tokens.length} tokens, ${jwksFetches} JWKS fetches from ${apiUrl}\n`);
  }
}
if (out.length) process.stdout.write(out.join("\n") + "\n");
