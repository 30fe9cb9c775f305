# Sourced by tests/cli_*.sh: the okta-cc binary under test, the check helpers and the setup
# checks they share. Each script ends with: echo "$pass passed, $fail failed".

build=${BUILD:-build}
cli=$build/okta-cc
py=/usr/bin/python3
pass=0 fail=0
# The token cache (okta-cc cache) is off for every suite: each run makes its own token requests
# (suites count them) and nothing lands in the user's ~/.cache. cli_cache.sh turns it on, in
# directories of its own.
export OKTA_CC_CACHE_DIR=off

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
# check NAME CONDITION-COMMAND... : one test from the exit status of a command
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }

# require WHAT CONDITION-COMMAND...: stops the suite with one failure when setup is missing.
require() {
  local what=$1; shift
  if ! "$@"; then echo "FAIL setup: $what"; echo "0 passed, 1 failed"; exit 1; fi
}
require "$cli not built" test -x "$cli"

# use_local_server: for the suites that talk to the local server (tools/dev/server): a temporary
# $work removed at exit with the servers stopped, the start_server helper, $out and $err, and
# none of the caller's Okta settings (only what a test sets may reach a run). Needs $root.
use_local_server() {
  work=$(mktemp -d)
  . "$root/tests/server_lib.sh"
  trap 'stop_servers; rm -rf "$work"' EXIT
  out=$work/stdout err=$work/stderr
  unset OKTA_CLIENT_ORGURL OKTA_CLIENT_CLIENTID OKTA_CLIENT_PRIVATEKEY OKTA_CLIENT_PRIVATEKEYID \
    OKTA_CLIENT_KID OKTA_CLIENT_SCOPES OKTA_CLIENT_AUTHSERVERID OKTA_CLIENT_CLIENTSECRET OKTA_CC_CA_FILE
}
