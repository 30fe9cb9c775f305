# Sourced by tests/run.sh and tests/cross.sh: runs suites and counts their results. Needs $logs.
# Each suite prints its own "N passed, N failed" line; a suite that ends without one (a crash,
# a sanitizer abort) counts as one failure more. suite_total prints the total as the last line.
total_pass=0 total_fail=0

suite() {   # suite NAME COMMAND...
  local name=$1; shift
  local log="$logs/$name.log" start end line p f rc
  start=$(date +%s)
  "$@" >"$log" 2>&1; rc=$?
  end=$(date +%s)
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
  printf '%-22s %5d passed, %d failed  (%ss)\n' "$name" "$p" "$f" "$((end-start))"
  if [ "$f" -ne 0 ]; then
    grep -E '^FAIL|CHECK failed|ERROR|error:|==[0-9]+==|WARNING: ThreadSanitizer' "$log" | head -40 | sed 's/^/    /'
    [ -z "$line" ] && tail -20 "$log" | sed 's/^/    /'
    echo "    (full log: $log)"
  fi
}

suite_total() {
  echo "$total_pass passed, $total_fail failed"
  [ "$total_fail" -eq 0 ]
}
