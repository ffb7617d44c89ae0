#!/usr/bin/env bash
# Release discipline, checked on every change (PostgreSQL 15):
# 1. The released script of the current version, sql/pg_jwt_claims--<version>.sql, describes the
#    same functions as the code: any change to the SQL surface needs a version bump.
# 2. From every earlier release, `ALTER EXTENSION pg_jwt_claims UPDATE` reaches a catalog equal
#    to a fresh install's: names, arguments, results, volatility, strictness, parallel safety,
#    security, comments and schema.
# 3. The README's path from the guide: a database built exactly as the guide says switches to
#    the compiled function in place, keeping every policy and default and every row's visibility.
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=pg15; dir="$PGJC_RUN/upgrade"; port=54416
current=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1)
[ -f "$REPO/sql/pg_jwt_claims--$current.sql" ] || { echo "upgrade: sql/pg_jwt_claims--$current.sql (the release script of $current) is missing"; exit 1; }
# The PGXN description names the same release.
for crate in core macros; do
  grep -q "^version = \"$current\"" "$REPO/$crate/Cargo.toml" || { echo "upgrade: $crate/Cargo.toml is not at version $current"; exit 1; }
done
if [ "$(grep -c "\"$current\"\|pg_jwt_claims--$current.sql" "$REPO/META.json")" != 3 ]; then
  echo "upgrade: META.json does not describe version $current (its version, the extension's version and file)"; exit 1
fi
install_extension "$version"
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version"' EXIT
bindir="$("$(pg_config_for "$version")" --bindir)"; sharedir="$("$(pg_config_for "$version")" --sharedir)"
sql() { "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"; }
describe() {  # the catalog of schema s in database $1
  sql -d "$1" -c "select format('%s(%s) returns %s volatile=%s parallel=%s strict=%s secdef=%s comment=%s',
      p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.provolatile,
      p.proparallel, p.proisstrict, p.prosecdef, coalesce(obj_description(p.oid, 'pg_proc'), '-'))
    from pg_proc p where p.pronamespace = 's'::regnamespace order by 1" \
    -c "select format('relation %s kind=%s acl=%s comment=%s', c.relname, c.relkind, c.relacl,
          coalesce(obj_description(c.oid, 'pg_class'), '-'))
        from pg_class c where c.relnamespace = 's'::regnamespace order by 1" \
    -c "select format('constraint %s on %s: %s', conname, conrelid::regclass, pg_get_constraintdef(oid))
        from pg_constraint where connamespace = 's'::regnamespace order by 1" \
    -c "select format('trigger %s', pg_get_triggerdef(t.oid)) from pg_trigger t
        join pg_class c on c.oid = t.tgrelid where c.relnamespace = 's'::regnamespace order by 1" \
    -c "select format('dumped with the extension: %s', array(select c::regclass::text from unnest(extconfig) c order by 1))
        from pg_extension where extname = 'pg_jwt_claims'"
}
fresh_db() { sql -c "drop database if exists $1" -c "create database $1"; sql -d "$1" -c "create schema s"; }

fresh_db fresh
sql -d fresh -c "create extension pg_jwt_claims schema s"
describe fresh > "$dir/fresh.txt"
status=0

# 1. The current release script, run as CREATE EXTENSION would (MODULE_PATHNAME, @extowner@ and
#    @extschema@ substituted: schema s; pg_extension_config_dump, which only CREATE EXTENSION
#    may call, left out).
fresh_db released
sed -e '/^\\echo/d' -e '/pg_extension_config_dump/d' -e "s|MODULE_PATHNAME|\$libdir/pg_jwt_claims|g" -e 's|@extowner@|postgres|g' -e 's|@extschema@|s|g' \
    "$REPO/sql/pg_jwt_claims--$current.sql" \
  | sql -d released -c "set search_path = s" -f - >/dev/null
describe released > "$dir/released.txt"
if ! diff -u "$dir/released.txt" <(grep -v '^dumped with the extension' "$dir/fresh.txt"); then
  echo "upgrade: the code's SQL differs from sql/pg_jwt_claims--$current.sql: bump the version and add an upgrade script"
  status=1
fi

# 2a. An install holds no earlier release's base script: an old release, whose install checks
#     were weaker, cannot be created and then updated.
old_install=$(sql -d fresh -c "drop extension pg_jwt_claims" -c "create extension pg_jwt_claims version '0.1.0' schema s" 2>&1 || true)
if grep -q 'no installation script' <<<"$old_install"; then echo "upgrade: an install offers no earlier release to CREATE EXTENSION"
else echo "upgrade: CREATE EXTENSION ... VERSION '0.1.0' was not refused: $old_install"; status=1; fi
sql -d fresh -c "create extension if not exists pg_jwt_claims schema s"

# 2. Every earlier release, updated to the current version. Their base scripts are not part of
#    an install (tests/upgrade/released/README.md): copied in for this test, removed at exit.
olds=()
trap 'stop_cluster "$dir" "$version"; for o in "${olds[@]}"; do rm -f "$sharedir/extension/pg_jwt_claims--$o.sql"; done' EXIT
for script in "$REPO"/tests/upgrade/released/pg_jwt_claims--*.sql; do
  old=$(basename "$script" .sql); old=${old#pg_jwt_claims--}
  olds+=("$old")
  cp "$script" "$sharedir/extension/pg_jwt_claims--$old.sql"
  fresh_db "up_${old//./_}"
  sql -d "up_${old//./_}" -c "create extension pg_jwt_claims version '$old' schema s" \
      -c "alter extension pg_jwt_claims update"
  describe "up_${old//./_}" > "$dir/up-$old.txt"
  if diff -u "$dir/up-$old.txt" "$dir/fresh.txt"; then echo "upgrade: $old -> $current ok"
  else echo "upgrade: $old -> $current differs from a fresh install"; status=1; fi
done
# 2b. Where an earlier base script is still present (an install that predates this rule), a
#     database owner who is not a superuser cannot carry an old release's install in pg_catalog
#     up to this version: the update runs the target schema check of CREATE EXTENSION.
sql -c "drop role if exists app_owner" -c "create role app_owner login" -c "drop database if exists owned" \
    -c "create database owned owner app_owner"
planted=$(sql -d owned -U app_owner -c "create extension pg_jwt_claims version '0.1.0' schema pg_catalog" \
            -c "alter extension pg_jwt_claims update" 2>&1 || true)
if grep -q 'permission denied for schema pg_catalog' <<<"$planted" &&
   [ "$(sql -d owned -c "select extversion from pg_extension where extname = 'pg_jwt_claims'")" = 0.1.0 ]; then
  echo "upgrade: an old release installed into pg_catalog by a non-superuser owner does not update"
else echo "upgrade: an old install in pg_catalog updated, or failed otherwise: $planted"; status=1; fi

# 3. From the guide's SQL function, in place.
fresh_db guide
sql -d guide <<'SQL'
create role guide_user nologin;
create or replace function requesting_user_id()
returns text
language sql stable
as $$
  select nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')::text;
$$;
create table todos (
  id bigint generated always as identity primary key,
  user_id text not null default requesting_user_id(),
  task text not null
);
alter table todos enable row level security;
create policy "Users can read their own todos" on todos for select using (requesting_user_id() = user_id);
create policy "Users can add todos" on todos for insert with check (requesting_user_id() = user_id);
create policy "Users can update their own todos" on todos for update using (requesting_user_id() = user_id);
create policy "Users can delete their own todos" on todos for delete using (requesting_user_id() = user_id);
grant select, insert, update, delete on todos to guide_user;
create function pg_temp.as_user(sub text, task text) returns void language plpgsql as $f$
begin
  perform set_config('request.jwt.claims', json_build_object('sub', sub)::text, true);
  set local role guide_user;
  insert into todos (task) values (task);
  reset role;
end $f$;
begin; select pg_temp.as_user('user_a', 'a1'); commit;
begin; select pg_temp.as_user('user_a', 'a2'); commit;
begin; select pg_temp.as_user('user_b', 'b1'); commit;
SQL
visible() {  # what each user (and nobody) sees, and what the catalog says depends on the function
  for sub in user_a user_b ""; do
    sql -d guide -c "begin" -c "select set_config('request.jwt.claims', '{\"sub\":\"$sub\"}', true)" \
        -c "set local role guide_user" -c "select '$sub', string_agg(id || ':' || user_id || ':' || task, ',' order by id) from todos" -c "commit"
  done
  sql -d guide -c "select polname, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) from pg_policy order by polname" \
      -c "select pg_get_expr(adbin, adrelid) from pg_attrdef" -c "select count(*) from todos"
}
visible > "$dir/guide-before.txt"
# The switch, exactly as the README gives it, with jwt_policy_advice() asked before and after
# the guide's function is replaced.
advice() {  # guide policies on todos, the todos.user_id default, every hit: each with the guide's suggestion
  sql -d guide -c "select count(distinct name) filter (where kind = 'policy' and table_name = 'todos'::regclass
                                                          and suggestion = 'jwt.requesting_user_id()'),
                          count(*) filter (where kind = 'default' and table_name = 'todos'::regclass
                                             and name = 'user_id' and suggestion = 'jwt.requesting_user_id()'),
                          count(*)
                   from jwt.jwt_policy_advice()" 2>&1 || true
}
sql -d guide <<'SQL'
create schema jwt;
create extension pg_jwt_claims schema jwt;
grant usage on schema jwt to public;
SQL
advice_before=$(advice)
if [ "$advice_before" = "4|1|5" ]; then echo "upgrade: jwt_policy_advice() found the guide's 4 policies and 1 default"
else
  echo "upgrade: jwt_policy_advice() before the switch: expected 4 policies, 1 default, 5 rows (4|1|5), got: $advice_before"
  sql -d guide -c "select * from jwt.jwt_policy_advice()" || true; status=1
fi
sql -d guide <<'SQL'
create or replace function public.requesting_user_id() returns text
    language sql stable parallel safe
    as $$ select jwt.requesting_user_id() $$;
SQL
advice_after=$(advice)
if [ "$advice_after" = "0|0|0" ]; then echo "upgrade: jwt_policy_advice() lists nothing once the guide's function calls the compiled one"
else
  echo "upgrade: jwt_policy_advice() after the switch: expected no rows (0|0|0), got: $advice_after"
  sql -d guide -c "select * from jwt.jwt_policy_advice()" || true; status=1
fi
visible > "$dir/guide-after.txt"
if diff -u "$dir/guide-before.txt" "$dir/guide-after.txt" && grep -q 'user_a|1:user_a:a1,2:user_a:a2' "$dir/guide-after.txt"; then
  # The policies now run the compiled function: the plan shows it inlined.
  plan=$(sql -d guide -c "begin" -c "set local role guide_user" -c "explain (costs off) select * from todos" -c "commit")
  if grep -q 'jwt.requesting_user_id()' <<<"$plan"; then echo "upgrade: the guide's database switched in place, same rows for the same users"
  else echo "upgrade: policies do not call jwt.requesting_user_id() after the switch:"; echo "$plan"; status=1; fi
else
  echo "upgrade: switching from the guide's function changed what users see"; status=1
fi

[ $status = 0 ] && echo "upgrade: release script of $current matches the code; every earlier release updates to it"
exit $status
