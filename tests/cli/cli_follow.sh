#!/usr/bin/env bash
# Tests of following the System Log (issue 22) against the local Okta-compatible server
# (tools/dev/server, GET /api/v1/logs): a polling `get --all` ends with exit 0 and the command to
# poll again, a bounded one lists exactly its window, and `get --follow` prints every event
# exactly once, in order, while events arrive (20 a second) across token expiries (4-second
# tokens), a 429 with Reset, a 500, a connection reset, a next link that rewinds two events, the
# server stopped for 5 s and restarted with the same data, and the follower killed with SIGKILL
# and started again with its --state: its output is compared with the server's own list
# (/__test/logs); no request before the rate limit's Reset once none is left. State files that
# are missing, empty, corrupt or of another org.
# Run from the repository root after building build/okta-cc:  tests/cli/cli_follow.sh
# Environment: BUILD (default build). Needs node (and npm ci --prefix tools/dev/server), openssl,
# curl and /usr/bin/python3 with python3-cryptography (tests/keytool.py). About 50 s.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server
export OKTA_CC_CACHE_DIR=off        # the token cache of issue 20, where it exists: not here

run() { "$cli" "$@" >"$out" 2>"$err"; rc=$?; }
pycheck() {
  local name=$1 script=$2 msg; shift 2
  if msg=$("$py" -c "$script" "$@" 2>&1); then ok "$name"; else bad "$name" "$(printf '%s' "$msg" | tail -2 | tr '\n' '|')"; fi
}
ms() { date +%s%3N; }
iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%S.000Z; }    # iso MILLISECONDS
post() { curl -s -o /dev/null -X POST "$URL$1" -H 'Content-Type: application/json' -d "$2"; }
fault() { post /__test/faults "{\"target\":\"api\",\"faults\":[$1]}"; }
stats() { curl -s "$URL/__test/stats"; }
# requests_total: token and API requests the server has seen
requests_total() { stats | "$py" -c 'import json,sys; j=json.load(sys.stdin); print(j["token_requests"] + j["api_requests"])'; }

# ---- key, clients, server -------------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.pem"
pub=$("$py" "$root/tests/keytool.py" jwk-public "$work/ec.pem" ec-1)
cat >"$work/clients.json" <<JSON
{"clients": [{"client_id": "0oa_logs", "jwks": {"keys": [$pub]}, "scopes": ["okta.logs.read"]},
             {"client_id": "0oa_users", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"]}]}
JSON
start=$(ms)
# The same data after a restart: the same start, rate, backlog and seed (and port).
logargs=(--log-start "$start" --log-rate 20 --log-backlog 30 --logs-rate-limit 100000 --token-ttl 4)
start_server URL --clients "$work/clients.json" "${logargs[@]}" || { echo "0 passed, 1 failed"; exit 1; }
port=${URL##*:}
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_logs OKTA_CLIENT_PRIVATEKEY=$work/ec.pem \
  OKTA_CLIENT_PRIVATEKEYID=ec-1 OKTA_CLIENT_SCOPES=okta.logs.read
since=$(iso $((start - 7200000)))      # before the backlog (the hour before start)

# ---- get --all: polling and bounded listings ----------------------------------------------
run get "/api/v1/logs?since=$since&limit=7" --all --ndjson
cp "$out" "$work/poll1"
cmd=$(sed -n "s/^okta-cc: get: the listing is up to date ([0-9]* items printed; to poll again: okta-cc \(get '[^']*' --all --ndjson\))\$/\1/p" "$err")
check "polling --all: exit 0, one stderr line with the command to poll again" \
  sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$err') -eq 1 ] && [ -n \"\$1\" ]" _ "$cmd"
check "the command to poll again carries the cursor (after=)" sh -c "case \"\$1\" in *after=*) true;; *) false;; esac" _ "$cmd"
sleep 1
eval "set -- $cmd"; run "$@"
cp "$out" "$work/poll2"
check "polled again: exit 0, and again a command to poll" sh -c "[ $rc -eq 0 ] && grep -q 'to poll again' '$err'"
curl -s "$URL/__test/logs" >"$work/server.json"
pycheck "polling --all, twice: the server's events so far, each once, in order, none missed" '
import json, sys
srv = [e["uuid"] for e in json.load(open(sys.argv[1]))["events"]]
a = [json.loads(l)["uuid"] for l in open(sys.argv[2])]
b = [json.loads(l)["uuid"] for l in open(sys.argv[3])]
assert len(a) >= 30 and len(b) >= 10, (len(a), len(b))
assert a + b == srv[:len(a) + len(b)], "not the server list"
assert len(srv) - len(a + b) <= 5, (len(srv), len(a + b))' "$work/server.json" "$work/poll1" "$work/poll2"
run get "/api/v1/logs?since=$since&limit=7" --all
check "polling --all (array form): one JSON array, exit 0" sh -c "[ $rc -eq 0 ] && '$py' -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) >= 30' '$out'"

b_since=$(iso $((start - 3000000))) b_until=$(iso $((start - 1200000)))   # 50 min .. 20 min before start
run get "/api/v1/logs?since=$b_since&until=$b_until&limit=3" --all --ndjson
cp "$out" "$work/bounded"
check "bounded --all: exit 0, nothing on stderr" test "$rc" -eq 0 -a ! -s "$err"
run get "/api/v1/logs?since=$b_since&until=$b_until&limit=4&sortOrder=DESCENDING" --all --ndjson
cp "$out" "$work/bounded.desc"
pycheck "bounded --all: exactly the events with since <= published < until, in order (DESCENDING: reversed)" '
import json, sys
from datetime import datetime
srv = json.load(open(sys.argv[1]))["events"]
lo, hi = sys.argv[4], sys.argv[5]
want = [e["uuid"] for e in srv if lo <= e["published"] < hi]
got = [json.loads(l)["uuid"] for l in open(sys.argv[2])]
desc = [json.loads(l)["uuid"] for l in open(sys.argv[3])]
assert len(want) >= 15, len(want)
assert got == want, (len(got), len(want))
assert desc == want[::-1]' "$work/server.json" "$work/bounded" "$work/bounded.desc" "$b_since" "$b_until"
run get "/api/v1/logs?filter=eventType%20eq%20%22user.session.start%22&since=$since&until=$(iso "$start")" --all --ndjson
pycheck "a filter on eventType: only those events, all of them" '
import json, sys
srv = json.load(open(sys.argv[1]))["events"]
want = [e["uuid"] for e in srv if e["eventType"] == "user.session.start" and e["published"] < sys.argv[3]]
got = [json.loads(l) for l in open(sys.argv[2])]
assert got and all(e["eventType"] == "user.session.start" for e in got)
assert [e["uuid"] for e in got] == want' "$work/server.json" "$out" "$(iso "$start")"
OKTA_CLIENT_CLIENTID=0oa_users OKTA_CLIENT_SCOPES=okta.users.read run get /api/v1/logs --all
check "without okta.logs.read: 403, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'HTTP 403 E0000006' '$err'"

# ---- usage ---------------------------------------------------------------------------------
run get /api/v1/logs --follow --interval 0
check "--interval 0: usage error (exit 2)" test "$rc" -eq 2
run get /api/v1/logs --state "$work/x.state"
check "--state without --follow: usage error" test "$rc" -eq 2
run get /api/v1/logs --follow --all
check "--follow with --all: usage error" test "$rc" -eq 2

# ---- state files that cannot be used: one line, exit 1, nothing sent --------------------------
state_refused() { # NAME CONTENT-OR-EMPTY WORDS
  local before after
  printf '%s' "$2" >"$work/bad.state"
  before=$(requests_total)
  run get /api/v1/logs --follow --interval 1 --state "$work/bad.state"
  after=$(requests_total)
  check "$1: exit 1, one line naming the file ($3), no request" \
    sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$err') -eq 1 ] && grep -q 'bad.state' '$err' && grep -q \"\$1\" '$err' && [ $before -eq $after ] && [ ! -s '$out' ]" _ "$3"
}
state_refused "an empty state file" "" "empty"
state_refused "a state file that is not JSON" "{\"next\": " "not JSON"
state_refused "a state file without a cursor" '{"uuids":[]}' 'no "next" string'
state_refused "a state file whose cursor is not a URL" '{"next":"/api/v1/logs"}' "not an absolute URL"
state_refused "a state file with bad uuids" "{\"next\":\"$URL/api/v1/logs\",\"uuids\":[1]}" "uuids"
start_server OTHER --clients "$work/clients.json" || exit 1
printf '{"next":"%s/api/v1/logs?after=3_0","uuids":[]}' "$OTHER" >"$work/other.state"
before=$(requests_total)
run get /api/v1/logs --follow --interval 1 --state "$work/other.state"
after=$(requests_total)
other=$(curl -s "$OTHER/__test/stats" | "$py" -c 'import json,sys; j=json.load(sys.stdin); print(j["token_requests"] + j["api_requests"])')
check "a state file of another org: exit 1, one line, nothing sent to either (not even a token request)" \
  sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$err') -eq 1 ] && grep -q 'not on the org' '$err' && [ '$other' = 0 ] && [ $before -eq $after ]"

# ---- --follow across everything that can happen to it ------------------------------------------
state=$work/follow.state
follow_start() { # OUT ERR: a follower in the background, $fpid
  "$cli" get "/api/v1/logs?since=$since&limit=50" --follow --interval 1 --state "$state" >"$1" 2>"$2" &
  fpid=$!
}
lines() { cat "$work"/f*.out 2>/dev/null | wc -l; }
# wait_lines N: until the followers' outputs hold N lines (at most 15 s)
wait_lines() { local i; for i in $(seq 1 150); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

follow_start "$work/f1.out" "$work/f1.err"
check "a missing state file is a fresh start (the backlog is printed)" wait_lines 40
check "the state file exists, mode 600" sh -c "[ \"\$(stat -c %a '$state')\" = 600 ]"
pycheck "the state: the next link on the org and the uuids of the last page" '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["next"].startswith(sys.argv[2] + "/api/v1/logs?") and "after=" in s["next"], s["next"]
assert isinstance(s["uuids"], list) and s["uuids"], s' "$state" "$URL"
t429=$(date +%s)
fault '{"kind":"status","status":429,"reset_in":2}'
sleep 5
pycheck "a 429: the next request waited for its X-Rate-Limit-Reset" '
import json, sys, datetime
reqs = [r for r in json.load(sys.stdin) if r["target"] == "api"]
i = max(k for k, r in enumerate(reqs) if r.get("status") == 429)
after = [r for r in reqs[i + 1:]]
assert after, "no request after the 429"
t = datetime.datetime.fromisoformat(after[0]["at"].replace("Z", "+00:00")).timestamp()
assert t >= int(sys.argv[1]) + 2, (t, sys.argv[1])' "$t429" < <(curl -s "$URL/__test/requests")
fault '{"kind":"status","status":500}'
sleep 1.5
fault '{"kind":"reset"}'
sleep 1.5
# a next link that rewinds two events: the follower must not print them twice
post /__test/logs/rate '{"rate":0}'
sleep 2.5
# the cursor of the event before the last one printed (the last uuid in the state): the link
# serves that last event again. Looked up in the server's list, not in the state's page, which
# may hold a single event when the machine is slow and polls come close together.
cursor=$(curl -s "$URL/__test/logs" | "$py" -c '
import json, sys
state = json.load(open(sys.argv[1]))
events = json.load(sys.stdin)["events"]
i = [e["uuid"] for e in events].index(state["uuids"][-1])
assert i >= 1
print(events[i - 1]["cursor"])' "$state")
fault "{\"kind\":\"next_link\",\"url\":\"/api/v1/logs?since=$since&limit=50&after=$cursor\"}"
sleep 2.5
post /__test/logs/rate '{"rate":20}'
sleep 1.5
kill -KILL "$fpid"; wait "$fpid" 2>/dev/null
check "SIGKILL: the state file is whole JSON" "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$state"
sleep 1
follow_start "$work/f2.out" "$work/f2.err"
sleep 2
# the server down for 5 s, then back with the same data on the same port (tokens are gone)
kill -TERM "$URL_PID"; wait "$URL_PID" 2>/dev/null
sleep 5
start_server URL2 --port "$port" --clients "$work/clients.json" "${logargs[@]}"
check "the server came back on the same port" test "$URL2" = "$URL"
sleep 6                 # the follower's backoff (1 + 2 + 4 s, and jitter) ends, it catches up
stop_at=$(ms)
kill -TERM "$fpid"; wait "$fpid"; frc=$?
check "SIGTERM: the follower exits 0" test "$frc" -eq 0
check "the follower lived through it all (no exit before SIGTERM): notices on stderr, no error exit" \
  sh -c "grep -q 'retrying in' '$work/f1.err' && grep -q 'retrying in' '$work/f2.err'"
curl -s "$URL/__test/logs" >"$work/server.json"
cat "$work/f1.out" "$work/f2.out" >"$work/followed"
pycheck "--follow: every event of the server once, in order, none missed up to 2 s before SIGTERM (restarted follower and server, 429, 500, reset, rewind, token expiries)" '
import json, sys
srv = json.load(open(sys.argv[1]))["events"]
got = [json.loads(l) for l in open(sys.argv[2])]
uu = [e["uuid"] for e in got]
assert len(set(uu)) == len(uu), "duplicates: %d" % (len(uu) - len(set(uu)))
assert uu == [e["uuid"] for e in srv[:len(uu)]], "not the server list"
lag = [e for e in srv[len(uu):] if e["published"] < sys.argv[3]]
assert not lag, "%d events older than 2 s not printed" % len(lag)
assert len(uu) >= 300, len(uu)
print(len(uu), "events")' "$work/server.json" "$work/followed" "$(iso $((stop_at - 2000)))"
pycheck "each line a whole event object as the server sent it (uuid, published, eventType, actor, outcome)" '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert {"uuid", "published", "eventType", "actor", "outcome", "displayMessage"} <= set(e), e.keys()' "$work/followed"
check "the restarted server was asked for tokens again (the old ones were gone)" \
  sh -c "[ \"\$(curl -s '$URL/__test/stats' | '$py' -c 'import json,sys; print(json.load(sys.stdin)[\"tokens_issued\"] > 0)')\" = True ]"

# SIGINT ends it the same way; started again with the state, nothing is printed twice
follow_start "$work/f3.out" "$work/f3.err"
sleep 2.5
kill -INT "$fpid"; wait "$fpid"; frc=$?
check "SIGINT: exit 0, and the events since went on where SIGTERM left off" test "$frc" -eq 0
cat "$work/f1.out" "$work/f2.out" "$work/f3.out" >"$work/followed"
curl -s "$URL/__test/logs" >"$work/server.json"
pycheck "after SIGINT and a third start: still each event once, in order" '
import json, sys
srv = [e["uuid"] for e in json.load(open(sys.argv[1]))["events"]]
uu = [json.loads(l)["uuid"] for l in open(sys.argv[2])]
assert len(set(uu)) == len(uu) and uu == srv[:len(uu)]' "$work/server.json" "$work/followed"

# never faster than the rate limit allows: the window's last request used, the next waits for Reset
follow_start "$work/f4.out" "$work/f4.err"
sleep 2
reset=$(curl -s -X POST "$URL/__test/logs/rate_limit" -H 'Content-Type: application/json' -d '{"remaining":1,"reset_in":4}' |
  "$py" -c 'import json,sys; print(json.load(sys.stdin)["reset"])')
curl -s -o /dev/null -X POST "$URL/__test/reset_stats"          # the request log starts here
sleep 6.5
kill -TERM "$fpid"; wait "$fpid"
pycheck "X-Rate-Limit-Remaining 0: no request before its Reset, and no 429" '
import json, sys, datetime
reqs = [r for r in json.load(sys.stdin) if r["target"] == "api"]
at = [datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00")).timestamp() for r in reqs]
assert len(reqs) >= 2, len(reqs)
assert all(r.get("status") != 429 for r in reqs), [r.get("status") for r in reqs]
assert at[1] >= int(sys.argv[1]), (at[1], sys.argv[1])' "$reset" < <(curl -s "$URL/__test/requests")

echo "$pass passed, $fail failed"
