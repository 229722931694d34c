#!/bin/sh
# The main job (scripts/tour.sh) runs to the end, and its comparisons with the
# article come out as they should: protoc's Fruit bytes and the gRPC frame
# built from them are the article's, and h2pb reads the article's Event bytes
# as protoc does; the live HTTP/2 part shows the frames, HPACK indexes and
# body of h2pb get against h2pb serve, and the server shuts down; the
# windows and first WINDOW_UPDATEs are those docs/http2.md ("Flow control")
# explains.
# With the example programs, the live AnalyticsService section (8) must show
# each kind of call through h2pb trace, and every check it prints must hold:
# protoc --decode reads the fields the trace printed, grpc-timeout is the
# client's deadline, the status codes are grpcio's, the trace flags nothing.
# Any "!=" line fails the test, but the one the tour prints on purpose (the
# article's Event dump encodes another timestamp, section 3); so does anything
# on standard error, or a non-zero exit.
# usage: tour_test.sh H2PB SOURCE_ROOT [ANALYTICS_SERVER_FULL ANALYTICS_CLIENT]
set -eu
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fail=0
if out=$("$2/scripts/tour.sh" "$1" ${3:+"$3"} ${4:+"$4"} 2> "$err"); then :; else
  echo "FAIL: tour.sh exited with status $?"
  fail=1
fi
if [ -s "$err" ]; then
  echo "FAIL: tour.sh wrote to standard error:"
  cat "$err"
  fail=1
fi
expect() {
  for want in "$@"; do
    if ! printf '%s\n' "$out" | grep -qF -- "$want"; then
      echo "FAIL: tour output lacks: $want"
      fail=1
    fi
  done
}
expect "= the article's 10-byte payload, byte for byte" \
       "= the article's 15-byte gRPC message, byte for byte" \
       ": the same." \
       "That is the tour." \
       "listening on 127.0.0.1:" \
       "HEADERS  stream 3" \
       ":authority: 127.0.0.1" \
       "[indexed field 62 (dynamic)]" \
       "window_size_increment: 983041" \
       "window_size_increment: 16711681" \
       "SETTINGS_INITIAL_WINDOW_SIZE = 262144" \
       "SETTINGS_INITIAL_WINDOW_SIZE = 4194304" \
       "Hello from h2pb serve!" \
       "h2pb serve: shutting down"

unexpected=$(printf '%s\n' "$out" | grep -E '^ *!= ' | grep -vF "!= the article's 21 bytes" || true)
if [ -n "$unexpected" ]; then
  echo "FAIL: a check of the tour does not hold:"
  printf '%s\n' "$unexpected"
  fail=1
fi

if [ -n "${4:-}" ]; then
  # Section 8, excerpt by excerpt: each kind of call, as the trace prints it.
  expect "==== 8. The article's AnalyticsService, live" \
         "(forwarding to 127.0.0.1:" \
         "0  client preface" \
         "SETTINGS_INITIAL_WINDOW_SIZE = " \
         ":path: /analytics.v1.AnalyticsService/GetReport   [literal with incremental indexing, name 4 (static)]" \
         "[literal never indexed, name 23 (static)]" \
         "gRPC message prefix: Compressed-Flag 0, Message-Length 20" \
         "gRPC message complete: 20 octets as analytics.v1.ReportRequest" \
         "2 start_timestamp (int64) VARINT: 1710000000" \
         "2 events (analytics.v1.Event) LEN: analytics.v1.Event (21 bytes)" \
         "grpc-status: 0   [literal with incremental indexing]" \
         "= grpc-timeout " \
         "= the request: protoc --decode=analytics.v1.ReportRequest reads the same" \
         ":path: /analytics.v1.AnalyticsService/StreamEvents" \
         "gRPC message complete: 0 octets as analytics.v1.EventFilter" \
         "1 event_id (string) LEN: \"abe789\"" \
         "RST_STREAM  stream 5" \
         "note: call ended by RST_STREAM CANCEL from the client, no grpc-status: the client decides the status itself" \
         "note: grpc-timeout " \
         "payload (bytes) LEN: 73 65 6e 73 6f 72 5f 30 34 32 20 72 65 61 64 69 6e 67 20 31  \"sensor_042 reading 1\"  (20 bytes)" \
         "= event 3: protoc --decode=analytics.v1.Event reads the same" \
         ":path: /analytics.v1.AnalyticsService/UploadBatch" \
         "DATA  stream 7  length 0  flags END_STREAM" \
         "1 received (int64) VARINT: 5" \
         "grpc-status: 0   [indexed field 62 (dynamic)]" \
         "= the server received 5: the 5 messages" \
         "= the first payload's octets are the ASCII of \"sensor_042 reading 1\"" \
         "3 confidence (float) I32: 0.95" \
         "= result 1: protoc --decode=analytics.v1.ProcessedEvent reads the same" \
         "= result 3: protoc --decode=analytics.v1.ProcessedEvent reads the same" \
         "grpc-status: 16   [literal with incremental indexing]" \
         "grpc-message: Invalid or missing auth token" \
         "= grpc-status 16 is UNAUTHENTICATED" \
         "= the client printed this grpc-message" \
         "HEADERS  stream 3" \
         "the 150 ms the client set" \
         "= stream 3 ended with" \
         "GetReport: downstream StreamEvents ended DEADLINE_EXCEEDED" \
         "= the client's interceptor saw GetReport end DEADLINE_EXCEEDED" \
         "= no violation of RFC 9113, RFC 7541 or the gRPC protocol flagged" \
         "SIGTERM: the server shuts down gracefully: stopped"
  # Each frame's first line carries its time since the connection began
  # ("[  0.003]", seconds with milliseconds, as nghttp -v prints it).
  if ! printf '%s\n' "$out" | grep -qE '^  #1 c->s \[ *[0-9]+\.[0-9]{3}\]  0  client preface'; then
    echo "FAIL: the trace's first line lacks its time: #1 c->s [  S.mmm]  0  client preface"
    fail=1
  fi
  checks=$(printf '%s\n' "$out" | sed -n '/^==== 8\./,$p' | grep -c '^ *= ' || true)
  if [ "$checks" -lt 17 ]; then
    echo "FAIL: section 8 printed $checks checks that hold, expected 17"
    fail=1
  fi
fi
exit $fail
