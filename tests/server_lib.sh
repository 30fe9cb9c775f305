# Sourced by test suites: starts the local Okta-compatible server (tools/dev/server) on a free
# loopback port and stops it by its PID. Needs $root (project root) and $work (a temp dir).

server_pids=""

# start_server VAR ARGS...: runs the server, waits for its READY line, sets VAR to its URL.
start_server() {
  local var=$1 out i line; shift
  out="$work/server-$var.out"
  node "$root/tools/dev/server/server.js" "$@" >"$out" 2>"$work/server-$var.err" &
  local pid=$!
  server_pids="$server_pids $pid"
  for i in $(seq 1 200); do
    line=$(grep -m1 '^READY ' "$out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$line" ]; then
    echo "server $var did not start:" >&2; cat "$work/server-$var.err" >&2
    return 1
  fi
  printf -v "$var" '%s' "${line##*url=}"
  printf -v "${var}_PID" '%s' "$pid"
}

stop_servers() {
  local pid
  for pid in $server_pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $server_pids; do wait "$pid" 2>/dev/null || true; done
  server_pids=""
}

# api_clients: an EC P-256 key ($work/ec256.pem, kid ec256, made by OpenSSL) and
# $work/clients.json registering it for three service apps: 0oa_api (okta.users.read),
# 0oa_apps_only (okta.apps.read only) and 0oa_api_dpop (okta.users.read, DPoP required).
api_clients() {
  local pub
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec256.pem"
  pub=$(/usr/bin/python3 "$root/tests/keytool.py" jwk-public "$work/ec256.pem" ec256)
  cat >"$work/clients.json" <<JSON
{"clients": [
 {"client_id": "0oa_api", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"]},
 {"client_id": "0oa_apps_only", "jwks": {"keys": [$pub]}, "scopes": ["okta.apps.read"]},
 {"client_id": "0oa_api_dpop", "jwks": {"keys": [$pub]}, "scopes": ["okta.users.read"], "dpop_bound_access_tokens": true}
]}
JSON
}
