//! Fixed test keys, policies and tokens shared by the targets and the seed-corpus test.
//!
//! The keys were generated once with openssl (RSA 2048, EC P-256, Ed25519) for fuzzing only;
//! they protect nothing. The private halves are here so the seed test can sign valid tokens.

use std::sync::OnceLock;

use serde_json::{json, Value};

use pg_jwt_claims_core::jose::{self, KeySet, Policy};

/// HMAC secret (raw bytes of the string).
pub const HMAC_SECRET: &str = "fuzz-hmac-secret-0123456789abcdef";

/// JWK Set with one RSA public key, `kid` = `fuzz-rsa`.
pub const RSA_JWKS: &str = r#"{"keys":[{"kty":"RSA","kid":"fuzz-rsa","use":"sig","n":"mmHF9TQ7Yh0ZJD269RpIEyfhi-mcdBTVvZdRMSxd4enwZHVOjgiSqhtAhVe2mU44Iq7zNFj9Ns-VxvlPIcJHAiB3a1GQaPKtogThSKW4vbr7AxGbd7xS9b8mjmd3Ng7O_lIAJUDmFSKNFiTlzPv62Lzbvzc-grl60caicESVo6BppLgyV_hduDmCGIf7MymegbBZXdFqnCKA2LeK8g3q3hXRT6PLzQA6dNW0vxXp0nuzAWNg8zyABOY-0WTMq-k91NMPCpnwW7_uFjv8sqzMVm3GH5tfZbVRldXVGkqnOLrwGdzvjB7Bik_TeRWNkqkOUBDpB9V02OxIhDbR_zr6Rw","e":"AQAB"}]}"#;

/// EC P-256 public key, SPKI PEM (no `kid`).
pub const EC_PUBLIC_PEM: &str = r#"-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESBVWQlh39WKq0/GbNlcp7C5DfeiK
d54a0S5QsGjfdGEHw3MEPCdHZLB1doIApVrnorhKTSTLtu7eHjxYB0aOIg==
-----END PUBLIC KEY-----
"#;

/// Ed25519 public JWK, `kid` = `fuzz-ed`.
pub const ED25519_JWK: &str = r#"{"kty":"OKP","crv":"Ed25519","kid":"fuzz-ed","x":"zHvhr-xKjxSdKBl1JQ4KNCpgLA3hxKDzsDaZCwK2q5I"}"#;

/// Private JWK of [`RSA_JWKS`] (signs with `kid` = `fuzz-rsa`).
pub const RSA_PRIVATE_JWK: &str = r#"{"kty":"RSA","kid":"fuzz-rsa","use":"sig","n":"mmHF9TQ7Yh0ZJD269RpIEyfhi-mcdBTVvZdRMSxd4enwZHVOjgiSqhtAhVe2mU44Iq7zNFj9Ns-VxvlPIcJHAiB3a1GQaPKtogThSKW4vbr7AxGbd7xS9b8mjmd3Ng7O_lIAJUDmFSKNFiTlzPv62Lzbvzc-grl60caicESVo6BppLgyV_hduDmCGIf7MymegbBZXdFqnCKA2LeK8g3q3hXRT6PLzQA6dNW0vxXp0nuzAWNg8zyABOY-0WTMq-k91NMPCpnwW7_uFjv8sqzMVm3GH5tfZbVRldXVGkqnOLrwGdzvjB7Bik_TeRWNkqkOUBDpB9V02OxIhDbR_zr6Rw","e":"AQAB","d":"7zU622ATTfMdrF9PUHi935tBNN7E4m4QwbO0xSdO-2grE31a5WO4h9sHc5UgBGsuj-SE8pebF1KOwRTg3W4p7cxgkpPPLs4s5t6o3pKUWLy1iLZqLnJKGSgV6zu7e1zMCURa9V5EeSW6y-pgJ-jyxYyG8cH9GeZLvWoKR-qn8jQxv5SnO0Of6nDaONri-fEcfbHBa7e_sO2TN2c8S7nterrgTjZXIfXB7ZHbQSVAZRv_IAAA-_zfdYNWdKz97hKDsqaui0Jm0LA07sjoopeJq-8zax1nGCFcPGLil1pLo7QS-gzvmd3dp6eCSSfn83Xpd_3KDTrPXmDfHluUMetR","p":"2N0ohNwkJgRhYHF2uw9cvr2kz7spsN_92yY_xNKYStGHTFS-n0L25Rf5LvtrCLd1xXTL-coH2QJp3h8SqtZvFPH4XzyIbDwt6aRHx_G0Fu0IyW1Cr9BCyIOfj4V9VV3ccdl2aEZt9JuqxZp9cviylRX0eoaY_opPCFkjPugjnns","q":"tj4GmSr-sLPNT0MB6AwIMTv-5rXtGhAJJ4pA1xjQscWSKYdQwBuytWGZHK5eZet2ZrqhbkUtbiSoLfJrcXhJQSDrOLbfbUWW83rHj-lOpcClZF_260D9NqgacUQw_wlWScCJAUIpL1alKd_i2A74SHBinIOXHpRomtiJA3Wj76U","dp":"nNuiki7U6raiZGrNcVIUSFbNnf-HkUsCx_-rgka9JujVDw4A7xs1j9E-SJBMA_sG8XKgkyVhdcK8JpCdJPqDUEgQ2XnkRz1kDCnqTaHzG94JTAB-isJ9e6FQyTPJyvRgHe0oKxY-M_5gkBtFf-KI8TL3KaSvhvUtYyFuT_MCyH8","dq":"D01wAmaA0leWssQeodx4x6GRCtBV421bR22teiJES9kaJ9CL8EWjIOXcFHNzy70UyRV8vqSiZvA_CvSjHvkJtaVM-wsoAaXpQfKaVTQy_WoKuT3xntlrKa694arnLlMbYr__ARMMIER3Q-ffxWKkaHi_XwMRqmity-rIvnifVl0","qi":"wvOqodaDSoXQFymQW5fXkk_z6zB4f7zafjlVImU6SGCYAKdRUy5CVB6khqbLB7pOa13FP623Jb7tRoN6zupLqIb8XHO6bmI22VDiaM-6q8_EmnRfi40AFe5eNGR5OkhfPDAAJ9aeFpjzwFfip-37ixUYnhHcBwvUOgjwnSc7IvU"}"#;

/// PKCS#8 private key of [`EC_PUBLIC_PEM`].
pub const EC_PRIVATE_PEM: &str = r#"-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2E0iwtKvIjwp3q7Q
WM5m+uuNe2oftcuMm1jdCB+BpV+hRANCAARIFVZCWHf1YqrT8Zs2VynsLkN96Ip3
nhrRLlCwaN90YQfDcwQ8J0dksHV2ggClWueiuEpNJMu27t4ePFgHRo4i
-----END PRIVATE KEY-----
"#;

/// Private JWK of [`ED25519_JWK`] (signs with `kid` = `fuzz-ed`).
pub const ED25519_PRIVATE_JWK: &str = r#"{"kty":"OKP","crv":"Ed25519","kid":"fuzz-ed","x":"zHvhr-xKjxSdKBl1JQ4KNCpgLA3hxKDzsDaZCwK2q5I","d":"tomZqI9hK_nV9sGlM5IYhebPhb8DDUeXmmlX9cmZkWE"}"#;

/// The fixed "now" of every policy, so seed tokens never expire (2025-06-15T16:00:00Z).
pub const NOW: i64 = 1_750_003_200;

pub const ISSUER: &str = "https://issuer.example";
pub const AUDIENCE: &str = "fuzz-aud";
pub const AZP: &str = "https://app.example";

/// Everything the targets reuse across inputs, built once per process.
pub struct Fixtures {
    /// (name, key set): each key alone, then all four merged.
    pub key_sets: Vec<(&'static str, KeySet)>,
    /// Valid tokens for the fixed keys, as (algorithm, token).
    pub tokens: Vec<(&'static str, String)>,
    audiences: Vec<String>,
    azps: Vec<String>,
    algorithms: Vec<String>,
    token_types: Vec<String>,
    required_claims: Vec<String>,
}

impl Fixtures {
    /// Only the time window, at [`NOW`], no leeway.
    pub fn open(&self) -> Policy<'_> {
        Policy::new(NOW)
    }

    /// Issuer, audience, authorized party and an algorithm list, with leeway.
    pub fn strict(&self) -> Policy<'_> {
        Policy {
            now: NOW,
            leeway: 30,
            issuer: Some(ISSUER),
            audiences: &self.audiences,
            authorized_parties: &self.azps,
            algorithms: &self.algorithms,
            token_types: &self.token_types,
            required_claims: &self.required_claims,
        }
    }
}

/// The claims of the seed tokens: valid under both policies, with a Clerk v2 organization.
pub fn seed_claims() -> Value {
    json!({
        "sub": "user_fuzz",
        "iss": ISSUER,
        "aud": [AUDIENCE, "other"],
        "azp": AZP,
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 3600,
        "role": "authenticated",
        "v": 2,
        "fea": "o:dashboard,u:export,ou:teams",
        "o": { "id": "org_fuzz", "rol": "admin", "slg": "acme", "per": "manage,read", "fpm": "3,2" }
    })
}

/// (algorithm, signing key material) for every seed token.
pub const SIGNERS: &[(&str, &str)] = &[
    ("HS256", HMAC_SECRET),
    ("HS384", HMAC_SECRET),
    ("HS512", HMAC_SECRET),
    ("RS256", RSA_PRIVATE_JWK),
    ("RS512", RSA_PRIVATE_JWK),
    ("PS256", RSA_PRIVATE_JWK),
    ("ES256", EC_PRIVATE_PEM),
    ("EdDSA", ED25519_PRIVATE_JWK),
];

/// The fixtures; panics (once, at start-up) if the embedded keys are unusable.
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let parse = |m: &str| KeySet::parse(m).expect("embedded test key parses");
        let all = parse(HMAC_SECRET)
            .merge(parse(RSA_JWKS))
            .merge(parse(EC_PUBLIC_PEM))
            .merge(parse(ED25519_JWK));
        let claims = seed_claims();
        let tokens = SIGNERS
            .iter()
            .map(|(alg, key)| {
                let token = jose::sign(&claims, key, alg).expect("embedded test key signs");
                (*alg, token)
            })
            .collect();
        Fixtures {
            key_sets: vec![
                ("hmac", parse(HMAC_SECRET)),
                ("rsa-jwks", parse(RSA_JWKS)),
                ("ec-pem", parse(EC_PUBLIC_PEM)),
                ("ed25519-jwk", parse(ED25519_JWK)),
                ("all", all),
            ],
            tokens,
            audiences: vec![AUDIENCE.into()],
            azps: vec![AZP.into()],
            algorithms: ["HS256", "RS256", "PS256", "ES256", "EdDSA"]
                .iter()
                .map(|a| a.to_string())
                .collect(),
            token_types: vec!["JWT".into()],
            required_claims: vec!["exp".into()],
        }
    })
}
