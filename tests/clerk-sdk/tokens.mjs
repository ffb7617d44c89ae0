#!/usr/bin/env node
// Seeded generator of signed session tokens for the differential test of token
// verification: the database's verifier against Clerk's own `verifyToken`
// (see verify-oracle.mjs, and SEMANTICS.md §7 for what verifyToken checks).
//
//   PARITY_NOW=$(date +%s) node tokens.mjs [seed=1] [count=400] OUTDIR
//
// Writes into OUTDIR (created if missing):
//   keys.json     {"jwks":{"keys":[A,B]},"pem":"<SPKI PEM of key A>"}
//                 JWKS entries are {kty,n,e,kid,alg:"RS256",use:"sig"} with kids
//                 "ins_a" (key A) and "ins_b" (key B). A third key C is used to
//                 sign forged tokens and is published nowhere.
//   tokens.jsonl  one line per token: {"id":N,"label":"...","token":"<compact JWT>"}
//
// PARITY_NOW (required) is the base time in unix seconds (a non-negative
// integer); every time claim is written relative to it.
//
// Reproducibility: the key pairs are fresh on every run, but the token shapes
// come only from mulberry32(seed), PARITY_NOW and count. The same arguments
// give the same header and payload segments and labels; only the signature
// segments differ between runs (they depend on the keys).
//
// About 40 % of the tokens are realistic session tokens ("baseline ...", signed
// correctly with key A or B). The rest start from a realistic token signed with
// key A under kid "ins_a" and apply 1-3 mutations; the label lists them,
// joined by " + ", each as "family:value".
//
// Header and payload are written as JSON text. Numbers that JSON.stringify
// cannot produce (1e999, 2.5e9, exact decimals like 1700000004.999) and
// duplicate keys use the sentinel trick of generate.mjs. The signing input is
// exactly "<header segment>.<payload segment>" as it appears in the token.

import { generateKeyPairSync, createSign, createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seeded } from "./random.mjs";

const usage = () => {
  process.stderr.write("usage: PARITY_NOW=<unix seconds> node tokens.mjs [seed=1] [count=400] OUTDIR\n");
  process.exit(2);
};

const args = process.argv.slice(2);
if (args.length < 1 || args.length > 3) usage();
const outdir = args[args.length - 1];
const isInt = (s) => /^-?\d+$/.test(s);
if (args.length >= 2 && !isInt(args[0])) usage();
if (args.length === 3 && !/^\d+$/.test(args[1])) usage();
const seed = args.length >= 2 ? Number.parseInt(args[0], 10) : 1;
const count = args.length === 3 ? Number.parseInt(args[1], 10) : 400;
const nowText = process.env.PARITY_NOW ?? "";
if (!/^\d+$/.test(nowText) || !Number.isSafeInteger(Number(nowText))) {
  process.stderr.write("tokens.mjs: PARITY_NOW must be set to the base time in unix seconds (an integer)\n");
  usage();
}
const NOW = Number(nowText);

// ---------------------------------------------------------------- PRNG
const { rnd, int, between, pick, chance, alnum } = seeded(seed);
const randBytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));

// ---------------------------------------------------------------- JSON text
// Raw JSON text that JSON.stringify cannot emit: a sentinel string replaced
// after stringification. "@@DUP:k@@" as a key becomes a second "k" key.
const RAW = (text) => `@@RAW:${text}@@`;
const DUP = (key) => `@@DUP:${key}@@`;
const jsonText = (v) =>
  JSON.stringify(v)
    .replace(/"@@RAW:([^"@]*)@@"/g, "$1")
    .replace(/"@@DUP:([^"@]*)@@"/g, '"$1"');

// NOW + d seconds, d a decimal string with at most 3 fraction digits, written
// as an exact decimal JSON number (no binary rounding in the text).
function at(d) {
  const ms = BigInt(NOW) * 1000n + BigInt(Math.round(Number(d) * 1000));
  const neg = ms < 0n;
  const a = neg ? -ms : ms;
  const frac = (a % 1000n).toString().padStart(3, "0").replace(/0+$/, "");
  const text = `${neg ? "-" : ""}${a / 1000n}${frac ? `.${frac}` : ""}`;
  const label = `NOW${d.startsWith("-") ? d : `+${d}`}`;
  return { value: RAW(text), label };
}

// ---------------------------------------------------------------- keys
const rsa = () => generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 65537 });
const KEYS = { A: rsa(), B: rsa(), C: rsa() };
const KID_OF = { A: "ins_a", B: "ins_b" };
const jwk = (k) => {
  const { kty, n, e } = KEYS[k].publicKey.export({ format: "jwk" });
  return { kty, n, e, kid: KID_OF[k], alg: "RS256", use: "sig" };
};
const PEM_A = KEYS.A.publicKey.export({ type: "spki", format: "pem" });

const b64u = (b) => Buffer.from(b).toString("base64url");
const HASH = { RS256: "RSA-SHA256", RS384: "RSA-SHA384", RS512: "RSA-SHA512" };

// How a token is signed: RSA PKCS#1 v1.5 with key A/B/C and a hash, HMAC-SHA256
// with some secret, or nothing (empty signature segment).
function signature(input, s) {
  switch (s.kind) {
    case "rsa":
      return b64u(createSign(s.hash).update(input).sign(KEYS[s.key].privateKey));
    case "hmac":
      return b64u(createHmac("sha256", s.secret === "PEM_A" ? PEM_A : s.secret).update(input).digest());
    case "none":
      return "";
  }
  throw new Error(`bad signing mode ${s.kind}`);
}

// ---------------------------------------------------------------- realistic token
const APP = "https://app.example.com";
const ADMIN = "https://admin.example.com";
const EVIL = "https://evil.example.com";
const ISS = "https://clerk.example.com";

function realisticPayload() {
  // Clerk session tokens: exp = iat + 60, nbf = iat - 10. With iat in
  // [NOW-50, NOW] the token is valid at NOW (exp >= NOW+10).
  const iat = NOW - between(0, 50);
  const p = {
    azp: APP,
    exp: iat + 60,
    fva: [between(0, 500), chance(0.3) ? -1 : between(0, 500)],
    iat,
    iss: ISS,
    jti: alnum(20),
    nbf: iat - 10,
    sid: `sess_${alnum(27)}`,
    sts: "active",
    sub: `user_${alnum(27)}`,
    v: 2,
  };
  if (chance(0.3)) p.o = { id: `org_${alnum(27)}`, rol: pick(["admin", "member"]), slg: `acme-${alnum(4).toLowerCase()}`, per: "read,manage", fpm: "3" };
  return p;
}

// A token under construction. header/payload are objects (replaced by
// rawHeader/rawPayload text, or a function giving it, when set); sign says
// how; post are string transforms on the finished token, applied in order.
// Everything that reads header/payload does so at finish(), so the order in
// which mutations were applied does not matter.
function baseState(kidKey) {
  return {
    header: { alg: "RS256", kid: KID_OF[kidKey], typ: "JWT" },
    payload: realisticPayload(),
    rawPayload: null,
    rawHeader: null,
    sign: { kind: "rsa", key: kidKey, hash: HASH.RS256 },
    padSegment: null, // "header" | "payload" | "signature"
    post: [],
  };
}

// ---------------------------------------------------------------- mutations
// Each returns its label. Families are weighted; time claims weigh most, since
// that is where truncation, skew and Date range matter.
const EXP_DELTAS = ["-3600", "-10", "-6", "-5.999", "-5.5", "-5.25", "-5.001", "-5", "-4.999", "-4.75", "-4.5", "-4.01", "-4", "-3", "-1", "-0.999", "-0.5", "-0.25", "0", "0.25", "0.5", "0.999", "1", "3", "5", "10", "60"];
const NBF_DELTAS = ["-60", "-10", "-1", "-0.5", "0", "0.5", "1", "3", "4", "4.5", "4.999", "5", "5.001", "5.25", "5.5", "5.999", "6", "6.5", "10", "3600"];

function timeMutation(st, claim) {
  const deltas = claim === "exp" ? EXP_DELTAS : NBF_DELTAS;
  const r = rnd();
  if (r < 0.6) {
    const t = at(pick(deltas));
    st.payload[claim] = t.value;
    return `${claim}:${t.label}`;
  }
  const others =
    claim === "exp"
      ? [
          ["far future (NOW+10y)", at(String(10 * 365 * 86400)).value],
          ["0", 0],
          ["missing", undefined],
          ["string", String(NOW + 60)],
          ["null", null],
          ["true", true],
          ["[NOW+60]", [NOW + 60]],
          ["1e13", RAW("1e13")],
          ["-1e13", RAW("-1e13")],
          ["1e999", RAW("1e999")],
          ["-1e999", RAW("-1e999")],
          ["2.5e9", RAW("2.5e9")],
          ["8.64e12", RAW("8.64e12")],
          ["8640000000001", RAW("8640000000001")],
          ["-8.64e12", RAW("-8.64e12")],
          ["NOW+60 as x.0", RAW(`${NOW + 60}.0`)],
          ["NOW+60 as xe0", RAW(`${NOW + 60}e0`)],
          ["-0.5", RAW("-0.5")],
        ]
      : [
          ["missing", undefined],
          ["null", null],
          ["string", String(NOW)],
          ["0", 0],
          ["1e13", RAW("1e13")],
          ["1e999", RAW("1e999")],
          ["-1e999", RAW("-1e999")],
          ["2.5e9", RAW("2.5e9")],
          ["NOW as x.0", RAW(`${NOW}.0`)],
          ["true", true],
        ];
  const [label, value] = pick(others);
  if (value === undefined) delete st.payload[claim];
  else st.payload[claim] = value;
  return `${claim}:${label}`;
}

const FAMILIES = [
  // ---- header typ
  [2, (st) => {
    const [label, v] = pick([["absent", undefined], ['"JWT"', "JWT"], ['"jwt"', "jwt"], ['"Jwt"', "Jwt"], ['"at+jwt"', "at+jwt"], ['"application/at+jwt"', "application/at+jwt"], ['"application/jwt"', "application/jwt"], ['"JOSE"', "JOSE"], ["null", null], ["5", 5], ['""', ""]]);
    if (v === undefined) delete st.header.typ;
    else st.header.typ = v;
    return `typ:${label}`;
  }],
  // ---- header kid / signing key
  [2, (st) => {
    const [label, kid, key] = pick([
      ['"ins_b" signed B', "ins_b", "B"],
      ["absent", undefined, "A"],
      ['"ins_zzz"', "ins_zzz", "A"],
      ['""', "", "A"],
      ["5", 5, "A"],
      ['"toString" (Object.prototype name)', "toString", "A"],
      ['"ins_a" signed B', "ins_a", "B"],
      ['"ins_b" signed A', "ins_b", "A"],
      ['"ins_a" signed C (unpublished)', "ins_a", "C"],
      ['"ins_c" signed C (unpublished)', "ins_c", "C"],
    ]);
    if (kid === undefined) delete st.header.kid;
    else st.header.kid = kid;
    if (st.sign.kind === "rsa") st.sign.key = key;
    return `kid:${label}`;
  }],
  // ---- header alg (with the matching signature)
  [1.5, (st) => {
    const c = pick(["RS384", "RS512", "HS256 bytes", "HS256 PEM", "none", "ES256", "absent", "rs256"]);
    switch (c) {
      case "RS384":
      case "RS512":
        st.header.alg = c;
        st.sign = { kind: "rsa", key: st.sign.key ?? "A", hash: HASH[c] };
        return `alg:${c}`;
      case "HS256 bytes":
        st.header.alg = "HS256";
        st.sign = { kind: "hmac", secret: randBytes(32) };
        return "alg:HS256 (HMAC, random secret)";
      case "HS256 PEM":
        st.header.alg = "HS256";
        st.sign = { kind: "hmac", secret: "PEM_A" };
        return "alg:HS256 (HMAC keyed with PEM of A)";
      case "none":
        st.header.alg = "none";
        st.sign = { kind: "none" };
        return "alg:none (empty signature)";
      case "ES256":
        st.header.alg = "ES256";
        st.sign = { kind: "rsa", key: st.sign.key ?? "A", hash: HASH.RS256 };
        return "alg:ES256 (RSA-SHA256 signature)";
      case "absent":
        delete st.header.alg;
        return "alg:absent";
      case "rs256":
        st.header.alg = "rs256";
        return 'alg:"rs256"';
    }
  }],
  // ---- header cat
  [1, (st) => {
    const v = pick(["cl_B7d4PD111AAA", "cl_B7d4PD333AAA", "zzz"]);
    st.header.cat = v;
    return `cat:"${v}"`;
  }],
  // ---- time claims
  [3, (st) => timeMutation(st, "exp"), "exp"],
  [1.8, (st) => timeMutation(st, "nbf")],
  [1.8, (st) => timeMutation(st, "iat")],
  // ---- sub
  [1, (st) => {
    const [label, v] = pick([["missing", undefined], ['""', ""], ["5", 5], ["null", null], ['" "', " "]]);
    if (v === undefined) delete st.payload.sub;
    else st.payload.sub = v;
    return `sub:${label}`;
  }],
  // ---- azp
  [1, (st) => {
    const [label, v] = pick([["admin (listed)", ADMIN], ["evil (unlisted)", EVIL], ["missing", undefined], ['""', ""], ["5", 5], ["app with trailing slash", `${APP}/`]]);
    if (v === undefined) delete st.payload.azp;
    else st.payload.azp = v;
    return `azp:${label}`;
  }],
  // ---- iss
  [1, (st) => {
    const [label, v] = pick([["other", "https://clerk.other.com"], ["missing", undefined], ["5", 5]]);
    if (v === undefined) delete st.payload.iss;
    else st.payload.iss = v;
    return `iss:${label}`;
  }],
  // ---- duplicate keys (JSON.parse and jsonb both keep the last one)
  [0.4, (st) => {
    if (chance(0.5)) {
      st.payload.exp = 0;
      st.payload[DUP("exp")] = NOW + 60;
      return "dup:exp 0 then NOW+60";
    }
    st.payload.exp = NOW + 60;
    st.payload[DUP("exp")] = 0;
    return "dup:exp NOW+60 then 0";
  }, "exp"],
  // ---- structure
  [1.5, (st) => {
    const c = pick(["payload null", "payload array", "payload not JSON", "payload truncated JSON", "header null", "four parts", "pad", "pad", "sig other token", "sig altered", "two parts"]);
    switch (c) {
      case "payload null":
        st.rawPayload = "null";
        return "struct:payload null";
      case "payload array":
        st.rawPayload = () => jsonText([st.payload]); // at finish, after all mutations
        return "struct:payload array";
      case "payload not JSON":
        st.rawPayload = "not json";
        return "struct:payload not JSON";
      case "payload truncated JSON":
        st.rawPayload = () => jsonText(st.payload).slice(0, -1); // drops the closing "}"
        return "struct:payload truncated JSON";
      case "header null":
        st.rawHeader = "null";
        return "struct:header null";
      case "four parts": {
        const extra = pick(["", "AAAA"]);
        st.post.push((tok) => `${tok}.${extra}`);
        return `struct:four parts (".${extra}" appended)`;
      }
      case "pad":
        st.padSegment = pick(["header", "payload", "signature"]);
        return `struct:"=" padding on ${st.padSegment} (signed as sent)`;
      case "sig other token": {
        // Signature of a different, correctly signed payload with the same key.
        const otherPayload = b64u(jsonText(realisticPayload()));
        st.post.push((tok, s) => {
          const other = `${tok.slice(0, tok.indexOf("."))}.${otherPayload}`;
          return `${tok.slice(0, tok.lastIndexOf("."))}.${signature(other, s)}`;
        });
        return "struct:signature from another token";
      }
      case "sig altered": {
        const pos = int(200);
        st.post.push((tok) => {
          const i = tok.lastIndexOf(".") + 1 + pos;
          if (tok.endsWith(".")) return `${tok}AAAA`; // empty signature (alg none)
          if (i >= tok.length) return tok.slice(0, -1) + (tok.endsWith("A") ? "B" : "A");
          return tok.slice(0, i) + (tok[i] === "A" ? "B" : "A") + tok.slice(i + 1);
        });
        return "struct:signature altered";
      }
      case "two parts":
        st.post.push((tok) => tok.slice(0, tok.lastIndexOf(".")));
        return "struct:two parts";
    }
  }],
];
const TOTAL_WEIGHT = FAMILIES.reduce((a, [w]) => a + w, 0);
// A family is used at most once per token (families sharing a group name,
// like exp and dup-exp, count as one), so each label part stays true.
function pickFamilies(n) {
  const chosen = [];
  const used = new Set();
  while (chosen.length < n) {
    let r = rnd() * TOTAL_WEIGHT;
    let i = 0;
    while (r >= FAMILIES[i][0]) r -= FAMILIES[i++][0];
    const group = FAMILIES[i][2] ?? i;
    if (used.has(group)) continue;
    used.add(group);
    chosen.push(FAMILIES[i][1]);
  }
  return chosen;
}

// ---------------------------------------------------------------- assemble
function pad(seg) {
  const n = (4 - (seg.length % 4)) % 4 || 1; // always at least one "="
  return seg + "=".repeat(n);
}

function finish(st) {
  let h = b64u(st.rawHeader ?? jsonText(st.header));
  const rawPayload = typeof st.rawPayload === "function" ? st.rawPayload() : st.rawPayload;
  let p = b64u(rawPayload ?? jsonText(st.payload));
  if (st.padSegment === "header") h = pad(h);
  if (st.padSegment === "payload") p = pad(p);
  const input = `${h}.${p}`;
  let s = signature(input, st.sign);
  if (st.padSegment === "signature") s = pad(s);
  let tok = `${input}.${s}`;
  for (const f of st.post) tok = f(tok, st.sign);
  return tok;
}

function realistic() {
  const key = chance(0.75) ? "A" : "B";
  const st = baseState(key);
  const parts = [`baseline kid=${KID_OF[key]}`];
  if (chance(0.2)) {
    st.header.cat = "cl_B7d4PD111AAA";
    parts.push("cat=cl_B7d4PD111AAA");
  }
  if (chance(0.2)) {
    st.payload.azp = ADMIN;
    parts.push("azp=admin");
  }
  return { label: parts.join(" "), token: finish(st) };
}

function edge() {
  const st = baseState("A");
  const labels = [];
  for (const mutate of pickFamilies(between(1, 3))) labels.push(mutate(st));
  return { label: labels.join(" + "), token: finish(st) };
}

mkdirSync(outdir, { recursive: true });
const lines = [];
for (let id = 1; id <= count; id++) {
  const { label, token } = rnd() < 0.4 ? realistic() : edge();
  lines.push(JSON.stringify({ id, label, token }));
}
const keys = { jwks: { keys: [jwk("A"), jwk("B")] }, pem: PEM_A };
writeFileSync(join(outdir, "keys.json"), JSON.stringify(keys, null, 2) + "\n");
writeFileSync(join(outdir, "tokens.jsonl"), lines.length ? lines.join("\n") + "\n" : "");
process.stderr.write(`tokens.mjs: seed ${seed}, ${count} tokens, NOW ${NOW} -> ${outdir}\n`);
