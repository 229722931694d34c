#!/bin/sh
# A tour of the gRPC wire with the h2pb tool: the article's examples, decoded
# layer by layer, then a live HTTP/2 exchange between h2pb serve and h2pb get,
# and last the article's AnalyticsService live (docs/examples/
# analytics_server_full and analytics_client), every call seen through
# h2pb trace. Every byte shown is produced here, by protoc (the reference
# encoder) or by h2pb, and compared with the article's byte dumps or with
# what a reference (protoc, grpcio) reads from the same bytes.
# usage: tour.sh [PATH_TO_H2PB [ANALYTICS_SERVER_FULL ANALYTICS_CLIENT]]
#   (defaults: build/tools/h2pb/h2pb, build/tests/docs/analytics_server_full,
#   build/tests/docs/analytics_client; without the two programs, the live
#   section 8 is skipped with a notice)
set -eu
absolute() {  # a path given relative to the caller's folder, made absolute
  case $1 in
    */*) printf '%s' "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
    *) printf '%s' "$1" ;;
  esac
}
h2pb=$(absolute "${1:-}")
analytics_server=$(absolute "${2:-}")
analytics_client=$(absolute "${3:-}")
cd "$(dirname "$0")/.."
h2pb=${h2pb:-build/tools/h2pb/h2pb}
analytics_server=${analytics_server:-build/tests/docs/analytics_server_full}
analytics_client=${analytics_client:-build/tests/docs/analytics_client}
ex=docs/examples
tmp=$(mktemp -d)
pids=""  # processes the tour started, stopped at exit if still running
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

section() { printf '\n==== %s\n\n' "$1"; }
subsection() { printf '\n--- %s\n\n' "$1"; }
say() { printf '%s\n' "$*"; }
# Shows and runs an h2pb command (temporary paths shown as bare file names).
run() { printf '$ h2pb %s\n' "$(printf '%s' "$*" | sed "s|$tmp/||g")"; "$h2pb" "$@"; }
# Bytes on standard input as "0a 06 61 ...".
hex() { od -An -v -tx1 | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }
size() { wc -c < "$1" | tr -d ' '; }
compare() {  # compare WHAT OURS ARTICLE
  if [ "$2" = "$3" ]; then say "  = the article's $1, byte for byte"; else say "  != the article's $1: $3"; fi
}

section "1. Protobuf: the message { weight: 150, name: \"Apple\" }"
say "docs/examples/fruit.proto declares: message Fruit { int32 weight = 1; string name = 2; }"
say "protoc encodes it from text format:"
echo 'weight: 150 name: "Apple"' | protoc --encode=tour.Fruit -I "$ex" fruit.proto > "$tmp/fruit.bin"
fruit=$(hex < "$tmp/fruit.bin")
say "  $fruit   ($(size "$tmp/fruit.bin") bytes)"
compare "10-byte payload" "$fruit" "08 96 01 12 05 41 70 70 6c 65"
say
say "Without the schema, h2pb sees field numbers, wire types and raw values:"
run decode --file "$tmp/fruit.bin"
say
say "With the schema, fields get names and exact types:"
run decode --proto "$ex/fruit.proto" --type tour.Fruit --file "$tmp/fruit.bin"
say
say "Tag 08 = field 1 << 3 | wire type 0 (VARINT); 96 01 is 150 in 7-bit groups,"
say "least significant first: 0x16 + (0x01 << 7) = 22 + 128. Tag 12 = field 2 << 3 |"
say "wire type 2 (LEN): a length (05) and then the five bytes of \"Apple\"."

section "2. gRPC: the same message as one 15-byte Length-Prefixed-Message"
len=$(size "$tmp/fruit.bin")
frame="00 $(printf '%08x' "$len" | sed 's/../& /g; s/ $//') $fruit"
say "prefix = compressed-flag 00 + message-length as 4 big-endian bytes, then the message:"
say "  $frame"
compare "15-byte gRPC message" "$frame" "00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65"
say
# shellcheck disable=SC2086
run decode --grpc --proto "$ex/fruit.proto" --type tour.Fruit $frame

section "3. The analytics.v1.Event of the article"
event_text='event_id: "abc123" event_type: "click" timestamp: 1710000000'
say "protoc --encode=analytics.v1.Event of: $event_text"
echo "$event_text" | protoc --encode=analytics.v1.Event -I "$ex" analytics_service.proto > "$tmp/event.bin"
event=$(hex < "$tmp/event.bin")
article_event="0a 06 61 62 63 31 32 33 12 05 63 6c 69 63 6b 18 80 f8 cb 9a 06"
say "  $event   ($(size "$tmp/event.bin") bytes)"
compare "21 bytes" "$event" "$article_event"
json='{"event_id": "abc123", "event_type": "click", "timestamp": 1710000000}'
say "The same event as the article's JSON text is $(printf '%s' "$json" | wc -c | tr -d ' ') bytes (the article says 67)."
say
run decode --proto "$ex/analytics_service.proto" --type analytics.v1.Event --file "$tmp/event.bin"
say
say "The article's own bytes end in 18 80 f8 cb 9a 06. h2pb reads that timestamp as:"
# shellcheck disable=SC2086
"$h2pb" decode --proto "$ex/analytics_service.proto" --type analytics.v1.Event $article_event | grep timestamp
for b in $article_event; do printf "\\$(printf '%03o' "0x$b")"; done > "$tmp/article.bin"
ours=$("$h2pb" decode --proto "$ex/analytics_service.proto" --type analytics.v1.Event --file "$tmp/article.bin" \
  | awk '$4 == "timestamp" { print $NF }')
theirs=$(protoc --decode=analytics.v1.Event -I "$ex" analytics_service.proto < "$tmp/article.bin" \
  | sed -n 's/^timestamp: //p')
if [ "$ours" = "$theirs" ]; then same="the same"; else same="NOT the same"; fi
say "protoc --decode reads $theirs: $same."
say "So the article's dump does not encode 1710000000, which protoc wrote above as"
say "$(printf '%s' "$event" | cut -d' ' -f17-) after the tag 18; both varints take 5 bytes, so the total of 21 holds."

section "4. A map field: Event.properties (map<string, string>)"
props="$event_text properties { key: \"page\" value: \"/home\" } properties { key: \"button\" value: \"buy\" }"
echo "$props" | protoc --encode=analytics.v1.Event -I "$ex" analytics_service.proto > "$tmp/props.bin"
say "A map travels as repeated entry messages (key = 1, value = 2). Without the"
say "schema h2pb guesses them as nested messages, as protoc --decode_raw does:"
run decode --file "$tmp/props.bin"
say
say "With it, each entry is named:"
run decode --proto "$ex/analytics_service.proto" --type analytics.v1.Event --file "$tmp/props.bin"

section "5. A stream: the Apple message and an empty one in one DATA frame, as JSON"
say "gRPC streams are messages back to back; each prefix says where its message ends."
# shellcheck disable=SC2086
run decode --grpc --format json $frame 00 00 00 00 00

section "6. Broken bytes: every error names the offset and the rule"
for bad in "00 00 00 00 0a 08 96 01 12 05 41 70" "02 00 00 00 00" "08 96 01 12 05 41 70 70 6c 65 0f"; do
  grpc=""
  case "$bad" in 0[02]" "00*) grpc="--grpc" ;; esac
  printf '$ h2pb decode %s%s\n' "${grpc:+$grpc }" "$bad"
  # shellcheck disable=SC2086
  if "$h2pb" decode $grpc $bad > "$tmp/out" 2> "$tmp/err"; then status=0; else status=$?; fi
  tail -n 2 "$tmp/out"
  cat "$tmp/err"
  say "(exit status $status)"
  say
done
section "7. HTTP/2, live: h2pb serve answers h2pb get, frame by frame"
www="$tmp/www"
mkdir -p "$www"
printf 'Hello from h2pb serve!\n' > "$www/hello.txt"
say "h2pb serve listens on a free port (--port 0); its first line says which:"
"$h2pb" serve --port 0 --root "$www" > "$tmp/serve.out" 2> "$tmp/serve.err" &
server=$!
pids="$pids $server"
for _ in $(seq 100); do grep -q '^listening on' "$tmp/serve.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on [^:]*:\([0-9]*\).*/\1/p' "$tmp/serve.out")
say "  $(head -n 1 "$tmp/serve.out")"
say
say "h2pb get fetches the page twice on one connection (two streams at once);"
say "--trace prints every frame it sends and receives, decoded by the same"
say "parser and HPACK decoder as h2pb frames:"
url="http://127.0.0.1:$port/hello.txt"
printf '$ h2pb get --trace %s %s\n' "$url" "$url"
"$h2pb" get --trace "$url" "$url" > "$tmp/get.out"
cat "$tmp/get.out"
frames() { grep -E '^\[ *[0-9.]+\] (send|recv) ' "$tmp/get.out" | sed 's/^\[ *[0-9.]*\] //'; }
say
say "Layer 1, frames: the client's 24-octet preface, SETTINGS each way (each"
say "acknowledged with an empty SETTINGS+ACK), WINDOW_UPDATE opening the"
say "connection window, one HEADERS per request (END_STREAM: a GET has no"
say "body), the answers on the same stream ids, and GOAWAY to close:"
frames | sed 's/^/  /'
say
say "Layer 2, HPACK: each field is a static table index (:method GET is entry 2,"
say "one octet), or a literal; a literal \"with incremental indexing\" enters a"
say "dynamic table (indices from 62, RFC 7541 §2.3.3). A connection has two of"
say "them, one per direction (RFC 9113 §4.3.1): the client's requests fill one,"
say "the server's responses the other, so index 62 in a request and 62 in a"
say "response name different fields. The newest entry is 62; each new entry"
say "moves the older ones to higher indices. So the same field in the second"
say "request, and in the second response, is one octet:"
grep -E '^ +(:[a-z]+|content-type|server|date): ' "$tmp/get.out" | sed 's/^ */  /'
say
say "Layer 3, the body: the DATA frame carries the file's octets, as sent:"
grep -E '^ +data: ' "$tmp/get.out" | head -n 1 | sed 's/^ */  /'
say "  = $(hex < "$www/hello.txt")   (hello.txt)"
kill -TERM "$server"
wait "$server" || true
say
say "SIGTERM: the server sends GOAWAY on its open connections, lets streams in"
say "flight finish, and exits: $(head -n 1 "$tmp/serve.err")"


section "8. The article's AnalyticsService, live: four kinds of call through h2pb trace"
# Waits for "listening on HOST:PORT" as the first line of FILE; prints PORT.
listening_port() {
  for _ in $(seq 200); do grep -q '^listening on' "$1" 2>/dev/null && break; sleep 0.05; done
  sed -n '1s/^listening on [^:]*:\([0-9]*\).*/\1/p' "$1"
}
# The frames h2pb trace printed for one stream, each header line ("#1 c->s
# [  0.003]  OFFSET TYPE stream N ...", the time in brackets) with the lines
# it decoded under it:
# pick CONNECTION STREAM [DIRECTION [TYPE [N]]] (N: only the N-th such frame).
pick() {
  awk -v c="#$1" -v s="$2" -v d="${3:-}" -v t="${4:-}" -v n="${5:-0}" '
    /^#/ { keep = 0; line = $0; sub(/ \[ *[0-9]+\.[0-9]+\]/, "", line); split(line, f, " ")
           if (f[1] == c && f[5] == "stream" && f[6] == s && (d == "" || f[2] == d) && (t == "" || f[4] == t)) {
             k++; keep = (n == 0 || k == n) } }
    keep' "$tmp/trace.out"
}
show() { sed 's/^/  /'; }
# The protobuf fields the trace printed ("1 event_id (string) LEN: "abc123""),
# as protoc's text format prints them ("event_id: "abc123"").
fields() { sed -n 's/^ *[0-9][0-9]* \([a-z_]*\) ([^)]*) [A-Z0-9]*: /\1: /p'; }
# Hex pairs as arguments, written as bytes.
# shellcheck disable=SC2059
unhex() { for b in "$@"; do printf "\\$(printf '%03o' "0x$b")"; done; }
# check_message WHAT TYPE < DATA frame as pick prints it: protoc --decode
# reads the frame's message (its octets after the 5-byte gRPC prefix, from
# the trace's "data:" line) and must find the fields the trace printed.
check_message() {
  frame=$(cat)
  data=$(printf '%s\n' "$frame" | sed -n 's/^ *data: //p')
  case $data in
    "" | *...*) say "  != $1: the trace shows no whole message to check"; return ;;
  esac
  # shellcheck disable=SC2046
  unhex $(printf '%s' "$data" | cut -d' ' -f6-) > "$tmp/message.bin"
  theirs=$(protoc --decode="$2" -I "$ex" analytics_service.proto < "$tmp/message.bin")
  ours=$(printf '%s\n' "$frame" | fields)
  if [ "$ours" = "$theirs" ]; then
    say "  = $1: protoc --decode=$2 reads the same from these octets: $(printf '%s' "$theirs" | tr '\n' ' ')"
  else
    say "  != $1: the trace printed [$(printf '%s' "$ours" | tr '\n' ' ')], protoc --decode reads [$(printf '%s' "$theirs" | tr '\n' ' ')]"
  fi
}
# A grpc-timeout value (PROTOCOL-HTTP2.md: at most 8 digits and a unit,
# H M S m u n) in microseconds.
timeout_us() {
  printf '%s\n' "$1" | awk '{ v = substr($0, 1, length($0) - 1); u = substr($0, length($0))
    f = (u == "H") ? 3600e6 : (u == "M") ? 60e6 : (u == "S") ? 1e6 : (u == "m") ? 1e3 : (u == "u") ? 1 : 1e-3
    printf "%d\n", v * f }'
}

live() {
  say "docs/examples/analytics_server_full serves the article's four methods behind"
  say "its auth interceptor; docs/examples/analytics_client calls each once, as the"
  say "article's Python clients do. h2pb trace sits between them: a proxy that"
  say "forwards every octet unchanged and prints each frame as it passes, decoded"
  say "down to the protobuf fields (--proto names each method's message types)."
  say
  "$analytics_server" 0 > "$tmp/server.out" 2>&1 &
  analytics=$!
  pids="$pids $analytics"
  sport=$(listening_port "$tmp/server.out")
  say "$ analytics_server_full 0"
  say "  $(head -n 1 "$tmp/server.out")"
  say "$ h2pb trace --listen 0 --to 127.0.0.1:$sport --proto $ex/analytics_service.proto -I $ex --max-connections 2"
  "$h2pb" trace --listen 0 --to "127.0.0.1:$sport" --proto "$ex/analytics_service.proto" -I "$ex" \
    --max-connections 2 > "$tmp/trace.out" 2> "$tmp/trace.err" &
  tracer=$!
  pids="$pids $tracer"
  tport=$(listening_port "$tmp/trace.out")
  say "  $(head -n 1 "$tmp/trace.out")"
  say "$ analytics_client 127.0.0.1:$tport"
  if "$analytics_client" "127.0.0.1:$tport" > "$tmp/client.out" 2>&1; then :; else say "(exit status $?)"; fi
  show < "$tmp/client.out"
  # The client has closed its two connections: the trace exits (--max-connections 2).
  for _ in $(seq 100); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$tracer" 2>/dev/null; then kill "$tracer"; say "!= h2pb trace did not exit after the two connections"; fi
  wait "$tracer" || true
  cat "$tmp/trace.err"

  subsection "8.1 Two connections"
  say "The client's channel opens connection #1 and sends the token with every call;"
  say "a second channel, without it, opens #2 for the call that is refused. Each"
  say "starts as in section 7: the preface, SETTINGS each way (each acknowledged),"
  say "WINDOW_UPDATEs that open the connection's windows; all on stream 0:"
  say
  { grep '^#1 c->s .* client preface' "$tmp/trace.out"; pick 1 0; } | show

  subsection "8.2 GetReport: a unary call, stream 1"
  say "One request, one response, on one stream: the request HEADERS name the method"
  say "in :path (/package.Service/Method) and carry content-type application/grpc,"
  say "te: trailers, the deadline as grpc-timeout and the token; one DATA frame with"
  say "END_STREAM holds one length-prefixed message. The answer: HEADERS (:status"
  say "200), one DATA, and the trailers: a second HEADERS with END_STREAM."
  say
  pick 1 1 | show
  say
  say "authorization is a \"literal never indexed\" (RFC 7541 §6.2.3): a secret stays"
  say "out of every dynamic table on the way. grpc-timeout is the time left of the"
  say "client's 5 s, in microseconds (u); the trace's note says it in seconds. The"
  say "bracket after c->s or s->c is when the proxy read the frame, in seconds"
  say "since the connection began (--no-time leaves it out). A DATA line shows the"
  say "first 32 octets (--data-octets N shows N, 0 all of them); the fields under"
  say "it are decoded from all of them."
  first_timeout=$(pick 1 1 "c->s" HEADERS | sed -n 's/^ *grpc-timeout: \([0-9]*[HMSmun]\) .*/\1/p')
  us=$(timeout_us "${first_timeout:-0u}")
  if [ "$us" -gt 4000000 ] && [ "$us" -le 5000000 ]; then
    say "  = grpc-timeout $first_timeout: at most the 5 s the client set (options.timeout = 5s)"
  else
    say "  != grpc-timeout '$first_timeout' is not the client's 5 s less a little"
  fi
  pick 1 1 "c->s" DATA 1 | check_message "the request" analytics.v1.ReportRequest

  subsection "8.3 StreamEvents: server streaming, stream 5"
  say "The request is one message, as for GetReport: an empty EventFilter (every field"
  say "at its default, so no field on the wire: a 5-octet prefix saying length 0)."
  say
  { pick 1 5 "c->s" HEADERS; pick 1 5 "c->s" DATA; } | grep -E '^#|:path|data:|gRPC message' | show
  say
  say "The server answers with one DATA frame per Event as it reads them (one every"
  say "100 ms). The first in full:"
  say
  pick 1 5 "s->c" | awk '/^#/ && / DATA / { n++ } n < 2' | show
  say
  say "then the others (frame header and fields only):"
  pick 1 5 "s->c" DATA | awk '/^#/ { n++ } n >= 2' | grep -E '^#| [0-9] [a-z_]+ \(' | show
  say
  say "The client wanted three events: it cancels the call, and a cancelled call on"
  say "the wire is RST_STREAM with CANCEL (PROTOCOL-HTTP2.md); no trailers follow, so"
  say "no grpc-status crosses the wire (the trace's note):"
  pick 1 5 "c->s" RST_STREAM | show
  say
  for n in 1 2 3; do pick 1 5 "s->c" DATA "$n" | check_message "event $n" analytics.v1.Event; done

  subsection "8.4 UploadBatch: client streaming, stream 7"
  say "Now the client streams: five DATA frames, one RawEvent each (payload is bytes,"
  say "so the trace prints octets, and their text as they are printable ASCII), then"
  say "an empty DATA with END_STREAM: no more messages. The first and the last two:"
  say
  pick 1 7 "c->s" HEADERS | grep -E '^#|:path' | show
  pick 1 7 "c->s" DATA 1 | show
  say "  ..."
  pick 1 7 "c->s" DATA | awk '/^#/ { n++ } n >= 5' | grep -E '^#|data:' | show
  say
  say "Only then does the server answer, once; grpc-status 0 is now one octet, entry"
  say "62 of the dynamic table (the first call's trailers put it there):"
  say
  pick 1 7 "s->c" | show
  say
  payload=$(printf 'sensor_042 reading 1' | hex)
  if pick 1 7 "c->s" DATA 1 | grep -qF "payload (bytes) LEN: $payload  \"sensor_042 reading 1\" "; then
    say "  = the first payload's octets are the ASCII of \"sensor_042 reading 1\", as the client wrote"
  else
    say "  != the first payload is not \"sensor_042 reading 1\" ($payload)"
  fi
  sent=$(pick 1 7 "c->s" DATA | grep -c 'gRPC message complete' || true)
  pick 1 7 "s->c" DATA 1 | check_message "the summary" analytics.v1.BatchSummary
  received=$(pick 1 7 "s->c" DATA 1 | sed -n 's/.*received (int64) VARINT: //p')
  if [ "$sent" = "$received" ]; then
    say "  = the server received $received: the $sent messages the trace saw the client send"
  else
    say "  != the server says it received '$received', the trace saw $sent messages"
  fi

  subsection "8.5 ProcessPipeline: bidirectional streaming, stream 9"
  say "Both sides stream on one stream: the client's RawEvents and its END_STREAM, and"
  say "a ProcessedEvent back for each RawEvent as it arrives, then the trailers. (The"
  say "trace prints each direction as it reads it: the order between the directions"
  say "is the proxy's.) Frame headers and fields:"
  say
  pick 1 9 | grep -E '^#|gRPC message complete| [0-9] [a-z_]+ \(|grpc-status' | show
  say
  say "confidence is a float: wire type I32, four octets little-endian (33 33 73 3f"
  say "is 0.95 rounded to a float, which prints as 0.95)."
  for n in 1 2 3; do pick 1 9 "s->c" DATA "$n" | check_message "result $n" analytics.v1.ProcessedEvent; done

  subsection "8.6 How calls end: trailers, and a deadline that expires on purpose"
  say "The call on connection #2 had no token. The server's auth interceptor refused"
  say "it before any handler ran, so the whole response is one HEADERS frame with"
  say "END_STREAM: :status, grpc-status and grpc-message together (Trailers-Only):"
  say
  pick 2 1 "s->c" | show
  say
  code=$(pick 2 1 "s->c" HEADERS | sed -n 's/^ *grpc-status: \([0-9]*\) .*/\1/p')
  message=$(pick 2 1 "s->c" HEADERS | sed -n 's/^ *grpc-message: \(.*\)   \[.*/\1/p')
  reference=$(/usr/bin/python3 -c 'import grpc; print(grpc.StatusCode.UNAUTHENTICATED.value[0])' 2>/dev/null || true)
  if [ -n "$code" ] && [ "$code" = "$reference" ]; then
    say "  = grpc-status $code is UNAUTHENTICATED (grpcio's StatusCode.UNAUTHENTICATED is $reference)"
  else
    say "  != grpc-status '$code', grpcio's UNAUTHENTICATED is '$reference'"
  fi
  if grep -qxF "without a token: UNAUTHENTICATED: $message" "$tmp/client.out"; then
    say "  = the client printed this grpc-message: \"$message\""
  else
    say "  != the client did not print the grpc-message \"$message\""
  fi
  say
  say "The second GetReport (stream 3) set 150 ms; the server needs 400 ms for a"
  say "report. The client sends the time left as grpc-timeout; the request goes out"
  say "whole; then nothing comes back before the deadline, and the client gives up:"
  say "it resets the stream with CANCEL and reports DEADLINE_EXCEEDED itself, so no"
  say "trailers cross the wire. The server read the same grpc-timeout: its deadline"
  say "passes a moment later, and it resets the stream too (s->c), or, should the"
  say "client be slow to wake, gets trailers with grpc-status 4 out first:"
  say
  pick 1 3 | grep -E '^#|:path|grpc-timeout|error_code|grpc-status|grpc-message' | show
  say
  say "Its downstream StreamEvents call was given the time that was left (deadline"
  say "propagation); the server's log:"
  grep 'downstream' "$tmp/server.out" | show || true
  say
  late_timeout=$(pick 1 3 "c->s" HEADERS | sed -n 's/^ *grpc-timeout: \([0-9]*[HMSmun]\) .*/\1/p')
  us=$(timeout_us "${late_timeout:-0u}")
  if [ "$us" -gt 100000 ] && [ "$us" -le 150000 ]; then
    say "  = grpc-timeout $late_timeout: the 150 ms the client set (hurried.timeout = 150ms), less the time to send it"
  else
    say "  != grpc-timeout '$late_timeout' is not the client's 150 ms"
  fi
  deadline_code=$(/usr/bin/python3 -c 'import grpc; print(grpc.StatusCode.DEADLINE_EXCEEDED.value[0])' 2>/dev/null || true)
  if pick 1 3 | grep -q 'grpc-status: 0 '; then
    say "  != stream 3 ended with grpc-status 0: the deadline did not expire"
  elif pick 1 3 "c->s" RST_STREAM | grep -q 'error_code: CANCEL'; then
    say "  = stream 3 ended with the client's RST_STREAM (CANCEL), no grpc-status 0"
  elif pick 1 3 "s->c" RST_STREAM | grep -q 'error_code: CANCEL'; then
    say "  = stream 3 ended with the server's RST_STREAM (CANCEL): its deadline passed before the client's reset went out, no grpc-status 0"
  elif [ -n "$deadline_code" ] && pick 1 3 "s->c" HEADERS | grep -q "grpc-status: $deadline_code "; then
    say "  = stream 3 ended with grpc-status $deadline_code (grpcio's DEADLINE_EXCEEDED is $deadline_code)"
  else
    say "  != stream 3 ended neither with the client's RST_STREAM (CANCEL) nor with DEADLINE_EXCEEDED"
  fi
  if grep -q 'GetReport DEADLINE_EXCEEDED' "$tmp/client.out"; then
    say "  = the client's interceptor saw GetReport end DEADLINE_EXCEEDED"
  else
    say "  != the client's interceptor did not see DEADLINE_EXCEEDED"
  fi

  subsection "8.7 In all"
  say "Frames per type on both connections, both directions:"
  sed 's/ \[ *[0-9]*\.[0-9]*\]//' "$tmp/trace.out" | awk '$5 == "stream" { print $4 }' | sort | uniq -c | sed 's/^ */  /'
  if grep -q '!!' "$tmp/trace.out"; then
    say "  != the trace flagged violations:"
    grep '!!' "$tmp/trace.out" | show
  else
    say "  = no violation of RFC 9113, RFC 7541 or the gRPC protocol flagged"
  fi
  kill -TERM "$analytics"
  wait "$analytics" || true
  say "SIGTERM: the server shuts down gracefully: $(tail -n 1 "$tmp/server.out")"
}
if [ -x "$analytics_server" ] && [ -x "$analytics_client" ]; then
  live
else
  say "skipped: $analytics_server and $analytics_client are not built"
  say "(ninja -C build tests/docs/analytics_server_full tests/docs/analytics_client;"
  say "they need protoc-gen-h2pb: libprotoc-dev)"
fi
say
say "That is the tour. h2pb decode --help lists every option."
