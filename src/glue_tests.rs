//! `#[pg_test]`s for the glue: the generation cache, the per-call-site cache and adoption of
//! the claims setting, seen from inside one backend.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn one(sql: &str) -> Option<String> {
        Spi::get_one::<String>(sql).unwrap()
    }

    #[pg_test]
    fn claims_setting_is_adopted_and_watched() {
        // Loading the library defines request.jwt.claims; it stays user-settable and hidden.
        Spi::run("select set_config('request.jwt.claims', '{\"sub\":\"a\"}', true)").unwrap();
        assert_eq!(one("select requesting_user_id()").as_deref(), Some("a"));
        Spi::run("select set_config('request.jwt.claims', '{\"sub\":\"b\"}', true)").unwrap();
        assert_eq!(one("select requesting_user_id()").as_deref(), Some("b"));
        let shown = one("select count(*)::text from pg_settings where name = 'request.jwt.claims'");
        assert_eq!(shown.as_deref(), Some("0"));
    }

    #[pg_test]
    fn one_call_site_follows_every_change() {
        // A plpgsql loop keeps one call site for the whole transaction.
        let seen = one("do $$ declare i int; r text; acc text := ''; begin
               for i in 1..50 loop
                 perform set_config('request.jwt.claims', format('{\"sub\":\"u%s\"}', i % 3), true);
                 acc := acc || requesting_user_id() || ',';
               end loop;
               perform set_config('test.acc', acc, true);
             end $$;
             select current_setting('test.acc')");
        let want: String = (1..=50).map(|i| format!("u{},", i % 3)).collect();
        assert_eq!(seen.as_deref(), Some(want.as_str()));
    }

    #[pg_test]
    fn subtransaction_rollback_restores_the_claims() {
        Spi::run("select set_config('request.jwt.claims', '{\"sub\":\"outer\"}', true)").unwrap();
        let seen = one("do $$ begin
               begin
                 perform set_config('request.jwt.claims', '{\"sub\":\"inner\"}', true);
                 if requesting_user_id() <> 'inner' then raise exception 'inner not seen'; end if;
                 raise exception 'roll back';
               exception when others then null;
               end;
               perform set_config('test.after', requesting_user_id(), true);
             end $$;
             select current_setting('test.after')");
        assert_eq!(seen.as_deref(), Some("outer"));
    }

    #[pg_test]
    fn values_returned_earlier_outlive_a_change() {
        // Both values of one call site are still intact at the end of the statement.
        let row = one("select string_agg(x, ',' order by n) from (
               select 1 as n, set_config('request.jwt.claims', '{\"sub\":\"first\"}', true) as s,
                      requesting_user_id() as x
               union all
               select 2, set_config('request.jwt.claims', '{\"sub\":\"second\"}', true),
                      requesting_user_id()) t");
        assert_eq!(row.as_deref(), Some("first,second"));
    }

    #[pg_test]
    fn many_changes_in_one_call_site_stay_bounded() {
        // 20,000 distinct claims through one call site: every answer right, memory bounded
        // (the call site stops keeping superseded answers past its bound).
        let ok = Spi::get_one::<bool>(
            "with s as (
               select i, set_config('request.jwt.claims', format('{\"sub\":\"user_%s\"}', i), true) as c
               from generate_series(1, 20000) i)
             select bool_and(requesting_user_id() = 'user_' || i) from s",
        )
        .unwrap();
        assert_eq!(ok, Some(true));
    }
}
