#!/usr/bin/env bash
# Every C block of README.md is a file that compiles: with gcc and clang as C99 with warnings as
# errors, and with g++ as C++. A block with main() is linked and run: with nothing configured it
# must exit 1 naming the missing setting (not hide the cause), and against the local server it
# must list every user and leak nothing (valgrind). About 20 s.
# Run from the repository root after `make build/okta-cc`:  tests/lint/readme.sh
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
use_local_server
W="-Wall -Wextra -Wpedantic -Werror"
LIBS="-lbearssl -lcurl -lpthread"

# The blocks, one file each: readme-1.c, readme-2.c, ...
"$py" - "$root/README.md" "$work" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```c\n(.*?)^```$", text, re.S | re.M)
for i, b in enumerate(blocks, 1):
    open("%s/readme-%d.c" % (sys.argv[2], i), "w", encoding="utf-8").write(b)
print(len(blocks))
EOF
blocks=$(ls "$work"/readme-*.c 2>/dev/null | wc -l)
check "README has C blocks ($blocks)" test "$blocks" -ge 2

with_main=""
for f in "$work"/readme-*.c; do
  name=$(basename "$f" .c)
  check "$name compiles as a file: gcc -std=c99 $W -Wshadow -Wconversion" \
    gcc -std=c99 $W -Wshadow -Wconversion -I"$root" -c "$f" -o "$work/$name.o"
  check "$name compiles as a file: clang -std=c99" clang -std=c99 $W -I"$root" -c "$f" -o "$work/$name-clang.o"
  check "$name compiles as a file: g++ (C++)" g++ -x c++ $W -I"$root" -c "$f" -o "$work/$name-cxx.o"
  if grep -q '^int main' "$f"; then
    check "$name links" gcc -std=c99 $W -I"$root" "$f" -o "$work/$name" $LIBS
    with_main="$with_main $work/$name"
  fi
done
check "a README block is a whole program" test -n "$with_main"

api_clients
start_server URL --clients "$work/clients.json" || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
for prog in $with_main; do
  name=$(basename "$prog")
  # Nothing configured: exit 1 and the cause, on one line.
  "$prog" >"$out" 2>"$err"; rc=$?
  check "$name with nothing configured exits 1 naming the setting" \
    sh -c "[ $rc -eq 1 ] && grep -Eq '^app: .*OKTA_CLIENT_[A-Z]+' '$err' && ! grep -qi 'no pager' '$err'"
  # The local server: every user, no leak.
  OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
    OKTA_CLIENT_PRIVATEKEYID=ec256 OKTA_CLIENT_SCOPES=okta.users.read \
    valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$prog" >"$out" 2>"$err"; rc=$?
  n=$("$py" -c 'import json,sys; print(sum(len(json.loads(l)) for l in open(sys.argv[1]) if l.strip()))' "$out" 2>/dev/null)
  check "$name lists the 250 users of the local server under valgrind (exit $rc, ${n:-0} users)" \
    sh -c "[ $rc -eq 0 ] && [ '${n:-0}' = 250 ]"
  # The second page refused (403 with Okta's error body): exit 1 with the cause, nothing leaked
  # (the failed page left nothing to free).
  curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
    -d '{"target":"api","replace":true,"faults":[{"kind":"slow","delay_ms":0},{"kind":"status","status":403,"body":"{\"errorCode\":\"E0000006\",\"errorSummary\":\"You do not have permission to perform the requested action\",\"errorId\":\"oae1\",\"errorCauses\":[]}"}]}'
  OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
    OKTA_CLIENT_PRIVATEKEYID=ec256 OKTA_CLIENT_SCOPES=okta.users.read \
    valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 "$prog" >"$out" 2>"$err"; rc=$?
  check "$name: a page refused mid-listing exits 1 with Okta's error, nothing leaked (valgrind)" \
    sh -c "[ $rc -eq 1 ] && grep -q 'E0000006\|permission' '$err' && [ \$(wc -l <'$out') -eq 1 ]"
  curl -s -o /dev/null -X POST "$URL/__test/clear_faults"
  # A wrong key id: the token endpoint's error reaches the user, exit 1.
  OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_api OKTA_CLIENT_PRIVATEKEY=$work/ec256.pem \
    OKTA_CLIENT_PRIVATEKEYID=nope OKTA_CLIENT_SCOPES=okta.users.read "$prog" >"$out" 2>"$err"; rc=$?
  check "$name reports the token endpoint's refusal" sh -c "[ $rc -eq 1 ] && grep -q 'invalid_client' '$err'"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
