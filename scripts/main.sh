#!/bin/sh
# The main job: install what is missing, build the h2pb tool and the
# article's AnalyticsService server and client (docs/examples, built by
# tests/docs/meson.build on the code protoc-gen-h2pb generates), and take the
# tour of the gRPC wire with them (scripts/tour.sh).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || CXX=g++ meson setup build --buildtype=release >/dev/null
ninja -C build tools/h2pb/h2pb tests/docs/analytics_server_full tests/docs/analytics_client >/dev/null
exec scripts/tour.sh build/tools/h2pb/h2pb build/tests/docs/analytics_server_full build/tests/docs/analytics_client
