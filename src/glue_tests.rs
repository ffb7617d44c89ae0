//! `#[pg_test]`s for the glue: the generation cache, the per-call-site cache and adoption of
//! the claims setting, seen from inside one backend.

#[cfg(any(test, feature = "pg_test"))] // and the module only with the feature (lib.rs)
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

    /// Runs `sql` and returns the SQLSTATE it raised, or "ok".
    fn sqlstate_of(sql: &str) -> String {
        Spi::run(
            "create or replace function pg_temp.sqlstate_of(sql text) returns text
             language plpgsql as $f$
             begin execute sql; return 'ok';
             exception when others then return sqlstate; end $f$",
        )
        .unwrap();
        Spi::get_one_with_args::<String>("select pg_temp.sqlstate_of($1)", &[sql.into()])
            .unwrap()
            .unwrap()
    }

    /// Runs a one-value `sql` and returns "=<value>" ("=" alone for NULL), or the SQLSTATE.
    fn outcome_of(sql: &str) -> String {
        Spi::run(
            "create or replace function pg_temp.outcome_of(sql text) returns text
             language plpgsql as $f$
             declare v text;
             begin execute sql into v; return '=' || coalesce(v, '');
             exception when others then return sqlstate; end $f$",
        )
        .unwrap();
        Spi::get_one_with_args::<String>("select pg_temp.outcome_of($1)", &[sql.into()])
            .unwrap()
            .unwrap()
    }

    fn quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// The SQLSTATEs a hostile token may end in (README, Errors).
    const DOCUMENTED: [&str; 5] = ["22P02", "28000", "22023", "0A000", "55000"];

    /// One hostile token through jwt_decode, jwt_verify(token, key) and verify mode (with `key`
    /// as pg_jwt_claims.jwks): each ends in a result or a documented SQLSTATE, never XX000, and
    /// the backend lives on. Returns jwt_verify's outcome ("ok" or a SQLSTATE) and verify
    /// mode's ("=<identity>", "=" for none, or a SQLSTATE).
    fn run_hostile(label: &str, token: &str, key: &str) -> (String, String) {
        let decode = sqlstate_of(&format!("select * from jwt_decode({})", quote(token)));
        let verify = sqlstate_of(&format!(
            "select jwt_verify({}, {})",
            quote(token),
            quote(key)
        ));
        // A secret or a private key is refused in the setting when set (22023): verify mode
        // then has no key of that case's, which is its outcome.
        let set = sqlstate_of(&format!("set pg_jwt_claims.jwks = {}", quote(key)));
        let mode = if set == "ok" {
            Spi::run("set pg_jwt_claims.mode = verify").unwrap();
            Spi::run(&format!("set pg_jwt_claims.token = {}", quote(token))).unwrap();
            outcome_of("select requesting_user_id()")
        } else {
            set
        };
        Spi::run("reset pg_jwt_claims.token; reset pg_jwt_claims.mode; reset pg_jwt_claims.jwks")
            .unwrap();
        assert_eq!(
            outcome_of("select 'alive'"),
            "=alive",
            "{label}: backend lost"
        );
        for (what, state) in [("jwt_decode", &decode), ("jwt_verify", &verify)] {
            assert!(
                state == "ok" || DOCUMENTED.contains(&state.as_str()),
                "{label}: {what} ended in {state}"
            );
        }
        assert!(
            mode.starts_with('=') || DOCUMENTED.contains(&mode.as_str()),
            "{label}: verify mode ended in {mode}"
        );
        (verify, mode)
    }

    /// The vectors this test reads (from `tests/vectors`), embedded when the test is built: the test body runs
    /// inside the server, which may not be able to read the clone's directory.
    macro_rules! vectors {
        ($($name:literal),* $(,)?) => {
            &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/", $name)))),*]
        };
    }
    const VECTORS: &[(&str, &str)] = vectors![
        "negative/jwt_negative_cases.json",
        "negative/large_token_256KiB_claim.txt",
        "negative/deeply_nested_claims_10000.txt",
        "negative/keys/rfc7515_A2_rsa_public_spki.pem",
        "negative/keys/auth0_node-jsonwebtoken_test_pub.pem",
        "peer_kats/keys/golang-jwt_examplePaddedKey-public.pem",
        "peer_kats/keys/golang-jwt_sample_key.pub",
        "peer_kats/keys/golang-jwt_ec256-public.pem",
        "rfc7515/A1_HS256.json",
        "wycheproof/json_web_signature_test.json",
    ];

    /// A vector file by the path a case names (paths in the file are relative to various
    /// folders, so they are matched by their last component).
    fn vector(path: &str) -> &'static str {
        let base = path.rsplit('/').next().unwrap();
        VECTORS
            .iter()
            .find(|(name, _)| name.rsplit('/').next() == Some(base))
            .unwrap_or_else(|| panic!("vector {path} is not embedded"))
            .1
    }

    /// Every hostile case of the vectors through jwt_decode, jwt_verify and verify mode:
    /// each ends in a result or a documented SQLSTATE (never XX000), the backend lives on, and
    /// no case the file rejects is ever accepted.
    #[pg_test]
    fn hostile_tokens_end_cleanly_in_sql() {
        let doc: serde_json::Value =
            serde_json::from_str(vector("negative/jwt_negative_cases.json")).unwrap();
        let a1: serde_json::Value = serde_json::from_str(vector("rfc7515/A1_HS256.json")).unwrap();
        let mut rejected_checked = 0;
        for case in doc["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap();
            let token = match (case["token"].as_str(), case["token_file"].as_str()) {
                (Some(t), _) => t.to_owned(),
                (None, Some(f)) => vector(f).trim_end().to_owned(),
                _ => continue,
            };
            let key = &case["key"];
            let key_text = if let Some(jwk) = key.get("jwk") {
                jwk.to_string()
            } else if let Some(s) = key["secret_utf8"].as_str() {
                s.to_owned()
            } else if let Some(f) = key["file"].as_str() {
                vector(f).to_owned()
            } else {
                serde_json::json!({"keys": [a1["jwk"]]}).to_string()
            };
            let (verify, mode) = run_hostile(id, &token, &key_text);
            if case["expected"].as_str().unwrap().starts_with("REJECT") {
                assert_ne!(
                    verify, "ok",
                    "{id}: jwt_verify accepted a token the file rejects"
                );
                assert!(
                    mode == "=" || !mode.starts_with('='),
                    "{id}: verify mode gave {mode}"
                );
                rejected_checked += 1;
            }
        }
        assert!(
            rejected_checked > 100,
            "only {rejected_checked} rejected cases were checked"
        );
    }

    /// Every Wycheproof JWS case through jwt_decode, jwt_verify (with the group's public key, or
    /// its secret) and verify mode: a documented SQLSTATE or a result, never XX000, the backend
    /// alive, and no case the file calls invalid accepted. (Valid cases carry JWS payloads that
    /// are not claims sets, so jwt_verify answers 22P02 for them: the signature is checked
    /// first, and the core's unit tests assert that it verifies.)
    #[pg_test]
    fn wycheproof_jws_cases_end_cleanly_in_sql() {
        let doc: serde_json::Value =
            serde_json::from_str(vector("wycheproof/json_web_signature_test.json")).unwrap();
        let mut invalid_checked = 0;
        for group in doc["testGroups"].as_array().unwrap() {
            let key = group.get("public").unwrap_or(&group["private"]).to_string();
            for case in group["tests"].as_array().unwrap() {
                let id = &case["tcId"];
                let token = case["jws"].as_str().unwrap();
                let (verify, mode) = run_hostile(&format!("tcId {id}"), token, &key);
                if case["result"] == "invalid" {
                    assert_ne!(
                        verify, "ok",
                        "tcId {id}: jwt_verify accepted an invalid case"
                    );
                    assert!(
                        mode == "=" || !mode.starts_with('='),
                        "tcId {id}: verify mode gave {mode}"
                    );
                    invalid_checked += 1;
                }
            }
        }
        assert!(
            invalid_checked > 300,
            "only {invalid_checked} invalid cases were checked"
        );
    }

    /// A token of 1 MB verifies and decodes like any other.
    #[pg_test]
    fn a_one_megabyte_token_verifies() {
        let sub = one("select jwt_verify(t, 'k') ->> 'sub' from (
               select jwt_sign(jsonb_build_object('sub', 'user_big', 'exp', 4102444800,
                                                  'pad', repeat('x', 1024 * 1024)), 'k') as t) s");
        assert_eq!(sub.as_deref(), Some("user_big"));
        let pad = one("select length(payload ->> 'pad')::text from jwt_decode(
               jwt_sign(jsonb_build_object('pad', repeat('y', 1024 * 1024)), 'k'))");
        assert_eq!(pad.as_deref(), Some("1048576"));
    }

    /// `jwt_verify` builds its jsonb from the strictly parsed claims, not through `jsonb_in`:
    /// for claims of every shape the result prints exactly as `claims::jsonb` does (key order,
    /// numbers, escapes, nesting).
    #[pg_test]
    fn verified_claims_are_the_jsonb_that_jsonb_in_makes() {
        use base64::Engine;
        use jsonwebtoken::{Algorithm, EncodingKey};
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        // Payloads of every shape, most without exp.
        Spi::run("set local pg_jwt_claims.required_claims = ''").unwrap();
        let deep = format!("{{\"d\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        let payloads = [
            r#"{}"#,
            r#"{"sub":"user_1"}"#,
            r#"{"n":[0,-0,1,-1,1.50,1e2,1E-7,2.5e+3,-1.5e300,123456789012345678,999999999999999999,1000000000000000000,9223372036854775807,-9223372036854775808,9223372036854775808,123456789012345678901234567890.0001]}"#,
            r#"{"s":["","plain","tab\there","quote\"back\\slash\/","\u00e9\u4e2d\ud83d\ude00","é中😀","\b\f\n\r\t","\u001f"]}"#,
            r#"{"bb":1,"a":2,"ab":3,"abcdefghij":4,"abcdefghia":5,"abcdefgh":6,"abcdefgg":7,"é":8,"z":9,"":10,"\u0063":11}"#,
            r#"{"t":true,"f":false,"z":null,"e":[],"o":{},"mixed":[1,"a",null,true,{"k":[{}]},[[]]]}"#,
            r#"{"o":{"id":"org_7","rol":"admin","per":"manage,read"},"metadata":{"company":{"name":"Acme","size":"51-200"},"beta":["a","b"]}}"#,
            r#" { "spaced" : [ 1 , 2 ] ,
                "lines" : { "x" : null } } "#,
            &deep,
        ];
        let key = EncodingKey::from_secret(b"k");
        for payload in payloads {
            let input = format!("{}.{}", b64(r#"{"alg":"HS256"}"#), b64(payload));
            let signature =
                jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256).unwrap();
            let token = format!("{input}.{signature}");
            let ours = one(&format!("select jwt_verify('{token}', 'k')::text"));
            let theirs = one(&format!("select '{payload}'::jsonb::text"));
            assert_eq!(ours, theirs, "{payload}");
            // The same again: this answer comes from the cache.
            let again = one(&format!("select jwt_verify('{token}', 'k')::text"));
            assert_eq!(again, theirs, "{payload}");
            // jsonb's own operators find every key (its binary search needs the key order).
            let found = one(&format!(
                "select bool_and(jwt_verify('{token}', 'k') ? k)::text
                   from jsonb_object_keys('{payload}'::jsonb) k"
            ));
            assert_ne!(found.as_deref(), Some("false"), "{payload}");
        }
    }

    // Test-only functions: a JSON text written by `jsonb::from_doc`, and whether two jsonb
    // values are the same bytes.
    #[pg_jwt_claims_macros::sql_function(
        "tests.jsonb_of(document text) RETURNS jsonb",
        "VOLATILE STRICT PARALLEL UNSAFE",
        comment = "For tests: document written as jsonb by jsonb::from_doc."
    )]
    unsafe fn jsonb_of(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
        let text = crate::pg::args::text_arg(fcinfo, 0).unwrap_or_default();
        let doc = pg_jwt_claims_core::jose::parse_claims(text.as_bytes().to_vec())
            .unwrap_or_else(|e| crate::pg::errors::sql_error(&e).raise());
        crate::pg::jsonb::from_doc(&doc).unwrap_or_else(|e| e.raise())
    }

    #[pg_jwt_claims_macros::sql_function(
        "tests.same_bytes(a jsonb, b jsonb) RETURNS bool",
        "VOLATILE STRICT PARALLEL UNSAFE",
        comment = "For tests: whether a and b are the same bytes."
    )]
    unsafe fn same_bytes(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
        let bytes = |i: usize| {
            let arg = (*fcinfo).args.as_slice(2)[i].value;
            let v = pg_sys::pg_detoast_datum(arg.cast_mut_ptr());
            std::slice::from_raw_parts(v as *const u8, pgrx::varlena::varsize_any(v))
        };
        pg_sys::Datum::from(bytes(0) == bytes(1))
    }

    /// `jsonb::from_doc` writes the very bytes `jsonb_in` makes of the same text: every JSON
    /// type at the root and nested, numbers of every form, escapes, key order and lengths,
    /// and containers past 32 children (where JEntries switch to offsets).
    #[pg_test]
    fn jsonb_is_written_byte_for_byte_as_jsonb_in_writes_it() {
        let many_keys: Vec<String> = (0..70).map(|i| format!("\"k{i}\":{i}")).collect();
        let many_items: Vec<String> = (0..70).map(|i| format!("[{i},\"{i}\"]")).collect();
        let mut cases: Vec<String> = [
            "{}", "[]", "1", "-0", "\"s\"", "true", "false", "null", "[1]", "[[[]]]", "{\"a\":{}}",
            "[0,-0,1,-1,7,10000,-10000,4102444800,1735689600,999999999999999999,-999999999999999999]",
            "[1000000000000000000,9223372036854775807,-9223372036854775808,9223372036854775808]",
            "[1.50,1e2,1E-7,2.5e+3,-1.5e300,0.0001,100.000,123456789012345678901234567890.0001]",
            "[\"\",\"plain\",\"tab\\there\",\"q\\\"b\\\\s\\/\",\"\\u00e9\\u4e2d\\ud83d\\ude00\",\"é中😀\"]",
            "{\"bb\":1,\"a\":2,\"ab\":3,\"abcdefghij\":4,\"abcdefghia\":5,\"é\":6,\"\":7,\"z\":[true,null]}",
            "{\"n\":1.5,\"s\":\"x\",\"t\":true,\"o\":{\"n\":2,\"a\":[1.25,{\"x\":\"yy\"}]},\"z\":null}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cases.push(format!("{{{}}}", many_keys.join(",")));
        cases.push(format!("[{}]", many_items.join(",")));
        cases.push(format!(
            "{{\"deep\":{}1{}}}",
            "[".repeat(100),
            "]".repeat(100)
        ));
        cases.push(format!(
            "{{\"long\":\"{}\",\"n\":3.5}}",
            "x".repeat(100_000)
        ));
        for json in &cases {
            let literal = json.replace('\'', "''");
            let same = one(&format!(
                "select tests.same_bytes(tests.jsonb_of('{literal}'), '{literal}'::jsonb)::text"
            ));
            assert_eq!(same.as_deref(), Some("true"), "{json}");
        }
    }

    /// Member names that mean something to serde_json are plain claim names in SQL too, in
    /// trust mode and in verify mode: a string claim never poses as `sub` or an organization.
    #[pg_test]
    fn serde_json_private_names_are_plain_claims() {
        let claims = r#"{"v":2,"$serde_json::private::RawValue":"{\"sub\":\"admin\"}","o":{"$serde_json::private::RawValue":"{\"id\":\"org_x\",\"rol\":\"admin\"}"}}"#;
        let none = Some("none".to_string());
        Spi::run("set local pg_jwt_claims.required_claims = ''").unwrap();
        let readers = "select coalesce(requesting_user_id(), 'none')
                            || coalesce(jwt_claim('o', 'rol'), 'none')
                            || coalesce(requesting_org_id(), 'none')";
        Spi::run(&format!(
            "select set_config('request.jwt.claims', '{claims}', true)"
        ))
        .unwrap();
        assert_eq!(one(readers), Some("nonenonenone".into()));
        assert_eq!(
            one(&format!("select (jwt_claims() = '{claims}'::jsonb)::text")),
            Some("true".into())
        );
        Spi::run("set local pg_jwt_claims.mode = 'verify'").unwrap();
        Spi::run("set local pg_jwt_claims.secret = 'k'").unwrap();
        Spi::run(&format!(
            "select jwt_authenticate(jwt_sign('{claims}', 'k'))"
        ))
        .unwrap();
        assert_eq!(one(readers), Some("nonenonenone".into()));
        assert_eq!(
            one(&format!(
                "select (jwt_claims() = '{claims}'::jsonb
                         and jwt_verify(current_setting('pg_jwt_claims.token')) = '{claims}'::jsonb
                         and (select payload from jwt_decode(jwt_sign('{claims}', 'k')))
                             = '{claims}'::jsonb)::text"
            )),
            Some("true".into())
        );
        assert_eq!(one("select coalesce(jwt_claim('sub'), 'none')"), none);
    }

    /// RLS tested with the test helpers, as a user's own `cargo pgrx test` would (the README's
    /// example): log in as a user, see only their rows, log out.
    #[pg_test]
    fn rls_with_the_test_helpers() {
        Spi::run(
            "create role authenticated nologin;
             create table notes (id int, owner text default requesting_user_id());
             alter table notes enable row level security;
             create policy own_notes on notes using (owner = requesting_user_id());
             grant select, insert on notes to authenticated;
             insert into notes values (1, 'user_a'), (2, 'user_b')",
        )
        .unwrap();
        Spi::run(r#"select jwt_test_login('{"sub":"user_a"}')"#).unwrap();
        assert_eq!(
            one("select current_user::text"),
            Some("authenticated".into())
        );
        assert_eq!(
            one("select string_agg(id::text, ',') from notes"),
            Some("1".into())
        );
        Spi::run("insert into notes (id) values (3)").unwrap();
        Spi::run("select jwt_test_logout()").unwrap();
        assert_eq!(
            one("select string_agg(id || ':' || owner, ',' order by id) from notes"),
            Some("1:user_a,2:user_b,3:user_a".into())
        );
    }

    // A function whose body panics, declared as every reader is.
    #[pg_jwt_claims_macros::sql_function(
        "tests.test_panic() RETURNS int",
        "VOLATILE PARALLEL UNSAFE",
        comment = "For tests: panics."
    )]
    unsafe fn test_panic(_fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
        let empty: Vec<pg_sys::Datum> = Vec::new();
        std::hint::black_box(&empty)[1]
    }

    /// A Rust panic inside a reader's entry point becomes an ERROR, and the backend carries on
    /// with its settings and caches intact.
    #[pg_test]
    fn a_panic_is_an_error_not_a_crash() {
        Spi::run("select set_config('request.jwt.claims', '{\"sub\":\"still_me\"}', true)")
            .unwrap();
        assert_eq!(
            one("select requesting_user_id()").as_deref(),
            Some("still_me")
        );
        let state = sqlstate_of("select tests.test_panic()");
        assert_eq!(state, "XX000");
        assert_eq!(
            one("select requesting_user_id()").as_deref(),
            Some("still_me")
        );
        assert_eq!(one("select 'alive'").as_deref(), Some("alive"));
    }

    /// Every loop whose length the input decides is a cancellation point: with a cancel
    /// pending, expanding Clerk permissions, checking one and laying out a claim array each stop
    /// with 57014 instead of running to the end.
    #[pg_test]
    fn input_sized_loops_stop_on_a_pending_cancel() {
        let features: Vec<String> = (1..=1500).map(|i| format!("o:f{i}")).collect();
        let per: Vec<String> = (1..=128).map(|i| format!("p{i}")).collect();
        let claims = serde_json::json!({
            "sub": "u", "v": 2, "fea": features.join(","),
            "o": {"id": "org_1", "rol": "admin", "per": per.join(","),
                  "fpm": vec!["340282366920938463463374607431768211455"; 1500].join(",")}
        });
        let claims = pg_jwt_claims_core::json::parse_lenient(claims.to_string()).unwrap();
        let array: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let array =
            pg_jwt_claims_core::json::parse_lenient(format!("[{}]", array.join(","))).unwrap();
        let runs: [(&str, &dyn Fn()); 3] = [
            ("org_permissions", &|| {
                let _ = pg_jwt_claims_core::clerk::org_permissions(claims.root());
            }),
            ("has_permission", &|| {
                let _ =
                    pg_jwt_claims_core::clerk::has_permission(claims.root(), "org:f1500:nothing");
            }),
            ("claim array", &|| {
                let elements = array.root().elements().unwrap();
                let _ = crate::pg::jsonb::text_elements(elements, &["a"]);
            }),
        ];
        for (what, run) in runs {
            let stopped = PgTryBuilder::new(std::panic::AssertUnwindSafe(|| {
                // SAFETY: what a cancel request's signal handler sets.
                unsafe {
                    pg_sys::QueryCancelPending = 1;
                    pg_sys::InterruptPending = 1;
                }
                run();
                false
            }))
            .catch_when(PgSqlErrorCode::ERRCODE_QUERY_CANCELED, |_| true)
            .execute();
            assert!(stopped, "{what} ran to the end with a cancel pending");
        }
    }
}
