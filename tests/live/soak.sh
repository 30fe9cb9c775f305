#!/usr/bin/env bash
# Soak (tests/live/soak.c): SOAK_MINUTES (default 10; make test runs SOAK_SECONDS=60) of 8 threads on
# two shared clients, Bearer and DPoP, against two local servers with 6 s tokens, DPoP nonces
# that rotate every 10 s, and a steady stream of injected faults.
# Beside it, for the same time, `okta-cc get --follow` follows a third server's System Log (5
# events a second, 6 s tokens, a fault every 2 s: 429, 500, 503, resets, truncated, garbage,
# slow and hanging answers, expired tokens; a new one once the last was served): it must print every event once, in order, exit 0
# on SIGTERM, and keep its RSS flat (within 10% + 256 KiB of what it was after the warm-up).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; [ -n "${chaos:-}" ] && kill "$chaos" 2>/dev/null; rm -rf "$work"' EXIT
seconds=${SOAK_SECONDS:-$(( ${SOAK_MINUTES:-10} * 60 ))}

api_clients
start_server OKTA_CC_TEST_URL --clients "$work/clients.json" --token-ttl 6 --rate-limit 10000000 || exit 1
start_server OKTA_CC_TEST_DPOP_URL --clients "$work/clients.json" --token-ttl 6 --rate-limit 10000000 \
  --api-dpop-nonce --api-dpop-nonce-seconds 10 || exit 1
export OKTA_CC_TEST_URL OKTA_CC_TEST_DPOP_URL OKTA_CC_TEST_KEYS=$work

# ---- the follower (issue 22) --------------------------------------------------------------------
pub=$(/usr/bin/python3 "$root/tests/keytool.py" jwk-public "$work/ec256.pem" ec256)
echo "{\"clients\": [{\"client_id\": \"0oa_logs\", \"jwks\": {\"keys\": [$pub]}, \"scopes\": [\"okta.logs.read\"]}]}" >"$work/logs.json"
start_server LOGS_URL --clients "$work/logs.json" --token-ttl 6 --log-rate 5 --log-backlog 200 \
  --logs-rate-limit 10000000 || exit 1
since=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
OKTA_CC_CACHE_DIR=off OKTA_CLIENT_ORGURL=$LOGS_URL OKTA_CLIENT_CLIENTID=0oa_logs OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
  OKTA_CLIENT_PRIVATEKEYID=ec256 OKTA_CLIENT_SCOPES=okta.logs.read \
  "$build/okta-cc" get "/api/v1/logs?since=$since&limit=100" --follow --interval 1 --timeout 3 \
  --state "$work/follow.state" >"$work/follow.out" 2>"$work/follow.err" &
fpid=$!
(
  kinds=('{"kind":"status","status":429,"reset_in":1}' '{"kind":"status","status":500}' '{"kind":"status","status":503}'
    '{"kind":"reset"}' '{"kind":"truncated"}' '{"kind":"garbage","status":200}' '{"kind":"slow","delay_ms":1500}'
    '{"kind":"hang"}' '{"kind":"expire_token"}')
  i=0
  while sleep 2; do          # one at a time: a fault queued while one waits would pile up
    curl -s "$LOGS_URL/__test/stats" | grep -q '"faults_pending":{"token":0,"api":0}' || continue
    curl -s -o /dev/null -X POST "$LOGS_URL/__test/faults" -H 'Content-Type: application/json' \
      -d "{\"target\":\"api\",\"faults\":[${kinds[$((i % ${#kinds[@]}))]}]}"
    i=$((i + 1))
  done
) &
chaos=$!
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$fpid/status" 2>/dev/null; }

"$build/tests/soak" "$seconds" "${SOAK_THREADS:-8}" | tee "$work/soak.out" &
spid=$!
warm=$(( seconds / 10 > 10 ? seconds / 10 : 10 ))
sleep "$warm"; rss_warm=$(rss)
wait "$spid"
rss_end=$(rss)
kill "$chaos" 2>/dev/null; wait "$chaos" 2>/dev/null; chaos=
# The follower may be in a backoff of up to a minute after the last fault (1 s doubling to
# 60 s): give it until then to catch up with what was published, rather than a fixed pause
# (a 30-minute soak ended inside such a wait).
caught_up() {
  curl -s "$LOGS_URL/__test/logs" | /usr/bin/python3 -c '
import json, sys, datetime
srv = json.load(sys.stdin)["events"]
cut = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
sys.exit(0 if sum(1 for l in open(sys.argv[1])) >= sum(1 for e in srv if e["published"] < cut) else 1)' "$work/follow.out"
}
sleep 3
for _ in $(seq 1 75); do caught_up && break; sleep 1; done
stop_ms=$(date +%s%3N)
kill -TERM "$fpid"; wait "$fpid"; frc=$?
curl -s "$LOGS_URL/__test/logs" >"$work/server.json"
echo "follower: RSS ${rss_warm:-?} KiB after ${warm} s, ${rss_end:-?} KiB at the end; $(wc -l <"$work/follow.out") events;" \
  "$(grep -c 'retrying in' "$work/follow.err") waits"

pass=0 fail=0
fcheck() { if "${@:2}"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
fcheck "follower: SIGTERM after the soak: exit 0" test "$frc" -eq 0
fcheck "follower: RSS at the end within 10% + 256 KiB of RSS after warm-up" \
  sh -c "[ -n '$rss_warm' ] && [ -n '$rss_end' ] && [ \$(( $rss_end * 10 )) -le \$(( $rss_warm * 11 + 2560 )) ]"
fcheck "follower: every event of the server once, in order, none older than 3 s missing" /usr/bin/python3 -c '
import json, sys, datetime
srv = json.load(open(sys.argv[1]))["events"]
uu = [json.loads(l)["uuid"] for l in open(sys.argv[2])]
stop = datetime.datetime.fromtimestamp(int(sys.argv[3]) / 1000 - 3, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
assert len(set(uu)) == len(uu), "duplicates"
assert uu == [e["uuid"] for e in srv[:len(uu)]], "not the server list"
assert not [e for e in srv[len(uu):] if e["published"] < stop], "events missing"' "$work/server.json" "$work/follow.out" "$stop_ms"
# one total: the soak's own checks and these
read -r sp sf < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/soak.out" | tail -1)
echo "$(( ${sp:-0} + pass )) passed, $(( ${sf:-1} + fail )) failed"
