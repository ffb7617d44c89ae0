#!/usr/bin/env node
// Evidence for SEMANTICS.md §verifyToken: runs @clerk/backend's own
// verifyToken on tokens signed here with a throw-away RSA-2048 key, passed as
// `jwtKey` (PEM), so no network is used. Prints one line per case:
//   <label>  OK | ERR <reason>
// Times are relative to the clock at start; cases sit >= 1 s away from each
// boundary so the output is stable.
//
//   node verify-probe.mjs

import { verifyToken } from "@clerk/backend";
import { generateKeyPairSync, createSign } from "node:crypto";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwtKey = publicKey.export({ type: "spki", format: "pem" });
const b64u = (b) => Buffer.from(b).toString("base64url");
const enc = (x) => b64u(typeof x === "string" ? x : JSON.stringify(x));
const sign = (header, payload, hash = "RSA-SHA256") => {
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${b64u(createSign(hash).update(input).sign(privateKey))}`;
};

const now = Math.floor(Date.now() / 1000);
const H = { alg: "RS256", typ: "JWT", kid: "ins_probe" };
const P = { sub: "user_1", sid: "sess_1", iat: now - 10, nbf: now - 10, exp: now + 60, iss: "https://clerk.example.com", azp: "https://app.example.com", v: 2 };
const without = (o, k) => {
  const c = { ...o };
  delete c[k];
  return c;
};

const cases = [
  ["baseline", sign(H, P)],
  ["header: no typ", sign(without(H, "typ"), P)],
  ["header: typ 'jwt' (lower case)", sign({ ...H, typ: "jwt" }, P)],
  ["header: typ 'at+jwt'", sign({ ...H, typ: "at+jwt" }, P)],
  ["header: typ null", sign({ ...H, typ: null }, P)],
  ["header: no kid (jwtKey path)", sign(without(H, "kid"), P)],
  ["header: alg RS384 (jwtKey JWK is RS256)", sign({ ...H, alg: "RS384" }, P, "RSA-SHA384")],
  ["header: alg none", sign({ ...H, alg: "none" }, P)],
  ["header: alg HS256", sign({ ...H, alg: "HS256" }, P)],
  ["header: cat = M2M category", sign({ ...H, cat: "cl_B7d4PD333AAA" }, P)],
  ["header: cat = unknown value", sign({ ...H, cat: "zzz" }, P)],
  ["sub missing", sign(H, without(P, "sub"))],
  ["sub ''", sign(H, { ...P, sub: "" })],
  ["sub number", sign(H, { ...P, sub: 5 })],
  ["exp missing", sign(H, without(P, "exp"))],
  ["exp string", sign(H, { ...P, exp: String(now + 60) })],
  ["exp now-3 (inside 5 s skew)", sign(H, { ...P, exp: now - 3 })],
  ["exp now-7 (outside 5 s skew)", sign(H, { ...P, exp: now - 7 })],
  ["exp now-7, clockSkewInMs 10000", sign(H, { ...P, exp: now - 7 }), { clockSkewInMs: 10000 }],
  // exp = now-4.01: expired only because the fraction is dropped (now-5 <= now-5 s skew)
  ["exp now-5+0.99 (ERR = fraction truncated)", sign(H, { ...P, exp: now - 5 + 0.99 })],
  ["exp 0", sign(H, { ...P, exp: 0 })],
  ["exp 1e13 (Date out of range -> NaN)", sign(H, '{"sub":"user_1","exp":1e13}')],
  ["exp -1e13 (Date out of range -> NaN)", sign(H, '{"sub":"user_1","exp":-1e13}')],
  ["exp 1e999 (JSON.parse -> Infinity)", sign(H, '{"sub":"user_1","exp":1e999}')],
  ["nbf/iat missing", sign(H, { sub: "user_1", exp: now + 60 })],
  ["nbf now+3 (inside skew)", sign(H, { ...P, nbf: now + 3 })],
  ["nbf now+8", sign(H, { ...P, nbf: now + 8 })],
  // nbf = now+5.99: accepted only because the fraction is dropped (now+5 > now+5 s is false)
  ["nbf now+5+0.99 (OK = fraction truncated)", sign(H, { ...P, nbf: now + 5 + 0.99 })],
  ["nbf null", sign(H, { ...P, nbf: null })],
  ["iat now+8", sign(H, { ...P, iat: now + 8 })],
  ["iat string", sign(H, { ...P, iat: "1" })],
  ["azp other, no authorizedParties", sign(H, { ...P, azp: "https://evil.example" })],
  ["azp other, authorizedParties set", sign(H, { ...P, azp: "https://evil.example" }), { authorizedParties: ["https://app.example.com"] }],
  ["azp missing, authorizedParties set", sign(H, without(P, "azp")), { authorizedParties: ["https://app.example.com"] }],
  ["azp ok, authorizedParties set", sign(H, P), { authorizedParties: ["https://app.example.com"] }],
  ["iss other, no issuer option", sign(H, { ...P, iss: "https://evil.example" })],
  ["iss missing, no issuer option", sign(H, without(P, "iss"))],
  ["iss other, issuer option set", sign(H, { ...P, iss: "https://evil.example" }), { issuer: "https://clerk.example.com" }],
  ["aud present, no audience option", sign(H, { ...P, aud: "x" })],
  ["aud other, audience option set", sign(H, { ...P, aud: "x" }), { audience: "y" }],
  ["aud missing, audience option set", sign(H, P), { audience: "y" }],
  ["v missing / sts pending (not checked)", sign(H, { ...without(P, "v"), sts: "pending" })],
  ["signature altered", sign(H, P).replace(/.{4}$/, "AAAA")],
  ["two segments", "a.b"],
  ["payload not JSON", sign(H, "not json")],
  ["payload JSON array", sign(H, "[1]")],
  ["payload JSON null", sign(H, "null")],
];

for (const [label, token, opts] of cases) {
  let result;
  try {
    await verifyToken(token, { jwtKey, ...(opts ?? {}) });
    result = "OK";
  } catch (e) {
    result = `ERR ${e?.reason ?? e?.constructor?.name ?? "error"}`;
  }
  console.log(`${label.padEnd(44)} ${result}`);
}
