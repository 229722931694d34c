#!/bin/bash
# Runs every case of the grpc-go and grpc-js interop clients against the grpc-go
# reference TestService server (tests/interop/grpc/go/server), over h2c and
# over TLS (a scratch CA and a server certificate for foo.test.google.fr, the
# name interop clients verify with --server_host_override). It validates the
# clients themselves, before h2pb's server is measured with them.
#
# Usage: try_clients.sh [SCRATCHDIR]    (default: a fresh mktemp -d)
# Needs: golang-go golang-google-grpc-dev protobuf-compiler grpc-proto openssl
# (scripts/install-deps.sh) and scripts/install-npm.sh having run.
#
# Each result is compared with the expectation below; the script exits 1 on any
# unexpected result. Expected non-passes, all limits of a library, not of the
# cases (the clients print the reason):
#   go  client_compressed_streaming   77: grpc-go 1.33 has no per-message compression switch
#   go  server_compressed_unary       1 vs this server: grpc-go 1.33's server compresses every
#   go  server_compressed_streaming   1     response of a call whose request was compressed, so it
#                                         cannot obey response_compressed=false; the client notices
#   js  server_compressed_unary       77: grpc-js hides the received compressed flag
#   js  server_compressed_streaming   77: same
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
scratch=${1:-$(mktemp -d)}
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)

cases="empty_unary large_unary client_compressed_unary server_compressed_unary client_streaming
  client_compressed_streaming server_streaming server_compressed_streaming ping_pong empty_stream
  timeout_on_sleeping_server cancel_after_begin cancel_after_first_response custom_metadata
  status_code_and_message special_status_message unimplemented_method unimplemented_service
  concurrent_unary slow_reader cancel_mid_stream"

expected() { # CLIENT CASE -> expected exit status
  case "$1/$2" in
    go/client_compressed_streaming) echo 77 ;;
    go/server_compressed_unary | go/server_compressed_streaming) echo 1 ;;
    js/server_compressed_unary | js/server_compressed_streaming) echo 77 ;;
    *) echo 0 ;;
  esac
}

"$here/go/build.sh" "$scratch/go" >/dev/null || { echo "go build failed" >&2; exit 1; }
"$root/scripts/install-npm.sh" >/dev/null || { echo "npm install failed" >&2; exit 1; }

# Scratch PKI: CA -> server certificate with SAN foo.test.google.fr (and
# localhost/127.0.0.1 for clients that do not override the name).
pki="$scratch/pki"
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=h2pb interop test CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=foo.test.google.fr" \
  -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:foo.test.google.fr,DNS:*.test.google.fr,DNS:localhost,IP:127.0.0.1\n' >"$pki/ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 2 -extfile "$pki/ext" -out "$pki/server.pem" 2>/dev/null || { echo "openssl failed" >&2; exit 1; }

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
trap stop_server EXIT

start_server() { # extra server args...
  local log="$scratch/server.log"
  "$scratch/go/go-interop-server" --host 127.0.0.1 --port 0 "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "server did not start" >&2
  cat "$log" >&2
  exit 1
}

unexpected=0
run_all() { # MODE, client TLS args...
  local mode=$1
  shift
  for client in go js; do
    for c in $cases; do
      if [ $client = go ]; then
        cmd=("$scratch/go/go-interop-client")
      else
        cmd=(node "$here/node/client.js")
      fi
      out=$(timeout 120 "${cmd[@]}" --server_host 127.0.0.1 --server_port "$port" --test_case "$c" "$@" 2>&1)
      rc=$?
      want=$(expected $client "$c")
      verdict=ok
      if [ "$rc" != "$want" ]; then
        verdict=UNEXPECTED
        unexpected=$((unexpected + 1))
      fi
      printf '%-4s %-3s %-28s rc=%-3s want=%-3s %s\n' "$mode" $client "$c" "$rc" "$want" "$verdict"
      if [ "$rc" != 0 ]; then
        printf '      %s\n' "$(printf '%s' "$out" | tail -n 1 | cut -c1-200)"
      fi
    done
  done
}

start_server
run_all h2c
stop_server

start_server --tls-cert "$pki/server.pem" --tls-key "$pki/server.key"
run_all tls --use_tls --ca_file "$pki/ca.pem" --server_host_override foo.test.google.fr
stop_server

if [ $unexpected -ne 0 ]; then
  echo "try_clients: $unexpected unexpected result(s)"
  exit 1
fi
echo "try_clients: all results as expected"
