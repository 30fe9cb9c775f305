#!/usr/bin/env bash
# Tests of what okta-cc does around its commands: options before or after the command name,
# a closed or full stdout (the output must never vanish, or land in another file, with exit
# status 0), no scopes needed to sign an assertion, one-line errors, and secrets left in freed
# memory (tests/free_scan.c, interposed with LD_PRELOAD, reports every freed heap block that
# still holds a marker: a piece of the private key, a --data body, a listed user's login).
# Run from the repository root after building build/okta-cc:  tests/cli_io.sh
# Needs node (the local server), openssl, curl, cc and /usr/bin/python3 with cryptography.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/cli_lib.sh"
require "needs node, openssl, curl, cc and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && command -v cc && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server

require "free_scan.so builds" cc -shared -fPIC -o "$work/free_scan.so" "$root/tests/free_scan.c" -ldl

# run ARGS...: the CLI with stdout and stderr in files; $rc.
run() { "$cli" "$@" >"$out" 2>"$err"; rc=$?; }
# one_error NAME PATTERN: the last run exited 1 with exactly one stderr line matching PATTERN.
one_error() {
  if [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -Eq -- "$2" "$err"; then ok "$1"
  else bad "$1" "exit $rc, stderr: $(head -3 "$err" | tr '\n' '|')"; fi
}

openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.pem"
pub=$("$py" "$root/tests/keytool.py" jwk-public "$work/ec.pem" ec-1)
cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_io", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read", "okta.users.manage"]},
 {"client_id": "0oa_io_secret", "client_secret": "s3cret", "token_endpoint_auth_method": "client_secret_basic", "auth_servers": ["default"], "scopes": ["custom.read"]}
]}
JSON
start_server URL --clients "$work/clients.json" || { echo "0 passed, 1 failed"; exit 1; }
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_io OKTA_CLIENT_PRIVATEKEY=$work/ec.pem \
  OKTA_CLIENT_PRIVATEKEYID=ec-1 OKTA_CLIENT_SCOPES=okta.users.read

# ---- options before and after the command -----------------------------------------------------
"$cli" -v get '/api/v1/users?limit=100' --all >"$work/a.out" 2>"$work/a.err"; rc_a=$?
"$cli" get '/api/v1/users?limit=100' --all -v >"$work/b.out" 2>"$work/b.err"; rc_b=$?
check "-v before and after get --all: both exit 0" test "$rc_a" -eq 0 -a "$rc_b" -eq 0
check "... the same 250 users on stdout" sh -c "cmp -s '$work/a.out' '$work/b.out' && [ \$('$py' -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' '$work/a.out') = 250 ]"
check "... both log the same exchanges on stderr (3 pages + the token)" \
  sh -c "[ \$(grep -c '^okta-cc: ' '$work/a.err') -eq 4 ] && [ \$(grep -c '^okta-cc: ' '$work/b.err') -eq 4 ]"
run --org "$URL" --scopes=okta.users.read get /api/v1/users/user001@example.com
check "value options before the command (--org URL, --scopes=...)" sh -c "[ $rc -eq 0 ] && grep -q user001@example.com '$out'"
run --org get token
check "an option's value may look like a command name (--org get token)" grep -q "org" "$err"
run --help get
check "--help before the command prints its help" sh -c "[ $rc -eq 0 ] && head -1 '$out' | grep -q '^usage: okta-cc get PATH'"
run get /api/v1/users --version
check "--version after the command prints the version" sh -c "[ $rc -eq 0 ] && grep -q '^okta-cc [0-9]' '$out'"
run --frob get /api/v1/users
check "an unknown option before the command: usage error (2) naming it" \
  sh -c "[ $rc -eq 2 ] && grep -q -- '--frob: unknown option' '$err'"
run --all token
check "an option the command does not take, before it: usage error (2)" \
  sh -c "[ $rc -eq 2 ] && grep -q 'token: unknown option --all' '$err'"
run --help
check "okta-cc --help says options may come before or after the command" grep -q "before or after" "$out"

# ---- assertion needs no scope ---------------------------------------------------------------------
env -u OKTA_CLIENT_SCOPES "$cli" assertion >"$out" 2>"$err"; rc=$?
check "assertion without any scope setting: exit 0, a JWT" sh -c "[ $rc -eq 0 ] && grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' '$out'"
env -u OKTA_CLIENT_SCOPES "$cli" token >"$out" 2>"$err"; rc=$?
check "token without scopes: usage error naming --scopes and OKTA_CLIENT_SCOPES" \
  sh -c "[ $rc -eq 2 ] && grep -q 'OKTA_CLIENT_SCOPES' '$err' && [ ! -s '$out' ]"

# ---- stdout closed or full ----------------------------------------------------------------------
for cmd in "get /api/v1/users" "token"; do
  # shellcheck disable=SC2086
  "$cli" $cmd >&- 2>"$err"; rc=$?
  one_error "$cmd with stdout closed: exit 1, 'okta-cc: stdout: ...'" '^okta-cc: stdout: '
  # shellcheck disable=SC2086
  "$cli" $cmd >/dev/full 2>"$err"; rc=$?
  one_error "$cmd with stdout on /dev/full: exit 1, 'No space left on device'" '^okta-cc: stdout: No space left'
done
"$cli" get '/api/v1/users?limit=50' --all >/dev/full 2>"$err"; rc=$?
one_error "get --all on /dev/full: exit 1" '^okta-cc: stdout: No space left'
"$cli" --version >/dev/full 2>"$err"; rc=$?
one_error "--version on /dev/full: exit 1" '^okta-cc: stdout: '
"$cli" --help >/dev/full 2>"$err"; rc=$?
one_error "--help on /dev/full: exit 1 (the final flush is checked)" '^okta-cc: stdout: '
for how in closed full; do
  key=$work/keygen-$how.pem
  if [ $how = closed ]; then "$cli" keygen --type ec --out "$key" >&- 2>"$err"; rc=$?
  else "$cli" keygen --type ec --out "$key" >/dev/full 2>"$err"; rc=$?; fi
  one_error "keygen with stdout $how: exit 1, says where the key is" "^okta-cc: stdout: .*saved in $key.*okta-cc jwk --key $key"
  check "... the key file holds exactly the PEM (no JWK in it)" sh -c \
    "head -1 '$key' | grep -qx -- '-----BEGIN PRIVATE KEY-----' && tail -1 '$key' | grep -qx -- '-----END PRIVATE KEY-----' && ! grep -q '[{}]' '$key' && openssl pkey -in '$key' -noout"
done
"$cli" jwk --key "$work/ec.pem" <&- 2>"$err" >"$out"; rc=$?
check "stdin closed does not matter to a command that does not read it" sh -c "[ $rc -eq 0 ] && grep -q '\"kty\":\"EC\"' '$out'"
"$cli" sign --key "$work/ec.pem" <&- >"$out" 2>"$err"; rc=$?
one_error "sign with stdin closed: exit 1, 'okta-cc: stdin: ...'" '^okta-cc: stdin: '

# ---- error lines ----------------------------------------------------------------------------------
run token --client-secret s3cret --key "$work/ec.pem"
check "--client-secret with --key names the method, never '(null)'" \
  sh -c "[ $rc -eq 2 ] && grep -q 'client_secret_basic' '$err' && ! grep -q '(null)' '$err'"
curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
  -d '{"target":"token","faults":[{"kind":"garbage","status":400,"body":"{\"error\":\"invalid_request\",\"error_description\":\"line one\\nline two\\r\\nX-Injected: yes\"}"}]}'
run token
one_error "an error description with CR/LF stays one line" 'invalid_request: line one line two  X-Injected: yes'

# ---- secrets left in freed memory -----------------------------------------------------------------
# scan NAME MARKERS COMMAND...: runs the command under free_scan.so; no freed block may hold a marker.
scan() {
  local name=$1 markers=$2; shift 2
  rm -f "$work/scan.report"
  FREE_SCAN_MARKERS=$markers FREE_SCAN_REPORT=$work/scan.report LD_PRELOAD=$work/free_scan.so "$@" >"$out" 2>"$err"
  rc=$?
  if [ "$rc" -eq 0 ] && [ ! -s "$work/scan.report" ]; then ok "$name"
  else bad "$name" "exit $rc, $(head -3 "$work/scan.report" 2>/dev/null | tr '\n' '|') $(head -2 "$err" | tr '\n' '|')"; fi
}
key_marker=$(sed -n 2p "$work/ec.pem" | cut -c1-40)
# The scanner itself must be able to fail: a program that reads the key with stdio and
# fcloses it (what okta-cc 0.4.0 did) leaves it in stdio's freed buffer.
printf '#include <stdio.h>\nint main(int c, char **v) { char b[64]; FILE *f = fopen(v[1], "r"); (void)c;\n  if (!f || !fgets(b, sizeof b, f)) return 1; fclose(f); return 0; }\n' >"$work/stdio_reader.c"
cc -o "$work/stdio_reader" "$work/stdio_reader.c"
rm -f "$work/scan.report"
FREE_SCAN_MARKERS=$key_marker FREE_SCAN_REPORT=$work/scan.report LD_PRELOAD=$work/free_scan.so \
  "$work/stdio_reader" "$work/ec.pem"
check "free_scan finds the key in stdio's buffer freed by fclose (the scanner can fail)" test -s "$work/scan.report"
scan "jwk --key FILE: no freed block holds the private key" "$key_marker" "$cli" jwk --key "$work/ec.pem"
scan "jwk --key - (stdin): no freed block holds the private key" "$key_marker" sh -c "'$cli' jwk --key - <'$work/ec.pem'"
scan "sign --key FILE: no freed block holds the private key" "$key_marker" sh -c "echo '{\"a\":1}' | '$cli' sign --key '$work/ec.pem'"
scan "token (key from OKTA_CLIENT_PRIVATEKEY, read by the library): no freed block holds the key" "$key_marker" "$cli" token
scan "get --all: no freed block holds a listed user's login" "user042@example.com|user250@example.com" \
  "$cli" get /api/v1/users --all
echo '{"profile":{"login":"FREESCAN-3f9a1c77@example.com","email":"x@example.com"}}' >"$work/data.json"
FREE_SCAN_MARKERS=FREESCAN-3f9a1c77 FREE_SCAN_REPORT=$work/scan.report LD_PRELOAD=$work/free_scan.so \
  "$cli" request POST /api/v1/users --data @"$work/data.json" >"$out" 2>"$err"
check "request POST --data @FILE: no freed block holds the body (whatever the server answers)" \
  sh -c "[ ! -s '$work/scan.report' ] && grep -q '^okta-cc: ' '$err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
