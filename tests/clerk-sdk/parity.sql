-- The SQL half of the differential test against Clerk's SDK (run by scripts/clerk-parity.sh).
-- Every answer is one function call, made as a policy would make it; an error is its SQLSTATE.

create extension if not exists pg_jwt_claims;

create table parity_cases (id int primary key, claims_text text not null, queries jsonb not null);
create table parity_tokens (id int primary key, label text not null, token text not null);

-- One expression's answer as jsonb, or {"error": SQLSTATE}.
create function parity_eval(expression text) returns jsonb language plpgsql as $$
declare
    answer jsonb;
begin
    execute format('select to_jsonb(%s)', expression) into answer;
    return coalesce(answer, 'null'::jsonb);
exception when others then
    return jsonb_build_object('error', sqlstate);
end $$;

-- Each case's answers: the auth object's fields, then each has() query key by key (the caller
-- ANDs them as has() does). Queries whose values are not text or NULL cannot be asked in SQL and
-- come back as {"skip": true}.
create function parity_claims() returns setof jsonb language plpgsql as $$
declare
    c parity_cases;
    q jsonb;
    key text;
    value jsonb;
    answers jsonb;
    part jsonb;
    fn text;
begin
    for c in select * from parity_cases order by id loop
        perform set_config('request.jwt.claims', c.claims_text, true);
        answers := '[]';
        for q in select jsonb_array_elements(c.queries) loop
            part := '{}';
            if q = '{}' then
                part := '{"skip": true}';
            end if;
            for key, value in select * from jsonb_each(q) loop
                fn := case key when 'role' then 'jwt_has_org_role' when 'permission' then 'jwt_has_permission'
                               when 'feature' then 'jwt_has_feature' when 'plan' then 'jwt_has_plan' end;
                if fn is null or jsonb_typeof(value) not in ('string', 'null') then
                    part := '{"skip": true}';
                    exit;
                end if;
                part := part || jsonb_build_object(key,
                    parity_eval(format('%s(%L::text)', fn, value #>> '{}')));
            end loop;
            answers := answers || jsonb_build_array(part);
        end loop;
        return next jsonb_build_object(
            'id', c.id,
            'userId', parity_eval('requesting_user_id()'),
            'orgId', parity_eval('requesting_org_id()'),
            'orgRole', parity_eval('requesting_org_role()'),
            'orgSlug', parity_eval('requesting_org_slug()'),
            'orgPermissions', parity_eval('jwt_org_permissions()'),
            'actorSub', parity_eval('requesting_actor_id()'),
            'sessionStatus', parity_eval('jwt_session_status()'),
            'has', answers);
    end loop;
end $$;

-- Every token verified twice at one instant (this statement's start): by jwt_verify() and by
-- verify mode's readers. The first row is that instant in milliseconds.
create function parity_tokens() returns setof jsonb language plpgsql as $$
declare
    t parity_tokens;
    direct jsonb;
    mode jsonb;
begin
    return next jsonb_build_object('now_ms', extract(epoch from statement_timestamp()) * 1000);
    for t in select * from parity_tokens order by id loop
        direct := parity_eval(format('jwt_verify(%L) is not null', t.token));
        perform set_config('pg_jwt_claims.token', t.token, true);
        mode := parity_eval('jwt_claims() is not null');
        return next jsonb_build_object('id', t.id, 'jwt_verify', direct, 'verify_mode', mode);
    end loop;
end $$;
