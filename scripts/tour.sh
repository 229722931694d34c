#!/bin/sh
# A tour of the gRPC wire with the h2pb tool: the article's examples, decoded.
# usage: tour.sh PATH_TO_H2PB
set -eu
h2pb=${1:-build/tools/h2pb/h2pb}
echo "== The 15-byte gRPC message for { weight: 150, name: \"Apple\" }"
"$h2pb" decode --grpc 00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65
