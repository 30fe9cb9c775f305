#!/usr/bin/env bash
# Tests of what okta-cc does around its commands: options before or after the command name,
# a closed or full stdout (the output must never vanish, or land in another file, with exit
# status 0), no scopes needed to sign an assertion, one-line errors, and secrets left in freed
# memory (tests/cli/free_scan.c, interposed with LD_PRELOAD, reports every freed heap block that
# still holds a marker: a piece of the private key, a --data body, a listed user's login).
# Run from the repository root after building build/okta-cc:  tests/cli/cli_io.sh
# Needs node (the local server), openssl, curl, cc and /usr/bin/python3 with cryptography.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl, cc and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && command -v cc && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server

require "free_scan.so builds" cc -shared -fPIC -o "$work/free_scan.so" "$root/tests/cli/free_scan.c" -ldl

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
 {"client_id": "0oa_io_secret", "client_secret": "s3cret-FREESCAN-5e1d", "token_endpoint_auth_method": "client_secret_basic", "auth_servers": ["default"], "scopes": ["custom.read"]}
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

# ---- hostile environment: huge variables, key paths that are no key files -------------------------
# hostile_rc STATUS NAME PATTERN COMMAND...: COMMAND (20 s at most, stdin /dev/null) exits with
# STATUS and exactly one stderr line matching PATTERN, of at most 1 KiB, and nothing on stdout.
# hostile NAME PATTERN COMMAND...: the same with exit status 1 (a failure, not a usage error).
hostile_rc() {
  local want=$1 name=$2 pat=$3; shift 3
  timeout 20 "$@" >"$out" 2>"$err" </dev/null; rc=$?
  if [ "$rc" -eq "$want" ] && [ "$(wc -l <"$err")" -eq 1 ] && [ "$(wc -c <"$err")" -le 1024 ] && [ ! -s "$out" ] &&
     grep -Eq -- "$pat" "$err"; then ok "$name"
  else bad "$name" "exit $rc, $(wc -c <"$err") bytes on stderr: $(head -c 300 "$err" | tr '\n' '|')"; fi
}
hostile() { hostile_rc 1 "$@"; }
# Linux refuses (execve: E2BIG) any single environment string over 128 KiB (MAX_ARG_STRLEN,
# "NAME=" and the NUL included), so a 1 MiB variable never reaches the CLI: each variable is
# tried at the largest size execve takes, then all of them at once (about 1.4 MB of environment).
# tests/unit/test_token.c sets 1 MiB values in-process for the library itself.
env_max() { head -c $((131072 - ${#1} - 2)) /dev/zero | tr '\0' "${2:-a}"; }
huge=$(head -c 1048576 /dev/zero | tr '\0' a)
env OKTA_CLIENT_ORGURL="$huge" "$cli" --version >"$out" 2>"$err"; rc=$?
if [ "$rc" -eq 126 ] && grep -q 'Argument list too long' "$err"; then
  ok "a 1 MiB OKTA_CLIENT_ORGURL cannot reach the CLI (execve E2BIG): the largest that can is tested below"
else
  hostile "a 1 MiB OKTA_CLIENT_ORGURL (this system passes it): one-line error" '^okta-cc: token: ' \
    env OKTA_CLIENT_ORGURL="$huge" "$cli" token
fi
unset huge
# One short line for a value that cannot be used: exit 2 when it is an invalid setting (the
# library's OKTA_CC_ERR_CONFIG: no URL, a key id over 127 bytes), 1 when the operation fails with
# it (no such key file, Okta refuses); exit 0 for one that is not used.
for v in OKTA_CLIENT_ORGURL:2 OKTA_CLIENT_CLIENTID:1 OKTA_CLIENT_PRIVATEKEY:1 OKTA_CLIENT_PRIVATEKEYID:2 \
         OKTA_CLIENT_KID:2 OKTA_CLIENT_AUTHSERVERID:1 OKTA_CLIENT_DPOPKEY:1 OKTA_CLIENT_SCOPES:1; do
  want=${v#*:} v=${v%:*}
  unset_kid=()      # OKTA_CLIENT_PRIVATEKEYID, set here, would win over OKTA_CLIENT_KID
  [ "$v" = OKTA_CLIENT_KID ] && unset_kid=(-u OKTA_CLIENT_PRIVATEKEYID)
  hostile_rc "$want" "$v of $((131072 - ${#v} - 2)) bytes: exit $want, one short line" '^okta-cc: token: ' \
    env "${unset_kid[@]}" "$v=$(env_max $v)" "$cli" token
done
for v in OKTA_CLIENT_CLIENTSECRET OKTA_CC_CA_FILE OKTA_CLIENT_DPOPENABLED; do
  env "$v=$(env_max $v)" timeout 20 "$cli" token >"$out" 2>"$err" </dev/null; rc=$?
  check "$v of $((131072 - ${#v} - 2)) bytes, unused here (key auth, http org, not true/false): exit 0, a token" \
    sh -c "[ $rc -eq 0 ] && [ -s '$out' ] && [ ! -s '$err' ]"
done
hostile_rc 2 "every OKTA_* variable at that size at once: exit 2 (invalid settings), one short line" '^okta-cc: token: ' \
  env OKTA_CLIENT_ORGURL="$(env_max OKTA_CLIENT_ORGURL)" OKTA_CLIENT_CLIENTID="$(env_max OKTA_CLIENT_CLIENTID)" \
  OKTA_CLIENT_PRIVATEKEY="$(env_max OKTA_CLIENT_PRIVATEKEY)" OKTA_CLIENT_PRIVATEKEYID="$(env_max OKTA_CLIENT_PRIVATEKEYID)" \
  OKTA_CLIENT_SCOPES="$(env_max OKTA_CLIENT_SCOPES)" OKTA_CLIENT_AUTHSERVERID="$(env_max OKTA_CLIENT_AUTHSERVERID)" \
  OKTA_CLIENT_CLIENTSECRET="$(env_max OKTA_CLIENT_CLIENTSECRET)" OKTA_CLIENT_DPOPKEY="$(env_max OKTA_CLIENT_DPOPKEY)" \
  OKTA_CC_CA_FILE="$(env_max OKTA_CC_CA_FILE)" OKTA_CLIENT_DPOPENABLED="$(env_max OKTA_CLIENT_DPOPENABLED)" "$cli" token
hostile "--scopes of 128 KiB on the command line: exit 1, one short line" '^okta-cc: token: ' \
  "$cli" token --scopes "$(env_max OKTA_CLIENT_SCOPES x)"

# Key paths naming what is no key file. The CLI reads --key FILE (and --data @FILE) itself, the
# library OKTA_CLIENT_PRIVATEKEY and OKTA_CLIENT_DPOPKEY: a directory, a FIFO nobody writes to
# (opening it blocked for ever), a device (/dev/zero was read up to the 1 MiB cap), binary
# bytes, a 2 MB file.
mkdir -p "$work/keydir"
mkfifo "$work/key.fifo"
"$py" -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 16)" >"$work/binary.key"
head -c 2000000 /dev/zero | tr '\0' '-' >"$work/huge.key"
# KIND PATH CLI-PATTERN LIBRARY-PATTERN ('_' for a space; one reader, okta_cc_read_file, says both) DATA-STATUS (--data @PATH: 1 when it
# cannot be read, 2 - a usage error - when what it holds is not JSON)
while read -r kind path cli_pat lib_pat data_rc; do
  cli_pat=${cli_pat//_/ } lib_pat=${lib_pat//_/ }
  hostile "jwk --key $kind: exit 1, '$cli_pat'" "^okta-cc: $path: $cli_pat" "$cli" jwk --key "$path"
  hostile "sign --key $kind: exit 1, '$cli_pat'" "^okta-cc: $path: $cli_pat" "$cli" sign --key "$path"
  hostile "token --key $kind: exit 1, '$cli_pat'" "^okta-cc: $path: $cli_pat" "$cli" token --key "$path"
  if [ "$data_rc" -eq 1 ]; then data_pat="^okta-cc: $path: $cli_pat"; else data_pat='^okta-cc: request: --data is not valid JSON'; fi
  hostile_rc "$data_rc" "request --data @$kind: exit $data_rc, one line" "$data_pat" "$cli" request POST /api/v1/users --data "@$path"
  hostile "OKTA_CLIENT_PRIVATEKEY=$kind: exit 1, '$lib_pat'" "^okta-cc: token: .*$lib_pat" \
    env OKTA_CLIENT_PRIVATEKEY="$path" "$cli" token
  hostile "OKTA_CLIENT_DPOPKEY=$kind: exit 1, '$lib_pat'" "^okta-cc: get: .*$lib_pat" \
    env OKTA_CLIENT_DPOPKEY="$path" "$cli" get /api/v1/users
done <<KINDS
directory $work/keydir a_directory,_not_a_regular_file_or_a_pipe a_directory,_not_a_regular_file_or_a_pipe 1
FIFO $work/key.fifo empty_key empty_key 2
/dev/zero /dev/zero a_device_or_socket,_not_a_regular_file_or_a_pipe a_device_or_socket,_not_a_regular_file_or_a_pipe 1
binary $work/binary.key not_a_PEM_or_JWK_private_key not_a_PEM_or_JWK_private_key 2
2MB $work/huge.key larger_than_1048576_bytes larger_than_1048576_bytes 1
KINDS
hostile_rc 2 "OKTA_CC_CA_FILE=FIFO: an invalid setting, refused before any request (libcurl would block reading it)" \
  '^okta-cc: token: the CA file .* is not a regular file, not a PEM file' env OKTA_CC_CA_FILE="$work/key.fifo" "$cli" token
"$cli" jwk --key <(cat "$work/ec.pem") >"$out" 2>"$err"; rc=$?
check "jwk --key <(cat key): a pipe is still read" sh -c "[ $rc -eq 0 ] && grep -q '\"kty\":\"EC\"' '$out'"
env OKTA_CLIENT_PRIVATEKEY=/dev/stdin "$cli" token <"$work/ec.pem" >"$out" 2>"$err"; rc=$?
check "OKTA_CLIENT_PRIVATEKEY=/dev/stdin from a file: read" sh -c "[ $rc -eq 0 ] && [ -s '$out' ]"
# Unreadable (mode 000). Root reads it anyway: as root, run the CLI as nobody (setpriv) when
# nobody can run it, with a readable copy alongside to show that the directory is not the cause.
cp "$work/ec.pem" "$work/unreadable.pem" && chmod 000 "$work/unreadable.pem"
cp "$work/ec.pem" "$work/readable.pem" && chmod 644 "$work/readable.pem"
chmod 711 "$work"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$cli" jwk --key "$work/readable.pem" >/dev/null 2>&1; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    as_user=(skip)
  fi
fi
if [ "${as_user[0]:-}" = skip ]; then
  ok "unreadable key file (skipped as root: mode 000 does not stop root, and nobody cannot run $cli here)"
else
  how=${as_user:+" (as nobody, via setpriv)"}
  hostile "jwk --key an unreadable file$how: exit 1, 'Permission denied'" \
    "^okta-cc: $work/unreadable.pem: Permission denied" "${as_user[@]}" "$cli" jwk --key "$work/unreadable.pem"
  hostile "OKTA_CLIENT_PRIVATEKEY=an unreadable file$how: exit 1, 'Permission denied'" '^okta-cc: token: .*Permission denied' \
    env OKTA_CLIENT_PRIVATEKEY="$work/unreadable.pem" "${as_user[@]}" "$cli" token
fi
chmod 700 "$work"

# ---- core dumps ------------------------------------------------------------------------------------
# A core file of okta-cc would hold the private key and the token. The CLI makes itself
# non-dumpable (prctl PR_SET_DUMPABLE 0) and sets its core size limit to 0 before anything else.
# Seen from outside while it waits for a key on stdin (a FIFO this shell holds open for writing):
# /proc/PID/limits shows "Max core file size 0 0" although it was started with the soft limit
# raised, and the kernel hands the /proc/PID files of a non-dumpable process to root - which
# shows only when the process is not root itself, so as root it runs as nobody (setpriv).
mkfifo "$work/hold.fifo"
exec 7<>"$work/hold.fifo"
core_dir=$(mktemp -d) && chmod 755 "$core_dir" && cp "$cli" "$core_dir/okta-cc"
core_as=()
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && core_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
( ulimit -S -c "$(ulimit -H -c)" 2>/dev/null; exec "${core_as[@]}" "$core_dir/okta-cc" jwk --key - <&7 >/dev/null 2>&1 ) &
core_pid=$!
for _ in $(seq 1 100); do
  grep -q '^Max core file size *0 *0 ' "/proc/$core_pid/limits" 2>/dev/null &&
    [ "$(stat -c %u "/proc/$core_pid/status" 2>/dev/null)" = 0 ] && break
  sleep 0.05
done
core_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$core_pid/status" 2>/dev/null)
core_limits=$(grep '^Max core file size' "/proc/$core_pid/limits" 2>/dev/null)
core_owner=$(stat -c %u "/proc/$core_pid/status" 2>/dev/null)
check "okta-cc runs with a core size limit of 0 (/proc/PID/limits: ${core_limits:-gone})" \
  sh -c "echo '$core_limits' | grep -q '^Max core file size *0 *0 '"
if [ -n "$core_uid" ] && [ "$core_uid" != 0 ]; then
  check "okta-cc is not dumpable: its /proc/PID files belong to root, not to its uid $core_uid (owner $core_owner)" \
    test "$core_owner" = 0
else
  bad "okta-cc is not dumpable" "it runs as uid '${core_uid:-?}': cannot tell (no setpriv to run it as nobody?)"
fi
kill "$core_pid" 2>/dev/null; wait "$core_pid" 2>/dev/null
exec 7>&-
rm -rf "$core_dir"

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
printf 's3cret-FREESCAN-5e1d\n' >"$work/secret.txt"
scan "token --client-secret-file FILE: no freed block holds the client secret" "s3cret-FREESCAN-5e1d" \
  "$cli" token --auth-server default --client-id 0oa_io_secret --client-secret-file "$work/secret.txt" --scopes custom.read
scan "token --client-secret-file - (stdin): no freed block holds the client secret" "s3cret-FREESCAN-5e1d" \
  sh -c "'$cli' token --auth-server default --client-id 0oa_io_secret --client-secret-file - --scopes custom.read <'$work/secret.txt'"
echo '{"profile":{"login":"FREESCAN-3f9a1c77@example.com","email":"x@example.com"}}' >"$work/data.json"
FREE_SCAN_MARKERS=FREESCAN-3f9a1c77 FREE_SCAN_REPORT=$work/scan.report LD_PRELOAD=$work/free_scan.so \
  "$cli" request POST /api/v1/users --data @"$work/data.json" >"$out" 2>"$err"
check "request POST --data @FILE: no freed block holds the body (whatever the server answers)" \
  sh -c "[ ! -s '$work/scan.report' ] && grep -q '^okta-cc: ' '$err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
