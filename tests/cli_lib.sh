# Sourced by tests/cli_*.sh: the okta-cc binary under test, the check helpers and the setup
# checks they share. Each script ends with: echo "$pass passed, $fail failed".

build=${BUILD:-build}
cli=$build/okta-cc
py=/usr/bin/python3
pass=0 fail=0

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
