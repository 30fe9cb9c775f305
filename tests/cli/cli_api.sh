#!/usr/bin/env bash
# Tests of the okta-cc API commands (get, request) against the local Okta-compatible server
# (tools/dev/server): 250 seeded users, Link pagination, rate-limit headers, fault injection.
# Run from the repository root after building build/okta-cc:  tests/cli/cli_api.sh
# Environment: BUILD (default build). Needs node (and npm ci --prefix tools/dev/server), openssl,
# curl and /usr/bin/python3 with python3-cryptography (tests/keytool.py). About 15 s.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server


# run ARGS...: runs the CLI, leaving $out, $err, $rc and $ms (wall time). All output is also
# collected, to check at the end that no token ever got out.
run() {
  local start; start=$(date +%s%N)
  "$cli" "$@" >"$out" 2>"$err"; rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  cat "$out" >>"$work/all-stdout"; cat "$err" >>"$work/all-stderr"
  return 0
}

# expect_error NAME STATUS [PATTERN]: the last run failed with STATUS, printed exactly one line
# "okta-cc: ..." on stderr (matching the extended regex PATTERN) and nothing on stdout.
expect_error() {
  if [ "$rc" -eq "$2" ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^okta-cc: ' "$err" && [ ! -s "$out" ] &&
     { [ -z "${3:-}" ] || grep -Eq -- "$3" "$err"; }; then ok "$1"
  else bad "$1" "exit $rc (want $2), stderr: $(head -3 "$err" | tr '\n' '|'), stdout: $(head -c 200 "$out")"; fi
}

# expect_json NAME PYTHON-CHECK: the last run succeeded, nothing on stderr, and stdout is JSON
# ending in one newline for which the Python expression (over j, the parsed value) holds.
expect_json() {
  local msg
  if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && msg=$("$py" - "$out" "$2" <<'EOF' 2>&1
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n") and not text.endswith("\n\n"), "does not end in exactly one newline"
j = json.loads(text)
assert eval(sys.argv[2]), "check failed: " + sys.argv[2]
EOF
); then ok "$1"; else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|') ${msg:-}"; fi
}

# expect_partial NAME N PATTERN: the last run (get --all) failed after printing N users: exit 1,
# exactly one line on stderr matching PATTERN and saying "N items printed", and stdout one JSON
# array (closed despite the failure) of users 1..N.
expect_partial() {
  local msg
  if [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -Eq -- "$3" "$err" && grep -qF "($2 items printed; " "$err" &&
     msg=$("$py" - "$out" "$2" <<'EOF' 2>&1
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
n = int(sys.argv[2])
assert [u["profile"]["login"] for u in j] == ["user%03d@example.com" % i for i in range(1, n + 1)], len(j)
EOF
); then ok "$1"; else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|') ${msg:-}"; fi
}

# fault JSON-ARRAY: replaces the API fault queue.
fault() {
  curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
    -d "{\"target\":\"api\",\"replace\":true,\"faults\":$1}"
}
clear_faults() { curl -s -o /dev/null -X POST "$URL/__test/clear_faults"; }
stat() { curl -s "$URL/__test/stats" | "$py" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# ---- key, clients, server -----------------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.pem"
pub=$("$py" "$root/tests/keytool.py" jwk-public "$work/ec.pem" ec-1)
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_api", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_apps_only", "jwks": {"keys": [$pub]}, "scopes": ["okta.apps.read"]},
 {"client_id": "0oa_api_dpop", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true}
]}
JSON
start_server URL --clients "$work/clients.json" || { echo "0 passed, 1 failed"; exit 1; }

flags=(--org "$URL" --client-id 0oa_api --key "$work/ec.pem" --kid ec-1 --scopes okta.users.read)
# Most runs take the settings from the environment, as a script would.
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec.pem \
  OKTA_CLIENT_PRIVATEKEYID=ec-1 OKTA_CLIENT_SCOPES=okta.users.read

users_check='(isinstance(j, list) and len(j) == 250 and len({u["id"] for u in j}) == 250 and
  [u["profile"]["login"] for u in j] == ["user%03d@example.com" % i for i in range(1, 251)])'

# ---- get --all ----------------------------------------------------------------------------------
run get /api/v1/users --all "${flags[@]}"
expect_json "get /api/v1/users --all (flags): one array of 250 users, unique ids, logins user001..user250" \
  "$users_check"
check "... one line (the items as received, comma separated)" test "$(wc -l <"$out")" -eq 1

run get '/api/v1/users?limit=7' --all -v
cp "$err" "$work/verbose.txt"
if [ "$rc" -eq 0 ]; then : >"$err"; fi   # the verbose lines are checked below
expect_json "get '/api/v1/users?limit=7' --all -v (environment): still 250 users" "$users_check"
check "-v: 36 GET lines, one per page" test "$(grep -c '^okta-cc: GET .*/api/v1/users?.*-> 200' "$work/verbose.txt")" -eq 36
check "-v: one token POST line" test "$(grep -c '^okta-cc: POST .*/oauth2/v1/token -> 200' "$work/verbose.txt")" -eq 1
check "-v: nothing but those 37 lines" test "$(wc -l <"$work/verbose.txt")" -eq 37
check "-v: the lines show the retry count and the rate limit" grep -q 'retry 0, rate limit remaining [0-9]' "$work/verbose.txt"
run token "${flags[@]}"
token=$(cat "$out")
if [ -n "$token" ] && ! grep -qF -- "$token" "$work/verbose.txt" && ! grep -qE 'Bearer|eyJ' "$work/verbose.txt"
then ok "-v never shows the token, 'Bearer' or a JWT"; else bad "-v never shows the token, 'Bearer' or a JWT"; fi

# ---- get, --include -----------------------------------------------------------------------------
run get '/api/v1/users?limit=2'
expect_json "get '/api/v1/users?limit=2': an array of 2" 'isinstance(j, list) and len(j) == 2'

run get '/api/v1/users?limit=2' --include
if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && "$py" - "$out" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
head, sep, body = text.partition("\n\n")
assert sep, "no blank line"
lines = head.split("\n")
assert lines[0] == "HTTP 200", lines[0]
headers = [l.split(":", 1)[0].lower() for l in lines[1:]]
assert all(":" in l for l in lines[1:]), "a header line without ':'"
assert any(l.lower().startswith("link:") and 'rel="next"' in l for l in lines[1:]), "no next link"
assert "x-rate-limit-remaining" in headers, headers
assert len(json.loads(body)) == 2
assert "authorization" not in text.lower()
EOF
then ok "--include: 'HTTP 200', headers (link rel=\"next\", x-rate-limit-remaining), blank line, JSON; no Authorization"
else bad "--include" "exit $rc $(head -c 300 "$out")"; fi

fault '[{"kind":"garbage","status":200,"body":"[1]","headers":{"Authorization":"Bearer echoed-secret"}}]'
run get '/api/v1/users?limit=1' --include
if [ "$rc" -eq 0 ] && grep -qx 'HTTP 200' "$out" && grep -qx '\[1\]' "$out" && ! grep -qi 'authorization\|echoed-secret' "$out"
then ok "--include leaves out an Authorization header even when the server echoes one"
else bad "--include leaves out an echoed Authorization header" "exit $rc $(head -c 300 "$out")"; fi

run get "/api/v1/users?limit=1"
first_id=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$out")
run get "/api/v1/users/$first_id"
expect_json "get /api/v1/users/<id>: that user (user001)" \
  "j[\"id\"] == \"$first_id\" and j[\"profile\"][\"login\"] == \"user001@example.com\""
run get "$URL/api/v1/users/user002@example.com"
expect_json "get with an absolute URL on the org" 'j["profile"]["login"] == "user002@example.com"'

run get /api/v1/users/00uNOSUCHUSER
expect_error "get an unknown user: exit 1, one line with E0000007" 1 '^okta-cc: get: GET .*/api/v1/users/00uNOSUCHUSER: HTTP 404 E0000007: Not found'

run get /api/v1/users --client-id 0oa_apps_only --scopes okta.apps.read
expect_error "a token without okta.users.read: exit 1, E0000006 and its errorSummary" 1 \
  'HTTP 403 E0000006: You do not have permission'

# ---- retries and faults -------------------------------------------------------------------------
fault '[{"kind":"status","status":429,"reset_in":1},{"kind":"status","status":429,"reset_in":1}]'
run get '/api/v1/users?limit=3' -v
cp "$err" "$work/retry.txt"
[ "$rc" -eq 0 ] && : >"$err"
expect_json "two 429s (reset in 1 s) are waited out: success (${ms} ms)" 'len(j) == 3'
check "-v shows the 429s and 'retry 1', 'retry 2'" \
  test "$(grep -c -- '-> 429' "$work/retry.txt")" -eq 2 -a "$(grep -c 'retry 1,' "$work/retry.txt")" -eq 1 \
  -a "$(grep -c -- '-> 200 .*retry 2,' "$work/retry.txt")" -eq 1

fault '[{"kind":"status","status":429,"reset_in":1},{"kind":"status","status":429,"reset_in":1},{"kind":"status","status":429,"reset_in":1},{"kind":"status","status":429,"reset_in":1},{"kind":"status","status":429,"reset_in":1}]'
run get '/api/v1/users?limit=3'
expect_error "429 after 429 with the default budget: exit 1, one rate-limit line (${ms} ms)" 1 \
  'HTTP 429 E0000047: .*rate limit.*retry budget spent'
check "... given up within 8 s" test "$ms" -lt 8000
clear_faults

fault '[{"kind":"status","status":429,"reset_in":1}]'
run get '/api/v1/users?limit=3' --no-retry
expect_error "--no-retry: one 429 is the end (exit 1, ${ms} ms)" 1 'HTTP 429'
check "... at once (under 1 s)" test "$ms" -lt 1000
fault '[{"kind":"status","status":503},{"kind":"status","status":503}]'
run get '/api/v1/users?limit=3' --max-retries 1
expect_error "--max-retries 1: two 503s fail (exit 1)" 1 'HTTP 503'
clear_faults

fault '[{"kind":"garbage","status":200}]'
run get '/api/v1/users?limit=3'
expect_error "a 200 that is not JSON: exit 1, one line" 1 '^okta-cc: get: GET /api/v1/users\?limit=3: .*not valid JSON'

fault '[{"kind":"garbage","status":200,"body":"{\"not\":\"a list\"}"}]'
run get '/api/v1/users?limit=3' --all
expect_error "get --all on a page that is not an array: exit 1" 1 'not a JSON array'

# A later page that fails: --all streams, so page 1 is out; the array is closed and the error
# line says how to resume (tests/cli/cli_stream.sh resumes such listings).
fault '[{"kind":"slow","delay_ms":1},{"kind":"status","status":500}]'
run get '/api/v1/users?limit=100' --all
expect_partial "get --all with a 500 on page 2: exit 1, E0000009, page 1 as a closed array, resume link" 100 \
  "GET .*after=.*: HTTP 500 E0000009: .*to resume: okta-cc get '$URL/api/v1/users\\?after=[^']*&limit=100' --all\\)\$"
fault '[{"kind":"slow","delay_ms":1},{"kind":"garbage","status":200,"body":"[1,"}]'
run get '/api/v1/users?limit=100' --all
expect_partial "get --all with a cut JSON page 2: exit 1, page 1 as a closed array, resume at page 2" 100 \
  "page 2 .*not valid JSON.*to resume: okta-cc get '$URL/api/v1/users\\?after=[^']*&limit=100' --all\\)\$"

fault '[{"kind":"truncated"},{"kind":"truncated"}]'
run get '/api/v1/users?limit=3' --no-retry
expect_error "a truncated body with --no-retry: exit 1, one line" 1 '^okta-cc: get: GET .*(transfer closed|network|closed)'
clear_faults
fault '[{"kind":"truncated"}]'
run get '/api/v1/users?limit=3'
expect_json "one truncated body is retried (GET): success" 'len(j) == 3'

fault '[{"kind":"status","status":500}]'
run get '/api/v1/users?limit=3'
expect_error "HTTP 500: exit 1, one line with E0000009" 1 'HTTP 500 E0000009'

fault '[{"kind":"expire_token"}]'
run get '/api/v1/users?limit=3'
expect_json "a token revoked in flight (401): a new token and one retry" 'len(j) == 3'
clear_faults

api_before=$(stat api_requests) token_before=$(stat token_requests)
run get https://evil.example.com/api/v1/users
expect_error "an absolute URL on another origin: exit 1, one line" 1 '^okta-cc: get: .*(refus|origin|outside)'
run get "${URL/127.0.0.1/localhost}/api/v1/users"
expect_error "the same server under another host name is another origin too" 1 '(refus|origin|outside)'
check "... the server saw no API request and no token request for them" \
  test "$(stat api_requests)" = "$api_before" -a "$(stat token_requests)" = "$token_before"

# ---- request ------------------------------------------------------------------------------------
run request POST /api/v1/users --data '{bad'
expect_error "request POST --data '{bad': usage error (exit 2)" 2 'not valid JSON'
run request GET '/api/v1/users?limit=1'
expect_json "request GET '/api/v1/users?limit=1'" 'isinstance(j, list) and len(j) == 1'
run request get '/api/v1/users?limit=1' "${flags[@]}"
expect_json "request get (lower case) with flags" 'len(j) == 1'
run request POST /api/v1/users --data '{"profile":{"login":"new@example.com"}}'
expect_error "request POST to an endpoint without POST: exit 1, Okta's E0000022" 1 'POST .*/api/v1/users: HTTP 405 E0000022'
echo '{"profile":{}}' >"$work/body.json"
run request PUT "/api/v1/users/$first_id" --data "@$work/body.json"
expect_error "request PUT --data @FILE is sent (the server says 405)" 1 'PUT .*HTTP 405'
run request DELETE "/api/v1/users/$first_id"
expect_error "request DELETE is sent (the server says 405)" 1 'DELETE .*HTTP 405'
run request GET /api/v1/users --data '{}'
expect_error "request GET with --data: usage error" 2 'no body'
run request FETCH /api/v1/users
expect_error "request FETCH: usage error" 2 'METHOD'
run request GET
expect_error "request without PATH: usage error" 2 'PATH'

# ---- usage errors -------------------------------------------------------------------------------
run get
expect_error "get without PATH: usage error" 2 'PATH'
run get /a /b
expect_error "get with two paths: usage error" 2 "unexpected argument '/b'"
run get /api/v1/users --all --include
expect_error "get --all --include: usage error" 2 'include'
run get /api/v1/users --max-retries lots
expect_error "get --max-retries lots: usage error" 2 'max-retries'
run get /api/v1/users --frob
expect_error "get --frob: usage error" 2 'frob'
env -u OKTA_CLIENT_ORGURL "$cli" get /api/v1/users >"$out" 2>"$err"; rc=$?
expect_error "get without an org: usage error naming OKTA_CLIENT_ORGURL" 2 'OKTA_CLIENT_ORGURL'

# ---- a listing whose pages link back to an earlier page ----------------------------------------
# Page 2 links back to page 1 (a -> b -> a): without cycle detection this never ends.
clear_faults
curl -s -X POST -o /dev/null "$URL/__test/reset_stats"
fault '[{"kind":"slow","delay_ms":0},{"kind":"next_link","url":"/api/v1/users?limit=100"}]'
run get '/api/v1/users?limit=100' --all
expect_partial "get --all where page 2 links back to page 1: exit 1, one line naming the repeat, no resume" 200 \
  'already fetched \(200 items printed; no page to resume from\)$'
check "... after exactly 2 GETs (the repeat is never sent)" test "$(stat api_requests)" -eq 2
clear_faults

# ---- an app that requires DPoP (Okta's default for new API Services apps) ----------------------
run get '/api/v1/users?limit=100' --all --client-id 0oa_api_dpop
expect_json "DPoP app, no DPoP setting (auto): get --all lists all 250 users" "$users_check"
check "... the server saw DPoP proofs and issued a DPoP token" \
  sh -c "curl -s '$URL/__test/stats' | '$py' -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if s[\"dpop_proofs_seen\"] >= 4 and s[\"token_types\"][\"DPoP\"] >= 1 else 1)'"
run token --json --dpop --client-id 0oa_api_dpop
expect_json "token --dpop: token_type DPoP" 'j["token_type"] == "DPoP"'
run token --no-dpop --client-id 0oa_api_dpop
expect_error "token --no-dpop for a DPoP app: Okta's 'header is missing', exit 1" 1 'DPoP proof JWT header is missing'
OKTA_CLIENT_DPOPENABLED=false "$cli" token --client-id 0oa_api_dpop >"$out" 2>"$err"; rc=$?
expect_error "OKTA_CLIENT_DPOPENABLED=false does the same" 1 'DPoP proof JWT header is missing'
OKTA_CLIENT_DPOPENABLED=false "$cli" token --json --dpop --client-id 0oa_api_dpop >"$out" 2>"$err"; rc=$?
expect_json "--dpop wins over OKTA_CLIENT_DPOPENABLED=false" 'j["token_type"] == "DPoP"'
run token --dpop --no-dpop
expect_error "--dpop with --no-dpop: usage error" 2 'not both'
run get /api/v1/users/user007%40example.com --dpop --client-id 0oa_api_dpop
expect_json "get /api/v1/users/user007%40example.com with DPoP (htu on the decoded path)" \
  'j["profile"]["login"] == "user007@example.com"'
OKTA_CLIENT_CLIENTID=0oa_api_dpop "$build/examples/list_users" >"$work/dpop-users.txt" 2>"$err"; rc=$?
check "examples/list_users for a DPoP app (auto): 250 users" \
  sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$work/dpop-users.txt') -eq 250 ]"
run token --json --client-id 0oa_api
expect_json "a Bearer app in auto mode still gets Bearer" 'j["token_type"] == "Bearer"'

# ---- text from a server reaches the terminal through one filter ---------------------------------
# A server's words - OAuth error and error_description, errorSummary and errorCauses, a redirect's
# Location, a DPoP challenge, a next link (in -v lines and the resume note), response headers with
# --include - may hold ESC, BEL, CR, LF, DEL, C1 controls (raw bytes or UTF-8) and bidi overrides,
# which would rewrite the user's screen or title. Each must come out as a visible escape (\x1b,
# \u009b, \u202e), every message on its one line. The checker reads the bytes as they were written.
cat >"$work/clean.py" <<'PY'
import re, sys
def check(path, lines, want):
    data = open(path, "rb").read()
    m = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", data)
    if m: return "raw control byte %r at offset %d" % (m.group(), m.start())
    try: text = data.decode("utf-8")   # raw bytes 0x80-0xff that are not UTF-8 must be escaped too
    except UnicodeDecodeError as e: return "not UTF-8: %s" % e
    for i, ch in enumerate(text):
        o = ord(ch)
        if 0x80 <= o <= 0x9f or o in (0x61c, 0x200e, 0x200f) or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069:
            return "U+%04X at %d" % (o, i)
    if lines >= 0 and text.count("\n") != lines: return "%d lines, want %d" % (text.count("\n"), lines)
    for w in want.split():
        if w not in text: return "no visible %s in %r" % (w, text[:400])
    return None
why = check(sys.argv[1], int(sys.argv[2]), sys.argv[3])
if why: sys.exit(why)
PY
# The hostile server's answers, as raw bytes (Node itself refuses control bytes in headers).
"$py" - "$URL" >"$work/raw.sh" <<'PY'
import base64, sys
url = sys.argv[1].encode()
def raw(status, headers, body=b""):
    head = b"HTTP/1.1 " + status + b"\r\n" + b"".join(h + b"\r\n" for h in headers)
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    return base64.b64encode(head + body).decode()
nasty = b"\x1b[2J\x1b]0;pwned\x07|\rCR|\x7f|\xc2\x9b31m|\x9b|\xe2\x80\xaeevil"
print("raw_redirect=" + raw(b"302 Found", [b"Location: " + url + b"/x" + nasty]))
print("raw_dpop=" + raw(b"401 Unauthorized", [b'WWW-Authenticate: DPoP error="invalid_dpop_proof' + nasty +
                                              b'", error_description="' + nasty + b'"']))
print("raw_link=" + raw(b"200 OK", [b"Link: <" + url + b"/api/v1/users?after=\xc2\x9b\x9b\xe2\x80\xae&limit=1>; rel=\"next\""],
                        b'[{"id":"00u1"}]'))
print("raw_header=" + raw(b"200 OK", [b"X-Evil: a" + nasty], b"[]"))
print("raw_garbage=" + base64.b64encode(b"\x1b[2J\x07garbage " + nasty + b"\r\n\r\n").decode())
PY
. "$work/raw.sh"
nasty_json='\\u001b[2J\\u001b]0;pwned\\u0007|\\rCR\\n|\\u007f|\\u009b31m|\\u202eevil'
# server_text NAME TARGET FAULTS LINES WANT ARGS...: queues FAULTS for TARGET, runs the CLI with
# ARGS: it fails, and its stderr is clean, LINES lines long, showing each escape in WANT.
server_text() {
  local name=$1 target=$2 faults=$3 lines=$4 want=$5 msg; shift 5
  curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
    -d "{\"target\":\"$target\",\"replace\":true,\"faults\":$faults}"
  run "$@"
  if [ "$rc" -ne 0 ] && msg=$("$py" "$work/clean.py" "$err" "$lines" "$want" 2>&1); then ok "$name"
  else bad "$name" "exit $rc: ${msg:-} $(head -c 300 "$err" | od -An -c | head -4 | tr -s ' \n' ' ')"; fi
  clear_faults
}
token_fault="[{\"kind\":\"status\",\"status\":401,\"body\":\"{\\\"error\\\":\\\"invalid_client$nasty_json\\\",\\\"error_description\\\":\\\"$nasty_json\\\"}\"}]"
api_fault="[{\"kind\":\"status\",\"status\":400,\"body\":\"{\\\"errorCode\\\":\\\"E0000001$nasty_json\\\",\\\"errorSummary\\\":\\\"$nasty_json\\\",\\\"errorCauses\\\":[{\\\"errorSummary\\\":\\\"$nasty_json\\\"}]}\"}]"
server_text "token: a token endpoint's error and error_description" token "$token_fault" 1 '\x1b \u009b \u202e' token
server_text "get: the token endpoint's refusal, the same" token "$token_fault" 1 '\x1b \u009b \u202e' get /api/v1/users
server_text "get: errorCode, errorSummary and errorCauses" api "$api_fault" 1 '\x1b \u009b \u202e' get /api/v1/users
server_text "request: the same for another method" api "$api_fault" 1 '\x1b \u009b \u202e' \
  request DELETE /api/v1/users/00u1
server_text "get: a redirect's Location" api "[{\"kind\":\"raw\",\"data\":\"$raw_redirect\"}]" 1 '\x1b \x9b \u009b \u202e' \
  get /api/v1/users
server_text "get: a DPoP challenge's error and error_description (WWW-Authenticate)" api \
  "[{\"kind\":\"raw\",\"data\":\"$raw_dpop\"},{\"kind\":\"raw\",\"data\":\"$raw_dpop\"}]" 1 '\x1b \x9b \u009b \u202e' get /api/v1/users
server_text "get: libcurl's words about a response that is not HTTP" api "[{\"kind\":\"raw\",\"data\":\"$raw_garbage\"}]" 1 '' \
  get /api/v1/users --no-retry
server_text "get --all -v: a next link in the -v lines and the resume note" api \
  "[{\"kind\":\"raw\",\"data\":\"$raw_link\"},{\"kind\":\"status\",\"status\":500}]" 4 '\x9b \u009b \u202e' \
  get '/api/v1/users?limit=1' --all -v
check "... and the resume note is still one pasteable shell word" grep -q "to resume: okta-cc get '$URL/api/v1/users?after=" "$err"
# Fuzz: 40 answers (seeded, so a failure repeats) whose Location, error description or DPoP
# challenge is random bytes - anything but CR, LF and NUL, which end or break the header line.
"$py" - "$URL" >"$work/fuzz.txt" <<'PY'
import base64, json, random, sys
rng, url = random.Random(18), sys.argv[1].encode()
for i in range(40):
    junk = bytes(b for b in (rng.randrange(1, 256) for _ in range(rng.randrange(1, 60))) if b not in (10, 13))
    kind = i % 3
    if kind == 0:
        head, body = b"HTTP/1.1 302 Found\r\nLocation: " + url + b"/" + junk + b"\r\n", b""
    elif kind == 1:
        head, body = b"HTTP/1.1 400 Bad Request\r\n", json.dumps({"errorCode": "E0000001",
            "errorSummary": junk.decode("latin-1"), "errorCauses": [{"errorSummary": junk.decode("utf-8", "replace")}]}).encode()
    else:
        head, body = b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: DPoP error="x' + junk.replace(b'"', b"'") + \
            b'", error_description="' + junk.replace(b'"', b"'") + b'"\r\n', b""
    raw = head + b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    print(base64.b64encode(raw).decode())
PY
fuzz_bad=0 fuzz_n=0
while read -r data; do
  fuzz_n=$((fuzz_n + 1))
  curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
    -d "{\"target\":\"api\",\"replace\":true,\"faults\":[{\"kind\":\"raw\",\"data\":\"$data\"},{\"kind\":\"raw\",\"data\":\"$data\"}]}"
  run get /api/v1/users --no-retry
  if [ "$rc" -eq 0 ] || ! msg=$("$py" "$work/clean.py" "$err" 1 '' 2>&1); then
    fuzz_bad=$((fuzz_bad + 1)); echo "  fuzz case $fuzz_n: exit $rc ${msg:-}"
  fi
  clear_faults
done <"$work/fuzz.txt"
check "fuzz: $fuzz_n answers with random bytes in Location, errorSummary, WWW-Authenticate: one clean line each" \
  test "$fuzz_bad" -eq 0 -a "$fuzz_n" -eq 40
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d "{\"target\":\"api\",\"replace\":true,\"faults\":[{\"kind\":\"raw\",\"data\":\"$raw_header\"}]}"
run get /api/v1/users --include
if [ "$rc" -eq 0 ] && msg=$("$py" "$work/clean.py" "$out" -1 '\x1b \x9b \u009b \u202e' 2>&1) && grep -qx '\[\]' "$out"
then ok "get --include: a header's control bytes are escaped on stdout, the body is as received"
else bad "get --include: a header's control bytes are escaped" "exit $rc: ${msg:-} $(head -c 300 "$out" | od -An -c | head -4 | tr -s ' \n' ' ')"; fi
clear_faults

# ---- nothing secret anywhere; help --------------------------------------------------------------
if [ -n "$token" ] && ! grep -qF -- "$token" "$work/all-stderr" && ! grep -qE 'Bearer|eyJ' "$work/all-stderr" &&
   ! grep -qi 'authorization' "$work/all-stdout"; then ok "no token, Bearer or JWT on any stderr; no Authorization on stdout"
else bad "no token, Bearer or JWT on any stderr; no Authorization on stdout"; fi

run --help
check "--help lists get and request" test "$(grep -cE '^  (get|request) ' "$out")" -eq 2
for c in get request; do
  run "$c" --help
  missing=
  for v in OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_SCOPES --org --client-id \
           --key --kid --scopes --ca-file --timeout --include --verbose --no-retry --max-retries; do
    grep -qF -- "$v" "$out" || missing="$missing $v"
  done
  [ "$c" = get ] && { grep -qF -- --all "$out" || missing="$missing --all"; }
  [ "$c" = request ] && { grep -qF -- --data "$out" || missing="$missing --data"; }
  if [ "$rc" -eq 0 ] && grep -q "^usage: okta-cc $c" "$out" && [ -z "$missing" ]; then ok "$c --help names every flag"
  else bad "$c --help" "exit $rc, missing:$missing"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
