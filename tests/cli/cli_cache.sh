#!/usr/bin/env bash
# Tests of okta-cc's token cache (issue 20) against the local Okta-compatible server
# (tools/dev/server), which counts the token requests it gets: a second run uses the stored
# token (Bearer, and DPoP with the stored key), the failed proofless grant of a DPoP-requiring
# app once per cache lifetime, --no-cache and OKTA_CC_CACHE_DIR=off, the XDG_RUNTIME_DIR and
# HOME fallbacks, `cache list` (never a token) and `cache clear`, caches that cannot be used or
# written (the command still succeeds), 16 processes at once (one grant), secrets in freed memory.
# Run from the repository root after building build/okta-cc:  tests/cli/cli_cache.sh
# Needs node (and npm ci --prefix tools/dev/server), openssl, curl, cc, unshare (as root: a
# read-only bind mount) and /usr/bin/python3 with python3-cryptography. About 11 s.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl, cc and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && command -v cc && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server
unset OKTA_CLIENT_DPOPENABLED OKTA_CLIENT_DPOPKEY XDG_RUNTIME_DIR
api_clients    # $work/ec256.pem, kid ec256; apps 0oa_api, 0oa_apps_only, 0oa_api_dpop (DPoP required)
require "server" start_server URL --clients "$work/clients.json"
require "free_scan.so builds" cc -shared -fPIC -o "$work/free_scan.so" "$root/tests/cli/free_scan.c" -ldl
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem OKTA_CLIENT_KID=ec256 \
  OKTA_CLIENT_SCOPES=okta.users.read OKTA_CLIENT_CLIENTID=0oa_api
cache=$work/cache
export OKTA_CC_CACHE_DIR=$cache

# run ARGS...: the CLI (settings from the environment), leaving $out, $err and $rc. Everything
# printed is also collected, to check at the end that no token ever got out.
run() {
  "$cli" "$@" >"$out" 2>"$err"; rc=$?
  cat "$out" >>"$work/all-stdout"; cat "$err" >>"$work/all-stderr"
}
reset_stats() { curl -s -o /dev/null -X POST "$URL/__test/reset_stats"; }
# counter NAME: a counter of the server's /__test/stats (token_requests, dpop_proof_missing, ...)
counter() { curl -s "$URL/__test/stats" | "$py" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# counts NAME WANT-TOKEN-REQUESTS: the runs since reset_stats made that many token requests.
counts() { check "$1 (token requests: $(counter token_requests), want $2)" test "$(counter token_requests)" = "$2"; }
# succeeded NAME: the last run exited 0 with output and nothing on stderr.
succeeded() {
  if [ "$rc" -eq 0 ] && [ -s "$out" ] && [ ! -s "$err" ]; then ok "$1"
  else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|')"; fi
}
get1() { run get '/api/v1/users?limit=1' "$@"; }
entries() { find "$1" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l; }
mode_of() { stat -c %a "$1"; }
# read_only DIR COMMAND...: runs COMMAND while DIR cannot be written: as root (whom modes do not
# stop) under a read-only bind mount in a mount namespace of its own, else with DIR mode 0500.
read_only() {
  local dir=$1; shift
  if [ "$(id -u)" = 0 ]; then
    unshare -m sh -c 'd=$1; shift; mount --bind -o ro "$d" "$d" && touch "$d/probe" 2>/dev/null && exit 99; exec "$@"' _ "$dir" "$@"
  else
    chmod 500 "$dir"; "$@"; local r=$?; chmod 700 "$dir"; return $r
  fi
}

# ---- Bearer: the second run uses the stored token ---------------------------------------------
reset_stats
get1
succeeded "get, empty cache: the users page"
counts "get, empty cache: one token request" 1
check "the cache directory was made 0700" test "$(mode_of "$cache")" = 700
check "one entry, 0600" test "$(entries "$cache")" = 1 -a "$(mode_of "$(ls "$cache"/*.json | head -1)")" = 600
reset_stats
get1
succeeded "get again: the users page"
counts "get again: the stored token, no token request" 0
check "get again: the API call made with it" test "$(counter api_requests)" = 1
run token
succeeded "token: the stored token"
token=$(cat "$out")
run token --json
check "token --json: the same token, Bearer, expires_in what is left of the hour" "$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["access_token"] == sys.argv[2] and j["token_type"] == "Bearer" and 3500 < j["expires_in"] <= 3600, j["expires_in"]' "$out" "$token"
run request GET '/api/v1/users?limit=1'
succeeded "request GET: works with the stored token"
run get '/api/v1/users?limit=1' --key "$work/ec256.pem"
succeeded "get --key FILE (the same key as OKTA_CLIENT_PRIVATEKEY): works"
counts "token, request and get --key: the same entry, still no token request" 0
get1 -v
check "-v: says the token came from the cache" grep -q 'token store: using the stored token' "$err"
check "-v: names the cache directory" grep -qF "okta-cc: token cache: $cache" "$err"
check "-v: never the token" sh -c "! grep -qF '$token' '$err'"

# ---- an app that requires DPoP, AUTO: the proofless try once per cache lifetime ----------------
reset_stats
OKTA_CLIENT_CLIENTID=0oa_api_dpop get1
succeeded "DPoP app, empty cache: the users page"
counts "DPoP app, empty cache: proofless try, nonce, grant" 3
check "DPoP app, empty cache: one proofless grant refused" test "$(counter dpop_proof_missing)" = 1
reset_stats
OKTA_CLIENT_CLIENTID=0oa_api_dpop get1
succeeded "DPoP app again: the users page (proofs signed with the stored key pass the binding check)"
counts "DPoP app again: no token request" 0
check "DPoP app again: the API call carried a DPoP proof" test "$(counter dpop_proofs_seen)" = 1
OKTA_CLIENT_CLIENTID=0oa_api_dpop run token --json
check "DPoP app: token --json says DPoP" grep -q '"token_type":"DPoP"' "$out"
dpop_token=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$out")
# The server forgets every token: the stored one gets 401, is dropped, a new one is fetched -
# with a proof from the start, since the cache remembers that the app requires DPoP.
curl -s -o /dev/null -X POST "$URL/__test/expire_tokens"
reset_stats
OKTA_CLIENT_CLIENTID=0oa_api_dpop get1
succeeded "DPoP app, stored token revoked: the call succeeds"
check "DPoP app, stored token revoked: at most nonce and grant, no proofless try ($(counter token_requests))" \
  test "$(counter token_requests)" -ge 1 -a "$(counter token_requests)" -le 2
check "DPoP app, stored token revoked: no proofless grant refused" test "$(counter dpop_proof_missing)" = 0
reset_stats
OKTA_CLIENT_CLIENTID=0oa_api_dpop get1
counts "DPoP app, after the renewal: the new stored token" 0
get1
succeeded "Bearer app, stored token revoked: the call succeeds"

# ---- --no-cache and OKTA_CC_CACHE_DIR=off ---------------------------------------------------
reset_stats
get1 --no-cache
succeeded "get --no-cache (cache warm): the users page"
get1 --no-cache
counts "get --no-cache twice: a token each time" 2
OKTA_CC_CACHE_DIR=off get1
OKTA_CC_CACHE_DIR=off get1
counts "OKTA_CC_CACHE_DIR=off twice: a token each time" 4
OKTA_CC_CACHE_DIR=$work/unused run token --no-cache
check "token --no-cache: nothing written" test ! -e "$work/unused"
# Turned off on purpose, -v shows what it showed before the cache: the HTTP exchanges alone.
OKTA_CC_CACHE_DIR=off run token -v
check "OKTA_CC_CACHE_DIR=off -v: the token request, no cache line" sh -c "grep -q 'POST .*/oauth2/v1/token -> 200' '$err' && ! grep -q 'token cache\|token store' '$err'"
run token --no-cache -v
check "--no-cache -v: the token request, no cache line" sh -c "grep -q 'POST .*/oauth2/v1/token -> 200' '$err' && ! grep -q 'token cache\|token store' '$err'"
run assertion --no-cache
check "assertion accepts --no-cache (token's flags) and ignores it" test "$rc" = 0 -a -s "$out"

# ---- where the cache is: OKTA_CC_CACHE_DIR, else XDG_RUNTIME_DIR/okta-cc, else ~/.cache/okta-cc --
mkdir -m 700 "$work/xdg" "$work/home"
reset_stats
env -u OKTA_CC_CACHE_DIR XDG_RUNTIME_DIR="$work/xdg" HOME="$work/home" "$cli" token >"$out" 2>"$err"; rc=$?
env -u OKTA_CC_CACHE_DIR XDG_RUNTIME_DIR="$work/xdg" HOME="$work/home" "$cli" token >"$out" 2>"$err"
counts "XDG_RUNTIME_DIR: two runs, one token request" 1
check "XDG_RUNTIME_DIR: the entry is in \$XDG_RUNTIME_DIR/okta-cc, not in ~/.cache" \
  test "$(entries "$work/xdg/okta-cc")" = 1 -a ! -e "$work/home/.cache"
reset_stats
env -u OKTA_CC_CACHE_DIR -u XDG_RUNTIME_DIR HOME="$work/home" "$cli" token >"$out" 2>"$err"
env -u OKTA_CC_CACHE_DIR -u XDG_RUNTIME_DIR HOME="$work/home" "$cli" token >"$out" 2>"$err"
counts "no XDG_RUNTIME_DIR: two runs, one token request" 1
check "no XDG_RUNTIME_DIR: the entry is in ~/.cache/okta-cc (made 0700)" \
  test "$(entries "$work/home/.cache/okta-cc")" = 1 -a "$(mode_of "$work/home/.cache/okta-cc")" = 700
env -u OKTA_CC_CACHE_DIR XDG_RUNTIME_DIR=relative/dir HOME="$work/home" "$cli" token -v >"$out" 2>"$err"
check "a relative XDG_RUNTIME_DIR is ignored (XDG spec): ~/.cache/okta-cc" grep -qF "token cache: $work/home/.cache/okta-cc" "$err"
reset_stats
env -u OKTA_CC_CACHE_DIR -u XDG_RUNTIME_DIR -u HOME "$cli" token -v >"$out" 2>"$err"; rc=$?
check "no HOME: the token all the same" test "$rc" = 0 -a -s "$out"
check "no HOME: -v says the cache is off and why" grep -q 'token cache: off (none of OKTA_CC_CACHE_DIR, XDG_RUNTIME_DIR and HOME is set)' "$err"
env -u OKTA_CC_CACHE_DIR -u XDG_RUNTIME_DIR -u HOME "$cli" token >"$out" 2>"$err"
counts "no HOME: two runs, two token requests" 2

# ---- cache list and cache clear ------------------------------------------------------------
run cache list
check "cache list: exit 0, a header and two entries (Bearer app, DPoP app)" test "$rc" = 0 -a "$(wc -l <"$out")" = 3
check "cache list: the header" grep -Eq '^ID +CLIENT ID +TYPE +EXPIRES \(UTC\) +DPOP +TOKEN URL$' "$out"
check "cache list: the Bearer app's line" grep -Eq "^[0-9a-f]{12}  0oa_api +Bearer  [0-9-]{10} [0-9:]{8}  -         $URL/oauth2/v1/token\$" "$out"
check "cache list: the DPoP app's line, DPoP required" grep -Eq "^[0-9a-f]{12}  0oa_api_dpop +DPoP    [0-9-]{10} [0-9:]{8}  required  $URL/oauth2/v1/token\$" "$out"
check "cache list: the ids are the entries' files" sh -c "n=0; for id in \$(cut -c1-12 '$out' | tail -n +2); do ls '$cache'/\$id*.json >/dev/null || exit 1; n=\$((n + 1)); done; [ \$n = 2 ]"
check "cache list: the expiry is about an hour from now (UTC)" "$py" -c '
import sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
lines = open(sys.argv[1]).read().splitlines()[1:]
assert len(lines) == 2, lines
for line in lines:
    t = datetime.datetime.strptime(line[44:63], "%Y-%m-%d %H:%M:%S")
    assert 3000 < (t - now).total_seconds() <= 3610, line' "$out"
check "cache list: no token in it" sh -c "! grep -qF -e '$token' -e '$dpop_token' '$out'"
check "cache list: no key material in it" sh -c "! grep -Eq '\"d\"|PRIVATE|\"x\"' '$out'"
reset_stats
run cache clear
check "cache clear: says how many it removed" grep -qxF "removed 2 cached tokens from $cache" "$out"
check "cache clear: the directory is empty" test "$(ls -A "$cache" | wc -l)" = 0
run cache list
check "cache list, empty: one clear line" grep -qxF "no cached tokens in $cache" "$out"
run cache clear
check "cache clear, empty: removed 0" grep -qxF "removed 0 cached tokens from $cache" "$out"
get1
counts "after cache clear: a new token request" 1
OKTA_CC_CACHE_DIR=$work/never run cache list
check "cache list, no directory yet: empty, and none made" sh -c "grep -qxF 'no cached tokens in $work/never' '$out' && test ! -e '$work/never'"
OKTA_CC_CACHE_DIR=off run cache list
check "cache list, OKTA_CC_CACHE_DIR=off: says so" grep -qxF "the token cache is off (OKTA_CC_CACHE_DIR=off)" "$out"
run cache
check "cache without list or clear: usage error (2), one line" test "$rc" = 2 -a "$(wc -l <"$err")" = 1
run cache purge
check "cache purge: usage error (2)" test "$rc" = 2
run cache list --no-cache
check "cache list --no-cache: unknown option, usage error (2)" test "$rc" = 2

# ---- caches that cannot be used or written: the command succeeds all the same ---------------
touch "$work/a-file"
OKTA_CC_CACHE_DIR=$work/a-file/cache get1 -v
check "cache dir under a regular file: get succeeds" test "$rc" = 0 -a -s "$out"
check "cache dir under a regular file: -v says why, not caching" grep -q "token cache: .*$work/a-file/cache.*; not caching" "$err"
mkdir -m 755 "$work/open"
OKTA_CC_CACHE_DIR=$work/open get1 -v
check "cache dir open to others (0755): get succeeds, nothing written" test "$rc" = 0 -a "$(entries "$work/open")" = 0
check "cache dir open to others: -v says why" grep -q "token cache: .*$work/open.*; not caching" "$err"
OKTA_CC_CACHE_DIR=$work/open run cache list
check "cache list on a directory open to others: exit 1, one line naming it" \
  sh -c "[ $rc = 1 ] && [ \$(wc -l <'$err') = 1 ] && grep -qF '$work/open' '$err' && [ ! -s '$out' ]"
ln -s "$cache" "$work/link"
OKTA_CC_CACHE_DIR=$work/link get1
check "cache dir a symlink: get succeeds" test "$rc" = 0 -a -s "$out"
mkdir -m 700 "$work/ro"
reset_stats
OKTA_CC_CACHE_DIR=$work/ro read_only "$work/ro" "$cli" get '/api/v1/users?limit=1' -v >"$out" 2>"$err"; rc=$?
check "read-only cache dir: get succeeds" test "$rc" = 0 -a -s "$out"
check "read-only cache dir: -v says the token could not be saved" grep -q 'could not save' "$err"
check "read-only cache dir: nothing in it" test "$(ls -A "$work/ro" | wc -l)" = 0
# An entry that cannot be replaced: the stored token is revoked while the directory is read-only.
OKTA_CC_CACHE_DIR=$work/ro get1
check "read-only cache dir, stored token revoked: the entry was stored before" test "$(entries "$work/ro")" = 1
curl -s -o /dev/null -X POST "$URL/__test/expire_tokens"
reset_stats
OKTA_CC_CACHE_DIR=$work/ro read_only "$work/ro" "$cli" get '/api/v1/users?limit=1' >"$out" 2>"$err"; rc=$?
check "read-only cache dir, stored token revoked: get succeeds, nothing on stderr" test "$rc" = 0 -a -s "$out" -a ! -s "$err"
counts "read-only cache dir, stored token revoked: one new token" 1

# ---- 16 processes started together with an empty cache: one grant -----------------------------
run cache clear
reset_stats
pids=()
for i in $(seq 1 16); do "$cli" token >"$work/tok.$i" 2>"$work/tokerr.$i" & pids+=($!); done
wait "${pids[@]}"     # (not the server)
counts "16 processes at once, empty cache: one token request" 1
check "16 processes at once: all print the same token" test "$(cat "$work"/tok.* | sort -u | wc -l)" = 1 -a "$(cat "$work"/tok.* | wc -l)" = 16
check "16 processes at once: nothing on stderr" test "$(cat "$work"/tokerr.* | wc -c)" = 0

# ---- secrets in freed memory, with the cache read and written ------------------------------
# scan NAME MARKERS COMMAND...: runs the command under free_scan.so; no freed block may hold a marker.
scan() {
  local name=$1 markers=$2; shift 2
  rm -f "$work/scan.report"
  FREE_SCAN_MARKERS=$markers FREE_SCAN_REPORT=$work/scan.report LD_PRELOAD=$work/free_scan.so "$@" >"$out" 2>"$err"
  rc=$?
  if [ "$rc" -eq 0 ] && [ ! -s "$work/scan.report" ]; then ok "$name"
  else bad "$name" "exit $rc, $(head -3 "$work/scan.report" 2>/dev/null | tr '\n' '|') $(head -2 "$err" | tr '\n' '|')"; fi
}
token=$(cat "$work/tok.1")
scan "token from the cache: no freed block holds the token" "$token" "$cli" token
scan "get with the stored token: no freed block holds it" "$token" "$cli" get '/api/v1/users?limit=1'
scan "cache list: no freed block holds the token" "$token" "$cli" cache list
OKTA_CLIENT_CLIENTID=0oa_api_dpop run token
dpop_token=$(cat "$out")
scan "get, DPoP app, stored token and key: no freed block holds the token" "$dpop_token" \
  env OKTA_CLIENT_CLIENTID=0oa_api_dpop "$cli" get '/api/v1/users?limit=1'

check "no token ever printed on stderr" sh -c "! grep -qF -e '$token' -e '$dpop_token' '$work/all-stderr'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
