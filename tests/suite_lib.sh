# Sourced by tests/run.sh and tests/cross.sh: runs suites and counts their results. Needs $logs.
# Each suite prints its own "N passed, N failed" line; a suite that ends without one (a crash,
# a sanitizer abort) counts as one failure more. suite_total prints the total as the last line.
total_pass=0 total_fail=0
bg_names=()

# suite_exec NAME COMMAND...: runs it into $logs/NAME.log; its exit code and seconds into
# $logs/NAME.status.
suite_exec() {
  local name=$1 start rc; shift
  start=$(date +%s)
  "$@" >"$logs/$name.log" 2>&1; rc=$?
  echo "$rc $(($(date +%s) - start))" >"$logs/$name.status"
}

# suite_report NAME: counts a finished suite's result and prints its line.
suite_report() {
  local name=$1 log="$logs/$1.log" line p f rc secs
  read -r rc secs <"$logs/$name.status"
  # A suite may print several summary lines (e.g. C tests, then an independent verifier):
  # they add up.
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -z "$line" ]; then p=0; f=1
  else
    p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | awk '{s += $1} END {print s}')
    f=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | awk '{s += $3} END {print s}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  fi
  total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
  printf '%-22s %5d passed, %d failed  (%ss)\n' "$name" "$p" "$f" "$secs"
  if [ "$f" -ne 0 ]; then
    grep -E '^FAIL|CHECK failed|ERROR|error:|==[0-9]+==|WARNING: ThreadSanitizer' "$log" | head -40 | sed 's/^/    /'
    [ -z "$line" ] && tail -20 "$log" | sed 's/^/    /'
    echo "    (full log: $log)"
  fi
}

suite() {   # suite NAME COMMAND...
  suite_exec "$@"
  suite_report "$1"
}

# suite_bg NAME COMMAND...: the same, started in the background, at most $SUITE_JOBS (default 2)
# at a time; suite_wait waits for them and reports them in the order they were started.
suite_bg() {
  while [ "$(jobs -rp | wc -l)" -ge "${SUITE_JOBS:-2}" ]; do wait -n; done
  suite_exec "$@" &
  bg_names+=("$1")
}

suite_wait() {
  local name
  wait
  for name in "${bg_names[@]}"; do suite_report "$name"; done
  bg_names=()
}

suite_total() {
  echo "$total_pass passed, $total_fail failed"
  [ "$total_fail" -eq 0 ]
}
