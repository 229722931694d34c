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
    # -O1 -gline-tables-only, as the AddressSanitizer documentation advises:
    # reports keep file:line stack traces, and the build takes about 30% less
    # compiler time than -O2 -g (measured on tests/rpc/asio/channel_test.cpp:
    # 98 s -> 68 s of user time), which matters on a 2-core CI. The build type
    # is plain, so assertions are kept on explicitly (b_ndebug=false).
    # asio_tests_mode=separate: the Asio unit tests that can link libh2pb.a
    # (tests/meson.build) do, so that the HTTP/2 + gRPC stack is compiled
    # once under the sanitizers instead of once per test (the release build
    # keeps them header-only: CI tests both modes). An rpc/asio test object
    # takes 23-46 s instead of 118-173 s.
    [ -f "$dir/build.ninja" ] || CXX=clang++ meson setup "$dir" --buildtype=plain \
      -Db_sanitize=address,undefined -Db_lundef=false \
      "-Dcpp_args=-O1 -gline-tables-only -fno-sanitize-recover=all" -Db_ndebug=false \
      -Dcpp_link_args=-fno-sanitize-recover=all \
      -Dfuzzing=true -Dinterop=false -Dtools=false -Dbenchmarks=disabled \
      -Dasio_tests_mode=separate >/dev/null
    ;;
  *) echo "usage: $0 release|sanitize" >&2; exit 2 ;;
esac
ninja -C "$dir"
