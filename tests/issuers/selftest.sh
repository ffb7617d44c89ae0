#!/usr/bin/env bash
# Self-test of the test issuer: makes a CA, starts server.js with TLS, checks discovery, the
# JWKS, modes, stats and signing (each signature verified against the served JWKS, RS256 with
# openssl too), then stops the server. Prints "selftest: ok" and exits 0 when all pass.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "selftest: FAIL: $*" >&2; exit 1; }
check() { # check DESCRIPTION ACTUAL EXPECTED
    [ "$2" = "$3" ] || fail "$1: got [$2], expected [$3]"
}
# json EXPR: evaluates the JS expression EXPR with `j` the JSON read from stdin.
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const v=('"$1"');process.stdout.write(typeof v==="string"?v:JSON.stringify(v))})'; }
# part N TOKEN: the JSON of the token's header (1) or payload (2).
part() { node -e 'process.stdout.write(Buffer.from(process.argv[1].split(".")[process.argv[2]-1],"base64url"))' "$2" "$1"; }

"$here/make-ca.sh" "$tmp/ca"
for f in ca.pem ca.key server.pem server.key other-ca.pem; do
    check "mode of $f" "$(stat -c %a "$tmp/ca/$f")" 644
done

node "$here/server.js" --port-file "$tmp/port" \
    --tls-cert "$tmp/ca/server.pem" --tls-key "$tmp/ca/server.key" &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port.control" ] && break; sleep 0.1; done
[ -s "$tmp/port.control" ] || fail "server did not write its port files"
port=$(cat "$tmp/port")
control=http://127.0.0.1:$(cat "$tmp/port.control")
base=https://127.0.0.1:$port

get() { curl -sS --cacert "$tmp/ca/ca.pem" "$@"; }
ctl() { # ctl PATH [JSON]: a control request (POST when JSON is given)
    if [ $# -gt 1 ]; then curl -sS -f -X POST -d "$2" "$control$1"; else curl -sS -f "$control$1"; fi
}
status_of() { get -o /dev/null -w '%{http_code}' "$@" || true; }

check health "$(ctl /health)" ok

# Discovery and JWKS over TLS, by IP and by name.
disc=$(get "$base/a/.well-known/openid-configuration")
check "discovery issuer" "$(json j.issuer <<<"$disc")" "$base/a"
check "discovery jwks_uri" "$(json j.jwks_uri <<<"$disc")" "$base/a/jwks.json"
check "discovery algs" "$(json j.id_token_signing_alg_values_supported <<<"$disc")" '["RS256"]'
get "https://localhost:$port/b/jwks.json" -o /dev/null || fail "TLS by the name localhost"
headers=$(get -D - -o "$tmp/jwks" "$base/a/jwks.json" | tr -d '\r')
grep -qi '^cache-control: public, max-age=3600$' <<<"$headers" || fail "jwks Cache-Control: $headers"
grep -qi '^content-type: application/json' <<<"$headers" || fail "jwks Content-Type: $headers"
check "jwks" "$(json 'j.keys.map(k=>[k.kid,k.alg,k.use,k.kty,Object.keys(k).sort().join()].join(" "))' <"$tmp/jwks")" \
    '["a-1 RS256 sig RSA alg,e,kid,kty,n,use"]'

# A client with the wrong CA, or none, is refused.
curl -sS --cacert "$tmp/ca/other-ca.pem" "$base/a/jwks.json" -o /dev/null 2>/dev/null && fail "wrong CA accepted"
curl -sS "$base/a/jwks.json" -o /dev/null 2>/dev/null && fail "no CA accepted"

# Max-age: configurable, or no Cache-Control at all.
ctl /a/max-age '{"seconds":5}' >/dev/null
get -D - -o /dev/null "$base/a/jwks.json" | grep -qi '^cache-control: public, max-age=5' || fail "max-age 5"
ctl /a/max-age '{"seconds":null}' >/dev/null
get -D - -o /dev/null "$base/a/jwks.json" | grep -qi '^cache-control' && fail "max-age null"
ctl /a/max-age '{"seconds":3600}' >/dev/null

# Modes.
ctl /a/reset-stats '{}' >/dev/null
ctl /a/mode '{"mode":"status:503"}' >/dev/null
check "status:503 jwks" "$(status_of "$base/a/jwks.json")" 503
check "status:503 discovery" "$(status_of "$base/a/.well-known/openid-configuration")" 503
check "status:503 leaves b" "$(status_of "$base/b/jwks.json")" 200
ctl /a/mode '{"mode":"malformed"}' >/dev/null
check "malformed" "$(get "$base/a/jwks.json")" '{"keys":[{"kty":'
ctl /a/mode '{"mode":"down"}' >/dev/null
get "$base/a/jwks.json" -o /dev/null 2>/dev/null && fail "down answered"
ctl /a/mode '{"mode":"badkey"}' >/dev/null
check "badkey" "$(get "$base/a/jwks.json" | json 'j.keys[0].n')" AQAB
ctl /a/mode '{"mode":"oversized"}' >/dev/null
size=$(get -o "$tmp/big" -w '%{size_download}' "$base/a/jwks.json")
[ "$size" -gt 1048576 ] || fail "oversized is $size bytes"
check "oversized is a JWKS" "$(json 'j.keys[0].kid' <"$tmp/big")" a-1
ctl /a/mode '{"mode":"slow:700"}' >/dev/null
t=$(get -o /dev/null -w '%{time_total}' "$base/a/jwks.json")
node -e "process.exit($t >= 0.7 ? 0 : 1)" || fail "slow:700 took ${t}s"
ctl /a/mode '{"mode":"hang"}' >/dev/null
get -m 1 "$base/a/jwks.json" -o /dev/null 2>/dev/null && fail "hang answered"
ctl /a/mode '{"mode":"ok"}' >/dev/null
ctl /a/mode '{"mode":"status:500","only":"jwks"}' >/dev/null
check "only jwks: discovery" "$(status_of "$base/a/.well-known/openid-configuration")" 200
check "only jwks: jwks" "$(status_of "$base/a/jwks.json")" 500
ctl /a/mode '{"mode":"ok"}' >/dev/null
check "ok again" "$(status_of "$base/a/jwks.json")" 200
curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{"mode":"nope"}' "$control/a/mode" | grep -q 400 \
    || fail "an unknown mode is accepted"

# Stats count every request, whatever the mode: since the reset, 9 for the JWKS, 2 for discovery.
check "stats" "$(ctl /a/stats)" '{"discovery":2,"jwks":9,"redirect":0,"plain_http":0}'
ctl /a/reset-stats '{}' >/dev/null
check "reset stats" "$(ctl /a/stats)" '{"discovery":0,"jwks":0,"redirect":0,"plain_http":0}'

# Redirects: same server, and to the plain-HTTP form (which this port also answers).
check "redirect" "$(get -L "$base/a/redirect" | json 'j.keys[0].kid')" a-1
location=$(get -D - -o /dev/null "$base/a/redirect-to-http" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
check "redirect-to-http" "$location" "http://127.0.0.1:$port/a/jwks.json"
check "plain http" "$(curl -sS "$location" | json 'j.keys[0].kid')" a-1
check "redirect stats" "$(ctl /a/stats)" '{"discovery":0,"jwks":2,"redirect":2,"plain_http":1}'

# Keys: add one of each algorithm, sign with each, verify against the served JWKS.
for alg in ES256 EdDSA PS256; do
    check "add $alg" "$(ctl /c/add-key "{\"alg\":\"$alg\"}" | json 'j.private_jwk.alg+" "+typeof j.private_jwk.d')" "$alg string"
done
ctl /c/add-key '{"alg":"RS256","kid":"rsa-named"}' >/dev/null
check "keys" "$(ctl /c/keys | json 'j.map(k=>k.kid+":"+k.alg).join()')" \
    "c-1:RS256,c-2:ES256,c-3:EdDSA,c-4:PS256,rsa-named:RS256"
get "$base/c/jwks.json" -o "$tmp/jwks-c"
grep -q '"d"' "$tmp/jwks-c" && fail "private members in the JWKS"

# verify TOKEN: checks the token's signature with the JWKS key its header names.
verify() {
    JWKS_FILE="$tmp/jwks-c" node -e '
        const crypto = require("crypto"), fs = require("fs");
        const [h, p, s] = process.argv[1].split(".");
        const header = JSON.parse(Buffer.from(h, "base64url"));
        const jwk = JSON.parse(fs.readFileSync(process.env.JWKS_FILE)).keys.find(k => k.kid === header.kid);
        const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
        const data = Buffer.from(h + "." + p), sig = Buffer.from(s, "base64url");
        const opts = {
            RS256: ["sha256", key],
            PS256: ["sha256", { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
            ES256: ["sha256", { key, dsaEncoding: "ieee-p1363" }],
            EdDSA: [null, key],
        }[header.alg];
        if (jwk.alg !== header.alg || !crypto.verify(opts[0], data, opts[1], sig)) process.exit(1);
        process.stdout.write(header.alg + " " + JSON.parse(Buffer.from(p, "base64url")).sub);
    ' "$1"
}
for kid in c-1 c-2 c-3 c-4; do
    token=$(ctl /c/sign "{\"kid\":\"$kid\",\"claims\":{\"sub\":\"user_$kid\"}}" | json j.token)
    alg=$(ctl /c/keys | json "j.find(k=>k.kid==='$kid').alg")
    check "signature by $kid" "$(verify "$token" || echo bad)" "$alg user_$kid"
done

# The newest key signs by default; defaults for iss, exp, iat; null leaves a claim out.
token=$(ctl /c/sign '{"claims":{"sub":"u","iat":null}}' | json j.token)
check "default key" "$(verify "$token")" "RS256 u"
check "default claims" "$(part 2 "$token" | json 'Object.keys(j).join()+" "+j.iss+" "+(j.exp-Date.now()/1000>3590)')" \
    "sub,iss,exp $base/c true"

# RS256 again with openssl: the JWK as PEM, the signature over header.payload.
node -e 'const c=require("crypto"),k=JSON.parse(require("fs").readFileSync(process.argv[1])).keys.find(k=>k.kid==="rsa-named");
    process.stdout.write(c.createPublicKey({key:k,format:"jwk"}).export({type:"spki",format:"pem"}))' "$tmp/jwks-c" >"$tmp/rsa.pem"
IFS=. read -r h p s <<<"$token"
printf '%s' "$h.$p" >"$tmp/input"
node -e 'process.stdout.write(Buffer.from(process.argv[1],"base64url"))' "$s" >"$tmp/sig"
openssl dgst -sha256 -verify "$tmp/rsa.pem" -signature "$tmp/sig" "$tmp/input" >/dev/null || fail "openssl RS256"

# header_kid, then sign-many with random kids and distinct jti.
token=$(ctl /c/sign '{"kid":"c-2","header_kid":"elsewhere"}' | json j.token)
check "header" "$(part 1 "$token")" '{"alg":"ES256","typ":"JWT","kid":"elsewhere"}'
many=$(ctl /c/sign-many '{"count":5,"random_kid":true,"claims":{"sub":"m"}}')
# distinct kids, distinct jtis, the subject of all: [5,5,"m"]
check "sign-many" "$(json '(d => [new Set(j.tokens.map(t => d(t, 0).kid)).size, new Set(j.tokens.map(t => d(t, 1).jti)).size,
    [...new Set(j.tokens.map(t => d(t, 1).sub))].join()])((t, i) => JSON.parse(Buffer.from(t.split(".")[i], "base64url")))' \
    <<<"$many")" '[5,5,"m"]'

# Remove a key.
ctl /c/remove-key '{"kid":"c-3"}' >/dev/null
check "remove-key" "$(get "$base/c/jwks.json" | json 'j.keys.map(k=>k.kid).join()')" "c-1,c-2,c-4,rsa-named"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo "selftest: ok"
