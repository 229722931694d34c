#!/bin/sh
# The main job (scripts/tour.sh) runs to the end, and its comparisons with the
# article come out as they should: protoc's Fruit bytes and the gRPC frame
# built from them are the article's, and h2pb reads the article's Event bytes
# as protoc does; the live HTTP/2 part shows the frames, HPACK indexes and
# body of h2pb get against h2pb serve, and the server shuts down.
# usage: tour_test.sh H2PB SOURCE_ROOT
set -eu
out=$("$2/scripts/tour.sh" "$1")
fail=0
for want in "= the article's 10-byte payload, byte for byte" \
            "= the article's 15-byte gRPC message, byte for byte" \
            ": the same." \
            "That is the tour." \
            "listening on 127.0.0.1:" \
            "HEADERS  stream 3" \
            ":authority: 127.0.0.1" \
            "[indexed 62]" \
            "Hello from h2pb serve!" \
            "h2pb serve: shutting down"; do
  if ! printf '%s\n' "$out" | grep -qF "$want"; then
    echo "FAIL: tour output lacks: $want"
    fail=1
  fi
done
exit $fail
