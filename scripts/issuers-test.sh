#!/usr/bin/env bash
# Declared issuers and the key worker, end to end, with no outside network: a local issuer
# (tests/issuers/server.js) serves OpenID discovery documents and JWK Sets over HTTPS with a CA
# made here, and plain HTTP from a second instance. A cluster with pg_jwt_claims preloaded
# declares issuers a (discovery, RS256), b (jwks_uri), an HS256 issuer with a secret file, and
# the single-issuer settings as the default. Checked through the extension, each over real
# connections: first fetch; rotation (a new kid verifies after one refetch, a removed kid is
# refused); a flood of 1,000 random kids causing at most one fetch per interval; the issuer
# down (the last good keys serve, then fail closed past the maximum staleness); malformed and
# oversized documents and an unusable key (old keys kept, error visible); a slow server (no query
# waits past pg_jwt_claims.jwks_wait); a wrong CA; plain http refused unless allowed; redirects
# followed only within the origin (to http, another port, another host, scheme-relative: refused,
# nothing fetched there), a plain role seeing only a failure's kind; issuer A's token with issuer B's kid refused; an undeclared iss refused;
# who may configure and refresh; the worker terminated and crashed, and back; a hot standby
# fetching its own keys; verify mode through PgBouncer with keys from the worker; and a server
# without the preload naming the fix.
# Usage: issuers-test.sh pg15|pg13|pg17|pg18
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=${1:-pg15}
n=${version#pg}
port=5446$((n - 10)); sport=5447$((n - 10)); bport=5448$((n - 10))
dir="$PGJC_RUN/issuers-$version"; standby="$PGJC_RUN/issuers-$version-standby"
work="$PGJC_RUN/issuers-$version-work"; bouncer="$PGJC_RUN/issuers-$version-bouncer"
install_extension "$version"
bindir="$("$(pg_config_for "$version")" --bindir)"
started=$SECONDS

server_pids=()
cleanup() {
  [ -f "$bouncer/pgbouncer.pid" ] && kill "$(cat "$bouncer/pgbouncer.pid")" 2>/dev/null || true
  stop_cluster "$standby" "$version" 2>/dev/null || true
  stop_cluster "$dir" "$version" 2>/dev/null || true
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

passed=0; failed=0
step() { echo "== [$((SECONDS - started)) s] $*"; }
# check NAME REGEX OUTPUT
check() {
  if grep -Eq -- "$2" <<<"$3"; then
    passed=$((passed + 1)); echo "ok      $1"
  else
    failed=$((failed + 1)); echo "FAILED  $1: wanted /$2/, got:"; sed 's/^/          /' <<<"$3" | head -20
  fi
}
# q [-H host -P port] [-U role] ARGS…: psql, errors as 'ERROR:  <SQLSTATE>: message' with
# DETAIL and HINT lines, everything on stdout.
q() {
  local host=$dir p=$port role=postgres
  while [ $# -gt 0 ]; do case $1 in
    -H) host=$2; shift 2 ;; -P) p=$2; shift 2 ;; -U) role=$2; shift 2 ;; *) break ;; esac; done
  "$bindir/psql" -X -q -At -h "$host" -p "$p" -d postgres -U "$role" -v VERBOSITY=verbose "$@" 2>&1 | grep -v '^LOCATION:' || true
}
# The key worker's pid under the postmaster of data directory $1 (a worker that connects to no
# database is not in pg_stat_activity).
worker_pid() {
  local postmaster p; postmaster=$(as_pg head -1 "$1/postmaster.pid")
  for p in /proc/[0-9]*; do
    [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$postmaster" ] &&
      tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q 'pg_jwt_claims key worker' && echo "${p#/proc/}"
  done
  return 0
}
# wait_for DESCRIPTION COMMAND [SECONDS]
wait_for() {
  local i
  for i in $(seq 1 $((${3:-20} * 10))); do eval "$2" && return 0; sleep 0.1; done
  echo "FAILED  waiting for $1"; failed=$((failed + 1)); return 1
}
# ctl PATH [BODY [METHOD]]: the local issuer's control API (POST, '{}' by default).
ctl() {
  local body=${2:-'{}'}
  if [ "${3:-POST}" = GET ]; then curl -sf "http://127.0.0.1:$control/$1"
  else curl -sf -X POST "http://127.0.0.1:$control/$1" -d "$body"; fi
}
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1:]: v=v[k] if not k.isdigit() else v[int(k)]
print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$@"; }
# sign ISSUER CLAIMS [KID]: a token of issuer ISSUER (a, b, c) signed by the local issuer.
sign() { ctl "$1/sign" "{\"claims\": $2${3:+, \"kid\": \"$3\"}}" | json token; }
jwks_fetches() { ctl "$1/stats" "" GET | json jwks; }
issuer_row() { q -c "select $2 from jwt_issuers() where issuer = '$1'"; }
reload() { q -c "$1" -c "select pg_reload_conf()" >/dev/null; sleep 0.3; }

# ---------------------------------------------------------------------------------------------
step "local issuer: a CA, the HTTPS server and a plain HTTP one"
fresh_dir "$work"
bash "$REPO/tests/issuers/make-ca.sh" "$work/ca" >/dev/null
chmod 755 "$work" "$work/ca"
node "$REPO/tests/issuers/server.js" --port-file "$work/https.port" \
  --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key" --issuers a,b,c >"$work/https.log" 2>&1 &
server_pids+=($!)
node "$REPO/tests/issuers/server.js" --port-file "$work/http.port" --issuers d >"$work/http.log" 2>&1 &
server_pids+=($!)
# A second HTTPS origin on another port, where a redirect must never take the worker.
node "$REPO/tests/issuers/server.js" --port-file "$work/other.port" \
  --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key" --issuers e >"$work/other.log" 2>&1 &
server_pids+=($!)
wait_for "the local issuers" "[ -s '$work/https.port.control' ] && [ -s '$work/http.port.control' ] && [ -s '$work/other.port.control' ]"
other_port=$(cat "$work/other.port"); control_other=$(cat "$work/other.port.control")
https_port=$(cat "$work/https.port"); control=$(cat "$work/https.port.control")
http_port=$(cat "$work/http.port"); control_http=$(cat "$work/http.port.control")
A="https://127.0.0.1:$https_port/a"; B="https://127.0.0.1:$https_port/b"; C="https://127.0.0.1:$https_port/c"
D="http://127.0.0.1:$http_port/d"; H="https://hs256.example"

step "a cluster with the library preloaded and four issuers declared"
start_cluster "$version" "$dir" "$port" "shared_preload_libraries = 'pg_jwt_claims'" \
  "wal_level = replica" "max_wal_senders = 4" "hot_standby = on"
printf 'hs256-issuer-secret-0123456789abcdef\n' | as_pg tee "$dir/hs.key" >/dev/null; as_pg chmod 600 "$dir/hs.key"
issuers="[{\"issuer\": \"$A\", \"audience\": \"app\"},
 {\"issuer\": \"$B\", \"jwks_uri\": \"$B/jwks.json\", \"algorithms\": [\"RS256\", \"ES256\"]},
 {\"issuer\": \"$H\", \"secret_file\": \"$dir/hs.key\", \"algorithms\": \"HS256\"},
 {\"issuer\": \"$D\", \"jwks_uri\": \"$D/jwks.json\"}]"
issuers=$(tr -d '\n' <<<"$issuers")  # ALTER SYSTEM takes no newline
default_secret='default-issuer-secret-fedcba9876543210'
# The default issuer's secret in a file: pg_jwt_claims.secret is accepted only from a session's SET.
printf '%s\n' "$default_secret" | as_pg tee "$dir/default.key" >/dev/null; as_pg chmod 600 "$dir/default.key"
q -v ON_ERROR_STOP=1 >/dev/null <<SQL
create extension pg_jwt_claims;
create role alice login;
alter system set pg_jwt_claims.http_ca_file = '$work/ca/ca.pem';
alter system set pg_jwt_claims.jwks_refetch_interval = 2;
alter system set pg_jwt_claims.jwks_wait = 3000;
alter system set pg_jwt_claims.http_timeout = 1500;
alter system set pg_jwt_claims.issuers = '$issuers';
alter system set pg_jwt_claims.secret_file = '$dir/default.key';
alter system set pg_jwt_claims.issuer = 'https://default.example';
select pg_reload_conf();
SQL
wait_for "the first fetch" "[ \"\$(issuer_row '$A' 'fetches')\" = 1 ] && [ \"\$(issuer_row '$B' 'fetches')\" = 1 ]"

# ---------------------------------------------------------------------------------------------
step "first fetch"
check "discovery: a's keys and URLs" "^discovery\|$A/.well-known/openid-configuration\|$A/jwks.json\|\[\{\"alg\": \"RS256\", \"kid\": \"a-1\"\}\]\|t\|\|1\|0$" \
  "$(issuer_row "$A" "key_source, discovery_uri, jwks_uri, keys, fetched_at < expires_at, last_error, fetches, failures")"
check "jwks_uri: b's keys" '^jwks_uri\|\[\{"alg": "RS256", "kid": "b-1"\}\]$' "$(issuer_row "$B" "key_source, keys")"
check "one discovery and one JWK Set request for a" '^1 1$' "$(ctl a/stats '' GET | json discovery) $(jwks_fetches a)"
check "max-age 3600 sets the expiry" '^3600$' "$(issuer_row "$A" "round(extract(epoch from expires_at - fetched_at))")"
tok_a=$(sign a '{"sub": "user_a", "aud": "app"}')
check "a token of a verifies (as a plain role)" '^user_a$' "$(q -U alice -c "select jwt_verify('$tok_a') ->> 'sub'")"
tok_b=$(sign b '{"sub": "user_b"}')
check "a token of b verifies" '^user_b$' "$(q -c "select jwt_verify('$tok_b') ->> 'sub'")"
tok_h=$(q -c "select jwt_sign('{\"iss\": \"$H\", \"sub\": \"user_h\", \"exp\": 4102444800}', 'hs256-issuer-secret-0123456789abcdef')")
check "a token of the HS256 issuer verifies" '^user_h$' "$(q -c "select jwt_verify('$tok_h') ->> 'sub'")"
tok_default=$(q -c "select jwt_sign('{\"iss\": \"https://default.example\", \"sub\": \"user_default\", \"exp\": 4102444800}', '$default_secret')")
check "the single-issuer settings are the default issuer" '^user_default$' "$(q -c "select jwt_verify('$tok_default') ->> 'sub'")"
tok_h_as_default=$(q -c "select jwt_sign('{\"iss\": \"$H\", \"sub\": \"x\", \"exp\": 4102444800}', '$default_secret')")
check "a declared issuer's token verifies with its keys only (not the default's)" '^ERROR:  28000' "$(q -c "select jwt_verify('$tok_h_as_default')")"
check "a's audience rule applies to a only" '^ERROR:  28000' "$(q -c "select jwt_verify('$(sign a '{"sub": "x", "aud": "other"}')')")"
check "b's algorithms rule applies" '^ERROR:  28000' "$(q -c "select jwt_verify('$(sign b '{"sub": "x"}' "$(ctl b/add-key '{"alg": "EdDSA"}' | json kid)")')")"
check "the settings row" '^settings\|https://default.example$' "$(q -c "select key_source, issuer from jwt_issuers() where key_source = 'settings'")"
check "verify mode reads identity from a worker-fetched key" '^user_a$' \
  "$(q -c "set pg_jwt_claims.mode = verify" -c "select set_config('pg_jwt_claims.token', '$tok_a', false) is not null" -c "select requesting_user_id()" | tail -1)"

step "issuer A's token with issuer B's kid, and undeclared issuers"
tok_cross=$(ctl b/sign "{\"claims\": {\"iss\": \"$A\", \"sub\": \"mallory\", \"aud\": \"app\"}, \"kid\": \"b-1\"}" | json token)
check "A's iss with B's kid and key: refused" '^ERROR:  28000.*unknown kid "b-1"' "$(q -c "select jwt_verify('$tok_cross')")"
q -c "alter system reset pg_jwt_claims.secret_file" -c "select pg_reload_conf()" >/dev/null; sleep 0.3
check "an iss nobody declared: 28000" '^ERROR:  28000.*issuer not declared: "https://nobody.example"' \
  "$(q -c "select jwt_verify('$(q -c "select jwt_sign('{\"iss\": \"https://nobody.example\", \"exp\": 4102444800}', 'whatever-secret-1234567890')")')")"
check "no iss: 28000" '^ERROR:  28000.*no iss claim' \
  "$(q -c "select jwt_verify('$(q -c "select jwt_sign('{\"sub\": \"x\", \"exp\": 4102444800}', 'whatever-secret-1234567890')")')")"
reload "alter system set pg_jwt_claims.secret_file = '$dir/default.key'"

# ---------------------------------------------------------------------------------------------
step "rotation"
sleep 2.1  # past the refetch interval since the first fetch
before=$(jwks_fetches a); refetches=$(issuer_row "$A" refetches)
new_kid=$(ctl a/add-key '{"alg": "ES256"}' | json kid)
tok_new=$(sign a '{"sub": "user_new", "aud": "app"}' "$new_kid")
check "a token with the new kid verifies after one refetch" '^user_new$' "$(q -U alice -c "select jwt_verify('$tok_new') ->> 'sub'")"
check "one more JWK Set request; one more refetch counted" "^$((before + 1)) $((refetches + 1))$" \
  "$(jwks_fetches a) $(issuer_row "$A" refetches)"
check "both kids listed" 'a-1.*'"$new_kid" "$(issuer_row "$A" keys)"
ctl a/remove-key '{"kid": "a-1"}' >/dev/null
check "jwt_refresh_keys fetches now" '^t$' "$(q -c "select jwt_refresh_keys('$A')")"
check "the old key is gone" "^\[\{\"alg\": \"ES256\", \"kid\": \"$new_kid\"\}\]$" "$(issuer_row "$A" keys)"
check "the old kid's token is refused (even cached in this session)" '^ERROR:  28000.*unknown kid "a-1"' \
  "$(q -c "select jwt_verify('$tok_a')")"
check "the new kid's token still verifies" '^user_new$' "$(q -c "select jwt_verify('$tok_new') ->> 'sub'")"

step "one parse per backend per key generation, not one per query"
many() { ctl a/sign-many "{\"count\": $1, \"claims\": {\"sub\": \"many\", \"aud\": \"app\"}}" | json tokens |
  python3 -c 'import json, sys; print("{" + ",".join(json.load(sys.stdin)) + "}")'; }
first=$(many 20)
ctl a/add-key '{"alg": "EdDSA"}' >/dev/null
parses=$(q -v first="$first" <<SQL 2>&1 | grep -c "parsed the fetched keys of issuer \"$A\"" || true
set client_min_messages = debug1;
select count(jwt_verify(t)) from unnest(:'first'::text[]) t;
select count(jwt_verify(t)) from unnest(:'first'::text[]) t;
select jwt_refresh_keys('$A');
select count(jwt_verify(t)) from unnest(:'first'::text[]) t;
select count(jwt_verify(t)) from unnest(:'first'::text[]) t;
SQL
)
check "80 verifications over two key generations in one session: 2 parses" '^2$' "$parses"

step "a flood of 1,000 tokens with random kids"
sleep 2.1
ctl a/sign-many '{"count": 1000, "random_kid": true, "claims": {"sub": "flood", "aud": "app"}}' | json tokens \
  | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))' >"$work/flood.txt"
chmod 644 "$work/flood.txt"
before=$(jwks_fetches a); t0=$(date +%s%N)
flood=$(q <<SQL
create temp table flood(token text);
\copy flood from '$work/flood.txt'
do \$\$
declare t text; refused int := 0;
begin
  for t in select token from flood loop
    begin perform jwt_verify(t); exception when invalid_authorization_specification then refused := refused + 1; end;
  end loop;
  raise notice 'refused %', refused;
end \$\$;
SQL
)
check "every flood token refused" 'refused 1000' "$flood"
ms=$(( ($(date +%s%N) - t0) / 1000000 )); allowed=$((1 + ms / 2000))  # one per 2 s interval
fetched=$(( $(jwks_fetches a) - before ))
check "1,000 unknown kids in $ms ms: $fetched JWK Set fetches, at most one per interval ($allowed)" '^ok$' \
  "$([ "$fetched" -le "$allowed" ] && echo ok)"
check "counted as unknown_kid" '"unknown_kid": 1[0-9]{3}' "$(issuer_row "$A" refused)"

step "an unchanged JWK Set keeps its generation; a new key source starts without keys"
generation=$(issuer_row "$A" generation)
check "a refresh bringing the same keys" '^t$' "$(q -c "select jwt_refresh_keys('$A')")"
check "…keeps the generation (no backend parses them again)" "^$generation$" "$(issuer_row "$A" generation)"
# b's jwks_uri now names c's JWK Set: b's old keys are not served meanwhile, then c's are b's.
ctl c/mode '{"mode": "slow:1000"}' >/dev/null
moved=$(tr -d '\n' <<<"$issuers" | sed "s|$B/jwks.json|$C/jwks.json|")
reload "alter system set pg_jwt_claims.issuers = '$moved'"
check "b's old keys are not served once its jwks_uri changed: a token waits for the first fetch from the new URL (1 s), then meets its keys" \
  '^ERROR:  28000.*unknown kid "b-1"' "$(q -c "select jwt_verify('$tok_b')")"
check "…which are c's" '"kid": "c-1"' "$(issuer_row "$B" keys)"
ctl c/mode '{"mode": "ok"}' >/dev/null
reload "alter system set pg_jwt_claims.issuers = '$issuers'"
wait_for "b's own keys again" "[ \"\$(q -c \"select jwt_verify('$tok_b') ->> 'sub'\")\" = user_b ]" 10

# ---------------------------------------------------------------------------------------------
step "failures keep the last good keys, visibly"
for mode in "malformed:JWK Set" "oversized:larger than 65536 bytes" "badkey:RSA" "privatekey:private JWK member \"d\"" \
            "status:500:HTTP 500" "down:connection|failed|closed|reset"; do
  name=${mode%%:*}; rest=${mode#*:}
  [ "$name" = status ] && { name="status:500"; rest=${rest#*:}; }
  ctl b/mode "{\"mode\": \"$name\"}" >/dev/null
  check "$name: jwt_refresh_keys is false, with a WARNING" '^WARNING:  01000: could not fetch the keys' \
    "$(q -c "select jwt_refresh_keys('$B')" | head -1)"
  check "$name: the error is visible" "$rest" "$(issuer_row "$B" last_error)"
  check "$name: the last good keys still verify" '^user_b$' "$(q -c "select jwt_verify('$tok_b') ->> 'sub'")"
done
check "failures counted" '^[5-9]$' "$(issuer_row "$B" failures)"
check "the worker logged causes, never keys" 'could not fetch the keys of issuer' "$(grep 'pg_jwt_claims' "$dir/server.log")"
if grep 'pg_jwt_claims: ' "$dir/server.log" | grep -Eq '"n":|"d":|"x":|eyJ'; then check "no key material or token in the log" '^never$' "found"; else check "no key material or token in the log" . ok; fi

step "the issuer down: stale keys fail closed"
reload "alter system set pg_jwt_claims.jwks_max_staleness = 3"
sleep 3.5  # past 3 s since the last good fetch (before this step)
check "past the maximum staleness: 55000 naming the last error" '^ERROR:  55000.*stale' "$(q -c "select jwt_verify('$tok_b')")"
check "counted as stale_keys" '"stale_keys": [1-9]' "$(issuer_row "$B" refused)"
ctl b/mode '{"mode": "ok"}' >/dev/null
check "the issuer back: refresh" '^t$' "$(q -c "select jwt_refresh_keys('$B')")"
check "verifies again" '^user_b$' "$(q -c "select jwt_verify('$tok_b') ->> 'sub'")"
reload "alter system reset pg_jwt_claims.jwks_max_staleness"

step "a slow server: no query waits beyond pg_jwt_claims.jwks_wait"
reload "alter system set pg_jwt_claims.jwks_wait = 500"
ctl b/mode '{"mode": "slow:4000"}' >/dev/null
sleep 2.1
tok_unknown=$(sign b '{"sub": "x"}' "$(ctl b/add-key '{"alg": "RS256"}' | json kid)")
t0=$(date +%s%N)
out=$(q -c "select jwt_verify('$tok_unknown')")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "unknown kid while the server is slow: refused" '^ERROR:  28000.*unknown kid' "$out"
check "…after at most the wait (500 ms) plus connection time: ${ms} ms" '^ok$' "$([ "$ms" -lt 1500 ] && echo ok || echo slow)"
ctl b/mode '{"mode": "ok"}' >/dev/null
reload "alter system set pg_jwt_claims.jwks_wait = 3000"
wait_for "the slow fetch to end" "[ -z \"\$(issuer_row '$B' last_error)\" ] && [ \"\$(issuer_row '$B' \"keys::text like '%b-%b-%b-%'\")\" = t ]" 10 || true

step "TLS, plain http and redirects"
reload "alter system set pg_jwt_claims.http_ca_file = '$work/ca/other-ca.pem'"
check "the wrong CA: refused" '^f$' "$(q -c "select jwt_refresh_keys('$B')" 2>/dev/null | tail -1)"
check "…as a TLS error" 'TLS|certificate|UnknownIssuer' "$(issuer_row "$B" last_error)"
reload "alter system set pg_jwt_claims.http_ca_file = '$work/ca/ca.pem'"
check "plain http is refused by default" 'insecure_loopback_http' "$(q -c "select jwt_refresh_keys('$D')"; issuer_row "$D" last_error)"
reload "alter system set pg_jwt_claims.insecure_loopback_http = on"
check "plain http to a loopback address with insecure_loopback_http" '^t$' "$(q -c "select jwt_refresh_keys('$D')")"
check "a token of the http issuer verifies" '^user_d$' \
  "$(q -c "select jwt_verify('$(curl -sf -X POST "http://127.0.0.1:$control_http/d/sign" -d '{"claims": {"sub": "user_d"}}' | json token)') ->> 'sub'")"
reload "alter system reset pg_jwt_claims.insecure_loopback_http"
check "http to a non-loopback host: refused when set" '^ERROR:  22023' \
  "$(q -c "set pg_jwt_claims.issuers = '[{\"issuer\": \"https://x.example\", \"jwks_uri\": \"http://10.1.2.3/jwks\"}]'")"
check "a redirect from https to http: refused" 'redirect to another origin refused' \
  "$(q -c "set pg_jwt_claims.issuers = '[{\"issuer\": \"https://redirect.example\", \"jwks_uri\": \"$B/redirect-to-http\"}]'" \
       -c "select 1"; reload "alter system set pg_jwt_claims.issuers = '[{\"issuer\": \"https://redirect.example\", \"jwks_uri\": \"$B/redirect-to-http\"}]'"; \
     q -c "select jwt_refresh_keys('https://redirect.example')" >/dev/null; issuer_row https://redirect.example last_error)"
check "…and nothing was asked over plain http" '^0$' "$(ctl b/stats '' GET | json plain_http)"
# redirect_to NAME TARGET: declares an issuer whose jwks_uri redirects to TARGET and refreshes it.
redirect_to() {
  reload "alter system set pg_jwt_claims.issuers = '[{\"issuer\": \"https://redirect.example\", \"jwks_uri\": \"$B/redirect-to?to=$2\"}]'"
  q -c "select jwt_refresh_keys('https://redirect.example')" >/dev/null
}
for target in "https://127.0.0.1:$other_port/e/jwks.json" "//127.0.0.1:$other_port/e/jwks.json" \
              "https://localhost:$other_port/e/jwks.json" "https://localhost:$https_port/b/jwks.json"; do
  b_before=$(jwks_fetches b)
  redirect_to x "$target"
  check "a redirect to $target: refused" 'redirect to another origin refused' "$(issuer_row https://redirect.example last_error)"
  check "…and nothing was fetched there" "^0 $b_before\$" \
    "$(curl -sf "http://127.0.0.1:$control_other/e/stats" | json jwks) $(jwks_fetches b)"
done
check "a plain role sees only the failure's kind, no host or port" '^fetch failed: redirect refused$' \
  "$(q -U alice -c "select last_error from jwt_issuers() where issuer = 'https://redirect.example'")"
check "a member of pg_read_all_stats sees the whole message" "redirect to another origin refused \\(https://localhost:$https_port" \
  "$(q -c "grant pg_read_all_stats to alice" >/dev/null; q -U alice -c "select last_error from jwt_issuers() where issuer = 'https://redirect.example'"; q -c "revoke pg_read_all_stats from alice" >/dev/null)"
reload "alter system set pg_jwt_claims.issuers = '[{\"issuer\": \"https://redirect.example\", \"jwks_uri\": \"$B/redirect\"}]'"
check "a redirect within the origin is followed" '^t$' "$(q -c "select jwt_refresh_keys('https://redirect.example')")"
reload "alter system set pg_jwt_claims.issuers = '$issuers'"

step "who configures and refreshes"
check "a plain role cannot SET the issuers" '^ERROR:  42501' "$(q -U alice -c "set pg_jwt_claims.issuers = '[]'")"
check "…nor through startup options" 'FATAL:  (42501: )?permission denied to set parameter "pg_jwt_claims.issuers"' \
  "$(PGOPTIONS="-c pg_jwt_claims.issuers=[]" q -U alice -c "select jwt_verify('$tok_b')")"
check "…nor call jwt_refresh_keys" '^ERROR:  42501' "$(q -U alice -c "select jwt_refresh_keys('$B')")"
check "a superuser's bad value is refused with the reason" '^ERROR:  22023.*(unknown member|issuers)' \
  "$(q -c "set pg_jwt_claims.issuers = '[{\"iss\": \"x\"}]'" ; q -v VERBOSITY=verbose -c "set pg_jwt_claims.issuers = '[{\"iss\": \"x\"}]'" | grep -i detail)"
check "an issuer declared only in a session: names the fix" '^ERROR:  55000.*not in the key worker' \
  "$(q -c "set pg_jwt_claims.issuers = '[{\"issuer\": \"https://session.example\"}]'" \
       -c "select jwt_verify('$(sign a '{"iss": "https://session.example"}')')" 2>&1)"

# ---------------------------------------------------------------------------------------------
step "the worker terminated, then crashed"
pid=$(worker_pid "$dir/data")
check "the worker runs" '^[0-9]+$' "$pid"
kill -TERM "$pid"
check "while it restarts, the keys in shared memory serve" '^user_b$' "$(q -c "select jwt_verify('$tok_b') ->> 'sub'")"
wait_for "a new worker" "new=\$(worker_pid '$dir/data'); [ -n \"\$new\" ] && [ \"\$new\" != $pid ]" 15
check "a new worker after termination" '^[0-9]+$' "$(worker_pid "$dir/data")"
check "the new worker fetches on request" '^t$' "$(q -c "select jwt_refresh_keys('$B')")"
kill -9 "$(worker_pid "$dir/data")"
wait_for "the server to recover from the crash" "[ \"\$(q -c 'select 1')\" = 1 ]" 30
wait_for "keys fetched again after the crash" "[ \"\$(issuer_row '$B' 'fetches')\" = 1 ]" 30
check "after the crash restart, tokens verify" '^user_b$' "$(q -c "select jwt_verify('$tok_b') ->> 'sub'")"

# ---------------------------------------------------------------------------------------------
step "a hot standby"
# A cold copy of the primary's data directory is its base backup (the server packages of some
# versions have no pg_basebackup); standby.signal and primary_conninfo make it a streaming standby.
fresh_dir "$standby"
as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
as_pg cp -a "$dir/data" "$standby/data"
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
as_pg touch "$standby/data/standby.signal"
{ echo "port = $sport"; echo "unix_socket_directories = '$standby'"
  echo "primary_conninfo = 'host=$dir port=$port user=postgres'"; } | as_pg tee -a "$standby/data/postgresql.conf" >/dev/null
as_pg "$bindir/pg_ctl" -D "$standby/data" -l "$standby/server.log" -w start >/dev/null
wait_for "the standby to stream" "[ \"\$(q -c 'select count(*) from pg_stat_replication')\" = 1 ]" 20
check "the standby is in recovery" '^t$' "$(q -H "$standby" -P "$sport" -c "select pg_is_in_recovery()")"
wait_for "the standby's worker to fetch" "[ \"\$(q -H '$standby' -P $sport -c \"select fetches from jwt_issuers() where issuer = '$A'\")\" = 1 ]" 20
check "the standby's worker runs" '^[0-9]+$' "$(worker_pid "$standby/data")"
check "a token verifies on the standby" '^user_new$' "$(q -H "$standby" -P "$sport" -c "select jwt_verify('$tok_new') ->> 'sub'")"
stop_cluster "$standby" "$version"

# ---------------------------------------------------------------------------------------------
step "verify mode through PgBouncer with keys from the worker"
fresh_dir "$bouncer"
as_pg tee "$bouncer/userlist.txt" >/dev/null <<<'"postgres" ""'
as_pg tee "$bouncer/pgbouncer.ini" >/dev/null <<INI
[databases]
postgres = host=$dir port=$port dbname=postgres user=postgres
[pgbouncer]
unix_socket_dir = $bouncer
listen_port = $bport
auth_type = trust
auth_file = $bouncer/userlist.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 100
logfile = $bouncer/pgbouncer.log
pidfile = $bouncer/pgbouncer.pid
INI
as_pg /usr/sbin/pgbouncer -d "$bouncer/pgbouncer.ini"
wait_for PgBouncer "[ \"\$(q -H '$bouncer' -P $bport -c 'select 1')\" = 1 ]"
tokens=()
for i in 1 2 3 4 5 6 7 8; do tokens+=("$(sign a "{\"sub\": \"user_$i\", \"aud\": \"app\"}" "$new_kid")"); done
q -v ON_ERROR_STOP=1 -c "alter system set pg_jwt_claims.mode = verify" -c "select pg_reload_conf()" >/dev/null
check "through PgBouncer, a token sets the identity" '^user_1$' \
  "$(q -H "$bouncer" -P "$bport" -c "begin" -c "select set_config('pg_jwt_claims.token', '${tokens[0]}', true) is null" -c "select requesting_user_id()" -c "select jwt_verify('${tokens[0]}') ->> 'sub'" -c commit)"
# One script per user, each with its user's token: every transaction sets it and checks it.
for i in 1 2 3 4 5 6 7 8; do
  printf "begin;\nselect set_config('pg_jwt_claims.token', '%s', true);\nselect 1 / coalesce((requesting_user_id() = 'user_%s')::int, 0);\ncommit;\n" \
    "${tokens[$((i - 1))]}" "$i" | as_pg tee "$bouncer/load$i.pgbench" >/dev/null
done
fails=0
# PostgreSQL 15's pgbench (the server packages of some versions have none) drives any version.
out=$(as_pg "$("$PG15_CONFIG" --bindir)/pgbench" -h "$bouncer" -p "$bport" -U postgres -n -c 16 -j 2 -t 200 \
  $(for i in 1 2 3 4 5 6 7 8; do echo "-f $bouncer/load$i.pgbench"; done) postgres 2>&1) || fails=1
check "3,200 transactions through PgBouncer, each its own user" 'number of transactions actually processed: 3200/3200' "$out"
check "…none failed" '^0$' "$fails"
check "verifications counted server-wide" '^[0-9]{3,}$' "$(issuer_row "$A" verified)"
kill "$(cat "$bouncer/pgbouncer.pid")" 2>/dev/null || true
q -c "alter system reset pg_jwt_claims.mode" -c "select pg_reload_conf()" >/dev/null

# ---------------------------------------------------------------------------------------------
step "a fast shutdown while the worker waits on a slow issuer"
# The worker fetches on a thread of its own and watches its latch meanwhile: a termination is
# seen within 50 ms, whatever the issuer does (here: an answer after 60 s, within a 120 s limit).
requests() { ctl "$1/stats" "" GET | python3 -c 'import json, sys; print(sum(json.load(sys.stdin).values()))'; }
q -c "alter system set pg_jwt_claims.http_timeout = 120000" -c "select pg_reload_conf()" >/dev/null
ctl b/mode '{"mode": "slow:60000"}' >/dev/null
b_before=$(requests b)
q -c "select jwt_refresh_keys('$B')" >/dev/null 2>&1 &
refreshing=$!
wait_for "the worker to ask b" "[ \"\$(requests b)\" -gt $b_before ]" 20
t0=$(date +%s%N)
as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -t 30 -w stop >/dev/null 2>&1 || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "the server stopped in $ms ms, not after the issuer's 60 s" '^stopped$' \
  "$([ ! -f "$dir/data/postmaster.pid" ] && [ "$ms" -lt 20000 ] && echo stopped || echo "still running after $ms ms")"
wait "$refreshing" || true
ctl b/mode '{"mode": "ok"}' >/dev/null

step "binary-upgrade mode (as pg_upgrade starts a server): no key worker, nothing fetched"
fetched_before="$(requests a) $(requests b)"
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-b" -w start >/dev/null
sleep 2
check "no key worker in binary-upgrade mode" '^$' "$(worker_pid "$dir/data")"
check "…and no request reached the issuers" "^$fetched_before\$" "$(requests a) $(requests b)"
as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
wait_for "the worker back after a normal start" "[ -n \"\$(worker_pid '$dir/data')\" ]" 20
q -c "alter system reset pg_jwt_claims.http_timeout" -c "select pg_reload_conf()" >/dev/null

# ---------------------------------------------------------------------------------------------
step "without shared_preload_libraries"
as_pg sed -i "s/^shared_preload_libraries.*//" "$dir/data/postgresql.conf"
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart >/dev/null
check "no worker" '^$' "$(worker_pid "$dir/data")"
check "a fetched issuer names the fix (55000)" '^ERROR:  55000.*key worker, which is not running' "$(q -c "select jwt_verify('$tok_b')")"
check "…with the hint" 'shared_preload_libraries' "$(q -v VERBOSITY=verbose -c "select jwt_verify('$tok_b')")"
check "static-key issuers still verify" '^user_h$' "$(q -c "select jwt_verify('$tok_h') ->> 'sub'")"
check "jwt_issuers() shows why" 'not running' "$(issuer_row "$B" last_error)"

echo "issuers ($version): $passed passed, $failed failed in $((SECONDS - started)) s"
[ "$failed" = 0 ]
