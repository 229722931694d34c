#!/bin/sh
# Builds tests/consumer/project against h2pb two ways and runs it:
#   1. as a meson subproject (subprojects/h2pb -> this source tree)
#   2. installed with `meson install`, found through pkg-config (meson and plain c++)
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

echo "== 2. installed + pkg-config"
meson setup "$work/lib-build" "$src" --prefix "$work/prefix" -Dtests=false -Dtools=false \
  -Dbenchmarks=disabled -Dprotoc_plugin=disabled >/dev/null
meson install -C "$work/lib-build" >/dev/null
pcdir=$(dirname "$(find "$work/prefix" -name h2pb.pc | head -n 1)")
test -f "$work/prefix/include/h2pb/wire/varint.hpp"
export PKG_CONFIG_PATH="$pcdir"
cp -r "$src/tests/consumer/project" "$work/inst"
meson setup "$work/inst/build" "$work/inst" --wrap-mode=nofallback >/dev/null
ninja -C "$work/inst/build" >/dev/null
"$work/inst/build/consumer"
# shellcheck disable=SC2046
${CXX:-c++} $(pkg-config --cflags h2pb) -Wall -Wextra -Werror "$src/tests/consumer/project/main.cpp" -o "$work/plain"
"$work/plain"
echo "consumer: ok"
