#!/usr/bin/env node
// Differential-test oracle: Clerk's own JavaScript SDK (@clerk/backend 3.25.0,
// @clerk/shared 4.41.0) derives the auth object and answers has() for each
// claim set. Nothing here re-implements Clerk logic; every value below comes
// from an SDK function (see README.md for the exact import paths).
//
//   node generate.mjs 1 3000 | node oracle.mjs > answers.jsonl
//
// Input  (JSON lines): {"id":N,"claims":{...},"queries":[{...},...]}
// Output (JSON lines), one per input line, same order:
//   {"id":N,"props":{...},"has":[{"q":Q,"result":bool}|{"q":Q,"error":msg}],
//    "default":{"isAuthenticated":bool,"sessionStatus":...,"userId":...,"orgId":...,"has":[bool|{"error":msg}]}}
// or, when the SDK throws while building the auth object:
//   {"id":N,"error":"<message>"}
// A key missing from "props" means the SDK produced `undefined` for it;
// `null` means the SDK produced null.

// Keep stdout for answers only: anything the SDK might log goes to stderr.
// (Done before the SDK is loaded, hence the dynamic imports below.)
for (const m of ["log", "info", "warn", "debug"]) console[m] = (...a) => console.error(...a);

const { getAuthObjectFromJwt } = await import("@clerk/backend/internal");
const { __experimental_JWTPayloadToAuthObjectProperties } = await import("@clerk/shared/jwtPayloadParser");
const { splitByScope } = await import("@clerk/shared/authorization");
const readline = await import("node:readline");

const errMsg = (e) => (e && typeof e.message === "string" ? e.message : String(e));

// The JWT shape getAuthObjectFromJwt reads: only jwt.payload (claims) and
// jwt.raw.text (kept as the session token for getToken(); never sent anywhere).
const fakeJwt = (claims) => ({
  header: { alg: "RS256", typ: "JWT", kid: "ins_oracle" },
  payload: claims,
  signature: new Uint8Array(0),
  raw: { header: "", payload: "", signature: "", text: "oracle.token.unsigned" },
});

// Options are the AuthenticateContext handed to signedInAuthObject; it only
// feeds createBackendApiClient (lazy: no request is made) and debug().
const ctx = { secretKey: "sk_test_oracle", apiUrl: "http://127.0.0.1:9", apiVersion: "v1" };

function scopeSplit(value) {
  // SDK's own split of fea/pla into org/user lists, exactly as has() does it
  // (signedInAuthObject passes `sessionClaims.fea || ""` and `sessionClaims.pla || ""`).
  try {
    return splitByScope(value);
  } catch (e) {
    return { error: errMsg(e) };
  }
}

function runHas(has, q) {
  try {
    return { q, result: has(q) };
  } catch (e) {
    return { q, error: errMsg(e) };
  }
}

function answer(line) {
  let input;
  try {
    input = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `oracle: bad input line: ${errMsg(e)}` };
  }
  const { id, claims } = input;
  const queries = Array.isArray(input.queries) ? input.queries : [];

  // 1. The signed-in auth object exactly as @clerk/backend builds it from
  //    verified claims, with pending sessions kept (treatPendingAsSignedOut:
  //    false), i.e. the raw claim derivation of signedInAuthObject().
  let auth;
  try {
    auth = getAuthObjectFromJwt(fakeJwt(claims), { ...ctx, treatPendingAsSignedOut: false });
  } catch (e) {
    return { id, error: errMsg(e) };
  }

  // Cross-check: the same fields straight from the exported parser.
  let parserAgrees;
  try {
    const p = __experimental_JWTPayloadToAuthObjectProperties(claims);
    parserAgrees = ["actor", "sessionId", "sessionStatus", "userId", "orgId", "orgRole", "orgSlug", "orgPermissions", "factorVerificationAge"].every(
      (k) => JSON.stringify(p[k]) === JSON.stringify(auth[k]),
    );
  } catch (e) {
    parserAgrees = false;
  }
  if (!parserAgrees) {
    process.stderr.write(`oracle: id ${id}: signedInAuthObject and __experimental_JWTPayloadToAuthObjectProperties disagree\n`);
  }

  const props = {
    tokenType: auth.tokenType,
    isAuthenticated: auth.isAuthenticated,
    userId: auth.userId,
    sessionId: auth.sessionId,
    sessionStatus: auth.sessionStatus,
    actor: auth.actor,
    // plain property read of the SDK's actor value (no Clerk logic involved)
    actorSub: auth.actor !== null && auth.actor !== undefined ? auth.actor.sub : undefined,
    orgId: auth.orgId,
    orgRole: auth.orgRole,
    orgSlug: auth.orgSlug,
    orgPermissions: auth.orgPermissions,
    factorVerificationAge: auth.factorVerificationAge,
    // What has() sees for features/plans (the auth object exposes no list of
    // its own): the SDK's splitByScope of `fea || ""` / `pla || ""`.
    // Only meaningful when fea/pla are strings; otherwise has() fails closed
    // before splitting (typeof check) and this records what splitByScope does.
    features: scopeSplit(claims?.fea || ""),
    plans: scopeSplit(claims?.pla || ""),
  };

  const has = queries.map((q) => runHas(auth.has, q));

  // 2. The default a Clerk app gets: auth() / toAuth() with
  //    treatPendingAsSignedOut = true (the SDK default), via getAuthObjectFromJwt.
  let dflt;
  try {
    const a = getAuthObjectFromJwt(fakeJwt(claims), { ...ctx });
    dflt = {
      isAuthenticated: a.isAuthenticated,
      sessionStatus: a.sessionStatus,
      userId: a.userId,
      orgId: a.orgId,
      has: queries.map((q) => {
        const r = runHas(a.has, q);
        return "error" in r ? { error: r.error } : r.result;
      }),
    };
  } catch (e) {
    dflt = { error: errMsg(e) };
  }

  return { id, props, has, default: dflt };
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const buf = [];
for await (const line of rl) {
  if (line.trim() === "") continue;
  buf.push(JSON.stringify(answer(line)));
  if (buf.length >= 200) {
    process.stdout.write(buf.join("\n") + "\n");
    buf.length = 0;
  }
}
if (buf.length) process.stdout.write(buf.join("\n") + "\n");
