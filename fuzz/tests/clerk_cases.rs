//! Claim sets at the edges of Clerk's SDK semantics (tests/clerk-sdk/SEMANTICS.md), run through
//! the `clerk_decode` harness, so its model of the SDK is exercised under plain `cargo test`
//! on the cases the fuzzer may take long to reach.

use pg_jwt_claims_fuzz::targets::clerk_decode;

const CASES: &[&str] = &[
    // v as a double; a feature named `org` and one holding a colon; empty and prefixed per
    // items; leading zeros; a mask wider than 128 bits; unknown scopes skipped. Masks that are
    // not digits (empty ones too) grant nothing but keep their slot.
    r#"{"v":2.0,"sub":"u","fea":"o:org,o:a:b,ou:teams, u:export ,x:skip,O:up","pla":"u:free,o:pro,ou:","o":{"id":"org_1","rol":"org:admin","slg":"","per":"read,,write, org:x ","fpm":"7,000,5,1606938044258990275541962092341162602522202993782792835301377"}}"#,
    r#"{"v":2e0,"sub":"u","fea":"o:f,o:g,o:h,o:i,o:j,o:k","o":{"id":"org_1","rol":"admin","per":"r,w","fpm":",1, ,-1,+3,3"}}"#,
    r#"{"v":20e-1,"sub":"u","fea":"o:f,o:f","o":{"id":"org_1","per":"r","fpm":"1,1,1"},"org_id":"org_v1","org_permissions":["org:v1:p"]}"#,
    // The SDK throws: a fea item without a colon, a non-string fea, per or fpm.
    r#"{"v":2,"sub":"u","fea":"o:a,","pla":"u:p","o":{"id":"org_1","rol":"admin","per":"r","fpm":"1"}}"#,
    r#"{"v":2,"sub":"u","fea":" ","o":{"id":"org_1"}}"#,
    r#"{"v":2,"sub":"u","fea":["o:a"],"o":{"id":"org_1","rol":"admin"}}"#,
    r#"{"v":2,"sub":"u","fea":"o:a","o":{"id":"org_1","rol":"admin","per":["r"],"fpm":"1"}}"#,
    r#"{"v":2,"sub":"u","fea":"o:a","o":{"id":"org_1","rol":"admin","per":"r","fpm":3}}"#,
    // Not thrown: a non-string per read only when fpm is truthy too; falsy fea.
    r#"{"v":2,"sub":"u","fea":0,"o":{"id":"org_1","rol":"admin","per":5,"fpm":""}}"#,
    // v1: everything as it is; has() needs an exact "org:" entry; `o` ignored.
    r#"{"sub":"u","org_id":"org_1","org_role":"admin","org_slug":5,"org_permissions":["org:a:b","a:c","org:org:d:e"," org:c:d",5],"fea":"nocolon","pla":"u:p","o":{"id":"org_2"}}"#,
    r#"{"v":"2","sub":"u","org_id":"org_1","org_role":"","org_permissions":["org:a:b"],"o":{"id":"org_2","rol":"admin"}}"#,
    r#"{"v":3,"sub":"u","org_id":"","org_role":"org:org:admin","org_permissions":"org:a:b"}"#,
    // A truthy `o` that is not an object; a falsy one.
    r#"{"v":2,"sub":"u","o":[1],"fea":"o:a","pla":"u:p"}"#,
    r#"{"v":2,"sub":"u","o":"","fea":"o:a","org_id":"org_1","org_role":"admin"}"#,
    r#"{"v":2,"sub":"u","o":1e-400,"fea":"o:a"}"#,
    // JavaScript's trim: U+FEFF and U+2028 stripped, U+0085 kept; whitespace ids and users.
    "{\"v\":2,\"sub\":\" \",\"fea\":\"\u{feff}o:a\u{feff},o:b\u{85}\",\"o\":{\"id\":\" \",\"rol\":\" \",\"per\":\"\u{2028}r\u{3000},w\u{85}\",\"fpm\":\"\u{feff}3\\t,2\"},\"sts\":\"pending\",\"act\":{\"sub\":\"\"}}",
    // No user: every has() false.
    r#"{"v":2,"sub":"","fea":"o:dashboard","pla":"o:pro","o":{"id":"org_1","rol":"admin","per":"read","fpm":"1"}}"#,
    r#"{"v":2,"sub":5,"fea":"o:dashboard","o":{"id":"org_1","rol":"admin","per":"read","fpm":"1"}}"#,
    r#"{"fea":"u:export","pla":"u:free","sts":"Pending","act":{"sub":"user_a"}}"#,
    // No organization id: roles and permissions false, features and plans still read.
    r#"{"v":2,"sub":"u","fea":"o:dashboard,u:export","pla":"o:pro","o":{"rol":"admin","per":"read","fpm":"1"}}"#,
    // Features and plans without a version or an organization; empty names.
    r#"{"sub":"u","fea":"o:,u:o,ou:a:b","pla":"uo:pro,user:x"}"#,
    "[]",
    "null",
    r#""sub""#,
];

#[test]
fn sdk_edge_cases() {
    for case in CASES {
        serde_json::from_str::<serde_json::Value>(case).expect("case is JSON");
        clerk_decode(case.as_bytes());
    }
}
