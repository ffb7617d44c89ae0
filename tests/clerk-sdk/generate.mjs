#!/usr/bin/env node
// Seeded, reproducible generator of Clerk session-token claim sets and has()
// queries for the differential test against Clerk's own SDK (see oracle.mjs).
//
//   node generate.mjs [seed=1] [count=3000] > cases.jsonl
//
// Each output line: {"id":N,"claims":{...},"queries":[...]}
// The same seed and count always give byte-identical output (no Date, no
// Math.random, no dependency). A few lines carry JSON *text* that JSON.stringify
// cannot produce (numbers written as 2.0 / 2e0 / 2.0000000000000001, huge
// integers, duplicate keys, \u escapes in keys); both sides must parse that
// text, so the oracle sees exactly what a JSON parser sees.

import { seeded } from "./random.mjs";

const seed = Number.parseInt(process.argv[2] ?? "1", 10);
const count = Number.parseInt(process.argv[3] ?? "3000", 10);
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 0) {
  process.stderr.write("usage: node generate.mjs [seed] [count]\n");
  process.exit(2);
}

// ---------------------------------------------------------------- PRNG
const { rnd, int, between, pick, chance, alnum } = seeded(seed);
const shuffle = (arr) => {
  const a = arr.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const sample = (arr, k) => shuffle(arr).slice(0, Math.min(k, arr.length));
const randBig = (bits) => {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = (v << 1n) | (chance(0.5) ? 1n : 0n);
  return v;
};

// Raw JSON text that JSON.stringify cannot emit: a sentinel string replaced
// after stringification.
const RAW = (text) => `@@RAW:${text}@@`;
const finishText = (s) => s.replace(/"@@RAW:([^"@]*)@@"/g, "$1");

// ---------------------------------------------------------------- vocab
const FEATURES = ["invoices", "reports", "billing", "dashboard", "export", "team", "sso", "audit_log", "api-keys", "analytics", "seats", "webhooks"];
const EDGE_FEATURES = ["my feature", " padded ", "a:b", "org:x", "", "Invoices", "ünïcode", "x y z", "o", "u", "org", "feature:with:colons", "\t"];
const PERMS = ["read", "manage", "create", "delete", "update", "list", "write", "export"];
const EDGE_PERMS = ["", " read", "read ", "has space", "a:b", "org:read", "READ", "ü"];
const ROLES = ["admin", "member", "basic_member", "billing_manager", "guest", "viewer"];
const EDGE_ROLES = ["org:admin", "org:org:admin", "org:org:org:member", "Admin", "", " ", " admin", "admin ", "a:b", "org:", "org", "ORG:admin", "org :admin"];
const PLANS = ["free", "pro", "enterprise", "starter", "free_user", "plus", "team"];
const EDGE_PLANS = ["my plan", "a:b", "", "Free", " pro", "plan:with:colons", "org:pro"];
const CLAIM_SCOPES = ["o", "u", "ou", "uo"];
const EDGE_CLAIM_SCOPES = ["x", "O", "U", "org", "user", "", "ou ", " o", "o u", "oo", "uu"];
const QUERY_SCOPES = ["o", "org", "organization", "u", "user"];
const EDGE_QUERY_SCOPES = ["ou", "uo", "x", "O", "Org", "USER", "", " o", "o ", "organisation", "users"];
// Whitespace on which trimming functions disagree: JS String.prototype.trim
// (used by Clerk) strips U+FEFF but keeps U+0085, U+180E, U+200B; Rust's
// str::trim strips U+0085 and keeps U+FEFF; PostgreSQL btrim strips only ' '.
const SPACES = [" ", " ", " ", "\t", "\n", "\r", "\u000b", "\u000c", "\u00a0", "\ufeff", "\u0085", "\u3000", "\u2028", "\u2029", "\u200b", "\u180e", "\u1680", "\u001c"];
const pad = (x) => `${chance(0.5) ? pick(SPACES) : ""}${x}${chance(0.5) ? pick(SPACES) : ""}`;
const WRONG_TYPES = [null, 0, 1, -1, 2, 3.5, true, false, [], ["a"], [1, 2], {}, { a: 1 }];
const wrong = () => structuredClone(pick(WRONG_TYPES));

const userId = () => `user_${alnum(27)}`;
const orgId = () => `org_${alnum(27)}`;
const sessId = () => `sess_${alnum(27)}`;

// ---------------------------------------------------------------- pieces
function featureItems() {
  // realistic feature list: mostly org/user scoped names, some dual-scoped
  const names = sample(FEATURES, between(0, 6));
  return names.map((n) => ({ scope: pick(["o", "o", "u", "u", "ou", "uo"]), name: n }));
}

// Serialise scope:name items to a fea / pla string, optionally damaged.
function itemsToClaim(items, edgy) {
  let parts = items.map((it) => `${it.scope}:${it.name}`);
  if (edgy) {
    const muts = between(1, 3);
    for (let m = 0; m < muts; m++) {
      switch (int(15)) {
        case 0: parts.push(""); break; // trailing comma
        case 1: parts.unshift(""); break; // leading comma
        case 2: parts.splice(int(parts.length + 1), 0, ""); break; // empty middle item
        case 3: parts = parts.map((p) => (chance(0.5) ? pad(p) : p)); break; // padding (incl. Unicode whitespace)
        case 4: parts.push(`${pick(CLAIM_SCOPES)}:${pick(EDGE_FEATURES)}`); break; // odd names
        case 5: parts.push(`${pick(EDGE_CLAIM_SCOPES)}:${pick(FEATURES)}`); break; // odd scopes
        case 6: parts.push(pick(FEATURES)); break; // item without colon
        case 7: parts.push(`${pick(CLAIM_SCOPES)}:${pick(FEATURES)}:${pick(PERMS)}`); break; // two colons
        case 8: parts.push(`${pick(CLAIM_SCOPES)}: ${pick(FEATURES)}`); break; // space after colon
        case 9: parts.push(`${pick(CLAIM_SCOPES)}:`); break; // empty name
        case 10: if (parts.length) parts.push(parts[int(parts.length)]); break; // duplicate
        case 11: parts.push(`${pick(CLAIM_SCOPES)}:${pick(FEATURES)} ${pick(FEATURES)}`); break; // inner space
        case 12: parts.push(`${pick(CLAIM_SCOPES)}:${pad(pick(FEATURES))}`); break; // padded name after colon
        case 13: parts.push(`${pick(CLAIM_SCOPES)}:org:${pick(FEATURES)}`); break; // org: inside name
        case 14: parts = parts.map((p) => (chance(0.3) ? p.toUpperCase() : p)); break; // case changes
      }
    }
  }
  return parts.join(",");
}

function maskString(nPerms, kind) {
  switch (kind) {
    case "normal": return nPerms === 0 ? "0" : randBig(nPerms).toString();
    case "full": return ((1n << BigInt(nPerms)) - 1n).toString();
    case "beyond": return (randBig(nPerms) | (1n << BigInt(nPerms + int(8)))).toString(); // bits past per
    case "wide": return randBig(between(129, 320)).toString(); // wider than 128 bits
    case "pow": return (1n << BigInt(pick([53, 63, 64, 127, 128, 129, 256]))).toString();
    case "powm1": return ((1n << BigInt(pick([53, 63, 64, 127, 128, 129]))) - 1n).toString();
    case "edge":
      return pick(["", " 3 ", "03", "0003", "-1", "1.0", "0x3", "+3", "abc", "1e3", "\u0663", "\uff13", " ", "0", "00", "3 3", "٣"]);
    default: return "0";
  }
}

function buildOrgV2(edgy) {
  const perms = sample(PERMS, between(1, 5));
  if (edgy && chance(0.4)) perms.splice(int(perms.length + 1), 0, pick(EDGE_PERMS));
  const o = { id: orgId(), rol: pick(ROLES), slg: `acme-${alnum(4).toLowerCase()}` };
  if (edgy && chance(0.3)) o.rol = pick(EDGE_ROLES);
  let per = perms.join(",");
  if (edgy && chance(0.4)) {
    per = pick([`${per},`, `,${per}`, per.replace(",", ",,"), perms.map((p) => ` ${p} `).join(","), perms.map(pad).join(","), per.replace(",", " , "), ""]);
  }
  o.per = per;
  return { o, perms };
}

function fpmFor(orgFeatureCount, nPerms, edgy) {
  const masks = [];
  const n = edgy && chance(0.3) ? Math.max(0, orgFeatureCount + between(-2, 2)) : orgFeatureCount;
  for (let i = 0; i < n; i++) {
    const kind = edgy ? pick(["normal", "normal", "full", "beyond", "wide", "pow", "powm1", "edge"]) : pick(["normal", "normal", "full"]);
    masks.push(maskString(nPerms, kind));
  }
  let s = masks.join(",");
  if (edgy && chance(0.25)) s = pick([`${s},`, `,${s}`, s.replace(",", ",,"), masks.map((m) => ` ${m} `).join(","), masks.map(pad).join(",")]);
  return s;
}

function baseStd() {
  const iat = 1_700_000_000 + int(50_000_000);
  const c = {
    azp: pick(["https://app.example.com", "http://localhost:3000", "https://example.org"]),
    exp: iat + 60,
    iat,
    iss: "https://clerk.example.com",
    nbf: iat - 10,
    sid: sessId(),
    sub: userId(),
  };
  if (chance(0.6)) c.sts = chance(0.85) ? "active" : "pending";
  if (chance(0.4)) c.fva = [between(0, 2000), chance(0.3) ? -1 : between(0, 2000)];
  if (chance(0.08)) c.act = { sub: userId(), ...(chance(0.3) ? { type: "agent" } : {}) };
  return c;
}

function claimsV2(edgy) {
  const c = { ...baseStd(), v: 2 };
  const items = featureItems();
  const plans = sample(PLANS, between(0, 3)).map((p) => ({ scope: pick(["u", "o", "u"]), name: p }));
  if (chance(0.8) || items.length) c.fea = itemsToClaim(items, edgy && chance(0.3));
  if (chance(0.8)) c.pla = itemsToClaim(plans, edgy && chance(0.3));
  if (chance(0.75)) {
    const { o, perms } = buildOrgV2(edgy);
    const orgCount = items.filter((it) => it.scope !== "u").length;
    o.fpm = fpmFor(orgCount, perms.length, edgy);
    if (chance(0.1)) delete o.slg;
    if (chance(0.05)) delete o.rol;
    c.o = o;
  }
  return c;
}

function claimsV1(edgy) {
  const c = baseStd();
  if (chance(0.7)) {
    c.org_id = orgId();
    c.org_role = `org:${pick(ROLES)}`;
    c.org_slug = `acme-${alnum(4).toLowerCase()}`;
    c.org_permissions = sample(FEATURES, between(0, 3)).flatMap((f) => sample(PERMS, between(1, 3)).map((p) => `org:${f}:${p}`));
    if (edgy && chance(0.3)) c.org_role = pick([...ROLES, ...EDGE_ROLES]);
    if (edgy && chance(0.3)) {
      c.org_permissions = c.org_permissions.concat(pick([["org:invoices: read"], ["org:invoices:read "], [" org:invoices:read"], ["invoices:read"], ["org:org:invoices:read"], [""], ["org:a b:read"], ["has space"]]));
    }
  }
  return c;
}

// ---------------------------------------------------------------- edge mutations
const MUTATIONS = [
  // --- version
  (c) => { delete c.v; if (!c.o) c.o = buildOrgV2(false).o; }, // o without v:2
  (c) => { c.v = RAW(pick(["2.0", "2.00", "2e0", "0.2e1", "20e-1", "2.0000000000000001", "1.9999999999999999", "2E0", "-2"])); },
  (c) => { c.v = pick(["2", " 2", "2.0", "v2", 1, 3, 0, -2, 2.5, null, true, [2], { v: 2 }]); },
  // --- sub / sid
  (c) => { delete c.sub; },
  (c) => { c.sub = pick(["", " ", "\t", "  \n", "user_ 1", "0"]); },
  (c) => { c.sub = wrong(); },
  (c) => { c.sub = RAW(pick(["12345678901234567890", "1e2", "0.0", "-0"])); },
  (c) => { if (chance(0.5)) delete c.sid; else c.sid = pick(["", " ", null, 5, []]); },
  // --- sts / fva / act
  (c) => { c.sts = pick(["", " ", "pending", "Pending", " pending", "pending ", "active", "ended", "expired", "removed", "PENDING"]); },
  (c) => { c.sts = wrong(); },
  (c) => { c.fva = pick([[5, -1], [-1, -1], [0, 0], [-1, 3], [1], [1, 2, 3], "5,1", 5, null, {}, [1.5, 2], ["1", "2"], [-2, 5], [null, null]]); },
  (c) => { c.act = pick([{ sub: "" }, { sub: " " }, { sub: null }, { sub: 5 }, {}, "user_x", 5, null, [], [{ sub: "user_x" }], { sub: userId(), type: "agent" }, { sub: userId(), act: { sub: userId() } }, { iss: "https://x", sub: userId() }, true]); },
  // --- v2 organisation object
  (c) => { c.o = pick([null, 0, 5, "org_1", [], [orgId()], {}, true, { id: orgId() }]); },
  (c) => { ensureO(c); c.o.id = pick(["", " ", "  \t", null, 0, 5, -0, [], {}, true, "org_ x", orgId()]); },
  (c) => { ensureO(c); if (chance(0.3)) delete c.o.id; else c.o.id = wrong(); },
  (c) => { ensureO(c); c.o.slg = pick(["", " ", null, 5, [], {}]); },
  (c) => { ensureO(c); c.o.rol = pick([...EDGE_ROLES, null, 0, 5, true, [], ["admin"], ["a", "b"], {}]); },
  (c) => { ensureO(c); c.o.per = pick(["", ",", ",,", " ", "read,", ",read", "read,,write", " read , write ", "read,read", "a b,c:d", "org:read,write", null, 5, [], ["read"], {}]); },
  (c) => { ensureO(c); c.o.fpm = pick(["", ",", ",,", " ", "1,", ",1", "1,,1", " 1 , 2 ", "-1", "1.5", "0x1", "1e1", "+1", "\uff11", null, 0, 1, 3, [], [1, 2], {}, "0,0,0,0,0,0,0,0,0,0,0,0"]); },
  (c) => { ensureO(c); c.o.fpm = RAW(pick(["340282366920938463463374607431768211457", "18446744073709551615", "3.0", "1e2"])); },
  (c) => { ensureO(c); c.o.fpm = String(c.o.fpm ?? "").split(",").map(() => maskString(between(0, 10), pick(["wide", "beyond", "pow", "powm1"]))).join(","); },
  (c) => { ensureO(c); const k = pick(["id", "rol", "slg", "per", "fpm"]); delete c.o[k]; },
  (c) => { ensureO(c); c.o.id = pad(c.o.id); c.o.rol = pad(String(c.o.rol ?? "admin")); },
  (c) => { c.sub = pad(String(c.sub ?? "user_x")); if (c.org_role !== undefined) c.org_role = pad(String(c.org_role)); },
  (c) => { ensureO(c); c.o.extra = pick([1, "x", null]); c.o.ID = orgId(); },
  // --- fea / pla
  (c) => { c.fea = itemsToClaim(featureItems(), true); },
  (c) => { c.pla = itemsToClaim(sample(PLANS, between(0, 3)).map((p) => ({ scope: pick(CLAIM_SCOPES), name: p })), true); },
  (c) => { c.fea = pick(["", " ", ",", ",,", "o:", "u:", ":", "o:a,", ",o:a", "o:a,,u:b", "o:a:b", "o:org:a", "u:user:a", "x:a,o:b", "invoices", "o:a, o:b ", "o: a", "ou:a,uo:b", "OU:a"]); },
  (c) => { c.pla = pick(["", " ", ",", "u:", "u:free,", ",u:free", "u:free,,o:pro", "free", "u:free:monthly", "o:pro,u:free", "uo:plus", "x:free,u:pro", "U:free"]); },
  (c) => { c.fea = wrong(); },
  (c) => { c.pla = wrong(); },
  (c) => { delete c.fea; },
  (c) => { delete c.pla; },
  // --- v1 fields, alone or next to v:2
  (c) => { c.org_id = pick([orgId(), "", " ", null, 5, [], {}]); c.org_role = pick(["org:admin", "admin", "", " ", "org:org:admin", null, 5]); },
  (c) => { c.org_slug = pick(["", " ", null, 5, "acme"]); },
  (c) => { c.org_permissions = pick([["org:invoices:read"], ["org:invoices: read"], ["org:invoices:read "], ["invoices:read"], ["org:org:invoices:read"], "org:invoices:read", [], [""], [5, null], {}, null, ["org:a b:read", "org:invoices:read"]]); },
  (c) => { c.org_role = pick([...EDGE_ROLES, null, 5, [], ["org:admin"]]); },
  // --- other standard claims with odd types / values (do not affect derivation)
  (c) => { const k = pick(["azp", "iss", "exp", "iat", "nbf"]); c[k] = pick([null, "123", [], {}, RAW("1.7e9"), RAW("1700000000.5"), true]); },
  // --- JSON-text oddities
  (c) => { c["@@DUP:v@@"] = pick([1, 2, "2", null]); }, // duplicate "v" key (last wins in JSON.parse and jsonb)
  (c) => { c["@@ESC:v@@"] = 2; delete c.v; }, // key written as "\u0076"
];

function ensureO(c) {
  if (!c.o || typeof c.o !== "object" || Array.isArray(c.o)) {
    const { o } = buildOrgV2(false);
    o.fpm = "1";
    c.o = o;
  }
}

function claimsEdge() {
  const base = chance(0.7) ? claimsV2(true) : claimsV1(true);
  const n = between(1, 3);
  for (let i = 0; i < n; i++) pick(MUTATIONS)(base);
  return base;
}

// ---------------------------------------------------------------- queries
// Best-effort view of the claims to choose *relevant* queries. This is only
// for picking inputs; all answers come from the SDK in oracle.mjs.
function view(c) {
  const s = (x) => (typeof x === "string" ? x : "");
  const o = c.o && typeof c.o === "object" && !Array.isArray(c.o) ? c.o : {};
  const items = (str) =>
    s(str).split(",").map((p) => p.trim()).filter((p) => p.includes(":")).map((p) => ({ scope: p.slice(0, p.indexOf(":")), name: p.slice(p.indexOf(":") + 1) }));
  const fea = items(c.fea);
  const pla = items(c.pla);
  const perms = s(o.per).split(",").map((p) => p.trim());
  const orgFeats = fea.filter((f) => f.scope !== "u").map((f) => f.name);
  const roles = [s(o.rol), s(c.org_role)].filter((r) => r !== "");
  const v1perms = Array.isArray(c.org_permissions) ? c.org_permissions.filter((p) => typeof p === "string") : [];
  return { fea, pla, perms, orgFeats, roles, v1perms };
}

function scoped(name, edgy) {
  if (chance(0.3)) return name;
  const scope = edgy && chance(0.35) ? pick(EDGE_QUERY_SCOPES) : pick(QUERY_SCOPES);
  return `${scope}:${name}`;
}

function queriesFor(c) {
  const v = view(c);
  const qs = [];
  const want = between(6, 12);
  const gens = [
    // permission, matching-ish
    () => {
      const f = v.orgFeats.length ? pick(v.orgFeats) : pick(FEATURES);
      const p = v.perms.length ? pick(v.perms) : pick(PERMS);
      const name = `${f}:${p}`;
      return { permission: pick([`org:${name}`, `org:${name}`, name, `org:org:${name}`, `org:org:org:${name}`]) };
    },
    () => (v.v1perms.length ? { permission: pick([pick(v.v1perms), pick(v.v1perms).replace(/^org:/, ""), `org:${pick(v.v1perms)}`]) } : { permission: `org:${pick(FEATURES)}:${pick(PERMS)}` }),
    // permission, non-matching / odd
    () => ({ permission: pick([`org:${pick(FEATURES)}:${pick(PERMS)}`, `org:nosuch:${pick(PERMS)}`, "", "org:", "org:org:", ":", "o:invoices:read", "organization:invoices:read", " org:invoices:read", "ORG:invoices:read", "org:invoices: read", "org:invoices:read ", "invoices", "org:invoices", "u:invoices:read"]) }),
    () => ({ permission: wrong() }),
    // role
    () => {
      const r = v.roles.length ? pick(v.roles) : pick(ROLES);
      const bare = r.replace(/^(org:)*/, "");
      return { role: pick([r, `org:${bare}`, bare, `org:org:${bare}`, `org:org:org:${bare}`, ` ${r}`, bare.toUpperCase()]) };
    },
    () => ({ role: pick([...ROLES.map((r) => `org:${r}`), ...EDGE_ROLES]) }),
    () => ({ role: wrong() }),
    // feature
    () => {
      const it = v.fea.length ? pick(v.fea) : { scope: "o", name: pick(FEATURES) };
      return { feature: scoped(it.name, true) };
    },
    () => ({ feature: scoped(pick([...FEATURES, ...EDGE_FEATURES]), true) }),
    () => ({ feature: pick(["", ":", "o:", "u:", "org:", "user:", ":invoices", "o:invoices:read", "org:org:invoices", "u:user:export", "o::invoices", "ou:invoices", "x:invoices", " o:invoices", "o: invoices", "organization:invoices", "user:export"]) }),
    () => ({ feature: wrong() }),
    // plan
    () => {
      const it = v.pla.length ? pick(v.pla) : { scope: "u", name: pick(PLANS) };
      return { plan: scoped(it.name, true) };
    },
    () => ({ plan: scoped(pick([...PLANS, ...EDGE_PLANS]), true) }),
    () => ({ plan: pick(["", ":", "u:", "o:", "user:", "org:", "u:free:monthly", "user:user:free", "uo:free", "x:free", " u:free", "organization:pro"]) }),
    () => ({ plan: wrong() }),
    // combinations (AND), empty query, reverification
    () => ({ role: `org:${v.roles.length ? pick(v.roles).replace(/^(org:)*/, "") : pick(ROLES)}`, permission: `org:${v.orgFeats.length ? pick(v.orgFeats) : pick(FEATURES)}:${v.perms.length ? pick(v.perms) : pick(PERMS)}` }),
    () => ({ feature: v.fea.length ? pick(v.fea).name : pick(FEATURES), plan: v.pla.length ? pick(v.pla).name : pick(PLANS) }),
    () => ({ permission: `org:${v.orgFeats.length ? pick(v.orgFeats) : pick(FEATURES)}:${v.perms.length ? pick(v.perms) : pick(PERMS)}`, feature: v.fea.length ? pick(v.fea).name : pick(FEATURES) }),
    () => (chance(0.5) ? {} : { other: "x" }),
    () => ({ reverification: pick(["strict", "moderate", "lax", "strict_mfa", "bogus", { level: "second_factor", afterMinutes: 10 }, { level: "first_factor", afterMinutes: 0 }]) }),
  ];
  // weights: index -> weight (relevant queries dominate)
  const weights = [6, 3, 3, 1, 6, 2, 1, 6, 3, 2, 1, 5, 2, 2, 1, 2, 1, 1, 0.3, 0.5];
  const total = weights.reduce((a, b) => a + b, 0);
  while (qs.length < want) {
    let r = rnd() * total;
    let i = 0;
    while (r >= weights[i]) r -= weights[i++];
    qs.push(gens[i]());
  }
  return qs;
}

// ---------------------------------------------------------------- main
function claimsText(c) {
  let s = finishText(JSON.stringify(c));
  s = s.replace(/"@@DUP:([^"@]*)@@"/g, '"$1"');
  s = s.replace(/"@@ESC:v@@"/g, '"\\u0076"');
  return s;
}

// A closed pipe (e.g. `| head`) is a normal way to stop.
process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 1));

const out = [];
for (let id = 1; id <= count; id++) {
  const r = rnd();
  const claims = r < 0.35 ? claimsV2(false) : r < 0.5 ? claimsV1(false) : claimsEdge();
  const queries = queriesFor(claims);
  // claims_text: the same claims text again, as a JSON string, for the SQL side to set verbatim.
  const text = claimsText(claims);
  out.push(`{"id":${id},"claims":${text},"claims_text":${JSON.stringify(text)},"queries":${finishText(JSON.stringify(queries))}}`);
  if (out.length >= 500) {
    process.stdout.write(out.join("\n") + "\n");
    out.length = 0;
  }
}
if (out.length) process.stdout.write(out.join("\n") + "\n");
