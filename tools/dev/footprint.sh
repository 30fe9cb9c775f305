#!/usr/bin/env bash
# make footprint: start-up time of `okta-cc --version`, binary size and the shared libraries
# loaded, for each binary given (make footprint: build/okta-cc and make STATIC=1's
# build/static/okta-cc), measured side by side in one run.
#   tools/dev/footprint.sh BINARY...
# Start-up: hyperfine (tools/dev/deps.sh footprint installs it) with no shell in between, ROUNDS
# rounds (default 5) of RUNS runs (default 200) per binary, the binaries' order alternating from
# round to round so that the machine's load drifts over both alike; the figure is the median of
# the rounds' medians (wall clock), the range that of the rounds' medians, and CPU ms the median
# of the rounds' mean user + system time (less sensitive to other load on the machine). Without
# hyperfine: a timed loop of RUNS runs per round (no CPU time). A binary for another architecture gets its sizes and its NEEDED
# entries only.
set -eu
[ $# -ge 1 ] || { echo "usage: tools/dev/footprint.sh BINARY..." >&2; exit 2; }
rounds=${ROUNDS:-5} runs=${RUNS:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
host_machine=$(od -An -tu2 -j18 -N2 /proc/self/exe | tr -d ' ')

time_round() {   # time_round BINARY OUT: appends one median start-up time in ms to OUT
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$tmp/h.json" "$1 --version" >/dev/null 2>&1
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f" % (r["median"] * 1000, (r["user"] + r["system"]) * 1000))' "$tmp/h.json" >>"$2"
  else
    local i start end
    for i in $(seq 20); do "$1" --version >/dev/null; done
    start=$(date +%s%N)
    for i in $(seq "$runs"); do "$1" --version >/dev/null; done
    end=$(date +%s%N)
    echo "$(( (end - start) / runs / 1000 ))" | awk '{printf "%.3f -\n", $1 / 1000}' >>"$2"
  fi
}

native=()
for b in "$@"; do
  [ -x "$b" ] || { echo "footprint: $b: not an executable" >&2; exit 1; }
  [ "$(od -An -tu2 -j18 -N2 "$b" | tr -d ' ')" = "$host_machine" ] && native+=("$b")
  : >"$tmp/$(echo "$b" | tr / _).ms"
done
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=("${native[@]}"); else order=(); for ((i=${#native[@]}-1; i>=0; i--)); do order+=("${native[i]}"); done; fi
  for b in "${order[@]}"; do time_round "$b" "$tmp/$(echo "$b" | tr / _).ms"; done
done

tool=$(command -v hyperfine >/dev/null 2>&1 && hyperfine --version || echo "a timed shell loop")
echo "footprint: okta-cc --version start-up, $rounds rounds x $runs runs each ($tool); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-42s %11s %17s %8s %9s %9s %7s\n' binary "start-up ms" "(range of rounds)" "CPU ms" "size KiB" "stripped" "shared"
for b in "$@"; do
  size=$(( $(stat -c %s "$b") / 1024 ))
  cp "$b" "$tmp/stripped"
  stripper="strip"
  case $(od -An -tu2 -j18 -N2 "$b" | tr -d ' ') in 183) stripper=aarch64-linux-gnu-strip ;; 40) stripper=arm-linux-gnueabihf-strip ;; esac
  command -v "$stripper" >/dev/null 2>&1 && "$stripper" "$tmp/stripped" && stripped=$(( $(stat -c %s "$tmp/stripped") / 1024 )) || stripped=-
  f="$tmp/$(echo "$b" | tr / _).ms"
  if [ -s "$f" ]; then
    ms=$(cut -d" " -f1 "$f" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    range="($(sort -n "$f" | head -1 | cut -d' ' -f1)-$(sort -n "$f" | tail -1 | cut -d' ' -f1))"
    cpu=$(cut -d' ' -f2 "$f" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    # Shared objects loaded at start-up (ldd: the whole closure; the vDSO not counted).
    shared=$(ldd "$b" | grep -cv 'linux-vdso')
  else
    ms=- range="(another arch)" cpu=-
    shared="$(readelf -d "$b" | grep -c NEEDED) NEEDED"
  fi
  printf '%-42s %11s %17s %8s %9s %9s %7s\n' "$b" "$ms" "$range" "$cpu" "$size" "$stripped" "$shared"
done
[ ${#native[@]} -gt 0 ] || exit 0
echo "shared: the objects ldd lists (the dynamic loader included, the vDSO not); BearSSL in each:"
for b in "${native[@]}"; do
  if ldd "$b" | grep -q libbearssl; then echo "  $b: libbearssl.so (shared)"; else echo "  $b: linked in (static)"; fi
done
