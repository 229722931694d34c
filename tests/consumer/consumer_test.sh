#!/bin/sh
# Builds the consumer projects (tests/consumer/project) against h2pb one way
# in at a time, and runs what they build: consumer (protobuf, HPACK and an
# in-memory HTTP/2 exchange, with a header generated from hello.proto) and,
# where the way in brings Asio, consumer_asio (a gRPC call and an HTTP/2 GET
# to a gRPC server it starts).
#
# usage: consumer_test.sh SOURCE_ROOT SCRATCH_DIR WAY
#   meson               as a meson subproject (consumer and consumer_asio), and
#                       installed (meson's pkg-config lookup; consumer)
#   pkg-config          installed, plain ${CXX:-c++} $(pkg-config --cflags h2pb)
#                       (consumer), and h2pb-asio's --cflags --libs (consumer_asio)
#   cmake-find-package  installed, find_package(h2pb 0.2 CONFIG REQUIRED COMPONENTS asio)
#                       (consumer and consumer_asio), and the version rule
#   cmake-subdirectory  the source tree with add_subdirectory, without meson
#                       (consumer and consumer_asio)
#   single-header       h2pb.hpp alone on the include path (consumer), then
#                       h2pb_asio.hpp alone (consumer_asio)
#   separate            the separately compiled mode (H2PB_SEPARATE_COMPILATION,
#                       README): consumer_asio and consumer_client against
#                       CMake's h2pb::separate from the source tree and
#                       installed, and against
#                       pkg-config's h2pb-separate; its object file must not
#                       hold the server's body (it is in libh2pb.a); then
#                       consumer_client (consumer_client.cpp, whose object
#                       file must not hold the channel's body, and
#                       consumer_server.cpp)
#
# The installed ways share one `meson install` into SCRATCH_DIR/shared/prefix:
# the first test to need it builds it while holding a lock; the others wait
# for it and reuse it. A stamp (a hash of the files the install is made from)
# says whether the prefix is current; when the sources change it is rebuilt.
set -eu
src=$(cd "$1" && pwd)
mkdir -p "$2"
scratch=$(cd "$2" && pwd)
way=$3
project=$src/tests/consumer/project
work=$scratch/$way
rm -rf "$work"
mkdir -p "$work"

quiet() {  # runs a command, shows its output only when it fails
    if ! "$@" >"$work/last.log" 2>&1; then
        cat "$work/last.log"
        echo "consumer/$way: FAILED: $*"
        exit 1
    fi
}

install_h2pb() {
    shared=$scratch/shared
    mkdir -p "$shared"
    prefix=$shared/prefix
    exec 9>"$shared/lock"
    flock 9
    stamp=$(cd "$src" && find meson.build meson_options.txt include cmake scripts/amalgamate.py src \
        wire proto_codec hpack h2 rpc tools/meson.build tools/protoc-gen-h2pb -type f -print |
        LC_ALL=C sort | xargs sha1sum | sha1sum | cut -d' ' -f1)
    if [ "$(cat "$shared/stamp" 2>/dev/null)" != "$stamp" ]; then
        echo "== meson install into $prefix"
        rm -rf "$prefix" "$shared/stamp"
        if [ ! -f "$shared/build/build.ninja" ]; then
            quiet meson setup "$shared/build" "$src" --prefix "$prefix" \
                -Dtests=false -Dtools=false -Dbenchmarks=disabled -Dprotoc_plugin=enabled
        fi
        quiet meson install -C "$shared/build"
        echo "$stamp" >"$shared/stamp"
    fi
    flock -u 9
    test -f "$prefix/include/h2pb/wire/varint.hpp"
    test -x "$prefix/bin/protoc-gen-h2pb"
    PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name h2pb.pc | head -n 1)")
    PATH=$prefix/bin:$PATH  # protoc-gen-h2pb, installed to bindir
    export PKG_CONFIG_PATH PATH
}

generate_hello() {  # OUT_DIR [PARAMETERS]: hello.proto through the installed plugin
    mkdir -p "$1"
    protoc --plugin=protoc-gen-h2pb="$(command -v protoc-gen-h2pb)" --h2pb_out="${2:+$2:}$1" \
        -I "$project" "$project/hello.proto"
}

cxx=${CXX:-c++}
case $way in
meson)
    echo "== meson, h2pb as a subproject"
    cp -r "$project" "$work/sub"
    mkdir -p "$work/sub/subprojects"
    ln -s "$src" "$work/sub/subprojects/h2pb"
    quiet meson setup "$work/sub/build" "$work/sub" -Duse_subproject=true -Dasio=true \
        --wrap-mode=nodownload
    quiet ninja -C "$work/sub/build"
    "$work/sub/build/consumer"
    "$work/sub/build/consumer_asio"

    install_h2pb
    echo "== meson, h2pb installed (pkg-config)"
    cp -r "$project" "$work/inst"
    quiet meson setup "$work/inst/build" "$work/inst" --wrap-mode=nofallback
    quiet ninja -C "$work/inst/build"
    "$work/inst/build/consumer"
    ;;
pkg-config)
    install_h2pb
    echo "== plain $cxx, pkg-config"
    test "$(pkg-config --modversion h2pb)" = "$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$src/meson.build")"
    # the README's command lines (generate_hello runs its protoc line)
    generate_hello "$work/gen"
    # shellcheck disable=SC2046
    $cxx $(pkg-config --cflags h2pb) -I "$work/gen" -Wall -Wextra -Werror \
        "$project/consumer.cpp" -o "$work/consumer"
    "$work/consumer"
    echo "== plain $cxx, pkg-config h2pb-asio"
    generate_hello "$work/gen-asio" services
    # shellcheck disable=SC2046
    $cxx $(pkg-config --cflags h2pb-asio) -I "$work/gen-asio" -Wall -Wextra -Werror \
        "$project/consumer_asio.cpp" -o "$work/consumer_asio" $(pkg-config --libs h2pb-asio)
    "$work/consumer_asio"
    ;;
cmake-find-package)
    install_h2pb
    echo "== CMake, find_package(h2pb): the version rule"
    quiet cmake -S "$src/tests/consumer/version" -B "$work/version" -DCMAKE_PREFIX_PATH="$prefix"
    echo "== CMake, find_package(h2pb) in a moved copy of the installed tree"
    cp -r "$prefix" "$work/moved"
    quiet cmake -S "$src/tests/consumer/version" -B "$work/version-moved" -DCMAKE_PREFIX_PATH="$work/moved"
    grep -q "headers in $work/moved/include\$" "$work/last.log"
    echo "== CMake, find_package(h2pb 0.2 CONFIG REQUIRED COMPONENTS asio)"
    cp -r "$project" "$work/proj"
    quiet cmake -S "$work/proj" -B "$work/proj/build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DH2PB_CONSUMER_ASIO=ON -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
    quiet cmake --build "$work/proj/build" -j 2
    "$work/proj/build/consumer"
    "$work/proj/build/consumer_asio"
    ;;
cmake-subdirectory)
    echo "== CMake, add_subdirectory(h2pb source tree), no meson"
    cp -r "$project" "$work/proj"
    # Both programs: h2pb::asio's dependencies resolve from the consumer's
    # directory, and its server answers a gRPC call and a GET.
    quiet cmake -S "$work/proj" -B "$work/proj/build" -DH2PB_SOURCE_DIR="$src" \
        -DH2PB_CONSUMER_ASIO=ON -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
    quiet cmake --build "$work/proj/build" -j 2
    test -x "$work/proj/build/h2pb/protoc-gen-h2pb"  # built from source, and used
    "$work/proj/build/consumer"
    "$work/proj/build/consumer_asio"
    ;;
single-header)
    install_h2pb
    single=$prefix/include/h2pb_single
    echo "== single header: h2pb.hpp alone"
    mkdir -p "$work/inc" "$work/gen" "$work/inc-asio"
    cp "$single/h2pb.hpp" "$work/inc/"
    protoc --plugin=protoc-gen-h2pb="$(command -v protoc-gen-h2pb)" \
        --h2pb_out=single_header=h2pb.hpp:"$work/gen" -I "$project" "$project/hello.proto"
    grep -q '^#include <h2pb.hpp>$' "$work/gen/hello.h2pb.hpp"
    if grep -q '<h2pb/' "$work/gen/hello.h2pb.hpp"; then exit 1; fi
    $cxx -std=c++20 -DH2PB_CONSUMER_SINGLE_HEADER -I "$work/inc" -I "$work/gen" -Wall -Wextra -Werror \
        "$project/consumer.cpp" -o "$work/consumer"
    "$work/consumer"
    echo "== single header: h2pb_asio.hpp alone"
    cp "$single/h2pb_asio.hpp" "$work/inc-asio/"
    mkdir -p "$work/gen-asio"
    protoc --plugin=protoc-gen-h2pb="$(command -v protoc-gen-h2pb)" \
        --h2pb_out=services,single_header=h2pb_asio.hpp:"$work/gen-asio" -I "$project" "$project/hello.proto"
    $cxx -std=c++20 -DH2PB_CONSUMER_SINGLE_HEADER -I "$work/inc-asio" -I "$work/gen-asio" -Wall -Wextra -Werror \
        "$project/consumer_asio.cpp" -o "$work/consumer_asio" -lssl -lcrypto -pthread
    "$work/consumer_asio"
    ;;
separate)
    echo "== separately compiled: CMake add_subdirectory, h2pb::separate"
    cp -r "$project" "$work/proj"
    quiet cmake -S "$work/proj" -B "$work/proj/build" -DH2PB_SOURCE_DIR="$src" \
        -DH2PB_CONSUMER_ASIO=ON -DH2PB_CONSUMER_SEPARATE=ON -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
    quiet cmake --build "$work/proj/build" -j 2 --target consumer_asio consumer_client
    "$work/proj/build/consumer_asio"
    "$work/proj/build/consumer_client"

    install_h2pb
    test -f "$(find "$prefix" -name libh2pb.a | head -n 1)"
    echo "== separately compiled: installed, find_package(h2pb COMPONENTS separate)"
    cp -r "$project" "$work/inst"
    quiet cmake -S "$work/inst" -B "$work/inst/build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DH2PB_CONSUMER_ASIO=ON -DH2PB_CONSUMER_SEPARATE=ON -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
    quiet cmake --build "$work/inst/build" -j 2 --target consumer_asio consumer_client
    "$work/inst/build/consumer_asio"
    "$work/inst/build/consumer_client"

    echo "== separately compiled: plain $cxx, pkg-config h2pb-separate"
    generate_hello "$work/gen-asio" services
    # shellcheck disable=SC2046
    $cxx $(pkg-config --cflags h2pb-separate) -I "$work/gen-asio" -Wall -Wextra -Werror \
        -c "$project/consumer_asio.cpp" -o "$work/consumer_asio.o"
    # The server's body (rpc::asio::detail::server_impl) is compiled into
    # libh2pb.a, not into the program's own object file.
    if nm -C "$work/consumer_asio.o" | grep -q ' [TW] h2pb::rpc::asio::detail::server_impl::'; then
        echo "consumer/separate: consumer_asio.o defines the server's body"
        exit 1
    fi
    # shellcheck disable=SC2046
    $cxx "$work/consumer_asio.o" -o "$work/consumer_asio" $(pkg-config --libs h2pb-separate)
    "$work/consumer_asio"

    echo "== separately compiled: plain $cxx, a client unit and a server unit"
    for unit in consumer_client consumer_server; do
        # shellcheck disable=SC2046
        $cxx $(pkg-config --cflags h2pb-separate) -I "$work/gen-asio" -Wall -Wextra -Werror \
            -c "$project/$unit.cpp" -o "$work/$unit.o"
    done
    # The client's body (rpc::asio::channel's members, the call objects'
    # call_handle, the call machinery detail::call_core and the connections
    # detail::channel_core) is compiled into libh2pb.a: the unit that
    # includes channel.hpp and the stub holds only the call templates.
    if nm -C "$work/consumer_client.o" |
        grep -E ' [TW] h2pb::rpc::asio::(channel::|call_handle::|detail::(call_core|channel_core)::)'; then
        echo "consumer/separate: consumer_client.o defines the channel's body"
        exit 1
    fi
    # shellcheck disable=SC2046
    $cxx "$work/consumer_client.o" "$work/consumer_server.o" -o "$work/consumer_client" \
        $(pkg-config --libs h2pb-separate)
    "$work/consumer_client"
    ;;
*)
    echo "usage: consumer_test.sh SOURCE_ROOT SCRATCH_DIR meson|pkg-config|cmake-find-package|cmake-subdirectory|single-header|separate" >&2
    exit 2
    ;;
esac
echo "consumer/$way: ok"
