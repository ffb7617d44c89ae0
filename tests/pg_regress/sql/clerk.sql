-- clerk: the Clerk organization helpers over real session-token payloads.
--
-- Clerk session tokens v2 carry the active organization in "o" (id, slg, rol, and the
-- permissions packed as "per" names plus one "fpm" bitmask per org feature of "fea"); v1
-- tokens carry org_id, org_role, org_slug and org_permissions at the top level. The helpers
-- fail closed: whenever the claims are not exactly understood they grant nothing (NULL or
-- false), and they never raise over the token's contents. Only a policy's own mistake (an
-- unknown scope in jwt_has_feature/jwt_has_plan) is an error, 22023.
\set SHOW_CONTEXT never
\pset null '(null)'

create temp table tokens (n int primary key, name text not null, claims text);
insert into tokens values
    -- An admin of the Acme organization; fpm 3 = manage+read on dashboard, 6 = read+delete on
    -- teams, 2 = read on reports. "export" is a user feature, so it takes no fpm slot.
    (1, 'v2 admin', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard,u:export,ou:teams,uo:reports","fva":[7,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"3,6,2","id":"org_2abcDEF","per":"manage,read,delete","rol":"admin","slg":"acme"},"pla":"u:free,o:pro","sid":"sess_2xyz","sts":"active","sub":"user_2abc","v":2}'),
    -- A member of the same organization: read on dashboard and teams, nothing on reports.
    (2, 'v2 member', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard,u:export,ou:teams,uo:reports","fva":[7,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"2,2,0","id":"org_2abcDEF","per":"manage,read,delete","rol":"member","slg":"acme"},"pla":"u:free,o:pro","sid":"sess_2mem","sts":"active","sub":"user_2mem","v":2}'),
    -- Clerk's documented example of the fpm encoding.
    (3, 'Clerk docs example', '{"v":2,"sub":"user_123","fea":"o:dashboard,o:teams","o":{"id":"org_123","rol":"admin","per":"manage,read","fpm":"3,2"}}'),
    -- A personal account: no active organization; "fea" still lists the org features.
    (4, 'v2 personal', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard,u:export","fva":[12,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"pla":"u:free","sid":"sess_2per","sts":"active","sub":"user_2per","v":2}'),
    -- A support agent impersonating the admin.
    (5, 'v2 impersonated', '{"act":{"iss":"https://dashboard.clerk.com","sid":"sess_imp","sub":"user_support"},"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard","fva":[0,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"3","id":"org_2abcDEF","per":"manage,read","rol":"admin","slg":"acme"},"pla":"o:pro","sid":"sess_imp","sts":"active","sub":"user_2abc","v":2}'),
    -- A session with tasks still to complete (Clerk counts it as signed out).
    (6, 'v2 pending', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard,u:export","fva":[7,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"3","id":"org_2abcDEF","per":"manage,read","rol":"admin","slg":"acme"},"pla":"u:free","sid":"sess_2pen","sts":"pending","sub":"user_2pen","v":2}'),
    -- A v1 token: the organization at the top level; entries that are not
    -- org:<feature>:<permission> strings name nothing and are skipped.
    (7, 'v1 admin', '{"azp":"https://app.example.com","exp":1713158460,"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"org_id":"org_1legacy","org_permissions":["org:invoices:read","org:invoices:write",42,"invoices:read","org:bad","",null],"org_role":"org:admin","org_slug":"legacy","sid":"sess_1xyz","sub":"user_1abc"}'),
    -- No claims at all (an anonymous request).
    (8, 'no claims', null);

-- 1. What each token reads as.
select n, name,
       regress.with_claims(claims, 'requesting_user_id()') as user_id,
       regress.with_claims(claims, 'jwt_session_status()') as status,
       regress.with_claims(claims, 'requesting_org_id()') as org_id,
       regress.with_claims(claims, 'requesting_org_role()') as org_role,
       regress.with_claims(claims, 'requesting_org_slug()') as org_slug,
       regress.with_claims(claims, 'requesting_actor_id()') as actor_id
from tokens order by n;
select n, name, regress.with_claims(claims, 'jwt_org_permissions()') as permissions
from tokens order by n;

-- 2. The checks a policy makes, with every form of argument.
with cases(n, token, expression, expected) as (values
    -- Roles: with or without the org: prefix, case-sensitive.
    (1, 'v2 admin', 'jwt_has_org_role(''admin'')', 'true'),
    (2, 'v2 admin', 'jwt_has_org_role(''org:admin'')', 'true'),
    (3, 'v2 admin', 'jwt_has_org_role(''member'')', 'false'),
    (4, 'v2 admin', 'jwt_has_org_role(''ADMIN'')', 'false'),
    (5, 'v2 admin', 'jwt_has_org_role('''')', 'false'),
    (6, 'v2 admin', 'jwt_has_org_role(''org:'')', 'false'),
    (7, 'v2 admin', 'jwt_has_org_role(null)', null),
    (8, 'v2 member', 'jwt_has_org_role(''org:member'')', 'true'),
    (9, 'v1 admin', 'jwt_has_org_role(''admin'')', 'true'),
    (10, 'v2 personal', 'jwt_has_org_role(''admin'')', 'false'),
    (11, 'no claims', 'jwt_has_org_role(''admin'')', 'false'),
    -- Permissions: org:<feature>:<permission> or <feature>:<permission>.
    (20, 'v2 admin', 'jwt_has_permission(''org:dashboard:manage'')', 'true'),
    (21, 'v2 admin', 'jwt_has_permission(''dashboard:read'')', 'true'),
    (22, 'v2 admin', 'jwt_has_permission(''org:teams:delete'')', 'true'),
    (23, 'v2 admin', 'jwt_has_permission(''teams:manage'')', 'false'),
    (24, 'v2 admin', 'jwt_has_permission(''reports:read'')', 'true'),
    (25, 'v2 admin', 'jwt_has_permission(''export:read'')', 'false'),
    (26, 'v2 admin', 'jwt_has_permission(''read'')', 'false'),
    (27, 'v2 admin', 'jwt_has_permission(''dashboard:read:extra'')', 'false'),
    (28, 'v2 admin', 'jwt_has_permission('''')', 'false'),
    (29, 'v2 member', 'jwt_has_permission(''dashboard:read'')', 'true'),
    (30, 'v2 member', 'jwt_has_permission(''dashboard:manage'')', 'false'),
    (31, 'v2 member', 'jwt_has_permission(''reports:read'')', 'false'),
    (32, 'Clerk docs example', 'jwt_has_permission(''org:teams:read'')', 'true'),
    (33, 'Clerk docs example', 'jwt_has_permission(''org:teams:manage'')', 'false'),
    (34, 'v1 admin', 'jwt_has_permission(''org:invoices:read'')', 'true'),
    (35, 'v1 admin', 'jwt_has_permission(''invoices:write'')', 'true'),
    (36, 'v1 admin', 'jwt_has_permission(''org:bad'')', 'false'),
    (37, 'v2 personal', 'jwt_has_permission(''dashboard:read'')', 'false'),
    (38, 'no claims', 'jwt_has_permission(''dashboard:read'')', 'false'),
    -- Features: no prefix = either scope; o:/org: the organization's; u:/user: the user's.
    (40, 'v2 admin', 'jwt_has_feature(''dashboard'')', 'true'),
    (41, 'v2 admin', 'jwt_has_feature(''o:dashboard'')', 'true'),
    (42, 'v2 admin', 'jwt_has_feature(''org:dashboard'')', 'true'),
    (43, 'v2 admin', 'jwt_has_feature(''u:dashboard'')', 'false'),
    (44, 'v2 admin', 'jwt_has_feature(''user:dashboard'')', 'false'),
    (45, 'v2 admin', 'jwt_has_feature(''export'')', 'true'),
    (46, 'v2 admin', 'jwt_has_feature(''u:export'')', 'true'),
    (47, 'v2 admin', 'jwt_has_feature(''user:export'')', 'true'),
    (48, 'v2 admin', 'jwt_has_feature(''o:export'')', 'false'),
    (49, 'v2 admin', 'jwt_has_feature(''org:export'')', 'false'),
    (50, 'v2 admin', 'jwt_has_feature(''o:teams'')', 'true'),
    (51, 'v2 admin', 'jwt_has_feature(''u:teams'')', 'true'),
    (52, 'v2 admin', 'jwt_has_feature(''org:reports'')', 'true'),
    (53, 'v2 admin', 'jwt_has_feature(''user:reports'')', 'true'),
    (54, 'v2 admin', 'jwt_has_feature(''billing'')', 'false'),
    (55, 'v2 admin', 'jwt_has_feature('''')', 'false'),
    (56, 'v2 personal', 'jwt_has_feature(''export'')', 'true'),
    (57, 'v2 personal', 'jwt_has_feature(''dashboard'')', 'false'),
    (58, 'v2 personal', 'jwt_has_feature(''o:dashboard'')', 'false'),
    (59, 'v1 admin', 'jwt_has_feature(''dashboard'')', 'false'),
    (60, 'no claims', 'jwt_has_feature(''export'')', 'false'),
    -- Plans, with the same scopes.
    (70, 'v2 admin', 'jwt_has_plan(''pro'')', 'true'),
    (71, 'v2 admin', 'jwt_has_plan(''o:pro'')', 'true'),
    (72, 'v2 admin', 'jwt_has_plan(''org:pro'')', 'true'),
    (73, 'v2 admin', 'jwt_has_plan(''u:pro'')', 'false'),
    (74, 'v2 admin', 'jwt_has_plan(''free'')', 'true'),
    (75, 'v2 admin', 'jwt_has_plan(''user:free'')', 'true'),
    (76, 'v2 admin', 'jwt_has_plan(''o:free'')', 'false'),
    (77, 'v2 admin', 'jwt_has_plan(''enterprise'')', 'false'),
    (78, 'v2 personal', 'jwt_has_plan(''free'')', 'true'),
    (79, 'v2 personal', 'jwt_has_plan(''o:pro'')', 'false'),
    (80, 'v1 admin', 'jwt_has_plan(''free'')', 'false'),
    (81, 'no claims', 'jwt_has_plan(''free'')', 'false')
)
select c.n, c.token, c.expression, a.answer, a.answer is not distinct from c.expected as ok
from cases c join tokens t on t.name = c.token,
     lateral (select regress.with_claims(t.claims, c.expression) as answer) a
order by c.n;

-- 3. An unknown scope is a mistake in the policy, not in the token: 22023 whatever the
--    token says, even when there are no claims or the session is pending, so that the typo
--    shows up at once rather than silently denying everyone.
with cases(n, expression) as (values
    (1, 'jwt_has_feature(''x:dashboard'')'),
    (2, 'jwt_has_feature(''ou:teams'')'),
    (3, 'jwt_has_feature(''O:dashboard'')'),
    (4, 'jwt_has_feature('':dashboard'')'),
    (5, 'jwt_has_plan(''team:pro'')')
)
select c.n, c.expression, t.name as token, a.answer,
       a.answer like '22023: unknown scope %' as ok
from cases c cross join tokens t,
     lateral (select regress.with_claims(t.claims, c.expression) as answer) a
where t.name in ('v2 admin', 'v1 admin', 'v2 pending', 'no claims')
order by c.n, t.n;
-- The message and hint.
begin;
select set_config('request.jwt.claims', (select claims from tokens where name = 'v2 admin'), true) is not null as claims_set;
select jwt_has_feature('x:dashboard');
rollback;

-- 4. Fail closed: claims not exactly understood grant nothing, and never raise. Each case
--    changes one thing in the v2 admin token.
with admin(claims) as (select claims::jsonb from tokens where name = 'v2 admin'),
cases as (
    select v.* from admin, lateral (values
        (1, 'unchanged', claims, 'org_2abcDEF', 'org:admin', '{org:dashboard:manage,org:dashboard:read,org:teams:read,org:teams:delete,org:reports:read}', 'true', 'true'),
        (2, 'no o (v = 2)', claims - 'o', null, null, null, 'false', 'false'),
        (3, 'no o, v1 org_id added', (claims - 'o') || '{"org_id":"org_x","org_role":"org:admin"}', null, null, null, 'false', 'false'),
        (4, 'o is a string', jsonb_set(claims, '{o}', '"org_2abcDEF"'), null, null, null, 'false', 'false'),
        (5, 'o is null', jsonb_set(claims, '{o}', 'null'), null, null, null, 'false', 'false'),
        (6, 'o is an array', jsonb_set(claims, '{o}', '[]'), null, null, null, 'false', 'false'),
        (7, 'o without id', claims #- '{o,id}', null, null, null, 'false', 'false'),
        (8, 'o.id empty', jsonb_set(claims, '{o,id}', '""'), null, null, null, 'false', 'false'),
        (9, 'o.id blank', jsonb_set(claims, '{o,id}', '"  "'), null, null, null, 'false', 'false'),
        (10, 'o.id a number', jsonb_set(claims, '{o,id}', '12'), null, null, null, 'false', 'false'),
        (11, 'o.rol a number', jsonb_set(claims, '{o,rol}', '1'), 'org_2abcDEF', null, '{org:dashboard:manage,org:dashboard:read,org:teams:read,org:teams:delete,org:reports:read}', 'true', 'true'),
        (12, 'fpm too short', jsonb_set(claims, '{o,fpm}', '"3,6"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (13, 'fpm too long', jsonb_set(claims, '{o,fpm}', '"3,6,2,1"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (14, 'fpm missing', claims #- '{o,fpm}', 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (15, 'fpm not a number', jsonb_set(claims, '{o,fpm}', '"3,x,2"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (16, 'fpm a fraction', jsonb_set(claims, '{o,fpm}', '"3,6.0,2"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (17, 'fpm negative', jsonb_set(claims, '{o,fpm}', '"3,-1,2"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (18, 'fpm interior blank', jsonb_set(claims, '{o,fpm}', '"3,,6,2"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (19, 'fpm bit beyond per', jsonb_set(claims, '{o,fpm}', '"3,8,2"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (20, 'fpm of 200 digits', jsonb_set(claims, '{o,fpm}', to_jsonb('3,' || repeat('9', 200) || ',2')), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (21, 'fpm a JSON array', jsonb_set(claims, '{o,fpm}', '[3,6,2]'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (22, 'per a number', jsonb_set(claims, '{o,per}', '3'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (23, 'per interior blank', jsonb_set(claims, '{o,per}', '"manage,,read"'), 'org_2abcDEF', 'org:admin', null, 'false', 'true'),
        (24, 'fea a number', jsonb_set(claims, '{fea}', '7'), 'org_2abcDEF', 'org:admin', null, 'false', 'false'),
        (25, 'fea unknown scope', jsonb_set(claims, '{fea}', '"o:dashboard,x:export,ou:teams,uo:reports"'), 'org_2abcDEF', 'org:admin', null, 'false', 'false'),
        (26, 'fea entry without scope', jsonb_set(claims, '{fea}', '"dashboard,u:export,ou:teams,uo:reports"'), 'org_2abcDEF', 'org:admin', null, 'false', 'false'),
        (27, 'all masks zero', jsonb_set(claims, '{o,fpm}', '"0,0,0"'), 'org_2abcDEF', 'org:admin', '{}', 'false', 'true'),
        (28, 'no fea, per or fpm', (claims - 'fea') #- '{o,per}' #- '{o,fpm}', 'org_2abcDEF', 'org:admin', '{}', 'false', 'false'),
        (29, 'claims {}', '{}'::jsonb, null, null, null, 'false', 'false')
    ) as v(n, name, claims, org_id, role, permissions, dashboard_read, o_dashboard)
)
select c.n, c.name, a.org_id, a.role, a.permissions, a.dashboard_read, a.o_dashboard,
       (a.org_id, a.role, a.permissions, a.dashboard_read, a.o_dashboard)
       is not distinct from (c.org_id, c.role, c.permissions, c.dashboard_read, c.o_dashboard) as ok
from cases c,
     lateral (select regress.with_claims(c.claims::text, 'requesting_org_id()') as org_id,
                     regress.with_claims(c.claims::text, 'requesting_org_role()') as role,
                     regress.with_claims(c.claims::text, 'jwt_org_permissions()') as permissions,
                     regress.with_claims(c.claims::text, 'jwt_has_permission(''dashboard:read'')') as dashboard_read,
                     regress.with_claims(c.claims::text, 'jwt_has_feature(''o:dashboard'')') as o_dashboard) a
order by c.n;

-- v1 fields of the wrong shape also grant nothing.
with v1(claims) as (select claims::jsonb from tokens where name = 'v1 admin'),
cases as (
    select v.n, v.name, v.claims::text as claims from v1, lateral (values
        (1, 'org_permissions a string', jsonb_set(claims, '{org_permissions}', '"org:invoices:read"')),
        (2, 'org_permissions null', jsonb_set(claims, '{org_permissions}', 'null')),
        (3, 'org_id a number', jsonb_set(claims, '{org_id}', '7')),
        (4, 'org_id empty', jsonb_set(claims, '{org_id}', '""'))
    ) as v(n, name, claims)
)
select n, name,
       regress.with_claims(claims, 'requesting_org_id()') as org_id,
       regress.with_claims(claims, 'jwt_org_permissions()') as permissions,
       regress.with_claims(claims, 'jwt_has_permission(''invoices:read'')') as invoices_read,
       regress.with_claims(claims, 'jwt_has_org_role(''admin'')') as admin
from cases order by n;

-- Session status and actor of the wrong shape are simply absent.
with cases(n, claims) as (values
    (1, '{"sub":"user_2abc","sts":7,"act":"user_support"}'),
    (2, '{"sub":"user_2abc","sts":"","act":{"sub":""}}'),
    (3, '{"sub":"user_2abc","act":{"sub":5}}'),
    (4, '{"sub":"user_2abc","act":null}')
)
select n, claims,
       regress.with_claims(claims, 'jwt_session_status()') as status,
       regress.with_claims(claims, 'requesting_actor_id()') as actor_id,
       regress.with_claims(claims, 'requesting_user_id()') as user_id
from cases order by n;

-- 5. A pending session is signed out for every helper but jwt_session_status(), unless
--    pg_jwt_claims.pending_session = allow (superuser; e.g. for the page that lets the user
--    finish the session's tasks).
with readers(m, expression) as (values
    (1, 'requesting_user_id()'), (2, 'requesting_session_id()'), (3, 'jwt_session_status()'),
    (4, 'requesting_org_id()'), (5, 'requesting_org_role()'), (6, 'requesting_org_slug()'),
    (7, 'jwt_org_permissions()'), (8, 'jwt_has_org_role(''admin'')'),
    (9, 'jwt_has_permission(''dashboard:read'')'), (10, 'jwt_has_feature(''export'')'),
    (11, 'jwt_has_plan(''free'')'), (12, 'jwt_claim(''sub'')'))
select m, expression,
       regress.with_settings(jsonb_build_object('request.jwt.claims', t.claims), expression) as signed_out,
       regress.with_settings(jsonb_build_object('request.jwt.claims', t.claims,
                                                'pg_jwt_claims.pending_session', 'allow'), expression) as allowed
from readers, tokens t where t.name = 'v2 pending'
order by m;
