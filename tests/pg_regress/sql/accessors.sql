-- accessors: every claim reader, what it returns, when it returns NULL and what it raises.
--
-- The path readers jwt_claim*(VARIADIC path) follow jsonb's #>> and #> exactly; the typed ones
-- (bool, bigint, numeric, timestamptz, array) take one JSON type and raise 42804 for another.
-- A claim that is absent or JSON null is SQL NULL everywhere.
\set SHOW_CONTEXT never
set timezone = 'UTC';
set datestyle = 'ISO, YMD';
\pset null '(null)'

-- The claims of one signed-in user, as PostgREST would set them.
begin;
select set_config('request.jwt.claims', $claims$
{
  "sub": "user_2abc", "sid": "sess_2xyz", "role": "authenticated",
  "email": "ada@example.com", "email_verified": true, "phone_verified": false,
  "iss": "https://clerk.example.com", "exp": 1713158460, "iat": 1713158400,
  "nbf": 1713158390.5, "auth_time": 1713150000.25, "too_late": 1e20, "never": 1e400,
  "amr": [{"method": "password", "timestamp": 1713150000}],
  "app_metadata": {"provider": "email", "providers": ["email", "google"],
                   "tenant": {"id": 42, "name": "Acme"}},
  "user_metadata": {"name": "Ada Lovelace", "nickname": null},
  "roles": ["editor", "viewer", null, 7, {"k": 1}, [1, 2], true],
  "no_roles": [],
  "quota": 1.5, "refund": -2.5, "sci": 1e3, "rate": 1.50,
  "credits": 123456789012345678901234567890.123456789,
  "max_bigint": 9223372036854775807, "min_bigint": -9223372036854775808,
  "past_bigint": 9223372036854775808,
  "nothing": null, "empty": "", "text_number": "42", "text_bool": "true"
}
$claims$, true) is not null as claims_set;

-- 1. jwt_claims(): the whole object as jsonb.
select jwt_claims() = current_setting('request.jwt.claims')::jsonb as same_as_jsonb,
       jsonb_typeof(jwt_claims()) as type, jwt_claims() ->> 'email' as email;

-- 2. jwt_claim(VARIADIC path) is #>>, jwt_claim_json(VARIADIC path) is #>, compared with
--    Postgres' own operators on the same text.
with cases(n, path) as (values
    (1, '{sub}'::text[]),
    (2, '{email_verified}'),
    (3, '{exp}'),
    (4, '{sci}'),
    (5, '{rate}'),
    (6, '{credits}'),
    (7, '{nothing}'),
    (8, '{missing}'),
    (9, '{empty}'),
    (10, '{app_metadata}'),
    (11, '{app_metadata,provider}'),
    (12, '{app_metadata,tenant,id}'),
    (13, '{app_metadata,providers}'),
    (14, '{app_metadata,providers,0}'),
    (15, '{app_metadata,providers,1}'),
    (16, '{app_metadata,providers,-1}'),
    (17, '{app_metadata,providers,-2}'),
    (18, '{app_metadata,providers,2}'),
    (19, '{app_metadata,providers,-3}'),
    (20, '{app_metadata,providers,x}'),
    (21, '{app_metadata,providers,1.0}'),
    (22, '{app_metadata,providers,+1}'),
    (23, '{app_metadata,providers,01}'),
    (24, '{app_metadata,providers," 1"}'),
    (25, '{app_metadata,providers,"1 "}'),
    (26, '{app_metadata,providers,99999999999999999999}'),
    (27, '{user_metadata,nickname}'),
    (28, '{email,domain}'),
    (29, '{roles}'),
    (30, '{roles,2}'),
    (31, '{roles,3}'),
    (32, '{roles,4}'),
    (33, '{roles,4,k}'),
    (34, '{roles,5,-1}'),
    (35, '{amr,0,method}'),
    (36, '{""}'),
    (37, '{}')
)
select n, path, left(jwt_claim(variadic path), 40) as jwt_claim,
       jwt_claim(variadic path) is not distinct from claims #>> path as same_as_text_operator,
       jwt_claim_json(variadic path) is not distinct from claims #> path as same_as_json_operator
from cases, (select current_setting('request.jwt.claims')::jsonb as claims) c
order by n;
-- The empty path is the whole object, as #>> '{}' is.
select jwt_claim(variadic '{}'::text[]) = (jwt_claims() #>> '{}') as empty_path_is_everything,
       jwt_claim_json(variadic '{}'::text[]) = jwt_claims() as empty_path_json;
-- A NULL anywhere in the path is NULL, as with #>>.
select jwt_claim('app_metadata', null) is null as null_element,
       jwt_claim(variadic null::text[]) is null as null_path,
       jwt_claim_json('app_metadata', null) is null as null_element_json;
-- A JSON null claim: SQL NULL as text, the jsonb null as jsonb; an absent one is NULL for both.
select jwt_claim('nothing') is null as text_null, jwt_claim_json('nothing') as json_null,
       jwt_claim_json('missing') is null as absent_json;

-- 3. The typed readers. Each row: the expression, its answer (or error), and whether that is
--    the expected answer.
with cases(n, expression, expected) as (values
    -- jwt_claim_bool: a JSON boolean only.
    (1, 'jwt_claim_bool(''email_verified'')', 'true'),
    (2, 'jwt_claim_bool(''phone_verified'')', 'false'),
    (3, 'jwt_claim_bool(''nothing'')', null),
    (4, 'jwt_claim_bool(''missing'')', null),
    (5, 'jwt_claim_bool(''text_bool'')', '42804: claim "text_bool" is of type string, not boolean'),
    (6, 'jwt_claim_bool(''exp'')', '42804: claim "exp" is of type number, not boolean'),
    (7, 'jwt_claim_bool(''app_metadata'', ''tenant'')', '42804: claim "app_metadata.tenant" is of type object, not boolean'),
    (8, 'jwt_claim_bool(''roles'')', '42804: claim "roles" is of type array, not boolean'),
    -- jwt_claim_bigint: a JSON number, rounded as numeric::bigint rounds.
    (10, 'jwt_claim_bigint(''exp'')', '1713158460'),
    (11, 'jwt_claim_bigint(''quota'')', (1.5::numeric)::bigint::text),
    (12, 'jwt_claim_bigint(''refund'')', (-2.5::numeric)::bigint::text),
    (13, 'jwt_claim_bigint(''sci'')', '1000'),
    (14, 'jwt_claim_bigint(''app_metadata'', ''tenant'', ''id'')', '42'),
    (15, 'jwt_claim_bigint(''max_bigint'')', '9223372036854775807'),
    (16, 'jwt_claim_bigint(''min_bigint'')', '-9223372036854775808'),
    (17, 'jwt_claim_bigint(''past_bigint'')', '22003: bigint out of range'),
    (18, 'jwt_claim_bigint(''credits'')', '22003: bigint out of range'),
    (19, 'jwt_claim_bigint(''nothing'')', null),
    (20, 'jwt_claim_bigint(''text_number'')', '42804: claim "text_number" is of type string, not number'),
    (21, 'jwt_claim_bigint(''email_verified'')', '42804: claim "email_verified" is of type boolean, not number'),
    -- jwt_claim_numeric: a JSON number, exactly.
    (30, 'jwt_claim_numeric(''credits'')', '123456789012345678901234567890.123456789'),
    (31, 'jwt_claim_numeric(''rate'')', '1.50'),
    (32, 'jwt_claim_numeric(''sci'')', '1000'),
    (33, 'jwt_claim_numeric(''nbf'')', '1713158390.5'),
    (34, 'jwt_claim_numeric(''never'') = 1e400', 'true'),
    (35, 'jwt_claim_numeric(''missing'')', null),
    (36, 'jwt_claim_numeric(''text_number'')', '42804: claim "text_number" is of type string, not number'),
    -- jwt_claim_timestamptz: a NumericDate, as to_timestamp() reads it.
    (40, 'jwt_claim_timestamptz(''exp'')', '2024-04-15 05:21:00+00'),
    (41, 'jwt_claim_timestamptz(''nbf'')', '2024-04-15 05:19:50.5+00'),
    (42, 'jwt_claim_timestamptz(''auth_time'') = to_timestamp(1713150000.25)', 'true'),
    (43, 'jwt_claim_timestamptz(''refund'')', '1969-12-31 23:59:57.5+00'),
    (44, 'jwt_claim_timestamptz(''nothing'')', null),
    (45, 'jwt_claim_timestamptz(''too_late'')', '22008: timestamp out of range: "1e+20"'),
    (46, 'jwt_claim_timestamptz(''email'')', '42804: claim "email" is of type string, not number'),
    (47, 'jwt_claim_timestamptz(''text_number'')', '42804: claim "text_number" is of type string, not number'),
    -- jwt_claim_array: a JSON array, each element as #>> gives it.
    (50, 'jwt_claim_array(''roles'')', '{editor,viewer,NULL,7,"{\"k\": 1}","[1, 2]",true}'),
    (51, 'jwt_claim_array(''app_metadata'', ''providers'')', '{email,google}'),
    (52, 'jwt_claim_array(''no_roles'')', '{}'),
    (53, '''editor'' = any(jwt_claim_array(''roles''))', 'true'),
    (54, 'jwt_claim_array(''nothing'')', null),
    (55, 'jwt_claim_array(''missing'')', null),
    (56, 'jwt_claim_array(''email'')', '42804: claim "email" is of type string, not array'),
    (57, 'jwt_claim_array(''app_metadata'')', '42804: claim "app_metadata" is of type object, not array'),
    -- The top-level readers: text as ->> gives it.
    (60, 'jwt_role()', 'authenticated'),
    (61, 'jwt_email()', 'ada@example.com'),
    (62, 'requesting_session_id()', 'sess_2xyz'),
    (63, 'requesting_user_id()', 'user_2abc')
)
select n, expression, regress.eval(expression) as answer,
       regress.eval(expression) is not distinct from expected as ok
from cases order by n;
-- jwt_claim_array() agrees with jsonb_array_elements_text().
select jwt_claim_array('roles') = array(select jsonb_array_elements_text(jwt_claims() -> 'roles'))
       as same_as_jsonb_array_elements_text;
-- An answer handed to plpgsql and changed there does not change the next answer.
do $$
declare
    roles text[] := jwt_claim_array('roles');
begin
    roles[1] := 'changed';
    roles := array_append(roles, 'appended');
    if jwt_claim_array('roles') is distinct from
       '{editor,viewer,NULL,7,"{\"k\": 1}","[1, 2]",true}'::text[] then
        raise exception 'the second answer changed: %', jwt_claim_array('roles');
    end if;
end $$;
-- A NumericDate far beyond any timestamp is out of range, as to_timestamp() says; it must never
-- read as 'infinity' (an exp of 1e400 would be a token that never expires).
select left(regress.eval('to_timestamp(1e400)'), 5) as to_timestamp_sqlstate;
select regress.eval('jwt_claim_timestamptz(''never'')') ~ '^22' as never_is_out_of_range;
rollback;

-- 4. Absent and empty claims of the top-level readers. requesting_user_id() and
--    requesting_session_id() take '' as absent, as the guide's nullif() does; jwt_role() and
--    jwt_email() return the claim as ->> gives it. Other JSON types come back as text.
with cases(n, claims) as (values
    (1, '{"sub":"user_2abc"}'),
    (2, '{"sub":"","sid":"","role":"","email":""}'),
    (3, '{"sub":null,"sid":null,"role":null,"email":null}'),
    (4, '{"sub":"user_2abc","sid":7,"role":5,"email":{"primary":"ada@example.com"}}')
)
select n, claims,
       regress.with_claims(claims, 'requesting_user_id()') as user_id,
       regress.with_claims(claims, 'requesting_session_id()') as session_id,
       regress.with_claims(claims, 'jwt_role()') as role,
       regress.with_claims(claims, 'jwt_email()') as email
from cases order by n;

-- 5. A claims setting that is not a JSON object is a broken request: 22P02 from every
--    reader, naming the setting. '' is no claims at all.
with claims(n, text) as (values (1, 'not json'), (2, '[1]'), (3, '"str"'), (4, '42'), (5, '')),
     readers(m, expression) as (values
         (1, 'requesting_user_id()'), (2, 'jwt_claims()'), (3, 'jwt_claim(''sub'')'),
         (4, 'jwt_claim_bool(''email_verified'')'), (5, 'jwt_role()'), (6, 'requesting_org_id()'),
         (7, 'jwt_session_status()'))
select claims.text as claims, readers.expression,
       regress.with_claims(claims.text, readers.expression) as answer
from claims, readers order by claims.n, readers.m;
-- The details say what is wrong.
begin;
select set_config('request.jwt.claims', '{"sub": "user_2abc",}', true) is not null as claims_set;
select requesting_user_id();
rollback;
begin;
select set_config('request.jwt.claims', '["user_2abc"]', true) is not null as claims_set;
select requesting_user_id();
rollback;

-- 6. A \u0000 escape cannot become text (22P05, as for jsonb), in whatever claim is read; the
--    other claims still read.
begin;
select set_config('request.jwt.claims',
    '{"sub":"user\u0000x","name":"Ada\u0000","tags":["ok","bad\u0000"],"v":2,"o":{"id":"org\u0000"},"ok":"fine"}',
    true) is not null as claims_set;
with cases(n, expression) as (values
    (1, 'requesting_user_id()'),
    (2, 'jwt_claim(''name'')'),
    (3, 'jwt_claim_json(''name'')'),
    (4, 'jwt_claim_array(''tags'')'),
    (5, 'jwt_claims()'),
    (6, 'requesting_org_id()'),
    (7, 'jwt_claim(''tags'', ''0'')'),
    (8, 'jwt_claim(''ok'')')
)
select n, expression, regress.eval(expression) as answer from cases order by n;
-- The detail names the claim.
select jwt_claim('name');
rollback;

-- 7. Nesting. The claims are read up to 128 levels deep (the claims object itself being the
--    first); deeper is refused with 54000, and 10,000 levels are refused as cleanly.
with cases(n, levels) as (values (1, 2), (2, 127), (3, 128), (4, 129), (5, 10000))
select n, levels,
       regress.with_claims('{"sub":"user_deep","a":' || repeat('[', levels - 1) || repeat(']', levels - 1) || '}',
                           'requesting_user_id()') as answer
from cases order by n;
begin;
select set_config('request.jwt.claims', repeat('{"a":', 10000) || '1' || repeat('}', 10000), true) is not null as claims_set;
select requesting_user_id();
rollback;
-- The backend is alive and well.
select 1 as alive;

-- 8. A 1 MB claims object reads as a small one.
begin;
select set_config('request.jwt.claims',
    '{"iss":"https://clerk.example.com","pad":"' || repeat('x', 1024 * 1024) || '","sub":"user_big"}', true) is not null as claims_set;
select requesting_user_id(), length(jwt_claim('pad')) as pad_length,
       length(jwt_claims()::text) as claims_length;
rollback;

-- 9. The catalog: every function of the extension with every attribute a policy relies on
--    (all STABLE and PARALLEL SAFE; the path readers and the has_* checks STRICT).
select p.proname as name, pg_get_function_arguments(p.oid) as arguments,
       pg_get_function_result(p.oid) as returns,
       p.provolatile as volatility, p.proparallel as parallel, p.proisstrict as strict,
       p.prosecdef as security_definer, l.lanname as language,
       obj_description(p.oid, 'pg_proc') is not null as commented
from pg_proc p
join pg_language l on l.oid = p.prolang
join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
join pg_extension e on e.oid = d.refobjid and e.extname = 'pg_jwt_claims'
order by p.proname, arguments;

-- jwt_claim_timestamptz reads a number as the float8 cast does: one that under- or overflows a
-- double is 22003, never the epoch. jwt_claim_array gives every JSON type exactly as
-- jsonb_array_elements_text does (numbers as jsonb prints them, objects in jsonb's key order).
begin;
select set_config('request.jwt.claims', '{"tiny": 1e-400, "huge": 1e400, "mixed": [1e2, -0, -0.0, 1.50, 2E-3, "x", null, false, {"b": 1, "a": [1, 2]}, 12345678901234567890, "\u00e9"]}', true) is not null as claims_set;
select regress.expect_error('select jwt_claim_timestamptz(''tiny'')') as tiny,
       regress.expect_error('select jwt_claim_timestamptz(''huge'')') as huge;
select jwt_claim_array('mixed'),
       jwt_claim_array('mixed') = array(select jsonb_array_elements_text(
           current_setting('request.jwt.claims')::jsonb -> 'mixed')) as same_as_jsonb;
rollback;
