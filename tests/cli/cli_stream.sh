#!/usr/bin/env bash
# Tests of `okta-cc get --all` as a stream, against the local Okta-compatible server
# (tools/dev/server): the output is the same list as the pages fetched one by one (one JSON array,
# or --ndjson lines), a failure mid-listing closes what was printed and names the command that
# lists the rest, progress is drawn only on a terminal (a pseudo-terminal here), a 429 pause
# shows its wait, and memory stays that of one page (peak RSS with 100 000 users vs 250).
# Run from the repository root after building build/okta-cc:  tests/cli/cli_stream.sh
# Environment: BUILD (default build). Needs node (and npm ci --prefix tools/dev/server), openssl,
# curl and /usr/bin/python3 with python3-cryptography (tests/keytool.py). About 25 s.
# Prints "ok   NAME" or "FAIL NAME: reason" per check and ends with "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/cli/cli_lib.sh"
require "needs node, openssl, curl and $py with cryptography" sh -c "{ command -v node && command -v openssl && command -v curl && '$py' -c 'import cryptography'; } >/dev/null 2>&1"

use_local_server

# run ARGS...: the CLI with stdout and stderr in files; $rc.
run() { "$cli" "$@" >"$out" 2>"$err"; rc=$?; }

# run_tty ARGS...: the CLI with stderr on a pseudo-terminal (raw: the bytes as written) and
# stdout in $out; what it wrote to the terminal lands in $tty; $rc.
tty=$work/tty
cat >"$work/pty_run.py" <<'EOF'
import os, subprocess, sys, tty
out_path, tty_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = os.openpty()
tty.setraw(slave)                     # no "\n" -> "\r\n": keep the bytes exactly as written
with open(out_path, "wb") as out:
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:                   # EIO: the child's side is closed
        break
    if not chunk:
        break
    data += chunk
rc = child.wait()
open(tty_path, "wb").write(data)
sys.exit(rc)
EOF
run_tty() { "$py" "$work/pty_run.py" "$out" "$tty" "$cli" "$@"; rc=$?; }

# fault JSON-ARRAY: replaces the API fault queue. pass N: N faults that change nothing (so the
# next one hits API request N + 1).
fault() {
  curl -s -o /dev/null -X POST "$URL/__test/faults" -H 'Content-Type: application/json' \
    -d "{\"target\":\"api\",\"replace\":true,\"faults\":$1}"
}
pass() { local i s=""; for ((i = 0; i < $1; i++)); do s="$s{\"kind\":\"slow\",\"delay_ms\":0},"; done; printf '%s' "$s"; }
clear_faults() { curl -s -o /dev/null -X POST "$URL/__test/clear_faults"; }

# pycheck NAME PYTHON-SCRIPT ARGS...: a check that holds when the script exits 0.
pycheck() {
  local name=$1 script=$2 msg; shift 2
  if msg=$("$py" -c "$script" "$@" 2>&1); then ok "$name"; else bad "$name" "$(printf '%s' "$msg" | tail -2 | tr '\n' '|')"; fi
}

# ---- key, clients, servers ----------------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.pem"
pub=$("$py" "$root/tests/keytool.py" jwk-public "$work/ec.pem" ec-1)
cat >"$work/clients.json" <<JSON
{"clients": [{"client_id": "0oa_stream", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"]}]}
JSON
start_server URL --clients "$work/clients.json" --users 1000 --rate-limit 100000 || { echo "0 passed, 1 failed"; exit 1; }
export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_CLIENTID=0oa_stream OKTA_CLIENT_PRIVATEKEY=$work/ec.pem \
  OKTA_CLIENT_PRIVATEKEYID=ec-1 OKTA_CLIENT_SCOPES=okta.users.read

# ---- the stream is the list -----------------------------------------------------------------------
# The reference: the pages one by one with plain get --include (each body as received).
next="/api/v1/users?limit=200" pages=0
while [ -n "$next" ] && [ $pages -lt 20 ]; do
  pages=$((pages + 1))
  "$cli" get "$next" --include >"$work/page.$pages" 2>"$err" || break
  next=$(sed -n 's/^[Ll]ink: <\(.*\)>; rel="next"$/\1/p' "$work/page.$pages" | tr -d '\r')
done
check "reference: 5 pages of 200 fetched one by one with plain get" test "$pages" -eq 5 -a -z "$next"
# expected.json: "[" + the pages' elements as received, comma separated + "]\n".
"$py" - "$work" "$pages" >"$work/expected.json" <<'EOF'
import sys
work, n = sys.argv[1], int(sys.argv[2])
inner = []
for i in range(1, n + 1):
    body = open(f"{work}/page.{i}", encoding="utf-8").read().split("\n\n", 1)[1].rstrip("\n")
    assert body[0] == "[" and body[-1] == "]"
    if body[1:-1]:
        inner.append(body[1:-1])
sys.stdout.write("[" + ",".join(inner) + "]\n")
EOF
pycheck "reference: the server's 1000 users, ids unique and in order, user0001..user1000" '
import json, sys
j = json.load(open(sys.argv[1]))
ids = [u["id"] for u in j]
assert len(j) == 1000 and len(set(ids)) == 1000 and ids == sorted(ids)
assert [u["profile"]["login"] for u in j] == ["user%04d@example.com" % i for i in range(1, 1001)]' "$work/expected.json"

run get '/api/v1/users?limit=200' --all
check "--all (limit=200): exit 0, nothing on stderr (not a terminal)" test "$rc" -eq 0 -a ! -s "$err"
check "--all (limit=200): byte for byte the pages' elements in one array" cmp -s "$out" "$work/expected.json"
run get '/api/v1/users?limit=7' --all
check "--all (limit=7, 143 pages): byte for byte the same array" cmp -s "$out" "$work/expected.json"
run get '/api/v1/users?limit=7' --all --ndjson
cp "$out" "$work/all.ndjson"
check "--all --ndjson (limit=7): exit 0, 1000 lines" test "$rc" -eq 0 -a "$(wc -l <"$out")" -eq 1000
pycheck "--ndjson: each line one element as received: '[' + lines joined by ',' + ']' is the array" '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "no final newline"
assert "[" + ",".join(lines[:-1]) + "]\n" == open(sys.argv[2], encoding="utf-8").read()' "$out" "$work/expected.json"
run get '/api/v1/users?limit=200&after=zzz' --all
check "an empty listing: '[]' and exit 0" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$out')\" = '[]' ]"
run get '/api/v1/users?limit=200&after=zzz' --all --ndjson
check "an empty listing with --ndjson: nothing, exit 0" test "$rc" -eq 0 -a ! -s "$out"

# Items that are not objects, and whitespace with CR/LF between tokens: --ndjson keeps each
# item on one line (CR and LF become spaces: outside strings they are only whitespace).
fault '[{"kind":"garbage","status":200,"body":"[{\"a\":\n 1,\r\n\"b\":\"x\\ny\"},\r\n 2, \"s\", null, [3,\n4]]"}]'
run get /api/v1/users --all --ndjson
pycheck "--ndjson: items of any type, CR/LF inside an item become spaces, one item per line" '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "" and len(lines) == 6, lines
assert [json.loads(l) for l in lines[:-1]] == [{"a": 1, "b": "x\ny"}, 2, "s", None, [3, 4]], lines
assert lines[0] == "{\"a\":  1,  \"b\":\"x\\ny\"}", lines[0]' "$out"
fault '[{"kind":"garbage","status":200,"body":"[{\"a\":\n 1}, \"s\"]"}]'
run get /api/v1/users --all
check "the array form keeps such items exactly as received" sh -c "[ $rc -eq 0 ] && printf '[{\"a\":\n 1},\"s\"]\n' | cmp -s - '$out'"

# ---- failures mid-listing, and resuming ----------------------------------------------------------
# resume_cmd: the command at the end of the last error line ("to resume: okta-cc get '...' ...)").
resume_cmd() { sed -n "s/.*(\([0-9]*\) items printed; to resume: okta-cc \(get '[^']*' --all[a-z -]*\))\$/\2/p" "$err"; }
printed() { sed -n 's/.*(\([0-9]*\) items printed; .*/\1/p' "$err"; }

for form in array ndjson; do
  flag=; [ $form = ndjson ] && flag=--ndjson
  # a 500 on the 4th page request (API request 4: the token is not an API request)
  fault "[$(pass 3){\"kind\":\"status\",\"status\":500}]"
  run get '/api/v1/users?limit=100' --all $flag
  cp "$out" "$work/first.$form"
  cmd=$(resume_cmd)
  check "$form: a 500 on page 4: exit 1, one stderr line with E0000009, '300 items printed' and a resume command" \
    sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$err') -eq 1 ] && grep -q 'HTTP 500 E0000009' '$err' && [ '$(printed)' = 300 ] && [ -n \"\$1\" ]" _ "$cmd"
  check "$form: the resume command keeps the output form" sh -c "case \"\$1\" in *--ndjson) [ $form = ndjson ];; *) [ $form = array ];; esac" _ "$cmd"
  eval "set -- $cmd"; run "$@"                  # the command as printed, quoting included
  cp "$out" "$work/rest.$form"
  check "$form: the resume command completes the listing (exit 0)" test "$rc" -eq 0 -a ! -s "$err"
  pycheck "$form: first run + resumed run = the whole list: no gaps, no repeats; the failed run's stdout is valid" '
import json, sys
form, first, rest, expected = sys.argv[1:]
def items(path):
    text = open(path, encoding="utf-8").read()
    if form == "array":
        return json.loads(text)
    assert text.endswith("\n"), "a cut line"
    return [json.loads(l) for l in text[:-1].split("\n")] if text else []
a, b = items(first), items(rest)
assert len(a) == 300 and len(b) == 700, (len(a), len(b))
assert a + b == json.load(open(expected))' "$form" "$work/first.$form" "$work/rest.$form" "$work/expected.json"
done

# A failure on page 1 prints nothing at all (no array, no resume note: nothing to resume); a
# network failure on page 2 (a response cut short, no retries; a reset would not do: libcurl
# resends a request that died on a reused connection by itself); a page 3 that is not an
# array (the page itself is where to resume).
fault '[{"kind":"status","status":500}]'
run get '/api/v1/users?limit=200' --all
check "a 500 on page 1: exit 1, nothing on stdout, one line without a resume note" \
  sh -c "[ $rc -eq 1 ] && [ ! -s '$out' ] && [ \$(wc -l <'$err') -eq 1 ] && grep -q 'HTTP 500' '$err' && ! grep -q 'items printed' '$err'"
fault "[$(pass 1){\"kind\":\"truncated\"}]"
run get '/api/v1/users?limit=200' --all --no-retry --ndjson
cp "$out" "$work/first.cut"; cmd=$(resume_cmd)
check "a response cut short on page 2 (--no-retry): exit 1, 200 printed, a resume command" \
  sh -c "[ $rc -eq 1 ] && [ '$(printed)' = 200 ] && [ -n \"\$1\" ]" _ "$cmd"
eval "set -- $cmd"; run "$@"
pycheck "... 200 whole lines, then the resumed run gives the other 800" '
import json, sys
a = open(sys.argv[1]).read().splitlines(); b = open(sys.argv[2]).read().splitlines()
assert len(a) == 200 and len(b) == 800, (len(a), len(b))
assert [json.loads(l) for l in a + b] == json.load(open(sys.argv[3]))' "$work/first.cut" "$out" "$work/expected.json"
fault "[$(pass 2){\"kind\":\"garbage\",\"status\":200,\"body\":\"{\\\"not\\\":\\\"a list\\\"}\"}]"
run get '/api/v1/users?limit=200' --all
cp "$out" "$work/first.garbage"; cmd=$(resume_cmd)
check "page 3 not an array: exit 1, 'page 3 ... is not a JSON array', 400 printed, resume at page 3" \
  sh -c "[ $rc -eq 1 ] && grep -q 'page 3 (HTTP 200) is not a JSON array' '$err' && [ '$(printed)' = 400 ] && [ -n \"\$1\" ]" _ "$cmd"
eval "set -- $cmd"; run "$@"
pycheck "... and resuming there gives the other 600" '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(a) == 400 and a + b == json.load(open(sys.argv[3])), (len(a), len(b))' "$work/first.garbage" "$out" "$work/expected.json"
clear_faults

# ---- progress: only on a terminal ----------------------------------------------------------------
token=$("$cli" token)
run_tty get '/api/v1/users?limit=50' --all
cp "$tty" "$work/progress.tty"
check "on a terminal: exit 0, stdout the same array" sh -c "[ $rc -eq 0 ] && cmp -s '$out' '$work/expected.json'"
pycheck "on a terminal: progress lines (pages, items, seconds, rate limit remaining), rewritten in place, cleared at the end" '
import re, sys
t = open(sys.argv[1], "rb").read().decode()
draws = re.findall(r"\r(okta-cc: get: [^\r\n\x1b]*)\x1b\[K", t)
assert draws, repr(t[:200])
assert re.fullmatch(r"okta-cc: get: \d+ pages?, \d+ items?, \d+\.\d s, rate limit remaining \d+", draws[0]), draws[0]
assert "\n" not in t, "a newline on the terminal"
assert t.endswith("\r\x1b[K") and t.rfind("okta-cc: get: ") < len(t) - 4, repr(t[-40:])' "$tty"
check "on a terminal: no token, 'Bearer', JWT or URL in the progress" \
  sh -c "[ -n '$token' ] && ! grep -qF -- '$token' '$tty' && ! grep -qE 'Bearer|eyJ|http|/api/' '$tty'"
run_tty get '/api/v1/users?limit=50' --all --quiet
check "--quiet on a terminal: not a byte on stderr" test "$rc" -eq 0 -a ! -s "$tty"
run_tty -q get '/api/v1/users?limit=50' --all --ndjson
check "-q (before the command) on a terminal: not a byte on stderr" test "$rc" -eq 0 -a ! -s "$tty" -a "$(wc -l <"$out")" -eq 1000
run get '/api/v1/users?limit=50' --all
check "stderr to a file: not a byte on it" test "$rc" -eq 0 -a ! -s "$err"
{ "$cli" get '/api/v1/users?limit=50' --all 2>&1 >"$out"; } | cat >"$work/pipe.err"
check "stderr to a pipe: not a byte on it" test ! -s "$work/pipe.err"
run_tty get '/api/v1/users?limit=200' --all -v
pycheck "-v on a terminal: each log line whole, on a line cleared of progress first; the progress is cleared at the end" '
import re, sys
t = open(sys.argv[1], "rb").read().decode()
*lines, tail = t.split("\n")
assert len(lines) == 6, lines                    # the token POST + 5 pages
for l in lines:
    m = re.search(r"okta-cc: (GET|POST) ", l)
    assert m and not re.search(r"[\r\x1b]", l[m.start():]), repr(l)
    assert l[:m.start()] == "" or l[:m.start()].endswith("\r\x1b[K"), repr(l[:m.start()])
assert "okta-cc: get: " in t and tail.endswith("\r\x1b[K"), repr(tail)' "$tty"

# ---- a 429 (and a 503) pause shows its wait ------------------------------------------------------
fault "[$(pass 1){\"kind\":\"status\",\"status\":429,\"reset_in\":1},{\"kind\":\"status\",\"status\":503}]"
run_tty get '/api/v1/users?limit=200' --all
pycheck "a 429 on page 2 is waited out: the progress says 'rate limited, waiting N s', then a 503's 'retrying, waiting 1 s'" '
import re, sys
t = open(sys.argv[1], "rb").read().decode()
waits = re.findall(r"rate limited, waiting (\d+) s", t)
assert waits and 1 <= int(waits[0]) <= 3, t[:300]
assert [int(w) for w in waits] == sorted(set(int(w) for w in waits), reverse=True), waits   # a countdown
assert "retrying, waiting 1 s" in t, t
assert t.endswith("\r\x1b[K")' "$tty"
check "... and the listing is complete" sh -c "[ $rc -eq 0 ] && cmp -s '$out' '$work/expected.json'"
clear_faults

# ---- usage ----------------------------------------------------------------------------------------
run get /api/v1/users --ndjson
check "--ndjson without --all: usage error (2)" sh -c "[ $rc -eq 2 ] && grep -q -- '--ndjson goes with --all' '$err'"
run get --help
check "get --help names --ndjson, --quiet and how to resume" \
  sh -c "[ $rc -eq 0 ] && grep -q -- '--ndjson' '$out' && grep -q -- '-q, --quiet' '$out' && grep -q 'to resume' '$out'"

# ---- memory: that of one page ---------------------------------------------------------------------
# Peak RSS of the CLI (the only child waited for) listing 100 000 users vs 250, 200 a page.
stop_servers
start_server BIG --clients "$work/clients.json" --users 100000 --rate-limit 100000 || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
start_server SMALL --clients "$work/clients.json" --rate-limit 100000 || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
rss() { # rss URL OUT: prints "peak-RSS-kB exit-status milliseconds"
  OKTA_CLIENT_ORGURL=$1 "$py" -c '
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "wb") as out:
    rc = subprocess.call(sys.argv[2:], stdout=out)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc, int((time.monotonic() - t) * 1000))' "$2" "$cli" get '/api/v1/users?limit=200' --all
}
read -r small_kb small_rc small_ms <<<"$(rss "$SMALL" "$work/small.json")"
read -r big_kb big_rc big_ms <<<"$(rss "$BIG" "$work/big.json")"
echo "peak RSS: 250 users ${small_kb} kB (${small_ms} ms), 100000 users ${big_kb} kB (${big_ms} ms)"
pycheck "100000 users: exit 0, one array of 100000 users in order (${big_ms} ms)" '
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j) == 100000 and j[0]["profile"]["login"] == "user000001@example.com" and j[-1]["profile"]["login"] == "user100000@example.com"
assert all(j[i]["id"] < j[i + 1]["id"] for i in range(len(j) - 1))' "$work/big.json"
check "250 users: exit 0, 250 listed" sh -c "[ '$small_rc' = 0 ] && [ \$(grep -o '\"id\":\"00u' '$work/small.json' | wc -l) -eq 250 ]"
check "peak RSS with 100000 users (${big_kb} kB) within 2x of 250 users (${small_kb} kB)" \
  test "$big_rc" = 0 -a "${big_kb:-999999999}" -lt $((2 * ${small_kb:-0}))

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
