#!/bin/sh
# A tour of the gRPC wire with the h2pb tool: the article's examples, decoded
# layer by layer, then a live HTTP/2 exchange between h2pb serve and h2pb get.
# Every byte shown is produced here, by protoc (the reference encoder) or by
# h2pb, and compared with the article's byte dumps.
# usage: tour.sh [PATH_TO_H2PB]
set -eu
h2pb=${1:-}
case $h2pb in
  */*) h2pb=$(cd "$(dirname "$h2pb")" && pwd)/$(basename "$h2pb") ;;  # relative to the caller
esac
cd "$(dirname "$0")/.."
h2pb=${h2pb:-build/tools/h2pb/h2pb}
ex=docs/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

section() { printf '\n==== %s\n\n' "$1"; }
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
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
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
say "one octet), or a literal; a literal \"with incremental indexing\" enters the"
say "connection's dynamic table (indices from 62, RFC 7541 §2.3.3), so the same"
say "field in the second request, and in the second response, is one octet:"
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

say
say "That is the tour. h2pb decode --help lists every option."
