#!/bin/sh
# The main job: install what is missing, build the h2pb tool, and take the
# tour of the gRPC wire with it (scripts/tour.sh).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || CXX=g++ meson setup build --buildtype=release >/dev/null
ninja -C build tools/h2pb/h2pb >/dev/null
exec scripts/tour.sh build/tools/h2pb/h2pb
