#!/bin/sh
# Builds tests/consumer/project against h2pb two ways and runs it:
#   1. as a meson subproject (subprojects/h2pb -> this source tree)
#   2. installed with `meson install`, found through pkg-config (meson and plain c++)
# Both also generate a header from hello.proto with protoc-gen-h2pb and use it.
# usage: consumer_test.sh SOURCE_ROOT SCRATCH_DIR
set -eu
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

echo "== 1. subproject"
cp -r "$src/tests/consumer/project" "$work/sub"
mkdir -p "$work/sub/subprojects"
ln -s "$src" "$work/sub/subprojects/h2pb"
meson setup "$work/sub/build" "$work/sub" -Duse_subproject=true --wrap-mode=nodownload >/dev/null
ninja -C "$work/sub/build" >/dev/null
"$work/sub/build/consumer"
"$work/sub/build/consumer_proto"

echo "== 2. installed + pkg-config"
meson setup "$work/lib-build" "$src" --prefix "$work/prefix" -Dtests=false -Dtools=false \
  -Dbenchmarks=disabled -Dprotoc_plugin=enabled >/dev/null
meson install -C "$work/lib-build" >/dev/null
pcdir=$(dirname "$(find "$work/prefix" -name h2pb.pc | head -n 1)")
test -f "$work/prefix/include/h2pb/wire/varint.hpp"
export PKG_CONFIG_PATH="$pcdir"
export PATH="$work/prefix/bin:$PATH"   # protoc-gen-h2pb, installed to bindir
test -x "$work/prefix/bin/protoc-gen-h2pb"
cp -r "$src/tests/consumer/project" "$work/inst"
meson setup "$work/inst/build" "$work/inst" --wrap-mode=nofallback >/dev/null
ninja -C "$work/inst/build" >/dev/null
"$work/inst/build/consumer"
"$work/inst/build/consumer_proto"
# shellcheck disable=SC2046
${CXX:-c++} $(pkg-config --cflags h2pb) -Wall -Wextra -Werror "$src/tests/consumer/project/main.cpp" -o "$work/plain"
"$work/plain"
# the documented command line, by hand
mkdir -p "$work/plain-gen"
protoc --plugin=protoc-gen-h2pb="$(command -v protoc-gen-h2pb)" --h2pb_out="$work/plain-gen" \
  -I "$src/tests/consumer/project" "$src/tests/consumer/project/hello.proto"
# shellcheck disable=SC2046
${CXX:-c++} $(pkg-config --cflags h2pb) -I "$work/plain-gen" -Wall -Wextra -Werror \
  "$src/tests/consumer/project/proto_main.cpp" -o "$work/plain-proto"
"$work/plain-proto"
echo "consumer: ok"
