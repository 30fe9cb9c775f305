#!/usr/bin/env bash
# make bench: benchmarks, each side by side with its baseline in one run.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
. "$root/tests/server_lib.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
bash "$root/tools/server/make-ca.sh" "$work/ca" >/dev/null 2>&1
echo '{"clients":[]}' >"$work/clients.json"
start_server HTTPS_URL --clients "$work/clients.json" --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key"
"$build/bench/ca_cache" "$HTTPS_URL/__test/health" "$work/ca/ca.pem" "${ROUNDS:-300}"
