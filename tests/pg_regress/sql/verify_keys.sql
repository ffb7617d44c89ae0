-- verify_keys: jwt_verify(token, keys) with every key form (HMAC secret, PEM public key, JWK,
-- JWK Set) and every algorithm, the ways a token is rejected (each with its SQLSTATE), key
-- rotation by kid in a Clerk-shaped JWK Set, jwt_decode and jwt_sign.
--
-- Tokens are signed here with jwt_sign; those meant to verify expire in 2100 (4102444800).
-- ECDSA and RSA-PSS signatures are randomised, so tokens are compared, never printed.
\set SHOW_CONTEXT never

-- Fixture keys, generated with `openssl genpkey` for these tests only (RSA 2048, EC P-256,
-- EC P-384, Ed25519), a self-signed certificate of the P-256 key (`openssl req -x509`), and the
-- same keys as JWKs. Public JWKs are derived below by dropping the private members.
select $pem$-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDizYthC45AZkWq
ZnQXO6fswpndAnZww4quKo49XMG6CvxAgm93kq4RC2wDx/zgtkRQlzuFd1mEYKoZ
cKQDZz2tVd3S4uff/1BxUGLJJQIO65KjAvslYt7135R/qwUSmiRkWFhyojv/sWvt
QkpyThN2xfHgtIG1mdWoyu9o4+lplRp8Us3qse2dXuMKVML9C0bzLt76fKzM73Rq
BzRrr8nOI0YHgzbGtfWbp0/P5CGvQvJa753poRATj7CYFBsqbgmlUDaxFsx+kxOQ
gmJRtC/3i9hVx23WEiZCtacTXflagcXN/krjcM9Kfqa37cbNO4GLRy/SVgGt8Rbk
qXhtHD7dAgMBAAECggEAUKeb61T6r3gvShvJKQH0A8Rohyn7CLrhNHK5xqSX2BtT
/XTlQvaMpE8ViHq0OQ1YWfiOGDaLRQJDO2zNRtCOJHgmvHooz4WyC7n0h2d7xeaM
bSAARBlXBMUPwB8HXMgoLO8l9Q4wnAtyQBuU8fVGArT+AVTv067zRmV0oi56sSrD
lZkD9TjR1DFmrX/C2ukjJWbkygtvwlSDn5QnqU/fG/O0+rMUi+hsV+PVyXr1AH99
x+5i9XLS19X7lm2vLJUQX1XEjU+8PbCJ9gar6jMN8NUZUjuIy2I2Tvu1iQM/3/FZ
+e5T0havxCtG/WEdTcYVc0oBrZx6LlxDqtbpATmSGQKBgQD5oB4XmQ8sW8EuPcHC
dTs1G8aRpAMkO+n4e1fmWRsbqCCseC/sRgDChiSEAHOsvEu0Z1D3VlJ9zVH1OUBe
pmdLpwYpwrl1Zs8Qcv8n2xQHjfVYPxquyfnzyDRlXg1PlrNBtNdT3cGHvY9o0vZz
1D3G8cbUGX1AfgHpY2mJl3TWVwKBgQDomDp+q3qQFFjkHA1A3oA8NoJPkXrajktY
QR0GQ1svD+aaBEkVe1CaRF4zM7e9V3HYfCy2OAehsGgBfVl2rLWlRjZ/7MH7tbYW
geFSDE8Xm5O1aeeF3/h0uQFfLqOVt2cnmK0yHPdADMIgpaEn4eirZ3whM7F/wW1o
srd3PHBL6wKBgGZt+Wsdd0hwbhiXZsZwbFciipyAfHmFzEAV/L+cmK8EkkOzHZcK
Mo2flaREuzKKIVZpfqO/XCIa+iJx16P/DCvS4YiJSqiOAzFwvpqQHuvqqF4Jpt1K
K7KI2Fcv/K5H3E598k2LlTop4orU5iQpVyAnXbryqp6oFgi6rjezWlIJAoGBAInQ
QMBy/BDIbY7i7Btmelay+W0JxuAedZgaJIdke2+cHUdeiKsYwL5XCfWOjCy81jCu
CpQBCMyNyGIxkkOVu57sxjfv4VQx62zUkdvafTaAsPlJgau58+28/IoYCUcZPx6g
AObzcLBbnt5XJPCLkx+UFmFZzq7ivd/OHJSik+r3AoGBALYKHDMp66pGKFrpAhKC
eZR8C/Di565SEmNF4IGHHRMl0KKLrnTz4e4hLZ4E4OiWE2SXTWgArMEHf4AefbdA
wAYTvGGFhBaiBjW7Zh8pKZW/RNlwkFjLS2M+HA0xv7vVd+GwfAFLco3DRCRhAmaH
WmJ2i1rwAoFbBsi+Sc5lZl9h
-----END PRIVATE KEY-----$pem$ as rsa_private_pem,
       $pem$-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4s2LYQuOQGZFqmZ0Fzun
7MKZ3QJ2cMOKriqOPVzBugr8QIJvd5KuEQtsA8f84LZEUJc7hXdZhGCqGXCkA2c9
rVXd0uLn3/9QcVBiySUCDuuSowL7JWLe9d+Uf6sFEpokZFhYcqI7/7Fr7UJKck4T
dsXx4LSBtZnVqMrvaOPpaZUafFLN6rHtnV7jClTC/QtG8y7e+nyszO90agc0a6/J
ziNGB4M2xrX1m6dPz+Qhr0LyWu+d6aEQE4+wmBQbKm4JpVA2sRbMfpMTkIJiUbQv
94vYVcdt1hImQrWnE135WoHFzf5K43DPSn6mt+3GzTuBi0cv0lYBrfEW5Kl4bRw+
3QIDAQAB
-----END PUBLIC KEY-----$pem$ as rsa_public_pem,
       $pem$-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdRh0KbY2FU4vePoh
xnfLiIhEj4OtKgi6AB2SHZs6q62hRANCAATMyYb2MPXIybhIk/fQVkivIdb4ihBm
a8OigBawqQJWlJo9hwXjgchQaljcElwhb27swwXsvSRbHIYuV3NdQprJ
-----END PRIVATE KEY-----$pem$ as ec256_private_pem,
       $pem$-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIHUYdCm2NhVOL3j6IcZ3y4iIRI+DrSoIugAdkh2bOqutoAoGCCqGSM49
AwEHoUQDQgAEzMmG9jD1yMm4SJP30FZIryHW+IoQZmvDooAWsKkCVpSaPYcF44HI
UGpY3BJcIW9u7MMF7L0kWxyGLldzXUKayQ==
-----END EC PRIVATE KEY-----$pem$ as ec256_sec1_pem,
       $pem$-----BEGIN CERTIFICATE-----
MIIBmDCCAT2gAwIBAgIUMzzmHYpzEZ5gjNmayqYuR4tj42kwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVcGdfand0X2NsYWltcyByZWdyZXNzMCAXDTI2MTEyNjEwMzQw
N1oYDzIxMjYxMTAyMTAzNDA3WjAgMR4wHAYDVQQDDBVwZ19qd3RfY2xhaW1zIHJl
Z3Jlc3MwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATMyYb2MPXIybhIk/fQVkiv
Idb4ihBma8OigBawqQJWlJo9hwXjgchQaljcElwhb27swwXsvSRbHIYuV3NdQprJ
o1MwUTAdBgNVHQ4EFgQUDyYPNHaFF3X8CsL0b//d5ShjsZ8wHwYDVR0jBBgwFoAU
DyYPNHaFF3X8CsL0b//d5ShjsZ8wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNJADBGAiEA28sLGoHSFqr2sCS0YRea1RrJKC5bLnVXfUMmj5NqeuQCIQCqO/pV
qvSNIIUWLtdCOmdO3ZaQpslvMAdLDOnl4mw7DA==
-----END CERTIFICATE-----$pem$ as ec256_certificate_pem,
       $pem$-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzMmG9jD1yMm4SJP30FZIryHW+IoQ
ZmvDooAWsKkCVpSaPYcF44HIUGpY3BJcIW9u7MMF7L0kWxyGLldzXUKayQ==
-----END PUBLIC KEY-----$pem$ as ec256_public_pem,
       $pem$-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDA7iARGq0miAy9j/B+K
2t7NCXH5UeDG8JBVwQ/Xs2PmGDzcytCF+5NQqnGzKSTh1vWhZANiAATZTNT9+uz1
JOnpac8jogQRYnouG2HTQ3bzPwr999Kk44mEurcKit9bH+j5kCSQ084lUsfD2gPr
7mij0OiwEW4zZWciaRCDxT1ewULASI8YR/CeNwvBVf97lSuXGy4duz4=
-----END PRIVATE KEY-----$pem$ as ec384_private_pem,
       $pem$-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE2UzU/frs9STp6WnPI6IEEWJ6Lhth00N2
8z8K/ffSpOOJhLq3CorfWx/o+ZAkkNPOJVLHw9oD6+5oo9DosBFuM2VnImkQg8U9
XsFCwEiPGEfwnjcLwVX/e5UrlxsuHbs+
-----END PUBLIC KEY-----$pem$ as ec384_public_pem,
       $pem$-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDdDRPAtSqoGPZVuIezt6n2L7xXCcIFlibGqZQ7Ya9Ec
-----END PRIVATE KEY-----$pem$ as ed_private_pem,
       $pem$-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAOFAxxIjeEGsDRyJo/yjfw2gTBeQLLhoHHSkbLSJVa9k=
-----END PUBLIC KEY-----$pem$ as ed_public_pem,
       '{"kid":"ins_2old","kty":"RSA","n":"4s2LYQuOQGZFqmZ0Fzun7MKZ3QJ2cMOKriqOPVzBugr8QIJvd5KuEQtsA8f84LZEUJc7hXdZhGCqGXCkA2c9rVXd0uLn3_9QcVBiySUCDuuSowL7JWLe9d-Uf6sFEpokZFhYcqI7_7Fr7UJKck4TdsXx4LSBtZnVqMrvaOPpaZUafFLN6rHtnV7jClTC_QtG8y7e-nyszO90agc0a6_JziNGB4M2xrX1m6dPz-Qhr0LyWu-d6aEQE4-wmBQbKm4JpVA2sRbMfpMTkIJiUbQv94vYVcdt1hImQrWnE135WoHFzf5K43DPSn6mt-3GzTuBi0cv0lYBrfEW5Kl4bRw-3Q","e":"AQAB","d":"UKeb61T6r3gvShvJKQH0A8Rohyn7CLrhNHK5xqSX2BtT_XTlQvaMpE8ViHq0OQ1YWfiOGDaLRQJDO2zNRtCOJHgmvHooz4WyC7n0h2d7xeaMbSAARBlXBMUPwB8HXMgoLO8l9Q4wnAtyQBuU8fVGArT-AVTv067zRmV0oi56sSrDlZkD9TjR1DFmrX_C2ukjJWbkygtvwlSDn5QnqU_fG_O0-rMUi-hsV-PVyXr1AH99x-5i9XLS19X7lm2vLJUQX1XEjU-8PbCJ9gar6jMN8NUZUjuIy2I2Tvu1iQM_3_FZ-e5T0havxCtG_WEdTcYVc0oBrZx6LlxDqtbpATmSGQ","p":"-aAeF5kPLFvBLj3BwnU7NRvGkaQDJDvp-HtX5lkbG6ggrHgv7EYAwoYkhABzrLxLtGdQ91ZSfc1R9TlAXqZnS6cGKcK5dWbPEHL_J9sUB431WD8arsn588g0ZV4NT5azQbTXU93Bh72PaNL2c9Q9xvHG1Bl9QH4B6WNpiZd01lc","q":"6Jg6fqt6kBRY5BwNQN6APDaCT5F62o5LWEEdBkNbLw_mmgRJFXtQmkReMzO3vVdx2HwstjgHobBoAX1Zdqy1pUY2f-zB-7W2FoHhUgxPF5uTtWnnhd_4dLkBXy6jlbdnJ5itMhz3QAzCIKWhJ-Hoq2d8ITOxf8FtaLK3dzxwS-s","dp":"Zm35ax13SHBuGJdmxnBsVyKKnIB8eYXMQBX8v5yYrwSSQ7MdlwoyjZ-VpES7MoohVml-o79cIhr6InHXo_8MK9LhiIlKqI4DMXC-mpAe6-qoXgmm3UorsojYVy_8rkfcTn3yTYuVOiniitTmJClXICdduvKqnqgWCLquN7NaUgk","dq":"idBAwHL8EMhtjuLsG2Z6VrL5bQnG4B51mBokh2R7b5wdR16IqxjAvlcJ9Y6MLLzWMK4KlAEIzI3IYjGSQ5W7nuzGN-_hVDHrbNSR29p9NoCw-UmBq7nz7bz8ihgJRxk_HqAA5vNwsFue3lck8IuTH5QWYVnOruK9384clKKT6vc","qi":"tgocMynrqkYoWukCEoJ5lHwL8OLnrlISY0XggYcdEyXQoouudPPh7iEtngTg6JYTZJdNaACswQd_gB59t0DABhO8YYWEFqIGNbtmHykplb9E2XCQWMtLYz4cDTG_u9V34bB8AUtyjcNEJGECZodaYnaLWvACgVsGyL5JzmVmX2E"}' as rsa_old_jwk,
       '{"kid":"ins_2new","kty":"RSA","n":"2-MAEgWG51DBa-zBumSBeBqq3di5KgL8mKHD0PULoALyVsYdMDi1O9EAuA0FYR0qN2U87dCEeIndPoC3-TXNa9rV6hNxuhKH099vOhpvnkJtY3vZVxfG2DIP-iI2FcsEikNtJ-FxgCVnBwqt9yl_xpkpEryrY2DUBBqUCmNToXY2ejsWOOd-9fy270FEFL9lGR3TCnUM9Ciee86AEH0dOlhAbDQgFCw-O5AsoETvezmtpraybBUATTgfPxjINODjp86EhqAQ6KjjijC7TRBu1bRn6D21KWNFL2ZO0GHzwsP07wXsodzbFHXQ83gSCvNUqFvM425gGjWXU2v_VXZghw","e":"AQAB","d":"KR_GZph0B5UZ57Zq8RJVCIJsTHt4_ft7BIzUk6MQ3odOjZ4V3WvtsVdAfCurQuNyftPHVm72J5kZMNRgFBLU7YQLF_E1BujqUFzsb4B8OawQy1dhaaF_xfVu-Ygmd2L14WoE4z2NvbrBDxcXPC-dvyXsAZ4Zq8dzP6U85Mh43qxlacOTbmw3yG74wXamYoZwrLjCFi9RleX7xPN_rrOxz17o9ZCuBLZwCWcNsqqIeb_gt-drj5dL-DVW8tp3SoZsb_6YqkBrBfoXN-gkWP-siNNV4-SU9LF3BaQqfnjHny7erbRxFDnUHcEfeCH_vn8Nhk6JoZBrh7WH-B6Ge-zTYQ","p":"9pgaO4qBUtVamjtnToZtNeBA1TByP80gOEZBmKQjev2yL3B4MpnnFb68rrFUmUV1F8OWEtBJaKRCumrh6QMT_QoBcQCx4WqoNfMHd3MvolMElCVKeXfwJ17tsA0w7FFpozuzYX3uGSMtDnuHGCQdUpTIr9RA0iWYTiXAkrIHBBc","q":"5EYcJpoa78YuVkFd24yXVXtgTlj392ElkCZRoxnSUsj83Jy10RXXMs8CwUE-7YtUoGsXsgeh_yPDDiXeutUH14yBugJDX7W0Cw40OZJ9PrRwpyTqpvVB_5xl_Kxw4C2GjwKFDOmEMKBTMq8MvHyHxMS6hthJ1QyBuRfQAQuLnRE","dp":"QLTm5UrR5pd_n8sIr61MiP-gY5DD2gQMeVfOLKydds-Nay9bCwQhhC45uqljpph4QlUbUzJ-oMvBisMzJn6dRx_SAwIIqzreitGL2wdJr5GTOQCUC02yodIiErlTZh9y1dd7mZB-4u-9CfjWGTqYyyupgaHzpHEjBxaW8qdued8","dq":"cJMizuaw4g6aS29xGhT7jOyLUhgOMbF3FN_Q4t6ZGrqD-UhPYg2jUytD8Ip8vik4UuR9iw64lVrNluyWKw1kEKj6UQFMuKajY9BdcQcNPR8_by6FilDpe2Vl5nYkNGo_McfMVdHTnydx4EzzuwCu9BsQ4e9Iegjw8JcNvXY0JAE","qi":"Zw-Xp3CZ4MH8MuT1E10X3EAw0g6Ypw0HjTZqOgG7AAobDOuoB5mKN9p-vhAvrYf7K18mVT5-T6w5hU13zYOzOUop6uA2Ur351eA3eco3n-An6ip0zYYtsLo5JCGtpMd2HInWdML07O4qy3w6qk5ka7ZHVy9wz19vQQN20z26_-A"}' as rsa_new_jwk,
       '{"kty":"EC","crv":"P-256","x":"zMmG9jD1yMm4SJP30FZIryHW-IoQZmvDooAWsKkCVpQ","y":"mj2HBeOByFBqWNwSXCFvbuzDBey9JFschi5Xc11Cmsk","d":"dRh0KbY2FU4vePohxnfLiIhEj4OtKgi6AB2SHZs6q60"}' as ec256_jwk,
       '{"kty":"EC","crv":"P-384","x":"2UzU_frs9STp6WnPI6IEEWJ6Lhth00N28z8K_ffSpOOJhLq3CorfWx_o-ZAkkNPO","y":"JVLHw9oD6-5oo9DosBFuM2VnImkQg8U9XsFCwEiPGEfwnjcLwVX_e5UrlxsuHbs-","d":"O4gERqtJogMvY_wfitrezQlx-VHgxvCQVcEP17Nj5hg83MrQhfuTUKpxsykk4db1"}' as ec384_jwk,
       '{"kty":"OKP","crv":"Ed25519","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k","d":"N0NE8C1KqgY9lW4h7O3qfYvvFcJwgWWJsaplDthr0Rw"}' as ed_jwk
\gset

-- base64url without padding (RFC 7515 §2), for building tokens by hand.
create function pg_temp.b64url(t text) returns text language sql immutable strict as
$$ select translate(encode(convert_to(t, 'utf8'), 'base64'), E'+/=\n', '-_') $$;

select :'rsa_old_jwk'::jsonb - '{d,p,q,dp,dq,qi}'::text[] as rsa_old_public_jwk,
       :'rsa_new_jwk'::jsonb - '{d,p,q,dp,dq,qi}'::text[] as rsa_new_public_jwk,
       :'ec256_jwk'::jsonb - 'd' as ec256_public_jwk,
       :'ec384_jwk'::jsonb - 'd' as ec384_public_jwk,
       :'ed_jwk'::jsonb - 'd' as ed_public_jwk,
       'hmac-secret-for-regress-tests' as secret,
       jsonb_build_object('kty', 'oct', 'k', pg_temp.b64url('hmac-secret-for-regress-tests')) as oct_jwk,
       '{"sub":"user_2abc","exp":4102444800}' as claims
\gset

-- 1. An HMAC secret: sign, then verify; jwt_verify returns the claims.
select jwt_sign(:'claims', :'secret', 'HS256') as hs256_token \gset
select header from jwt_decode(:'hs256_token');
select jwt_verify(:'hs256_token', :'secret');
select jwt_verify(:'hs256_token', :'oct_jwk') ->> 'sub' as sub_with_oct_jwk;
-- HS256 is the default algorithm of jwt_sign, and HMAC signatures are deterministic.
select jwt_sign(:'claims', :'secret') = :'hs256_token' as default_is_hs256;

-- 2. Every algorithm, signed with a PEM private key (HMAC: the secret) and verified with the
--    PEM public key (HMAC: the secret), the public JWK, and one JWK Set holding every public
--    key (so each token must find its own key among keys of all types). The tokens name no kid,
--    so neither do these keys: a key with a kid is only used for tokens that name it (section 6).
select jsonb_build_object('keys', jsonb_build_array(
           :'oct_jwk'::jsonb - 'kid', :'rsa_new_public_jwk'::jsonb - 'kid', :'rsa_old_public_jwk'::jsonb - 'kid',
           :'ec256_public_jwk'::jsonb - 'kid', :'ec384_public_jwk'::jsonb - 'kid', :'ed_public_jwk'::jsonb - 'kid')) as all_public_jwks
\gset
with keys(n, alg, signing_key, public_key, jwk) as (values
    (1, 'HS256', :'secret', :'secret', :'oct_jwk'),
    (2, 'HS384', :'secret', :'secret', :'oct_jwk'),
    (3, 'HS512', :'secret', :'secret', :'oct_jwk'),
    (4, 'RS256', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (5, 'RS384', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (6, 'RS512', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (7, 'PS256', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (8, 'PS384', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (9, 'PS512', :'rsa_private_pem', :'rsa_public_pem', :'rsa_old_public_jwk'),
    (10, 'ES256', :'ec256_private_pem', :'ec256_public_pem', :'ec256_public_jwk'),
    (11, 'ES384', :'ec384_private_pem', :'ec384_public_pem', :'ec384_public_jwk'),
    (12, 'EdDSA', :'ed_private_pem', :'ed_public_pem', :'ed_public_jwk')
), signed as (
    select n, alg, public_key, jwk, jwt_sign(:'claims', signing_key, alg) as token from keys
)
select n, alg, (select header from jwt_decode(token)) as header,
       jwt_verify(token, public_key) = :'claims' as with_pem_or_secret,
       jwt_verify(token, (jwk::jsonb - 'kid')::text) = :'claims' as with_jwk,
       jwt_verify(token, :'all_public_jwks') = :'claims' as with_jwk_set
from signed order by n;

-- Private JWKs sign too (the public PEM verifies them), and so do SEC1 "EC PRIVATE KEY" PEMs.
-- A private JWK with a kid puts it in the header (rsa_old_jwk has one: see section 7).
with keys(n, alg, signing_key, public_key) as (values
    (1, 'HS256', :'oct_jwk', :'secret'),
    (2, 'RS256', (:'rsa_old_jwk'::jsonb - 'kid')::text, :'rsa_public_pem'),
    (3, 'PS256', (:'rsa_old_jwk'::jsonb - 'kid')::text, :'rsa_public_pem'),
    (4, 'ES256', :'ec256_jwk', :'ec256_public_pem'),
    (5, 'ES256', :'ec256_sec1_pem', :'ec256_public_pem'),
    (6, 'ES384', :'ec384_jwk', :'ec384_public_pem'),
    (7, 'EdDSA', :'ed_jwk', :'ed_public_pem'),
    (8, 'RS256', :'rsa_old_jwk', :'rsa_old_public_jwk')
), signed as (
    select n, alg, public_key, jwt_sign(:'claims', signing_key, alg) as token from keys
)
select n, alg, (select header from jwt_decode(token)) as header,
       jwt_verify(token, public_key) = :'claims' as verifies
from signed order by n;

-- PEM material may be a certificate (its key is used; the certificate itself is not checked)
-- or several blocks (each is a key).
select jwt_verify(jwt_sign(:'claims', :'ec256_private_pem', 'ES256'), :'ec256_certificate_pem') ->> 'sub' as with_certificate,
       jwt_verify(jwt_sign(:'claims', :'rsa_private_pem', 'RS256'), :'rsa_public_pem' || E'\n' || :'ec256_public_pem') ->> 'sub' as rs256_with_two_pems,
       jwt_verify(jwt_sign(:'claims', :'ec256_private_pem', 'ES256'), :'rsa_public_pem' || E'\n' || :'ec256_public_pem') ->> 'sub' as es256_with_two_pems;

-- JWK use/key_ops/alg that allow verification, and a JWK Set with an entry it cannot parse
-- (skipped, the other entries still count).
with keys(n, jwk) as (values
    (1, :'ec256_public_jwk'::jsonb || '{"use":"sig"}'),
    (2, :'ec256_public_jwk'::jsonb || '{"key_ops":["verify"]}'),
    (3, :'ec256_public_jwk'::jsonb || '{"alg":"ES256"}'),
    (4, jsonb_build_object('keys', jsonb_build_array('{"kty":"future-kty"}'::jsonb, :'ec256_public_jwk'::jsonb)))
)
select n, jwk - '{x,y}'::text[] as jwk_without_coordinates,
       jwt_verify(jwt_sign(:'claims', :'ec256_private_pem', 'ES256'), jwk::text) ->> 'sub' as sub
from keys order by n;

-- 3. Rejected tokens: 28000 with the reason. Tokens are built by hand where jwt_sign would
--    refuse to make them.
select jwt_sign(:'claims', 'another-secret', 'HS256') as forged_token,
       jwt_sign('{"sub":"admin","exp":4102444800}', :'secret', 'HS256') as admin_token,
       jwt_sign(:'claims', :'rsa_private_pem', 'RS256') as rs256_token,
       jwt_sign(:'claims', :'rsa_private_pem', 'PS256') as ps256_token,
       jwt_sign(:'claims', :'ec256_private_pem', 'ES256') as es256_token,
       jwt_sign(:'claims', :'rsa_old_jwk', 'PS256') as kid_ps256_token,
       -- HS256 with the RSA public key's PEM text as the HMAC secret: the algorithm-confusion
       -- attack against libraries that accept any key for any algorithm.
       jwt_sign(:'claims', jsonb_build_object('kty', 'oct', 'k', pg_temp.b64url(:'rsa_public_pem'))::text, 'HS256') as confused_token
\gset
select split_part(:'hs256_token', '.', 1) || '.' || split_part(:'admin_token', '.', 2) || '.'
           || split_part(:'hs256_token', '.', 3) as swapped_payload_token,
       pg_temp.b64url('{"alg":"none","typ":"JWT"}') || '.' || pg_temp.b64url('{"sub":"admin"}') || '.' as none_token,
       pg_temp.b64url('{"alg":"NONE"}') || '.' || pg_temp.b64url('{"sub":"admin"}') || '.'
           || split_part(:'hs256_token', '.', 3) as none_signed_token,
       :'hs256_token' || 'x' as longer_signature_token,
       split_part(:'es256_token', '.', 1) || '.' || split_part(:'es256_token', '.', 2) || '.'
           || split_part(:'hs256_token', '.', 3) as short_es256_signature_token
\gset
with cases(n, what, token, keys) as (values
    (1, 'HS256, wrong secret', :'forged_token', :'secret'),
    (2, 'HS256, secret with a trailing space', :'hs256_token', :'secret' || ' '),
    (3, 'payload swapped, signature kept', :'swapped_payload_token', :'secret'),
    (4, 'RS256 against another RSA key', :'rs256_token', (:'rsa_new_jwk'::jsonb - 'd' - 'kid')::text),
    (5, 'alg none, no signature', :'none_token', :'secret'),
    (6, 'alg NONE with a signature', :'none_signed_token', :'secret'),
    (7, 'HS256 made with the RSA PEM as secret', :'confused_token', :'rsa_public_pem'),
    (8, 'same, against a JWK Set of RSA keys', :'confused_token', (:'all_public_jwks'::jsonb #- '{keys,0}')::text),
    (9, 'RS256 token, HMAC secret only', :'rs256_token', :'secret'),
    (10, 'PS256 token, JWK alg RS256', :'ps256_token', (:'rsa_old_public_jwk'::jsonb - 'kid' || '{"alg":"RS256"}')::text),
    (11, 'ES256 token, JWK use enc', :'es256_token', (:'ec256_public_jwk'::jsonb || '{"use":"enc"}')::text),
    (12, 'ES256 token, JWK key_ops [sign]', :'es256_token', (:'ec256_public_jwk'::jsonb || '{"key_ops":["sign"]}')::text),
    (13, 'ES256 token, JWK key_ops []', :'es256_token', (:'ec256_public_jwk'::jsonb || '{"key_ops":[]}')::text),
    (14, 'signature one byte longer', :'longer_signature_token', :'secret'),
    (15, 'ES256 with a 32-byte signature', :'short_es256_signature_token', :'ec256_public_pem'),
    (16, 'PS256 token with kid, JWK alg RS256', :'kid_ps256_token', (:'rsa_old_public_jwk'::jsonb || '{"alg":"RS256"}')::text),
    (17, 'ES256 token, EC P-384 key', :'es256_token', :'ec384_public_pem'),
    (18, 'ES256 signature under an HS256 header', pg_temp.b64url('{"alg":"HS256"}') || '.'
        || split_part(:'es256_token', '.', 2) || '.' || split_part(:'es256_token', '.', 3), :'secret'),
    -- A key with a kid is only used for tokens that name it (Clerk's SDK refuses such a token).
    (19, 'kid-less token, the only RSA key has a kid', :'rs256_token', (:'rsa_old_jwk'::jsonb - 'd')::text)
)
select n, what, regress.expect_error(format('select jwt_verify(%L, %L)', token, keys)) as error
from cases order by n;

-- A verified token is cached by its text and the exact key material: the same token with
-- other keys is verified again, in one statement and across statements.
select jwt_verify(:'hs256_token', :'secret') ->> 'sub' as right_secret,
       regress.expect_error(format('select jwt_verify(%L, %L)', :'hs256_token', 'wrong-secret')) as wrong_secret;
select regress.expect_error(format('select jwt_verify(%L, %L)', :'hs256_token', 'wrong-secret')) as wrong_secret_again;

-- 4. Tokens this extension does not implement: 0A000.
with cases(n, what, token) as (values
    (1, 'crit lists an extension', pg_temp.b64url('{"alg":"HS256","crit":["exp"],"exp":1}') || '.'
        || split_part(:'hs256_token', '.', 2) || '.' || split_part(:'hs256_token', '.', 3)),
    (2, 'ES512', pg_temp.b64url('{"alg":"ES512"}') || '.' || split_part(:'hs256_token', '.', 2) || '.'
        || split_part(:'hs256_token', '.', 3)),
    (3, 'RS1 (unknown)', pg_temp.b64url('{"alg":"RS1"}') || '.' || split_part(:'hs256_token', '.', 2) || '.'
        || split_part(:'hs256_token', '.', 3)),
    (4, 'hs256 (names are case-sensitive)', pg_temp.b64url('{"alg":"hs256"}') || '.'
        || split_part(:'hs256_token', '.', 2) || '.' || split_part(:'hs256_token', '.', 3))
)
select n, what, regress.expect_error(format('select jwt_verify(%L, %L)', token, :'secret')) as error
from cases order by n;

-- 5. Malformed tokens: 22P02, before any key is tried.
with cases(n, what, token) as (values
    (1, 'empty', ''),
    (2, 'one segment', 'not-a-token'),
    (3, 'two segments', split_part(:'hs256_token', '.', 1) || '.' || split_part(:'hs256_token', '.', 2)),
    (4, 'four segments', :'hs256_token' || '.x'),
    (5, 'five segments (JWE)', 'a.b.c.d.e'),
    (6, 'JSON serialization', '{"payload":"x","signature":"y"}'),
    (7, 'padding in the header', split_part(:'hs256_token', '.', 1) || '=.' || split_part(:'hs256_token', '.', 2)
        || '.' || split_part(:'hs256_token', '.', 3)),
    (8, 'standard base64 alphabet', '+/+/.' || split_part(:'hs256_token', '.', 2) || '.' || split_part(:'hs256_token', '.', 3)),
    (9, 'trailing newline', :'hs256_token' || E'\n'),
    (10, 'header not JSON', pg_temp.b64url('not json') || '.' || split_part(:'hs256_token', '.', 2)
        || '.' || split_part(:'hs256_token', '.', 3)),
    (11, 'header a JSON array', pg_temp.b64url('["HS256"]') || '.' || split_part(:'hs256_token', '.', 2)
        || '.' || split_part(:'hs256_token', '.', 3)),
    (12, 'header without alg', pg_temp.b64url('{"typ":"JWT"}') || '.' || split_part(:'hs256_token', '.', 2)
        || '.' || split_part(:'hs256_token', '.', 3)),
    (13, 'header with duplicate alg', pg_temp.b64url('{"alg":"none","alg":"HS256"}') || '.'
        || split_part(:'hs256_token', '.', 2) || '.' || split_part(:'hs256_token', '.', 3)),
    (14, 'crit an empty array', pg_temp.b64url('{"alg":"HS256","crit":[]}') || '.'
        || split_part(:'hs256_token', '.', 2) || '.' || split_part(:'hs256_token', '.', 3))
)
select n, what, regress.expect_error(format('select jwt_verify(%L, %L)', token, :'secret')) as error
from cases order by n;

-- 6. Unusable keys: 22023. Key material is never echoed in a message.
with cases(n, what, keys) as (values
    (1, 'empty', ''),
    (2, 'blank', E'  \n'),
    (3, 'starts with { but is not JSON', '{hmac-secret-for-regress-tests'),
    (4, 'JSON object, neither JWK nor JWK Set', '{"secret":"hmac-secret-for-regress-tests"}'),
    (5, 'JSON array of JWKs', '[' || :'oct_jwk' || ']'),
    (6, 'empty JWK Set', '{"keys":[]}'),
    (7, 'JWK Set with no usable entry', '{"keys":[{"kty":"oct","k":"hmac-secret-for-regress-tests!"}]}'),
    (8, 'oct JWK, k not base64url', '{"kty":"oct","k":"hmac-secret-for-regress-tests!"}'),
    (9, 'RSA JWK, 17-bit modulus', '{"kty":"RSA","n":"AQAB","e":"AQAB"}'),
    (10, 'EC JWK, short coordinates', '{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}'),
    (11, 'JWK alg contradicts kty', (:'ec256_public_jwk'::jsonb || '{"alg":"RS256"}')::text),
    (12, 'PEM private key', :'ec256_private_pem'),
    (13, 'PEM body not base64', E'-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----'),
    (14, 'PEM without END line', E'-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI')
)
select n, what, regress.expect_error(format('select jwt_verify(%L, %L)', :'hs256_token', keys)) as error,
       strpos(regress.expect_error(format('select jwt_verify(%L, %L)', :'hs256_token', keys)), 'hmac-secret') = 0 as no_secret_in_message
from cases order by n;

-- 7. Key rotation, Clerk-shaped: the instance's JWK Set holds the old and the new key, each
--    with its kid (alg RS256, use sig). Session tokens name their key in the header.
select jsonb_build_object('keys', jsonb_build_array(
           :'rsa_old_public_jwk'::jsonb || '{"use":"sig","alg":"RS256"}',
           :'rsa_new_public_jwk'::jsonb || '{"use":"sig","alg":"RS256"}')) as clerk_jwks,
       '{"azp":"https://app.example.com","exp":4102444800,"iat":1735689600,
         "iss":"https://clerk.example.com","nbf":1735689590,"sid":"sess_2old","sts":"active",
         "sub":"user_2abc","v":2,"o":{"id":"org_2xyz","rol":"admin","slg":"acme","per":"read,manage","fpm":"3"},
         "fea":"o:dashboard"}' as clerk_claims
\gset
select jwt_sign(:'clerk_claims', :'rsa_old_jwk', 'RS256') as old_kid_token,
       jwt_sign(:'clerk_claims'::jsonb || '{"sid":"sess_2new"}', :'rsa_new_jwk', 'RS256') as new_kid_token,
       jwt_sign(:'clerk_claims', jsonb_set(:'rsa_old_jwk', '{kid}', '"ins_2gone"')::text, 'RS256') as unknown_kid_token,
       jwt_sign(:'clerk_claims', jsonb_set(:'rsa_old_jwk', '{kid}', '"ins_2new"')::text, 'RS256') as wrong_kid_token
\gset
select header from jwt_decode(:'old_kid_token');
select jwt_verify(:'old_kid_token', :'clerk_jwks');
select header ->> 'kid' as kid, jwt_verify(:'new_kid_token', :'clerk_jwks') ->> 'sid' as sid
from jwt_decode(:'new_kid_token');
select n, what, regress.expect_error(format('select jwt_verify(%L, %L)', token, keys)) as error
from (values
    (1, 'kid not in the set', :'unknown_kid_token', :'clerk_jwks'),
    (2, 'kid of the new key, signed by the old', :'wrong_kid_token', :'clerk_jwks'),
    (3, 'old kid after the old key is removed', :'old_kid_token', (:'clerk_jwks'::jsonb #- '{keys,0}')::text),
    (4, 'kid-less PEM of the signing key: the kid is a hint', :'old_kid_token', :'rsa_public_pem'),
    (5, 'kid-less JWK of another key: the signature decides', :'old_kid_token',
        (:'rsa_new_jwk'::jsonb - '{d,p,q,dp,dq,qi,kid}'::text[])::text)
) as cases(n, what, token, keys)
order by n;

-- 8. Configured keys: a NULL keys argument means pg_jwt_claims.secret and pg_jwt_claims.jwks.
select regress.expect_error(format('select jwt_verify(%L)', :'hs256_token')) as nothing_configured;
select regress.expect_error(format('select jwt_verify(%L, NULL)', :'hs256_token')) as null_keys;
begin;
set local pg_jwt_claims.secret = :'secret';
select jwt_verify(:'hs256_token') ->> 'sub' as with_secret;
select regress.expect_error(format('select jwt_verify(%L, %L)', :'hs256_token', 'wrong-secret')) as given_keys_still_count;
select regress.expect_error(format('select jwt_verify(%L)', :'old_kid_token')) as rs256_with_secret_only;
set local pg_jwt_claims.jwks = :'clerk_jwks';
select jwt_verify(:'hs256_token') ->> 'sub' as with_secret_and_jwks,
       jwt_verify(:'old_kid_token') ->> 'sid' as old_kid,
       jwt_verify(:'new_kid_token') ->> 'sid' as new_kid;
reset pg_jwt_claims.secret;
select regress.expect_error(format('select jwt_verify(%L)', :'hs256_token')) as secret_reset;
set local pg_jwt_claims.jwks = '{"keys":[]}';
select regress.expect_error(format('select jwt_verify(%L)', :'old_kid_token')) as unusable_jwks;
rollback;
select regress.expect_error(format('select jwt_verify(%L)', :'hs256_token')) as after_rollback;

-- 9. NULL token: NULL, whatever the keys (jwt_verify is not strict in keys).
select jwt_verify(NULL, :'secret') is null as null_token,
       jwt_verify(NULL) is null as null_token_no_keys,
       jwt_verify(NULL, NULL) is null as null_both,
       jwt_verify(:'hs256_token', :'secret') is not null as control;

-- 10. jwt_decode: header and payload without any verification, even of a forged, badly
--     signed or unsigned token; 22P02 for a malformed one.
select header, payload from jwt_decode(:'forged_token');
select header, payload from jwt_decode(:'none_token');
select header, payload from jwt_decode(:'old_kid_token');
select (select count(*) from jwt_decode(NULL)) as rows_for_null;
select n, regress.expect_error(format('select * from jwt_decode(%L)', token)) as error
from (values
    (1, 'a.b'),
    (2, split_part(:'hs256_token', '.', 1) || '.' || pg_temp.b64url('{"sub":') || '.' || split_part(:'hs256_token', '.', 3)),
    (3, pg_temp.b64url('{"typ":"JWT"}') || '.' || split_part(:'hs256_token', '.', 2) || '.'),
    (4, :'hs256_token' || '=')
) as cases(n, token)
order by n;

-- 11. jwt_sign's own errors: 0A000 for an algorithm it cannot make, 22023 for an unusable key,
--     22P02 for claims that are not an object.
select n, what, regress.expect_error(format('select jwt_sign(%L, %L, %L)', claims, key, alg)) as error
from (values
    (1, 'unknown algorithm', :'claims', :'secret', 'HS999'),
    (2, 'lower-case name', :'claims', :'secret', 'hs256'),
    (3, 'none', :'claims', :'secret', 'none'),
    (4, 'ES512', :'claims', :'secret', 'ES512'),
    (5, 'RS256 with an HMAC secret', :'claims', :'secret', 'RS256'),
    (6, 'RS256 with a public key', :'claims', :'rsa_public_pem', 'RS256'),
    (7, 'HS256 with a PEM key', :'claims', :'rsa_public_pem', 'HS256'),
    (8, 'ES256 with an RSA key', :'claims', :'rsa_private_pem', 'ES256'),
    (9, 'ES384 with a P-256 key', :'claims', :'ec256_private_pem', 'ES384'),
    (10, 'EdDSA with a public JWK', :'claims', :'ed_public_jwk', 'EdDSA'),
    (11, 'JWK alg RS256, asked PS256', :'claims', (:'rsa_old_jwk'::jsonb || '{"alg":"RS256"}')::text, 'PS256'),
    (12, 'JWK key_ops [verify]', :'claims', (:'ec256_jwk'::jsonb || '{"key_ops":["verify"]}')::text, 'ES256'),
    (13, 'empty secret', :'claims', '', 'HS256'),
    (14, 'claims an array', '[{"sub":"x"}]', :'secret', 'HS256')
) as cases(n, what, claims, key, alg)
order by n;
select jwt_sign(NULL, :'secret') is null as null_claims, jwt_sign(:'claims', NULL) is null as null_key;
