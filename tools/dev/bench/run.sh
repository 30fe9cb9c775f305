#!/usr/bin/env bash
# make bench: every figure side by side with its baseline, in one run, against local servers
# (tools/dev/server) set up here in a temp dir and stopped on exit. Not part of make test.
#
# Each figure is one line:
#   bench: NAME median=VALUE UNIT baseline=VALUE UNIT ratio=R better=lower|higher [extra]
# ratio = measured / baseline; better= says which direction wins (times: lower, throughputs:
# higher). Medians of interleaved rounds (measured and baseline alternate round by round, the
# order flipping every round, so drift hits both). The C programs are tools/dev/bench/*.c.
#
# Knobs (environment): ROUNDS (ca_cache connections, 300), COLD_ROUNDS (cold start, 7),
# BIG_ROUNDS (100 000 users, 5), BIG_USERS (100000), CACHE_ROUNDS (token cache cold/warm, 9).
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-$root/build}
bench=$build/bench
okta_cc=$build/okta-cc
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
started=$(date +%s.%N)
# Only what this script sets may reach okta-cc.
unset OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_PRIVATEKEYID \
  OKTA_CLIENT_KID OKTA_CLIENT_SCOPES OKTA_CLIENT_AUTHSERVERID OKTA_CLIENT_CLIENTSECRET OKTA_CC_CA_FILE \
  OKTA_CLIENT_DPOPENABLED OKTA_CLIENT_DPOPKEY
# The token cache is off but where a figure measures it (figure 8): a cold start is cold.
export OKTA_CC_CACHE_DIR=off

cold_rounds=${COLD_ROUNDS:-7}
big_rounds=${BIG_ROUNDS:-5}
big_users=${BIG_USERS:-100000}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(uname -sr)," \
  "libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2), node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- setup: keys (okta-cc keygen), the CA, one service app per key (no DPoP required) ------
"$okta_cc" keygen --type rsa --bits 2048 --out "$work/rsa.pem" >"$work/rsa.jwk"
"$okta_cc" keygen --type ec --curve P-256 --out "$work/ec.pem" >"$work/ec.jwk"
"$okta_cc" keygen --type rsa --bits 2048 --out "$work/dpop-rsa.pem" >/dev/null   # DPoP proof keys: figure 7
"$okta_cc" keygen --type ec --curve P-256 --out "$work/dpop-ec.pem" >/dev/null
bash "$root/tools/dev/server/make-ca.sh" "$work/ca" >/dev/null 2>&1
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_bench_ec", "jwks": {"keys": [$(cat "$work/ec.jwk")]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": false},
 {"client_id": "0oa_bench_rsa", "jwks": {"keys": [$(cat "$work/rsa.jwk")]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": false},
 {"client_id": "0oa_bench_dpop", "jwks": {"keys": [$(cat "$work/ec.jwk")]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true}
]}
JSON

# The servers start together (start_server would wait for each in turn); no rate limit.
launch() {
  local var=$1; shift
  node "$root/tools/dev/server/server.js" --clients "$work/clients.json" --rate-limit 1000000000 "$@" \
    >"$work/server-$var.out" 2>"$work/server-$var.err" &
  server_pids="$server_pids $!"
  printf -v "${var}_PID" '%s' "$!"
}
await() {
  local var=$1 pid line
  pid=${var}_PID
  for _ in $(seq 1 400); do
    line=$(grep -m1 '^READY ' "$work/server-$var.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "${!pid}" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$line" ]; then echo "server $var did not start:" >&2; cat "$work/server-$var.err" >&2; exit 1; fi
  printf -v "$var" '%s' "${line##*url=}"
}
tls=(--tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key")
launch HTTP_URL                                   # 250 users: figures 2, 3, 4, 7
launch HTTPS_URL "${tls[@]}"                      # 250 users: 3 (HTTPS), 6 (baseline), CA cache
launch COLD_URL "${tls[@]}" --users 500           # figure 5
launch BIG_URL "${tls[@]}" --users "$big_users"   # figure 6
launch TTL_URL --token-ttl 8                      # figure 6b: renewal 6 s after a fetch
launch RTT_URL --delay-ms 40                      # figure 8: every answer 40 ms late
for v in HTTP_URL HTTPS_URL COLD_URL BIG_URL TTL_URL RTT_URL; do await $v; done
ca=$work/ca/ca.pem

# median FILE: the median of the numbers in FILE, one a line.
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# line NAME PRECISION MEASURED BASELINE UNIT lower|higher [EXTRA]
line() {
  awk -v n="$1" -v p="$2" -v m="$3" -v b="$4" -v u="$5" -v d="$6" -v x="${7:-}" 'BEGIN {
    printf "bench: %s median=%.*f %s baseline=%.*f %s ratio=%.3f better=%s%s\n", n, p, m, u, p, b, u, (b != 0 ? m / b : 1), d, (x != "" ? " " x : "") }'
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }      # field NAME RESULT_FILE
users_in() { grep -o '"login":' "$1" | wc -l; }

# ---- the existing one: new TLS connections, libcurl's Debian CA path kept vs cleared -------
"$bench/ca_cache" "$HTTPS_URL/__test/health" "$ca" "${ROUNDS:-300}"

# ---- 1. client assertion vs a bare BearSSL signature of the same bytes ---------------------
"$bench/sign" "$work/rsa.pem" "$work/ec.pem"

# ---- 1b. the same assertion signed in a PKCS#11 token (SoftHSM) vs in memory, for the record ----
# Keys made inside a token of this run's own (okta-cc keygen --key pkcs11:...).
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nlog.level = ERROR\n' "$work/tokens" >"$work/softhsm2.conf"
if SOFTHSM2_CONF=$work/softhsm2.conf softhsm2-util --init-token --free --label bench --so-pin 5678 --pin 1234 >/dev/null 2>&1; then
  export SOFTHSM2_CONF=$work/softhsm2.conf OKTA_CC_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so OKTA_CC_PKCS11_PIN=1234
  "$okta_cc" keygen --key 'pkcs11:token=bench;object=rsa' --type rsa >/dev/null
  "$okta_cc" keygen --key 'pkcs11:token=bench;object=ec' --type ec >/dev/null
  "$bench/hsm_sign" "$work/rsa.pem" "$work/ec.pem" 'pkcs11:token=bench;object=rsa' 'pkcs11:token=bench;object=ec'
  unset SOFTHSM2_CONF OKTA_CC_PKCS11_MODULE OKTA_CC_PKCS11_PIN
else
  echo "bench: 1b skipped: softhsm2-util is missing (make deps installs softhsm2)"
fi

# ---- 2. cached okta_cc_client_get_token: ns and allocations per call, 1 and 8 threads --------
"$bench/token_cache" "$HTTP_URL" 0oa_bench_ec "$work/ec.pem"

# ---- 3. okta_cc_request vs bare libcurl, reused connection, HTTP and HTTPS -------------------
"$bench/request" 0oa_bench_ec "$work/ec.pem" "$HTTP_URL" "$HTTPS_URL" "$ca"

# ---- 4. 8 threads x 500 requests: one shared client vs 8 clients vs serialised -------------
"$bench/parallel" "$HTTP_URL" 0oa_bench_ec "$work/ec.pem" -

# ---- 7. DPoP on a shared client, RSA-2048 and EC P-256 proof keys: cached get_token p50 while
# 7 threads make DPoP requests on it (vs the idle client), and 8 threads on one client vs 8 clients
"$bench/dpop" "$HTTP_URL" 0oa_bench_ec "$work/ec.pem" "$work/dpop-rsa.pem" "$work/dpop-ec.pem"

# ---- 5. cold start over HTTPS: okta-cc get --all vs the Okta guide's openssl + curl --------
# Same server, CA, RSA key (the guide signs RS256 with openssl dgst) and users (500: 3 pages).
export OKTA_CLIENT_CLIENTID=0oa_bench_rsa OKTA_CLIENT_PRIVATEKEY=$work/rsa.pem \
  OKTA_CLIENT_SCOPES=okta.users.read OKTA_CC_CA_FILE=$ca
cold_cli() { OKTA_CLIENT_ORGURL=$COLD_URL "$bench/runstat" "$work/rs" "$okta_cc" get /api/v1/users --all -q >"$1"; }
cold_guide() { "$bench/runstat" "$work/rs" "$root/tools/dev/bench/okta_guide.sh" "$COLD_URL" 0oa_bench_rsa "$work/rsa.pem" "$ca" /api/v1/users >"$1"; }
cold_cli "$work/cold-cli.json"
cold_guide "$work/cold-guide.json"
n_cli=$(users_in "$work/cold-cli.json") n_guide=$(users_in "$work/cold-guide.json")
if [ "$n_cli" != 500 ] || [ "$n_guide" != 500 ]; then
  echo "bench: FAILED: cold start listed $n_cli (okta-cc) and $n_guide (guide) users, not 500" >&2; exit 1
fi
: >"$work/cold-cli.ms"; : >"$work/cold-guide.ms"
for r in $(seq 1 "$cold_rounds"); do
  for which in $([ $((r % 2)) = 1 ] && echo "cli guide" || echo "guide cli"); do
    "cold_$which" /dev/null
    field ms "$work/rs" >>"$work/cold-$which.ms"
  done
done
line cold_start_https_500_users 1 "$(median "$work/cold-cli.ms")" "$(median "$work/cold-guide.ms")" ms lower \
  "rounds=$cold_rounds pages=3 measured=okta-cc_get_--all baseline=tools/dev/bench/okta_guide.sh"

# ---- 6. 100 000 users: time and peak RSS of okta-cc get --all vs a 250-user run --------------
# Output to a file each round (the same for both), counted once at the end.
: >"$work/big.ms"; : >"$work/big.kb"; : >"$work/small.ms"; : >"$work/small.kb"
for r in $(seq 1 "$big_rounds"); do
  for which in $([ $((r % 2)) = 1 ] && echo "big small" || echo "small big"); do
    if [ "$which" = big ]; then url=$BIG_URL; else url=$HTTPS_URL; fi
    OKTA_CLIENT_ORGURL=$url "$bench/runstat" "$work/rs" "$okta_cc" get /api/v1/users --all -q >"$work/$which.json"
    field ms "$work/rs" >>"$work/$which.ms"
    field maxrss_kb "$work/rs" >>"$work/$which.kb"
  done
done
n_big=$(users_in "$work/big.json") n_small=$(users_in "$work/small.json")
if [ "$n_big" != "$big_users" ] || [ "$n_small" != 250 ]; then
  echo "bench: FAILED: okta-cc get --all listed $n_big and $n_small users, not $big_users and 250" >&2; exit 1
fi
big_mb=$(awk -v s="$(stat -c %s "$work/big.json")" 'BEGIN { printf "%.1f", s / 1048576 }')
big_ms=$(median "$work/big.ms") small_ms=$(median "$work/small.ms")
line "users_${big_users}_time" 0 "$big_ms" "$small_ms" ms lower \
  "rounds=$big_rounds baseline=250_users pages=$(( (big_users + 199) / 200 ))/2 output=${big_mb}MiB $(awk -v b="$big_ms" -v s="$small_ms" -v n="$big_users" 'BEGIN { printf "us_per_user=%.1f/%.1f", b * 1000 / n, s * 1000 / 250 }')"
line "users_${big_users}_peak_rss" 1 "$(awk -v x="$(median "$work/big.kb")" 'BEGIN { print x / 1024 }')" \
  "$(awk -v x="$(median "$work/small.kb")" 'BEGIN { print x / 1024 }')" MiB lower \
  "rounds=$big_rounds baseline=250_users target<=2 measured_by=wait4_ru_maxrss"
unset OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_SCOPES OKTA_CC_CA_FILE

# ---- 9. okta-cc get --follow catching up on a System Log backlog of 100 000 events ------------
# A server whose System Log holds FOLLOW_EVENTS events (published over the hour before it
# started, none after), 1000 a page. Measured: events a second printed by --follow from start
# to the last backlog event on stdout (the follower is then stopped with SIGTERM), and its peak
# RSS; baselines: the same events listed by a bounded get --all (since + until), and the peak
# RSS of --follow catching up on 1000 events.
follow_events=${FOLLOW_EVENTS:-100000} follow_rounds=${FOLLOW_ROUNDS:-3}
cat >"$work/logs-clients.json" <<JSON
{"clients": [{"client_id": "0oa_bench_logs", "jwks": {"keys": [$(cat "$work/ec.jwk")]}, "scopes": ["okta.logs.read"]}]}
JSON
start_server LOGS_URL --clients "$work/logs-clients.json" --log-backlog "$follow_events" --log-rate 0 \
  --logs-rate-limit 1000000000
start_server LOGS_SMALL_URL --clients "$work/logs-clients.json" --log-backlog 1000 --log-rate 0 --logs-rate-limit 1000000000
export OKTA_CLIENT_CLIENTID=0oa_bench_logs OKTA_CLIENT_PRIVATEKEY=$work/ec.pem OKTA_CLIENT_SCOPES=okta.logs.read
since=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ) until=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
# follow_once URL BYTES OUT: runs --follow until OUT holds BYTES bytes (what get --all printed of
# the same events), then SIGTERM; prints "ms kb": the time to that point and the peak RSS
# (wait4). One python process watches the file (os.stat every 5 ms: no process per check).
follow_once() {
  OKTA_CLIENT_ORGURL=$1 /usr/bin/python3 -c '
import os, signal, subprocess, sys, time
url, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(out, "wb") as f:
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[4:] + [url], stdout=f)
    while os.stat(out).st_size < size:
        time.sleep(0.005)
    ms = (time.monotonic() - t0) * 1000
    p.send_signal(signal.SIGTERM)
    _, status, ru = os.wait4(p.pid, 0)
print("%.0f %d" % (ms, ru.ru_maxrss))' "/api/v1/logs?since=$since&limit=1000" "$2" "$3" \
    "$okta_cc" get --follow --interval 3600
}
list_all() { OKTA_CLIENT_ORGURL=$1 "$bench/runstat" "$work/rs" "$okta_cc" get "/api/v1/logs?since=$since&until=$until&limit=1000" --all --ndjson >"$2"; }
list_all "$LOGS_URL" "$work/all.ndjson"; list_all "$LOGS_SMALL_URL" "$work/all-small.ndjson"
big_bytes=$(stat -c %s "$work/all.ndjson") small_bytes=$(stat -c %s "$work/all-small.ndjson")
: >"$work/fol.eps"; : >"$work/all.eps"; : >"$work/fol.kb"; : >"$work/fsmall.kb"
for r in $(seq 1 "$follow_rounds"); do
  for which in $([ $((r % 2)) = 1 ] && echo "follow all" || echo "all follow"); do
    if [ "$which" = follow ]; then
      read -r ms kb <<<"$(follow_once "$LOGS_URL" "$big_bytes" "$work/follow.ndjson")"
      echo "$ms $follow_events" | awk '{ printf "%.0f\n", $2 * 1000 / $1 }' >>"$work/fol.eps"
      echo "$kb" >>"$work/fol.kb"
      read -r ms kb <<<"$(follow_once "$LOGS_SMALL_URL" "$small_bytes" "$work/follow-small.ndjson")"
      echo "$kb" >>"$work/fsmall.kb"
    else
      list_all "$LOGS_URL" "$work/all.ndjson"
      echo "$(field ms "$work/rs") $follow_events" | awk '{ printf "%.0f\n", $2 * 1000 / $1 }' >>"$work/all.eps"
    fi
  done
done
n_fol=$(wc -l <"$work/follow.ndjson") n_all=$(wc -l <"$work/all.ndjson")
if [ "$n_fol" != "$follow_events" ] || [ "$n_all" != "$follow_events" ] || ! cmp -s "$work/follow.ndjson" "$work/all.ndjson"; then
  echo "bench: FAILED: --follow printed $n_fol events, get --all $n_all, not the same $follow_events" >&2; exit 1
fi
line "follow_${follow_events}_events_per_s" 0 "$(median "$work/fol.eps")" "$(median "$work/all.eps")" events/s higher \
  "rounds=$follow_rounds pages=$(( (follow_events + 999) / 1000 )) baseline=bounded_get_--all output=$(awk -v s="$(stat -c %s "$work/all.ndjson")" 'BEGIN { printf "%.1f", s / 1048576 }')MiB"
line "follow_${follow_events}_peak_rss" 1 "$(awk -v x="$(median "$work/fol.kb")" 'BEGIN { print x / 1024 }')" \
  "$(awk -v x="$(median "$work/fsmall.kb")" 'BEGIN { print x / 1024 }')" MiB lower \
  "rounds=$follow_rounds baseline=follow_of_1000_events target<=2 measured_by=wait4_ru_maxrss"
unset OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_SCOPES

# ---- 6b. request latency across a token renewal, with and without token_refresh_ahead --------
"$bench/expiry" "$TTL_URL" 0oa_bench_ec "$work/ec.pem"

# ---- 8. the token cache: okta-cc get, an app requiring DPoP (AUTO), each answer 40 ms late ----
# cold (empty cache) vs warm (the previous run's cache) runs, interleaved with the order flipped
# every round; then 16 processes started together and 100 runs in a row, each vs --no-cache.
cache_rounds=${CACHE_ROUNDS:-9}
export OKTA_CLIENT_ORGURL=$RTT_URL OKTA_CLIENT_CLIENTID=0oa_bench_dpop OKTA_CLIENT_PRIVATEKEY=$work/ec.pem \
  OKTA_CLIENT_SCOPES=okta.users.read
rtt_stat() { curl -s "$RTT_URL/__test/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; echo; }   # (the JSON ends without a newline)
rtt_reset() { curl -s -o /dev/null -X POST "$RTT_URL/__test/reset_stats"; }
# cache_get DIR WHICH: one okta-cc get with the cache in DIR; its ms and token requests into $work/WHICH.*
cache_get() {
  rtt_reset
  OKTA_CC_CACHE_DIR=$1 "$bench/runstat" "$work/rs" "$okta_cc" get '/api/v1/users?limit=1' >"$work/cache-out.json" ||
    { echo "bench: FAILED: okta-cc get with the token cache in $1" >&2; exit 1; }
  field ms "$work/rs" >>"$work/$2.ms"
  rtt_stat token_requests >>"$work/$2.tok"
}
: >"$work/cold.ms"; : >"$work/cold.tok"; : >"$work/warm.ms"; : >"$work/warm.tok"; : >"$work/start.ms"
cache_get "$work/cache-0" cold                  # round 0 (not counted) warms the first cache
for r in $(seq 1 "$cache_rounds"); do
  if [ $((r % 2)) = 1 ]; then cache_get "$work/cache-$((r - 1))" warm; cache_get "$work/cache-$r" cold
  else cache_get "$work/cache-$r" cold; cache_get "$work/cache-$r" warm; fi
  "$bench/runstat" "$work/rs" "$okta_cc" --version >/dev/null    # what process start-up costs now
  field ms "$work/rs" >>"$work/start.ms"
done
sed -i 1d "$work/cold.ms" "$work/cold.tok"
line cache_warm_vs_cold_get_dpop_40ms 1 "$(median "$work/warm.ms")" "$(median "$work/cold.ms")" ms lower \
  "rounds=$cache_rounds token_requests_warm=$(sort -g "$work/warm.tok" | tail -1)(max) token_requests_cold=$(median "$work/cold.tok") startup_ms=$(median "$work/start.ms") target<=0.35,0_warm"
# together DIR|--no-cache: 16 okta-cc get started at once; token requests, grants, ms of the 16.
together() {
  local t0 i flag= pids=()
  rtt_reset
  [ "$1" = --no-cache ] && flag=--no-cache
  t0=$(date +%s%N)
  for i in $(seq 1 16); do OKTA_CC_CACHE_DIR=$1 "$okta_cc" get '/api/v1/users?limit=1' $flag >"$work/t16.$i" 2>&1 & pids+=($!); done
  wait "${pids[@]}"
  for i in $(seq 1 16); do grep -q '"login"' "$work/t16.$i" || { echo "bench: FAILED: process $i of 16: $(head -c 300 "$work/t16.$i")" >&2; exit 1; }; done
  echo "$(rtt_stat token_requests) $(rtt_stat tokens_issued) $((($(date +%s%N) - t0) / 1000000))"
}
res=$(together "$work/cache-16"); read -r t16_req t16_grants t16_ms <<<"$res"
res=$(together --no-cache); read -r n16_req n16_grants n16_ms <<<"$res"
line cache_16_processes_token_requests 0 "$t16_req" "$n16_req" requests lower \
  "baseline=--no-cache grants=$t16_grants/$n16_grants ms=$t16_ms/$n16_ms target=1_grant"
# in_a_row DIR|--no-cache: 100 okta-cc get one after another (the server's delay off: the counts
# do not depend on it, and at 40 ms the baseline alone would take 18 s).
in_a_row() {
  local t0 i flag=
  rtt_reset
  [ "$1" = --no-cache ] && flag=--no-cache
  t0=$(date +%s%N)
  for i in $(seq 1 100); do OKTA_CC_CACHE_DIR=$1 "$okta_cc" get '/api/v1/users?limit=1' $flag >/dev/null ||
    { echo "bench: FAILED: run $i of 100" >&2; exit 1; }; done
  echo "$(rtt_stat token_requests) $(rtt_stat tokens_issued) $((($(date +%s%N) - t0) / 1000000))"
}
curl -s -o /dev/null -X POST "$RTT_URL/__test/delay" -d '{"ms":0}'
res=$(in_a_row "$work/cache-100"); read -r s100_req s100_grants s100_ms <<<"$res"
res=$(in_a_row --no-cache); read -r n100_req n100_grants n100_ms <<<"$res"
line cache_100_runs_token_requests 0 "$s100_req" "$n100_req" requests lower \
  "baseline=--no-cache grants=$s100_grants/$n100_grants ms=$s100_ms/$n100_ms server_delay=0 target=1_grant"
unset OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_SCOPES

echo "bench: total $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s (without the build)"
