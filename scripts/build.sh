#!/bin/sh
# Configures (once) and builds one build directory.
#   scripts/build.sh release   -> build/      g++, everything (tests, tools, benchmarks)
#   scripts/build.sh sanitize  -> build-san/  clang, address+undefined, unit tests + fuzz targets
set -eu
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release)
    dir=build
    [ -f "$dir/build.ninja" ] || CXX=g++ meson setup "$dir" --buildtype=release >/dev/null
    ;;
  sanitize)
    dir=build-san
    [ -f "$dir/build.ninja" ] || CXX=clang++ meson setup "$dir" --buildtype=debugoptimized \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dcpp_args=-fno-sanitize-recover=all -Dcpp_link_args=-fno-sanitize-recover=all \
      -Dfuzzing=true -Dinterop=false -Dtools=false -Dbenchmarks=disabled >/dev/null
    ;;
  *) echo "usage: $0 release|sanitize" >&2; exit 2 ;;
esac
ninja -C "$dir"
