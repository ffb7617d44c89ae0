'use strict';
// The extension behind a real PostGraphile 4 (library mode, --jwt-secret), against the database
// schema.sql builds. Run by scripts/postgraphile-test.sh with PGHOST (socket directory), PGPORT
// and PGDATABASE of that database.
//
// The oracle is PostGraphile itself: every request reads back, in its own transaction, the text
// PostGraphile set for each claim (`jwt.claims.<name>`), and the expected answers are derived
// from those texts by JSON rules (schema.sql's test.oracle, jsonb's own operators):
//  * a text is JSON when it is exactly what a serializer writes: a JSON number with nothing around
//    it, `true`, `false`, or a JSON array or object with no whitespace before or after; anything
//    else, `null` included (PostGraphile never sets a null claim), is a string claim;
//  * requesting_user_id() is the sub's text itself: distinct string subs never give one answer.
// The texts themselves are checked against PostGraphile's serialization as its code does it
// (withPostGraphileContext.js: objects and arrays through JSON.stringify, the rest through
// String(), null claims skipped).
const http = require('http');
const crypto = require('crypto');
const pg = require('pg');
const jwt = require('jsonwebtoken');
const { postgraphile } = require('postgraphile');

const SECRET = crypto.randomBytes(32).toString('hex');
const ROWS_PER_USER = 100; // schema.sql: 2,000 bench rows over 20 users
const suiteStart = Date.now();
let passed = 0;
let failed = 0;

function check(name, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `\n     ${detail}` : ''}`);
  }
  return ok;
}
const show = (v) => JSON.stringify(v);

// What PostGraphile 4.14.1 sets for a claim's value, as getSettingsForPgClientTransaction does;
// undefined when it sets nothing.
function postgraphileText(value) {
  if (value === undefined || value === null) return undefined;
  return String(typeof value === 'object' ? JSON.stringify(value) : value);
}

// Whether a per-claim setting's text is read as JSON (the rule above).
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
function isJsonText(t) {
  if (JSON_NUMBER.test(t) || t === 'true' || t === 'false') return true;
  if (/^[[{]/.test(t) && /[\]}]$/.test(t)) {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

// The claims object the settings' texts stand for, as JSON text, or null without any.
function claimsFromSettings(settings) {
  const members = Object.entries(settings)
    .filter(([, t]) => t !== null && t !== '')
    .map(([name, t]) => `${JSON.stringify(name)}:${isJsonText(t) ? t : JSON.stringify(t)}`);
  return members.length ? `{${members.join(',')}}` : null;
}

// A token PostGraphile accepts (HS256 with its secret, its default audience), valid for an hour.
function sign(claims, { secret = SECRET } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ role: 'app_user', aud: 'postgraphile', iat: now, exp: now + 3600, ...claims }, secret, {
    algorithm: 'HS256',
  });
}

// Paths a policy could read below a claim: every member and element down to depth 3, a missing
// member, the last element, an index past the end, and a path into a scalar.
function pathsOf(name, value) {
  const paths = [[name]];
  const walk = (prefix, v, depth) => {
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((e, i) => {
        paths.push([...prefix, String(i)]);
        walk([...prefix, String(i)], e, depth + 1);
      });
      paths.push([...prefix, '-1'], [...prefix, '99']);
    } else {
      for (const [k, e] of Object.entries(v)) {
        paths.push([...prefix, k]);
        walk([...prefix, k], e, depth + 1);
      }
      paths.push([...prefix, 'missing']);
    }
  };
  walk([name], value, 1);
  if (value === null || typeof value !== 'object') paths.push([name, '0']);
  return paths;
}

const PROBE = 'query Probe($names: [String]!, $paths: JSON) { probe(names: $names, paths: $paths) }';

async function main() {
  const direct = new pg.Client(); // the superuser of PGUSER: the oracle and a row count
  await direct.connect();
  const pool = new pg.Pool({ user: 'app_postgraphile', max: 16 });
  const server = http.createServer(
    postgraphile(pool, 'app', {
      jwtSecret: SECRET,
      jwtPgTypeIdentifier: 'app.jwt_token',
      pgDefaultRole: 'app_anonymous',
      dynamicJson: true,
      disableQueryLog: true,
      extendedErrors: ['errcode'],
      retryOnInitFail: false,
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/graphql`;

  async function graphql(query, variables, token) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: await res.json() };
  }

  // One request: the probe over every claim of `token` (its names and paths, plus `extraPaths`),
  // compared with the oracle built from the texts PostGraphile set. Returns the probe's answer.
  async function probeAndCompare(label, token, { extraPaths = [], role = 'app_user' } = {}) {
    const claims = jwt.decode(token);
    const names = Object.keys(claims);
    const paths = names.flatMap((n) => pathsOf(n, claims[n])).concat(extraPaths);
    const { status, body } = await graphql(PROBE, { names, paths }, token);
    if (!check(`${label}: the request succeeds`, status === 200 && !body.errors, `${status} ${show(body.errors)}`)) {
      return null;
    }
    const probe = body.data.probe;
    check(`${label}: PostgreSQL role`, probe.current_user === role, show(probe.current_user));
    for (const name of names) {
      const want = postgraphileText(claims[name]);
      const got = probe.settings[name];
      // A claim PostGraphile skips has no setting, or '' once an earlier request on the same
      // pooled connection created it.
      const ok = want === undefined ? got === null || got === '' : got === want;
      check(`${label}: jwt.claims.${name} is what PostGraphile's code sets`, ok, `set ${show(got)}, expected ${show(want)}`);
    }
    const oracleClaims = claimsFromSettings(probe.settings);
    const sub = probe.settings.sub ?? null;
    const {
      rows: [{ oracle }],
    } = await direct.query('select test.oracle($1::jsonb, $2, $3::jsonb) as oracle', [oracleClaims, sub, JSON.stringify(paths)]);
    for (const key of ['requesting_user_id', 'requesting_org_id', 'jwt_claims']) {
      check(`${label}: ${key}()`, show(probe[key]) === show(oracle[key]),
        `extension ${show(probe[key])}, from PostGraphile's settings ${show(oracle[key])}`);
    }
    paths.forEach((path, i) => {
      const got = probe.readers[i];
      const want = oracle.readers[i];
      const wrong = Object.keys(want).filter((fn) => show(got[fn]) !== show(want[fn]));
      check(`${label}: readers at ${path.map((p) => show(p)).join(',')}`, wrong.length === 0,
        wrong.map((fn) => `${fn}: extension ${show(got[fn])}, from the setting ${show(want[fn])}`).join('\n     '));
    });
    return probe;
  }

  // --- Identity: distinct string subs, several of them texts a JSON number or literal can have.
  const subs = ['42', ' 42', '42 ', '\n42', '\t42', '42\t', '+42', '042', '0x2A', '42.0', '4.20', '4.2',
    '1e3', '1000', '1E3', '-0', '0', 'true', 'false', 'null', 'True', '[1]', '[1,2]', '[1, 2]', ' [1]',
    '{"a":1}', '{"a": 1}', '"42"', 'é', 'e\u0301', 'ユーザー🙂', 'user_1', 'user_1 ', 'a\\b', 'NaN'];
  const subTokens = subs.map((sub) => sign({ sub }));
  for (const [i, sub] of subs.entries()) {
    const { status, body } = await graphql(
      'mutation($t: String!) { createTodo(input: { todo: { title: $t } }) { todo { userId title } } }',
      { t: `todo ${i}` }, subTokens[i]);
    const todo = body.data?.createTodo?.todo;
    check(`identity ${show(sub)}: insert through PostGraphile, user_id from the column default`,
      status === 200 && !body.errors && todo?.userId === sub, `${status} ${show(body.errors ?? todo)}`);
  }
  const answers = new Map();
  for (const [i, sub] of subs.entries()) {
    const { body } = await graphql(
      `query { allTodos { nodes { userId title } } probe(names: ["sub"]) }`, {}, subTokens[i]);
    const nodes = body.data?.allTodos?.nodes ?? [];
    const id = body.data?.probe?.requesting_user_id?.text ?? null;
    answers.set(sub, id);
    check(`identity ${show(sub)}: requesting_user_id() is the sub PostGraphile set`,
      body.data?.probe?.settings?.sub === sub && id === sub, `set ${show(body.data?.probe?.settings?.sub)}, read ${show(id)}`);
    check(`identity ${show(sub)}: sees its own row and no other`,
      nodes.length === 1 && nodes[0].userId === sub && nodes[0].title === `todo ${i}`, show(body.errors ?? nodes));
  }
  const distinct = new Set([...answers.values()].filter((v) => v !== null));
  check(`identity: ${subs.length} distinct subs give ${subs.length} distinct requesting_user_id() answers`,
    distinct.size === subs.length, `${distinct.size} distinct: ${show([...answers.entries()].filter(([s, v]) => v !== s))}`);

  // --- Generated subs (seeded): digits, padding, literals, JSON, unicode, quotes. Every one reads
  // back as exactly itself and no two give one answer.
  const generated = new Set();
  let seed = 25;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pieces = ['4', '2', '0', '1', '-', '+', '.', 'e', 'E', ' ', '\t', '\n', '\r', 'true', 'false', 'null',
    '[1]', '{"a":1}', '"', '\\', ',', ':', '[', ']', '{', '}', 'é', '漢', '🙂', '\u00a0', 'user_'];
  while (generated.size < 200) {
    let sub = '';
    for (let k = 1 + random(5); k > 0; k--) sub += pieces[random(pieces.length)];
    generated.add(sub);
  }
  const genAnswers = new Map();
  const genWrong = [];
  const genList = [...generated];
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = w; i < genList.length; i += 8) {
      const sub = genList[i];
      const { body } = await graphql('query { probe(names: ["sub"]) }', {}, sign({ sub }));
      const probe = body.data?.probe;
      const id = probe?.requesting_user_id?.text ?? null;
      genAnswers.set(sub, id);
      if (probe?.settings?.sub !== sub || id !== sub) genWrong.push(`${show(sub)} read ${show(id)}`);
    }
  }));
  check('generated subs: each of 200 reads back as exactly the sub PostGraphile set', genWrong.length === 0,
    `${genWrong.length} wrong: ${genWrong.slice(0, 8).join('; ')}`);
  check('generated subs: 200 distinct subs give 200 distinct requesting_user_id() answers',
    new Set([...genAnswers.values()].filter((v) => v !== null)).size === generated.size);

  // --- Typed claims: strings that look like other JSON, booleans, numbers, objects, arrays.
  const typed = {
    s_space_before: ' 42', s_space_after: '42 ', s_newline: '\n42', s_digits: '42', s_exponent: '1e3',
    s_true: 'true', s_false: 'false', s_null: 'null', s_array: '[1]', s_object: '{"a":1}', s_minus_zero: '-0',
    s_leading_zero: '01', s_plus: '+1', s_dot: '1.', s_hex: '0x10', s_nan: 'NaN', s_tru: 'tru',
    s_open: '[1', s_quoted: '"q"', s_unicode: 'é漢🙂', s_backslash: 'a\\b', s_empty: '',
    s_max: '9223372036854775807', s_over: '9223372036854775808', s_space_true: ' true', s_true_newline: 'true\n',
    s_empty_object: '{}', s_empty_array: '[]', s_spaced_array: '[1, 2]',
    b_true: true, b_false: false,
    n_zero: 0, n_int: 42, n_negative: -7, n_fraction: 1.5, n_half: 2.5, n_negative_half: -2.5, n_big: 1e21,
    n_small: 1e-7, n_tenth: 0.1, n_unsafe: 9007199254740993, n_over: 9223372036854775807, n_minus_zero: -0,
    o_meta: { team: 'red', n: 5, deep: { list: [1, { x: true }] } }, o_empty: {}, o_odd_names: { 'a b': null, '': 1 },
    a_tags: ['a', 'b'], a_empty: [], a_mixed: [1, '2', null, true, { k: 'v' }], a_nested: [[1, 2], [3]],
    z_null: null,
  };
  await probeAndCompare('typed claims', sign({ sub: 'typed_user', ...typed }));

  // --- A realistic token: nested paths below top-level claims, Clerk v2 and v1 organizations.
  const clerk2 = {
    sub: 'user_meta', email: 'meta@example.com', meta: { team: 'red', level: 3, flags: { beta: true } },
    tags: ['admin', 'ops'], admin: true, v: 2, o: { id: 'org_2', rol: 'admin', slg: 'acme' },
  };
  const probe2 = await probeAndCompare('Clerk v2 claims', sign(clerk2), { extraPaths: [['meta', 'team'], ['tags', '0']] });
  if (probe2) {
    // The values a policy author writes down, beside the oracle.
    check("Clerk v2 claims: jwt_claim('meta','team') is 'red'", show(probe2.readers.at(-2).jwt_claim) === show({ text: 'red' }),
      show(probe2.readers.at(-2)));
    check("Clerk v2 claims: jwt_claim('tags','0') is 'admin'", show(probe2.readers.at(-1).jwt_claim) === show({ text: 'admin' }),
      show(probe2.readers.at(-1)));
    check('Clerk v2 claims: requesting_org_id() is o.id', show(probe2.requesting_org_id) === show({ text: 'org_2' }),
      show(probe2.requesting_org_id));
  }
  const clerk1 = { sub: 'user_v1', org_id: 'org_1', org_role: 'org:member' };
  const probe1 = await probeAndCompare('Clerk v1 claims', sign(clerk1));
  if (probe1) {
    check('Clerk v1 claims: requesting_org_id() is org_id', show(probe1.requesting_org_id) === show({ text: 'org_1' }),
      show(probe1.requesting_org_id));
  }

  // --- RLS on typed and nested readers: the rows the policy shows each token, against the same
  // policy over the claims PostGraphile set, read by jsonb's operators.
  const docTokens = {
    'Clerk v2, level 3, admin': { v: 2, o: { id: 'org_2', rol: 'admin' }, meta: { team: 'red', level: 3 }, admin: true },
    'v1 org_id, level 1, no admin claim': { org_id: 'org_1', meta: { team: 'blue', level: 1 } },
    'level and admin as strings': { org_id: 'org_1', meta: { team: 'red', level: '2' }, admin: 'true' },
    'admin false': { v: 2, o: { id: 'org_1' }, meta: { team: 'blue', level: 0 }, admin: false },
    'no meta claim': { org_id: 'org_2' },
    'level padded: a string, not a number (42804)': { org_id: 'org_1', meta: { team: 'red', level: ' 2' } },
    'team a number': { org_id: 'org_1', meta: { team: 7, level: 3 } },
  };
  for (const [what, claims] of Object.entries(docTokens)) {
    const names = ['sub', 'v', 'o', 'org_id', 'meta', 'admin', 'role', 'aud', 'iat', 'exp'];
    const { body } = await graphql(`query($names: [String]!) { probe(names: $names) }`, { names }, sign({ sub: 'doc_user', ...claims }));
    const docs = await graphql('query { allDocs(orderBy: ID_ASC) { nodes { id } } }', {}, sign({ sub: 'doc_user', ...claims }));
    const got = docs.body.errors
      ? { error: docs.body.errors[0].errcode }
      : { text: docs.body.data.allDocs.nodes.map((n) => n.id).join(',') };
    const settings = body.data?.probe?.settings ?? {};
    const {
      rows: [{ want }],
    } = await direct.query('select test.visible_docs($1::jsonb) as want', [claimsFromSettings(settings)]);
    check(`RLS on typed and nested readers (${what}): the rows PostGraphile's settings entitle to`,
      show(got) === show(want) && (want.text !== '' || what === 'no meta claim' || what === 'team a number'),
      `through PostGraphile ${show(got)}, from the settings ${show(want)}`);
  }

  // --- No token: PostGraphile's default role, no claims.
  {
    const { status, body } = await graphql('query { allTodos { totalCount } probe(names: ["sub", "role"]) }', {});
    const probe = body.data?.probe;
    check('no token: the anonymous role', status === 200 && probe?.current_user === 'app_anonymous', `${status} ${show(body.errors ?? probe)}`);
    check('no token: no rows', body.data?.allTodos?.totalCount === 0, show(body.data?.allTodos));
    check('no token: requesting_user_id() and jwt_claims() are NULL',
      show(probe?.requesting_user_id) === '{"null":true}' && show(probe?.jwt_claims) === '{"null":true}', show(probe));
  }

  // --- Refused tokens: PostGraphile refuses them before it opens a transaction.
  const [head, payload] = sign({ sub: 'forger' }).split('.');
  const refused = {
    'bad signature': `${head}.${payload}.${sign({ sub: 'forger' }).split('.')[2].split('').reverse().join('')}`,
    'another secret': sign({ sub: 'forger' }, { secret: 'not the secret' }),
    expired: sign({ sub: 'forger', exp: Math.floor(Date.now() / 1000) - 60 }),
    'another audience': sign({ sub: 'forger', aud: 'elsewhere' }),
    'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
  };
  for (const [what, token] of Object.entries(refused)) {
    const { status, body } = await graphql(
      'mutation { createTodo(input: { todo: { title: "forged" } }) { todo { userId } } }', {}, token);
    check(`refused token (${what}): PostGraphile answers ${what === 'expired' ? 401 : 403} without data`,
      status === (what === 'expired' ? 401 : 403) && body.errors?.length > 0 && !body.data, `${status} ${show(body)}`);
  }
  {
    const { rows } = await direct.query("select count(*)::int as n from app.todo where user_id = 'forger' or title = 'forged'");
    check('refused tokens: no row written', rows[0].n === 0, show(rows));
  }

  // --- Namespaced claims: not a valid setting name; PostgreSQL refuses PostGraphile's set_config
  // (42602) before the query runs, and PostGraphile answers 500 (it logs the error: muted here).
  const consoleError = console.error;
  console.error = () => {};
  for (const claim of ['https://example.com/roles', 'x-hasura-user-id']) {
    const { status, body } = await graphql(PROBE, { names: ['sub'] }, sign({ sub: 'ns_user', [claim]: ['admin'] }));
    check(`namespaced claim ${show(claim)}: PostgreSQL refuses the request (invalid configuration parameter name)`,
      status === 500 && !body.data && body.errors?.[0]?.message === `invalid configuration parameter name "jwt.claims.${claim}"`,
      `${status} ${show(body)}`);
  }
  console.error = consoleError;

  // --- Pooled load: 20 users over 16 pooled connections, claims that differ between users.
  const users = Array.from({ length: 20 }, (_, i) => {
    const sub = `user_${String(i + 1).padStart(2, '0')}`;
    const claims = i % 2 ? { sub, org_id: `org_${i}`, meta: { team: `team_${i}` } } : { sub, tags: [`t${i}`] };
    return { sub, claims, token: sign(claims) };
  });
  async function load(total, concurrency, query, verify) {
    let next = 0;
    const problems = [];
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const user = users[next++ % users.length];
        const { status, body } = await graphql(query, {}, user.token);
        const problem = status !== 200 || body.errors ? `${status} ${show(body.errors)}` : verify(user, body.data);
        if (problem) problems.push(`${user.sub}: ${problem}`);
      }
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { problems, rate: total / seconds };
  }
  const loadQuery = `query { allBenchCompileds(first: 3) { totalCount nodes { userId } }
    probe(names: ["sub", "org_id", "meta"], paths: [["meta", "team"]]) }`;
  const pooled = await load(2000, 16, loadQuery, (user, data) => {
    const rows = data.allBenchCompileds;
    const probe = data.probe;
    const team = user.claims.meta ? { text: user.claims.meta.team } : { null: true };
    const org = user.claims.org_id ? { text: user.claims.org_id } : { null: true };
    if (rows.totalCount !== ROWS_PER_USER || rows.nodes.some((n) => n.userId !== user.sub)) return `rows ${show(rows)}`;
    if (show(probe.requesting_user_id) !== show({ text: user.sub })) return `requesting_user_id ${show(probe.requesting_user_id)}`;
    if (show(probe.requesting_org_id) !== show(org)) return `requesting_org_id ${show(probe.requesting_org_id)}`;
    if (show(probe.readers[0].jwt_claim) !== show(team)) return `jwt_claim('meta','team') ${show(probe.readers[0].jwt_claim)}`;
    return null;
  });
  check(`pooled load: 2000 requests at concurrency 16 by 20 users, each sees its ${ROWS_PER_USER} rows and its own claims only`,
    pooled.problems.length === 0, `${pooled.problems.length} wrong: ${pooled.problems.slice(0, 5).join('; ')}`);

  // --- Requests per second, one policy written two ways (reported, not asserted: the targets
  // belong to the benchmark). Each request counts the user's rows: the policy runs on 2,000.
  const variants = [
    ['compiled', 'allBenchCompileds', 'extensions.requesting_user_id()'],
    ['setting', 'allBenchSettings', "current_setting('jwt.claims.sub', true)"],
    ['once', 'allBenchOnces', '(select extensions.requesting_user_id())'],
  ];
  const rates = Object.fromEntries(variants.map(([kind]) => [kind, []]));
  for (let round = 0; round < 2; round++) {
    for (const [kind, table] of variants) {
      const run = await load(1000, 16, `query { ${table} { totalCount } }`, (user, data) =>
        data[table].totalCount === ROWS_PER_USER ? null : show(data[table]));
      check(`measurement (${kind}, round ${round + 1}): every answer right`, run.problems.length === 0, run.problems.slice(0, 3).join('; '));
      rates[kind].push(run.rate);
    }
  }
  const best = (kind) => Math.max(...rates[kind]);
  console.log('postgraphile-test: requests/s, 1000 requests at concurrency 16 by 20 users, best of 2, each over 2,000 rows:');
  for (const [kind, , policy] of variants) {
    console.log(`  policy user_id = ${policy.padEnd(42)} ${best(kind).toFixed(0).padStart(5)}  (${(best(kind) / best('setting')).toFixed(2)}x the setting read)`);
  }

  server.closeAllConnections();
  server.close();
  await pool.end();
  await direct.end();
}

main()
  .catch((err) => {
    failed++;
    console.log(`FAIL the suite stopped: ${err.stack || err}`);
  })
  .finally(() => {
    console.log(`postgraphile-test: ${passed} passed, ${failed} failed (${((Date.now() - suiteStart) / 1000).toFixed(0)} s)`);
    // Exit now: after a failure the server, the pool or a request may still be open.
    process.exit(failed ? 1 : 0);
  });
